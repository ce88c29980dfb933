//! Helpers of the notification tests: requests with a token, a user's notifications (all,
//! or of one type) and starting a comment thread.

use serde_json::{Value, json};

use super::fed::get_json;
use super::{Server, http};

pub async fn send(
    server: &Server,
    method: reqwest::Method,
    token: Option<&str>,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = http().request(method, server.api(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

pub async fn post(server: &Server, token: &str, path: &str, body: Value) -> Value {
    let res = send(server, reqwest::Method::POST, Some(token), path, Some(body)).await;
    let status = res.status();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "POST {path}: {status} {v}");
    v
}

pub async fn notifications(server: &Server, token: &str, query: &str) -> Value {
    let (status, v) = get_json(
        &server.api(&format!("/users/me/notifications{query}")),
        Some(token),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v
}

/// The notifications of one type, newest first.
pub async fn of_type(server: &Server, token: &str, kind: i64) -> Vec<Value> {
    notifications(server, token, "?count=100").await["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == kind)
        .cloned()
        .collect()
}

pub async fn comment(server: &Server, token: &str, uuid: &str, text: &str) -> i64 {
    post(
        server,
        token,
        &format!("/videos/{uuid}/comment-threads"),
        json!({ "text": text }),
    )
    .await["comment"]["id"]
        .as_i64()
        .unwrap()
}
