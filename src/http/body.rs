//! API request bodies read as PeerTube's express reads them: JSON, or a form
//! (`application/x-www-form-urlencoded`, as `curl -d` and scripts send it) with qs's brackets
//! for lists and objects (`tags[]=a&tags[]=b`, `tags[0]=a`, repeated `hosts=`, and
//! `channel[name]=b`). Form values arrive as text; numbers and booleans are read from it.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Largest form body: a video's metadata, with a 10,000-character description percent-encoded.
pub const FORM_LIMIT: usize = 64 * 1024;

/// Nesting a form may use (`channel[name]` is 1); qs's own default is 5.
const FORM_DEPTH: usize = 5;

/// A required body, JSON or form. JSON goes through actix's extractor and its limits and
/// errors; a form is read here.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !is_form(req) {
            let json = web::Json::<T>::from_request(req, payload);
            return Box::pin(async move { Ok(Body(json.await?.into_inner())) });
        }
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = read(body).await?;
            Ok(Body(parse_form(&body)?))
        })
    }
}

/// A body a request may leave out (`POST /videos/{id}/views`, a block's reason): `None` for
/// an empty body, a 400 for one that is not the JSON object or form asked for. actix's
/// `Option<Json<T>>` turns every error into `None`, which accepted `{"currentTime":"abc"}`
/// with a 204.
pub struct OptionalBody<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = is_form(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = read(body).await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalBody(None));
            }
            if form {
                return parse_form(&body).map(|value| OptionalBody(Some(value)));
            }
            // serde would also read a struct from an array (`[1]`).
            if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
                return Err(ApiError::invalid_field(
                    "body",
                    "The body must be a JSON object",
                ));
            }
            serde_json::from_slice(&body)
                .map(|value| OptionalBody(Some(value)))
                .map_err(|e| ApiError::invalid_field("body", format!("Invalid JSON body: {e}")))
        })
    }
}

/// A whole number sent as JSON or as text, where a field is free-form (`Value`): a form's
/// values are text, and PeerTube's validators take `"3"` in JSON too.
pub fn whole_number(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

async fn read(
    body: impl Future<Output = Result<web::Bytes, actix_web::Error>>,
) -> Result<web::Bytes, ApiError> {
    let body = body.await.map_err(|e| {
        let status = e.as_response_error().status_code();
        ApiError::new(status, format!("Cannot read the body: {e}"))
    })?;
    Ok(body)
}

fn parse_form<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.len() > FORM_LIMIT {
        return Err(ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "The body is too large",
        ));
    }
    serde_qs::Config::new()
        .max_depth(FORM_DEPTH)
        .use_form_encoding(true)
        .deserialize_bytes(body)
        .map_err(|e| ApiError::invalid_field("body", format!("Invalid form body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::{Map, Value, json};

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Sample {
        username: String,
        role: u8,
        video_quota: Option<i64>,
        email_verified: Option<bool>,
        #[serde(default)]
        hosts: Vec<String>,
        channel: Option<Channel>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Channel {
        name: String,
    }

    #[test]
    fn forms_read_as_qs_reads_them() {
        let full: Sample = parse_form(
            b"username=a+b&role=2&videoQuota=-1&emailVerified=true\
              &hosts%5B%5D=x&hosts[]=y&channel[name]=c%26d",
        )
        .unwrap();
        assert_eq!(
            full,
            Sample {
                username: "a b".into(),
                role: 2,
                video_quota: Some(-1),
                email_verified: Some(true),
                hosts: vec!["x".into(), "y".into()],
                channel: Some(Channel { name: "c&d".into() }),
            }
        );
        let repeated: Sample = parse_form(b"username=a&role=0&hosts=x&hosts=y").unwrap();
        assert_eq!(repeated.hosts, ["x", "y"]);
        let indexed: Sample = parse_form(b"username=a&role=0&hosts[1]=y&hosts[0]=x").unwrap();
        assert_eq!(indexed.hosts, ["x", "y"]);
        assert!(parse_form::<Sample>(b"username=a&role=admin").is_err());
        assert!(parse_form::<Sample>(b"role=1").is_err());
    }

    #[test]
    fn free_form_fields_stay_text_and_lists() {
        let fields: Map<String, Value> =
            parse_form(b"name=Boats&nsfw=true&tags[]=sea&tags[]=dawn&privacy=1").unwrap();
        assert_eq!(
            Value::Object(fields),
            json!({ "name": "Boats", "nsfw": "true", "tags": ["sea", "dawn"], "privacy": "1" })
        );
    }

    #[test]
    fn a_form_over_the_limit_is_too_large() {
        let big = format!("name={}", "a".repeat(FORM_LIMIT));
        let err = parse_form::<Map<String, Value>>(big.as_bytes()).unwrap_err();
        assert_eq!(err.status, actix_web::http::StatusCode::PAYLOAD_TOO_LARGE);
    }
}
