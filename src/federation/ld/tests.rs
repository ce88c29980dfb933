//! Unit tests of LD signatures: round trip, tampering, contexts, and the cost of one.

use super::*;
use crate::federation::keys;
use crate::federation::objects;

fn key_pair() -> (SigningKey<Sha256>, VerifyingKey<Sha256>) {
    let (public, private) = keys::generate().unwrap();
    (
        keys::parse_private(&private).unwrap(),
        keys::parse_public(&public).unwrap(),
    )
}

/// A comment as we send it: PeerTube's context, a Create of a Note.
fn create_note() -> Value {
    objects::with_context(json!({
        "type": "Create",
        "id": "https://a.example/videos/watch/u/comments/1/activity",
        "actor": "https://a.example/accounts/alice",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": ["https://a.example/accounts/alice/followers"],
        "object": {
            "type": "Note",
            "id": "https://a.example/videos/watch/u/comments/1",
            "content": "Tabs\tquotes \" backslash \\ newline\n and ünïcödé ✓",
            "mediaType": "text/markdown",
            "inReplyTo": "https://b.example/videos/watch/v",
            "published": "2026-01-02T03:04:05.000Z",
            "updated": "2026-01-02T03:04:05.000Z",
            "url": "https://a.example/videos/watch/u/comments/1",
            "attributedTo": "https://a.example/accounts/alice",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": ["https://a.example/accounts/alice/followers"],
            "tag": [],
            "replies": "https://a.example/videos/watch/u/comments/1/replies",
        },
    }))
}

#[test]
fn a_signed_activity_verifies_and_keeps_its_content() {
    let (signer, verifier) = key_pair();
    let doc = create_note();
    let signed = sign(&doc, &signer, "https://a.example/accounts/alice#main-key").unwrap();
    let sig = signature_of(&signed).unwrap();
    assert_eq!(sig.creator, "https://a.example/accounts/alice#main-key");
    assert!(sig.created.ends_with('Z'), "{}", sig.created);
    verify(&signed, &verifier).unwrap();
    // Key order and whitespace are not part of what is signed.
    let reparsed: Value =
        serde_json::from_str(&serde_json::to_string_pretty(&signed).unwrap()).unwrap();
    verify(&reparsed, &verifier).unwrap();
    let mut without = signed.clone();
    without.as_object_mut().unwrap().remove("signature");
    assert_eq!(without, doc);
}

#[test]
fn tampering_another_key_or_a_bad_value_fails() {
    let (signer, verifier) = key_pair();
    let signed = sign(
        &create_note(),
        &signer,
        "https://a.example/accounts/alice#main-key",
    )
    .unwrap();
    let mut tampered = signed.clone();
    tampered["object"]["content"] = json!("something else");
    assert!(matches!(
        verify(&tampered, &verifier),
        Err(LdError::Mismatch)
    ));
    let mut moved = signed.clone();
    moved["object"]["inReplyTo"] = json!("https://b.example/videos/watch/w");
    assert!(verify(&moved, &verifier).is_err());
    let mut later = signed.clone();
    later["signature"]["created"] = json!("2030-01-01T00:00:00Z");
    assert!(verify(&later, &verifier).is_err());
    let mut garbage = signed.clone();
    garbage["signature"]["signatureValue"] = json!("not base64!");
    assert!(verify(&garbage, &verifier).is_err());
    let (_, other) = key_pair();
    assert!(matches!(verify(&signed, &other), Err(LdError::Mismatch)));
    assert!(matches!(
        verify(&create_note(), &verifier),
        Err(LdError::Missing)
    ));
}

#[test]
fn a_context_that_hides_a_key_or_is_unknown_fails() {
    let (signer, verifier) = key_pair();
    let signed = sign(
        &create_note(),
        &signer,
        "https://a.example/accounts/alice#main-key",
    )
    .unwrap();
    // Adding a key the context maps to nothing leaves the graph as signed: refused anyway,
    // since a plain JSON reader would take the added value as signed.
    let mut hidden = signed.clone();
    hidden["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "summary": null }));
    hidden["summary"] = json!("unsigned words");
    assert!(matches!(
        verify(&hidden, &verifier),
        Err(LdError::Invalid(_))
    ));
    let mut remote = signed.clone();
    remote["@context"] = json!([
        "https://www.w3.org/ns/activitystreams",
        "https://evil.example/ctx"
    ]);
    assert!(verify(&remote, &verifier).is_err());
    // Undefined keys cannot be signed: PeerTube's safe mode would refuse them.
    let mut undefined = create_note();
    undefined["object"]["madeUp"] = json!(1);
    assert!(matches!(
        sign(&undefined, &signer, "k"),
        Err(LdError::Invalid(_))
    ));
    assert!(sign(&json!("a string"), &signer, "k").is_err());
}

#[test]
fn an_approve_reply_and_an_approved_note_are_signed_with_peertube_s_terms() {
    let (signer, verifier) = key_pair();
    let creator = "https://a.example/accounts/owner#main-key";
    let approve = objects::with_context(json!({
        "type": "ApproveReply",
        "id": "https://a.example/videos/watch/u/comments/3/approve-reply",
        "actor": "https://a.example/accounts/owner",
        "object": "https://b.example/videos/watch/u/comments/1",
        "inReplyTo": "https://a.example/videos/watch/u",
    }));
    verify(&sign(&approve, &signer, creator).unwrap(), &verifier).unwrap();
    // The type is PeerTube's, not the blank node ActivityStreams' `@vocab` makes of a term
    // the context does not define.
    let nquads = canon::canonical_nquads(&approve, Dialect::Jsonld8).unwrap();
    assert!(
        nquads.contains("<https://joinpeertube.org/ns#ApproveReply>"),
        "{nquads}"
    );
    let mut note = create_note();
    note["object"]["replyApproval"] = json!(approve["id"]);
    verify(&sign(&note, &signer, creator).unwrap(), &verifier).unwrap();
    // Without PeerTube's term, `replyApproval` would be a key the context does not define.
    note["@context"][2]
        .as_object_mut()
        .unwrap()
        .remove("replyApproval");
    assert!(sign(&note, &signer, creator).is_err());
}

#[test]
fn a_tab_is_signed_as_peertube_writes_it_and_mastodon_s_form_verifies_too() {
    let (signer, verifier) = key_pair();
    let creator = "https://a.example/accounts/alice#main-key";
    let doc = create_note();
    let created = "2026-01-02T03:04:05Z";
    let ours = sign_at(&doc, &signer, creator, created).unwrap();
    let mastodon = sign_with(&doc, &signer, creator, created, Dialect::Rdfc10).unwrap();
    assert_ne!(
        ours["signature"]["signatureValue"],
        mastodon["signature"]["signatureValue"]
    );
    verify(&ours, &verifier).unwrap();
    verify(&mastodon, &verifier).unwrap();
}

#[test]
fn the_identity_and_security_contexts_give_the_same_options_hash() {
    let options = |ctx: Value| json!({ "@context": ctx, "creator": "https://a.example/accounts/alice#main-key", "created": "2026-01-02T03:04:05Z" });
    let identity =
        canon::canonical_nquads(&options(json!(OPTIONS_CONTEXT)), Dialect::Jsonld8).unwrap();
    let security = canon::canonical_nquads(
        &options(json!([
            "https://w3id.org/security/v1",
            { "RsaSignature2017": "https://w3id.org/security#RsaSignature2017" }
        ])),
        Dialect::Jsonld8,
    )
    .unwrap();
    assert_eq!(identity, security);
    assert_eq!(
        identity,
        "_:c14n0 <http://purl.org/dc/terms/created> \"2026-01-02T03:04:05Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n\
         _:c14n0 <http://purl.org/dc/terms/creator> <https://a.example/accounts/alice#main-key> .\n"
    );
}

/// Prints the cost of one signature and one verification of a comment activity (run with
/// `--nocapture` to read it).
#[test]
fn cost_of_one_signature() {
    let (signer, verifier) = key_pair();
    let doc = create_note();
    let rounds = 20;
    let started = std::time::Instant::now();
    let mut signed = Value::Null;
    for _ in 0..rounds {
        signed = sign(&doc, &signer, "https://a.example/accounts/alice#main-key").unwrap();
    }
    let sign_cost = started.elapsed() / rounds;
    let started = std::time::Instant::now();
    for _ in 0..rounds {
        verify(&signed, &verifier).unwrap();
    }
    let verify_cost = started.elapsed() / rounds;
    let started = std::time::Instant::now();
    for _ in 0..rounds {
        canon::canonical_nquads(&doc, Dialect::Jsonld8).unwrap();
    }
    let canon_cost = started.elapsed() / rounds;
    let options = json!({ "@context": OPTIONS_CONTEXT, "creator": "https://a.example/accounts/alice#main-key", "created": "2026-01-02T03:04:05Z" });
    let started = std::time::Instant::now();
    for _ in 0..rounds {
        canon::canonical_nquads(&options, Dialect::Jsonld8).unwrap();
    }
    let options_cost = started.elapsed() / rounds;
    let started = std::time::Instant::now();
    for _ in 0..rounds {
        let _ = signer.sign(b"x");
    }
    let rsa_cost = started.elapsed() / rounds;
    println!(
        "LD signature of a Create Note: sign {sign_cost:?}, verify {verify_cost:?}; canonical document {canon_cost:?}, canonical options {options_cost:?}, RSA signature {rsa_cost:?}"
    );
}
