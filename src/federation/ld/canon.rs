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
pub fn canonical_nquads(doc: &Value) -> Result<String, LdError> {
    let text = doc.to_string();
    let loader = loader()?;
    // The JSON-LD and canonicalisation crates are large; a panic inside them on some odd
    // input must cost this document its signature, not the thread.
    std::panic::catch_unwind(|| canonical_of_text(&text, loader))
        .unwrap_or_else(|_| Err(LdError::Invalid("the JSON-LD processor failed".into())))
}

fn canonical_of_text(text: &str, loader: &Loader) -> Result<String, LdError> {
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
        set.insert((
            [s.into_term(), p.into_term(), o.into_term()],
            g.map(Term::into_term),
        ));
    }
    let mut out = Vec::new();
    sophia_c14n::rdfc10::normalize(&set, &mut out)
        .map_err(|e| LdError::Invalid(format!("canonicalisation: {e}")))?;
    String::from_utf8(out).map_err(|_| LdError::Invalid("canonical form not UTF-8".into()))
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
        let nq = canonical_nquads(&doc).unwrap();
        assert!(
            nq.contains("<https://a.example/n/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://www.w3.org/ns/activitystreams#Note> ."),
            "{nq}"
        );
        assert!(nq.contains(r#""hi \"there\"\n""#), "{nq}");
        assert_eq!(nq.lines().count(), 3, "{nq}");
    }

    #[test]
    fn unknown_contexts_undefined_terms_and_relative_ids_fail() {
        let remote = json!({ "@context": "https://example.com/ctx", "type": "Note" });
        assert!(canonical_nquads(&remote).is_err());
        let undefined = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "https://a.example/n/1", "type": "Note", "madeUp": "x",
        });
        let err = canonical_nquads(&undefined).unwrap_err().to_string();
        assert!(err.contains("madeUp"), "{err}");
        let relative = json!({
            "@context": "https://www.w3.org/ns/activitystreams", "id": "n/1", "type": "Note",
        });
        assert!(canonical_nquads(&relative).is_err());
        assert!(canonical_nquads(&json!([1, 2])).is_ok());
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
