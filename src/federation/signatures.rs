//! draft-cavage HTTP signatures as PeerTube and Mastodon use them: `rsa-sha256` over
//! `(request-target) host date digest` on POST and `(request-target) host date` on GET,
//! `Digest: SHA-256=<base64>`. Written here because the crates that exist either pull a web
//! framework of their own or do not check what PeerTube requires (covered headers, date window,
//! digest against the raw body).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use sha2::{Digest, Sha256};

use super::FederationError;

/// How far a signed request's `Date` may be from our clock, either way.
pub const DATE_WINDOW_SECS: u64 = 1800;

/// `SHA-256=<base64>` of a body, spelled as PeerTube expects.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", B64.encode(Sha256::digest(body)))
}

pub fn http_date_now() -> String {
    httpdate::fmt_http_date(std::time::SystemTime::now())
}

/// The headers to add to an outgoing request: (name, value) pairs including `Signature`.
pub fn sign_request(
    key: &SigningKey<Sha256>,
    key_id: &str,
    method: &str,
    url: &url::Url,
    body: Option<&[u8]>,
) -> Vec<(&'static str, String)> {
    sign_request_at(key, key_id, method, url, body, &http_date_now())
}

/// `sign_request` with a given `Date` (tests sign stale requests with it).
pub fn sign_request_at(
    key: &SigningKey<Sha256>,
    key_id: &str,
    method: &str,
    url: &url::Url,
    body: Option<&[u8]>,
    date: &str,
) -> Vec<(&'static str, String)> {
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let mut target = url.path().to_string();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let date = date.to_string();
    let mut lines = vec![
        format!("(request-target): {} {target}", method.to_ascii_lowercase()),
        format!("host: {host}"),
        format!("date: {date}"),
    ];
    let mut names = "(request-target) host date".to_string();
    let mut headers = vec![("Host", host), ("Date", date)];
    if let Some(body) = body {
        let digest = digest_header(body);
        lines.push(format!("digest: {digest}"));
        names.push_str(" digest");
        headers.push(("Digest", digest));
    }
    let signature = key.sign(lines.join("\n").as_bytes());
    headers.push((
        "Signature",
        format!(
            "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{names}\",signature=\"{}\"",
            B64.encode(signature.to_bytes())
        ),
    ));
    headers
}

/// A parsed `Signature` header.
#[derive(Debug, Clone)]
pub struct SignatureHeader {
    pub key_id: String,
    pub headers: Vec<String>,
    pub signature: Vec<u8>,
}

pub fn parse_signature_header(value: &str) -> Result<SignatureHeader, FederationError> {
    let bad = |m: &str| FederationError::BadSignature(m.to_string());
    let mut key_id = None;
    let mut headers = None;
    let mut signature = None;
    let mut algorithm = None;
    for part in split_params(value) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| bad("malformed Signature header"))?;
        let v = v.trim().trim_matches('"').to_string();
        match k.trim() {
            "keyId" => key_id = Some(v),
            "headers" => headers = Some(v),
            "signature" => signature = Some(v),
            "algorithm" => algorithm = Some(v),
            _ => {}
        }
    }
    if let Some(a) = algorithm
        && a != "rsa-sha256"
        && a != "hs2019"
    {
        return Err(bad("unsupported signature algorithm"));
    }
    let signature = B64
        .decode(signature.ok_or_else(|| bad("Signature without signature"))?)
        .map_err(|_| bad("signature is not base64"))?;
    Ok(SignatureHeader {
        key_id: key_id.ok_or_else(|| bad("Signature without keyId"))?,
        headers: headers
            .unwrap_or_else(|| "date".into())
            .split_whitespace()
            .map(|h| h.to_ascii_lowercase())
            .collect(),
        signature,
    })
}

/// Splits `a="x,y",b="z"` on the commas outside quotes.
fn split_params(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

/// What a verifier needs of the request.
pub struct IncomingRequest<'a> {
    pub method: &'a str,
    /// Path and query as received.
    pub target: &'a str,
    pub header: &'a dyn Fn(&str) -> Option<String>,
    /// The raw body of a POST (None for GET).
    pub body: Option<&'a [u8]>,
}

/// Checks everything but the cryptography: covered headers, date window, digest. Returns the
/// signing string.
pub fn check_request(
    req: &IncomingRequest,
    sig: &SignatureHeader,
) -> Result<String, FederationError> {
    let bad = |m: String| FederationError::BadSignature(m);
    let mut required = vec!["(request-target)", "host", "date"];
    if req.body.is_some() {
        required.push("digest");
    }
    for h in &required {
        if !sig.headers.iter().any(|s| s == h) {
            return Err(bad(format!("the signature must cover {h}")));
        }
    }
    let date = (req.header)("date").ok_or_else(|| bad("missing Date header".into()))?;
    let when =
        httpdate::parse_http_date(&date).map_err(|_| bad("unreadable Date header".into()))?;
    let now = std::time::SystemTime::now();
    let skew = match now.duration_since(when) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    if skew.as_secs() > DATE_WINDOW_SECS {
        return Err(bad("the Date header is outside the accepted window".into()));
    }
    if let Some(body) = req.body {
        let header = (req.header)("digest").ok_or_else(|| bad("missing Digest header".into()))?;
        let expected = B64.encode(Sha256::digest(body));
        let matches = split_params(&header).iter().any(|part| {
            part.trim().split_once('=').is_some_and(|(alg, value)| {
                alg.eq_ignore_ascii_case("sha-256") && value == expected
            })
        });
        if !matches {
            return Err(bad("the Digest does not match the body".into()));
        }
    }
    let mut lines = Vec::with_capacity(sig.headers.len());
    for name in &sig.headers {
        if name == "(request-target)" {
            lines.push(format!(
                "(request-target): {} {}",
                req.method.to_ascii_lowercase(),
                req.target
            ));
        } else if name.starts_with('(') {
            return Err(bad(format!("unsupported pseudo-header {name}")));
        } else {
            let value = (req.header)(name)
                .ok_or_else(|| bad(format!("signed header {name} is missing")))?;
            lines.push(format!("{name}: {value}"));
        }
    }
    Ok(lines.join("\n"))
}

pub fn verify(key: &VerifyingKey<Sha256>, signing_string: &str, signature: &[u8]) -> bool {
    Signature::try_from(signature)
        .map(|s| key.verify(signing_string.as_bytes(), &s).is_ok())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::keys;

    #[test]
    fn a_signed_post_verifies_and_tampering_is_caught() {
        let (public, private) = keys::generate().unwrap();
        let signer = keys::parse_private(&private).unwrap();
        let verifier = keys::parse_public(&public).unwrap();
        let url = url::Url::parse("http://127.0.0.1:4000/inbox?x=1").unwrap();
        let body = br#"{"type":"Follow"}"#;
        let headers = sign_request(
            &signer,
            "http://a/accounts/x#main-key",
            "POST",
            &url,
            Some(body),
        );
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let sig = parse_signature_header(&get("signature").unwrap()).unwrap();
        assert_eq!(sig.key_id, "http://a/accounts/x#main-key");
        let req = IncomingRequest {
            method: "POST",
            target: "/inbox?x=1",
            header: &get,
            body: Some(body),
        };
        let s = check_request(&req, &sig).unwrap();
        assert!(verify(&verifier, &s, &sig.signature));
        // Another body: the digest no longer matches.
        let req = IncomingRequest {
            body: Some(b"{}"),
            ..req
        };
        assert!(check_request(&req, &sig).is_err());
        // Another target: the signature no longer matches.
        let req = IncomingRequest {
            method: "POST",
            target: "/accounts/x/inbox",
            header: &get,
            body: Some(body),
        };
        let s = check_request(&req, &sig).unwrap();
        assert!(!verify(&verifier, &s, &sig.signature));
    }

    #[test]
    fn stale_dates_and_uncovered_headers_are_refused() {
        let sig = SignatureHeader {
            key_id: "k".into(),
            headers: vec!["(request-target)".into(), "host".into(), "date".into()],
            signature: vec![],
        };
        let old = httpdate::fmt_http_date(
            std::time::SystemTime::now() - std::time::Duration::from_secs(3600),
        );
        let get = |name: &str| match name {
            "date" => Some(old.clone()),
            "host" => Some("h".into()),
            _ => None,
        };
        let req = IncomingRequest {
            method: "GET",
            target: "/",
            header: &get,
            body: None,
        };
        assert!(check_request(&req, &sig).is_err());
        let req = IncomingRequest {
            method: "POST",
            target: "/",
            header: &get,
            body: Some(b"{}"),
        };
        let err = check_request(&req, &sig).unwrap_err().to_string();
        assert!(err.contains("digest"), "{err}");
        assert!(
            parse_signature_header("keyId=\"a\",algorithm=\"hmac-sha256\",signature=\"AA==\"")
                .is_err()
        );
    }
}
