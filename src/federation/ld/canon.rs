//! JSON-LD to canonical N-Quads (URDNA2015, which W3C published as RDFC-1.0), with the
//! ActivityStreams, security and identity contexts read from memory: nothing is ever fetched,
//! so a document naming any other remote context fails instead of reaching the network.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use json_syntax::Parse;
use locspan::{Location, Meta, Span};
use serde_json::Value;
use sophia_api::quad::Quad;
use sophia_api::term::{SimpleTerm, Term};
use sophia_jsonld::loader::StaticLoader;
use sophia_jsonld::vocabulary::ArcIri;
use sophia_jsonld::{JsonLdOptions, JsonLdParser, JsonLdQuadSource};

use super::LdError;

/// The contexts we know, by the URLs documents name them with. The texts are the published
/// documents (`assets/jsonld/`), the same ones PeerTube and Mastodon preload.
const CONTEXTS: [(&str, &str); 3] = [
    (
        "https://www.w3.org/ns/activitystreams",
        include_str!("../../../assets/jsonld/activitystreams.jsonld"),
    ),
    (
        "https://w3id.org/security/v1",
        include_str!("../../../assets/jsonld/security-v1.jsonld"),
    ),
    (
        "https://w3id.org/identity/v1",
        include_str!("../../../assets/jsonld/identity-v1.jsonld"),
    ),
];

/// The base the JSON-LD library resolves relative references against when none is given: an
/// IRI under it means the document held a relative reference, which jsonld.js (PeerTube)
/// drops or refuses, so we refuse it too rather than sign something they would not see.
const NO_BASE: &str = "x-string:";

/// Upper bound on quads: a federated document has a few hundred at most, and canonicalisation
/// of a huge graph of blank nodes is where the CPU would go.
const MAX_QUADS: usize = 5_000;

type Loader = StaticLoader<ArcIri, Span>;

/// How literals are written in the canonical N-Quads. The two differ only for control
/// characters other than line feed and carriage return (a tab in a comment, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// jsonld.js 8 (rdf-canonize 3), which PeerTube pins: only `"`, `\`, LF and CR escaped.
    Jsonld8,
    /// RDFC-1.0 as published, which Mastodon's Ruby library and jsonld.js 9 write: the other
    /// control characters escaped too (`\t`, `\u0001` ...). sophia_c14n writes this one.
    Rdfc10,
}

/// Control characters the two dialects write differently.
pub fn is_dialect_sensitive(c: char) -> bool {
    (c <= '\u{1f}' && c != '\n' && c != '\r') || c == '\u{7f}'
}

/// jsonld.js 8's raw control characters go through sophia_c14n as private-use stand-ins
/// (written as they are), and come back in the output.
const STAND_IN: u32 = 0xF700;

fn stand_in(c: char) -> char {
    char::from_u32(STAND_IN + c as u32).unwrap_or(c)
}

fn is_stand_in(c: char) -> bool {
    (STAND_IN..=STAND_IN + 0x7f).contains(&(c as u32))
}

fn loader() -> Result<&'static Loader, LdError> {
    static LOADER: OnceLock<Result<Loader, String>> = OnceLock::new();
    LOADER
        .get_or_init(|| {
            let mut loader = Loader::new();
            for (url, text) in CONTEXTS {
                let iri = ArcIri::new(Arc::from(url)).map_err(|e| e.to_string())?;
                let doc =
                    json_syntax::Value::parse_str(text, |span| Location::new(iri.clone(), span))
                        .map_err(|Meta(e, _)| format!("{url}: {e}"))?;
                loader = loader.with(iri, doc);
            }
            Ok(loader)
        })
        .as_ref()
        .map_err(|e| LdError::Context(e.clone()))
}

/// The URDNA2015 canonical N-Quads of a JSON-LD document. Fails on anything jsonld.js in
/// PeerTube's "safe" mode would refuse and that could hide data from the signature: keys the
/// context does not define (they turn into blank-node predicates), relative references, and
/// any context that is not one of ours or inline.
pub fn canonical_nquads(doc: &Value, dialect: Dialect) -> Result<String, LdError> {
    let text = doc.to_string();
    let loader = loader()?;
    // The JSON-LD and canonicalisation crates are large; a panic inside them on some odd
    // input must cost this document its signature, not the thread.
    crate::contained::contained("the JSON-LD processor", || {
        canonical_of_text(&text, loader, dialect)
    })
    .unwrap_or_else(|| Err(LdError::Invalid("the JSON-LD processor failed".into())))
}

fn canonical_of_text(text: &str, loader: &Loader, dialect: Dialect) -> Result<String, LdError> {
    let options = JsonLdOptions::new()
        .with_document_loader(loader.clone())
        // Keeps the triples of undefined keys (as blank-node predicates) so they can be seen
        // and refused below; a standard conversion would drop them silently.
        .with_produce_generalized_rdf(true);
    let parser = JsonLdParser::new_with_options(options);
    let quads = match futures_executor::block_on(parser.async_parse_str(text)) {
        JsonLdQuadSource::Quads(quads) => quads,
        JsonLdQuadSource::Err(e) => {
            return Err(LdError::Invalid(
                e.map(|e| e.to_string()).unwrap_or_default(),
            ));
        }
    };
    let mut stood_in = false;
    let mut set: HashSet<([SimpleTerm<'static>; 3], Option<SimpleTerm<'static>>)> = HashSet::new();
    for q in quads {
        if set.len() >= MAX_QUADS {
            return Err(LdError::Invalid("the document is too large".into()));
        }
        let p = q.p();
        if p.is_blank_node() {
            return Err(LdError::Invalid(format!(
                "the context does not define {}",
                p.bnode_id().map(|b| b.to_string()).unwrap_or_default()
            )));
        }
        let relative = [Some(q.s()), Some(p), Some(q.o()), q.g()]
            .into_iter()
            .flatten()
            .any(|t| t.iri().is_some_and(|i| i.as_str().starts_with(NO_BASE)));
        if relative {
            return Err(LdError::Invalid("a relative reference".into()));
        }
        let (spo, g) = q;
        let [s, p, o] = spo;
        let mut o: SimpleTerm<'static> = o.into_term();
        if dialect == Dialect::Jsonld8 {
            o = with_stand_ins(o, &mut stood_in)?;
        }
        set.insert(([s.into_term(), p.into_term(), o], g.map(Term::into_term)));
    }
    let mut out = Vec::new();
    sophia_c14n::rdfc10::normalize(&set, &mut out)
        .map_err(|e| LdError::Invalid(format!("canonicalisation: {e}")))?;
    let out =
        String::from_utf8(out).map_err(|_| LdError::Invalid("canonical form not UTF-8".into()))?;
    if !stood_in {
        return Ok(out);
    }
    // Back to the raw characters, and the lines sorted again as jsonld.js sorts them. Blank
    // node labels were chosen with the stand-ins; they can only differ from jsonld.js's when
    // such a literal hangs off a blank node whose rank it changes, which none of ours do.
    let raw: String = out
        .chars()
        .map(|c| {
            if is_stand_in(c) {
                char::from_u32(c as u32 - STAND_IN).unwrap_or(c)
            } else {
                c
            }
        })
        .collect();
    let mut lines: Vec<&str> = raw.split_inclusive('\n').collect();
    lines.sort_unstable();
    Ok(lines.concat())
}

/// A literal with jsonld.js 8's raw characters replaced by stand-ins.
fn with_stand_ins(
    term: SimpleTerm<'static>,
    stood_in: &mut bool,
) -> Result<SimpleTerm<'static>, LdError> {
    let replace = |text: &str, stood_in: &mut bool| -> Result<Option<String>, LdError> {
        if text.chars().any(is_stand_in) {
            return Err(LdError::Invalid("a private-use character".into()));
        }
        if !text.chars().any(is_dialect_sensitive) {
            return Ok(None);
        }
        *stood_in = true;
        Ok(Some(
            text.chars()
                .map(|c| {
                    if is_dialect_sensitive(c) {
                        stand_in(c)
                    } else {
                        c
                    }
                })
                .collect(),
        ))
    };
    Ok(match term {
        SimpleTerm::LiteralDatatype(text, datatype) => match replace(&text, stood_in)? {
            Some(t) => SimpleTerm::LiteralDatatype(t.into(), datatype),
            None => SimpleTerm::LiteralDatatype(text, datatype),
        },
        SimpleTerm::LiteralLanguage(text, tag, dir) => match replace(&text, stood_in)? {
            Some(t) => SimpleTerm::LiteralLanguage(t.into(), tag, dir),
            None => SimpleTerm::LiteralLanguage(text, tag, dir),
        },
        other => other,
    })
}

/// True when every `@context` in the document is made of our known URLs and inline objects
/// without nulls. A null in an inline context can remove a term's meaning, so its value would
/// drop out of the signed graph while a plain-JSON reader still sees it.
pub fn contexts_are_safe(doc: &Value) -> bool {
    fn context_ok(c: &Value) -> bool {
        match c {
            Value::String(url) => CONTEXTS.iter().any(|(u, _)| u == url),
            Value::Array(items) => items.iter().all(context_ok),
            Value::Object(map) => map.values().all(no_null),
            _ => false,
        }
    }
    fn no_null(v: &Value) -> bool {
        match v {
            Value::Null => false,
            Value::Array(items) => items.iter().all(no_null),
            Value::Object(map) => map.values().all(no_null),
            _ => true,
        }
    }
    fn walk(v: &Value) -> bool {
        match v {
            Value::Object(map) => map.iter().all(|(k, v)| {
                if k == "@context" {
                    context_ok(v)
                } else {
                    walk(v)
                }
            }),
            Value::Array(items) => items.iter().all(walk),
            _ => true,
        }
    }
    walk(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_note_canonicalises_with_the_embedded_contexts() {
        let doc = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "type": "Note", "id": "https://a.example/n/1", "content": "hi \"there\"\n",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        });
        let nq = canonical_nquads(&doc, Dialect::Jsonld8).unwrap();
        assert!(
            nq.contains("<https://a.example/n/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://www.w3.org/ns/activitystreams#Note> ."),
            "{nq}"
        );
        assert!(nq.contains(r#""hi \"there\"\n""#), "{nq}");
        assert_eq!(nq.lines().count(), 3, "{nq}");
    }

    #[test]
    fn the_dialects_differ_only_on_control_characters() {
        let doc = |content: &str| {
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": "https://a.example/n/1", "content": content,
                "tag": [{ "type": "Note", "name": content.replace('a', "b\u{1}") }],
            })
        };
        let plain = doc("line\nnext \"q\"");
        assert_eq!(
            canonical_nquads(&plain, Dialect::Jsonld8).unwrap(),
            canonical_nquads(&plain, Dialect::Rdfc10).unwrap()
        );
        let tabbed = doc("a\tb");
        let jsonld8 = canonical_nquads(&tabbed, Dialect::Jsonld8).unwrap();
        let rdfc10 = canonical_nquads(&tabbed, Dialect::Rdfc10).unwrap();
        assert!(jsonld8.contains("\"a\tb\""), "{jsonld8}");
        assert!(jsonld8.contains("\"b\u{1}\tb\""), "{jsonld8}");
        assert!(rdfc10.contains(r#""a\tb""#), "{rdfc10}");
        assert!(rdfc10.contains(r#""b\u0001\tb""#), "{rdfc10}");
        assert!(canonical_nquads(&doc("\u{f701}"), Dialect::Jsonld8).is_err());
    }

    #[test]
    fn unknown_contexts_undefined_terms_and_relative_ids_fail() {
        let remote = json!({ "@context": "https://example.com/ctx", "type": "Note" });
        assert!(canonical_nquads(&remote, Dialect::Jsonld8).is_err());
        let undefined = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "https://a.example/n/1", "type": "Note", "madeUp": "x",
        });
        let err = canonical_nquads(&undefined, Dialect::Jsonld8)
            .unwrap_err()
            .to_string();
        assert!(err.contains("madeUp"), "{err}");
        let relative = json!({
            "@context": "https://www.w3.org/ns/activitystreams", "id": "n/1", "type": "Note",
        });
        assert!(canonical_nquads(&relative, Dialect::Jsonld8).is_err());
        assert!(canonical_nquads(&json!([1, 2]), Dialect::Jsonld8).is_ok());
    }

    #[test]
    fn contexts_with_nulls_or_unknown_urls_are_not_safe() {
        let ok = json!({ "@context": ["https://www.w3.org/ns/activitystreams", { "pt": "https://joinpeertube.org/ns#" }] });
        assert!(contexts_are_safe(&ok));
        let null =
            json!({ "@context": ["https://www.w3.org/ns/activitystreams", { "content": null }] });
        assert!(!contexts_are_safe(&null));
        let nested = json!({ "object": { "@context": { "x": { "@id": null } } } });
        assert!(!contexts_are_safe(&nested));
        let remote = json!({ "@context": "https://example.com/ctx" });
        assert!(!contexts_are_safe(&remote));
    }
}
