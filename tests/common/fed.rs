//! Helpers of the multi-instance federation tests: JSON reads, polling with the servers' logs
//! on failure, subscriptions, ActivityPub collections, requests signed with an actor's real key
//! (read from its instance's database), and Prometheus counters.

use std::time::Duration;

use kinora::federation::{keys, signatures};
use serde_json::{Value, json};

use super::{Server, http};

pub const AP: &str = "application/activity+json";

pub async fn get_json(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = http().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Polls `check` every 100 ms for up to `secs` seconds; panics with the servers' logs.
pub async fn eventually<F, Fut>(secs: u64, what: &str, servers: &[&Server], mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..secs * 10 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logs: Vec<String> = servers.iter().map(|s| s.log()).collect();
    panic!(
        "{what} did not happen within {secs} s; logs:\n{}",
        logs.join("\n-----\n")
    );
}

pub async fn subscribe(server: &Server, token: &str, uri: &str) {
    let res = http()
        .post(server.api("/users/me/subscriptions"))
        .bearer_auth(token)
        .json(&json!({ "uri": uri }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204, "{}", res.text().await.unwrap());
}

/// `totalItems` of an ActivityPub collection (followers, following ...), -1 when unreadable.
pub async fn followers_of(server: &Server, path: &str) -> i64 {
    let res = http()
        .get(format!("{}{path}", server.url))
        .header("Accept", AP)
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    v["totalItems"].as_i64().unwrap_or(-1)
}

pub async fn remote_videos(server: &Server) -> Value {
    get_json(&server.api("/videos?isLocal=false"), None).await.1
}

/// Three instances where B and C follow A's `root_channel` and both hold the video A published
/// under `name`: returns the servers, their admin tokens and the video's UUID.
pub async fn a_video_followed_by_two(name: &str) -> ([Server; 3], [String; 3], String) {
    let [a, b, c]: [Server; 3] = Server::start_federated(3)
        .try_into()
        .unwrap_or_else(|_| panic!("three servers"));
    let tokens = [
        a.admin_token().await,
        b.admin_token().await,
        c.admin_token().await,
    ];
    let channel = format!("root_channel@{}", a.host());
    subscribe(&b, &tokens[1], &channel).await;
    subscribe(&c, &tokens[2], &channel).await;
    eventually(20, "both follows accepted", &[&a, &b, &c], || async {
        followers_of(&a, "/video-channels/root_channel/followers").await == 2
    })
    .await;
    let video = a
        .publish(&tokens[0], "short.mp4", &[("name", name.into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    eventually(20, "the video reaching B and C", &[&a, &b, &c], || async {
        remote_videos(&b).await["total"] == 1 && remote_videos(&c).await["total"] == 1
    })
    .await;
    ([a, b, c], tokens, uuid)
}

/// A signed POST to `inbox` as the actor `key_id`, with an optional Date and body override.
pub async fn post_signed(
    inbox: &str,
    key: &rsa::pkcs1v15::SigningKey<sha2::Sha256>,
    key_id: &str,
    body: &Value,
    date: Option<String>,
    sent_body: Option<Vec<u8>>,
) -> u16 {
    post_signed_raw(
        inbox,
        key,
        key_id,
        body.to_string().into_bytes(),
        date,
        sent_body,
    )
    .await
}

pub async fn post_signed_raw(
    inbox: &str,
    key: &rsa::pkcs1v15::SigningKey<sha2::Sha256>,
    key_id: &str,
    bytes: Vec<u8>,
    date: Option<String>,
    sent_body: Option<Vec<u8>>,
) -> u16 {
    let url = url::Url::parse(inbox).unwrap();
    let date = date.unwrap_or_else(signatures::http_date_now);
    let headers = signatures::sign_request_at(key, key_id, "POST", &url, Some(&bytes), &date);
    let mut req = http().post(inbox).header("Content-Type", AP);
    for (k, v) in headers {
        if k != "Host" {
            req = req.header(k, v);
        }
    }
    req.body(sent_body.unwrap_or(bytes))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The PEM private key of a local actor, read from the instance's database.
pub fn private_key_of(server: &Server, name: &str) -> String {
    let db = rusqlite::Connection::open(server.data_dir.join("kinora.sqlite3")).unwrap();
    db.query_row(
        "SELECT private_key_pem FROM actors WHERE name = ?1 AND host IS NULL",
        [name],
        |r| r.get(0),
    )
    .unwrap()
}

/// Signs activities as one local actor of `server` (its real key and `#main-key` id).
pub struct Signer {
    pub url: String,
    key: rsa::pkcs1v15::SigningKey<sha2::Sha256>,
}

impl Signer {
    /// The account (or channel, or instance actor `peertube`) `name` of `server`. Its key must
    /// exist already: it does once the actor has sent anything or been fetched.
    pub fn of(server: &Server, path: &str, name: &str) -> Signer {
        Signer {
            url: format!("{}/{path}/{name}", server.url),
            key: keys::parse_private(&private_key_of(server, name)).unwrap(),
        }
    }

    pub async fn post(&self, inbox: &str, activity: &Value) -> u16 {
        post_signed(
            inbox,
            &self.key,
            &format!("{}#main-key", self.url),
            activity,
            None,
            None,
        )
        .await
    }
}

/// Reads one sample of a Prometheus counter from `/metrics` (0 when absent).
pub async fn counter(server: &Server, name: &str, labels: &str) -> f64 {
    let text = http()
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("{name}{{{labels}}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Runs one query on an instance's database (for tables without an API, such as `abuses`).
pub fn query_i64(server: &Server, sql: &str) -> i64 {
    let db = rusqlite::Connection::open(server.data_dir.join("kinora.sqlite3")).unwrap();
    db.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A video's comment threads on `server`, as its API lists them.
pub async fn threads(server: &Server, uuid: &str) -> Value {
    get_json(
        &server.api(&format!("/videos/{uuid}/comment-threads")),
        None,
    )
    .await
    .1
}

/// Starts a comment thread on a video as the holder of `token`; the comment's id.
pub async fn comment(server: &Server, token: &str, uuid: &str, text: &str) -> i64 {
    let res = http()
        .post(server.api(&format!("/videos/{uuid}/comment-threads")))
        .bearer_auth(token)
        .json(&json!({ "text": text }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "comment on {uuid}");
    let v: Value = res.json().await.unwrap();
    v["comment"]["id"].as_i64().unwrap()
}

/// An ActivityPub document (asked for with `Accept: application/activity+json`) and the status.
pub async fn ap_get(url: &str) -> (u16, Value) {
    let res = http().get(url).header("Accept", AP).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// B follows `channel` on A, and A has accepted.
pub async fn follow(a: &Server, b: &Server, b_admin: &str, channel: &str) {
    subscribe(b, b_admin, &format!("{channel}@{}", a.host())).await;
    eventually(20, "B's follow accepted", &[a, b], || async {
        followers_of(a, &format!("/video-channels/{channel}/followers")).await == 1
    })
    .await;
}

/// Waits until B lists one remote video.
pub async fn reaches(a: &Server, b: &Server) {
    eventually(15, "the video reaching B", &[a, b], || async {
        remote_videos(b).await["total"] == 1
    })
    .await;
}
