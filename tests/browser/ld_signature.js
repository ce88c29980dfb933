// An independent check of Kinora's LD signatures (RsaSignature2017) with the npm `jsonld`
// package, the JSON-LD library PeerTube itself uses, and node's crypto. Used by
// tests/ld_signature_node.rs. Contexts come from Kinora's assets/jsonld/ through a static
// document loader: any other URL is an error, so nothing is fetched.
//
//   node ld_signature.js verify   < {"document": ..., "publicKeyPem": "..."}
//     prints "mastodon ok|fail" and "peertube ok|fail" (the two ways of checking, below)
//   node ld_signature.js sign     < {"document": ..., "privateKeyPem": "...", "creator": "..."}
//     prints the signed document (signed as PeerTube does)
'use strict'

const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const jsonld = require('jsonld')

const assets = path.join(__dirname, '..', '..', 'assets', 'jsonld')
const CONTEXTS = {
  'https://www.w3.org/ns/activitystreams': 'activitystreams.jsonld',
  'https://w3id.org/security/v1': 'security-v1.jsonld',
  'https://w3id.org/identity/v1': 'identity-v1.jsonld'
}

async function documentLoader (url) {
  const file = CONTEXTS[url]
  if (!file) throw new Error(`no network here: refusing to load ${url}`)
  return {
    contextUrl: null,
    documentUrl: url,
    document: JSON.parse(fs.readFileSync(path.join(assets, file), 'utf8'))
  }
}

// PeerTube normalises in "safe" mode: anything the context does not define is an error.
async function hash (doc) {
  const nquads = await jsonld.canonize(doc, {
    algorithm: 'URDNA2015',
    format: 'application/n-quads',
    safe: true,
    documentLoader
  })
  return crypto.createHash('sha256').update(nquads).digest('hex')
}

function withoutKeys (obj, keys) {
  const copy = { ...obj }
  for (const k of keys) delete copy[k]
  return copy
}

// Mastodon's check: options read with the identity context, the document as received.
async function mastodonToBeSigned (doc) {
  const options = { ...withoutKeys(doc.signature, ['type', 'id', 'signatureValue']), '@context': 'https://w3id.org/identity/v1' }
  return (await hash(options)) + (await hash(withoutKeys(doc, ['signature'])))
}

// PeerTube's check: options read with the security context, the document compacted first.
async function peertubeToBeSigned (doc) {
  const options = {
    '@context': ['https://w3id.org/security/v1', { RsaSignature2017: 'https://w3id.org/security#RsaSignature2017' }],
    ...withoutKeys(doc.signature, ['type', 'id', 'signatureValue'])
  }
  const bare = withoutKeys(doc, ['signature'])
  const compacted = await jsonld.compact(bare, bare['@context'], { documentLoader })
  return (await hash(options)) + (await hash(compacted))
}

async function verify ({ document, publicKeyPem }) {
  for (const [name, toBeSigned] of [['mastodon', mastodonToBeSigned], ['peertube', peertubeToBeSigned]]) {
    let ok = false
    try {
      const v = crypto.createVerify('RSA-SHA256')
      v.update(await toBeSigned(document), 'utf8')
      ok = v.verify(publicKeyPem, document.signature.signatureValue, 'base64')
    } catch (e) {
      console.error(`${name}: ${e.message}`)
    }
    console.log(`${name} ${ok ? 'ok' : 'fail'}`)
  }
}

async function sign ({ document, privateKeyPem, creator }) {
  const signature = { type: 'RsaSignature2017', creator, created: new Date().toISOString() }
  const toSign = (await hash({
    '@context': ['https://w3id.org/security/v1', { RsaSignature2017: 'https://w3id.org/security#RsaSignature2017' }],
    ...withoutKeys(signature, ['type', 'id', 'signatureValue'])
  })) + (await hash(document))
  const s = crypto.createSign('RSA-SHA256')
  s.update(toSign, 'utf8')
  signature.signatureValue = s.sign(privateKeyPem, 'base64')
  console.log(JSON.stringify({ ...document, signature }))
}

async function main () {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'))
  const mode = process.argv[2]
  if (mode === 'verify') return verify(input)
  if (mode === 'sign') return sign(input)
  throw new Error('usage: ld_signature.js verify|sign < input.json')
}

main().catch(e => {
  console.error(e.stack || e.message)
  process.exit(2)
})
