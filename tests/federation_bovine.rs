//! Kinora against an ActivityPub peer whose signatures no one here wrote: a small server built
//! on the published Python library `bovine` (tests/peer/bovine_peer.py). The peer finds a
//! channel by WebFinger and follows it, and Kinora's Accept reaches it; a new video and a
//! reply to its comment reach it too. bovine verifies every one of those signed POSTs, and
//! Kinora's signed GETs of the peer's actor. In the other direction, Kinora verifies what
//! bovine signs: the Follow, a comment, a like and an Undo. A body tampered with after
//! signing, and an unsigned POST, are refused and change nothing.
//!
//! The peer runs in the virtual environment `tests/peer/.venv` that `.ci/run` creates. When
//! it is missing the test skips itself with a message, unless `KINORA_REQUIRE_BOVINE=1`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::fed::{eventually, followers_of, get_json, threads};
use common::{Server, http};
use serde_json::{Value, json};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The bovine peer, a child process on an ephemeral loopback port.
struct Peer {
    child: Child,
    url: String,
}

impl Peer {
    fn start() -> Option<Peer> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peer");
        let python = root.join(".venv/bin/python");
        if !python.exists() {
            assert!(
                std::env::var("KINORA_REQUIRE_BOVINE").as_deref() != Ok("1"),
                "KINORA_REQUIRE_BOVINE=1 but tests/peer/.venv is missing"
            );
            eprintln!(
                "skipping: no bovine peer (python3 -m venv tests/peer/.venv && \
                 tests/peer/.venv/bin/pip install -r tests/peer/requirements.txt)"
            );
            return None;
        }
        let mut child = Command::new(python)
            .arg(root.join("bovine_peer.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the bovine peer");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("the peer did not start: {line:?}"))
            .to_string();
        Some(Peer { child, url })
    }

    fn actor(&self) -> String {
        format!("{}/users/carol", self.url)
    }

    async fn control(&self, path: &str, order: Value) -> Value {
        let res = http()
            .post(format!("{}/control/{path}", self.url))
            .json(&order)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "peer {path}");
        res.json().await.unwrap()
    }

    /// Has carol sign (or mangle) and post `activity`; Kinora's status code.
    async fn send(&self, inbox: &str, activity: Value, how: &str) -> u16 {
        let mut order = json!({ "inbox": inbox, "activity": activity });
        if !how.is_empty() {
            order[how] = json!(true);
        }
        let answer = self.control("send", order).await;
        answer["status"].as_u64().unwrap() as u16
    }

    /// One of the peer's control lists.
    async fn list(&self, name: &str) -> Vec<Value> {
        let res = http()
            .get(format!("{}/control/{name}", self.url))
            .send()
            .await
            .unwrap();
        res.json().await.unwrap()
    }

    /// What reached carol's inboxes, each with the actor bovine verified it as.
    async fn received(&self) -> Vec<Value> {
        self.list("received").await
    }

    /// Whether carol accepted an activity of `kind`, verified as sent by `actor`, whose object
    /// matches.
    async fn got(&self, kind: &str, actor: &str, object_matches: impl Fn(&Value) -> bool) -> bool {
        self.received().await.iter().any(|r| {
            r["verified"] == actor
                && r["activity"]["type"] == kind
                && object_matches(&r["activity"]["object"])
        })
    }

    /// Carol's actor's GETs: whether each was signed, and whom bovine verified it as.
    async fn fetches(&self) -> Vec<Value> {
        self.list("fetches").await
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bovine_peer_follows_receives_comments_and_likes_with_signatures_both_ways() {
    let Some(peer) = Peer::start() else { return };
    let a = Server::start_federated(1).pop().unwrap();
    let admin = a.admin_token().await;
    let carol = peer.actor();
    let channel = format!("{}/video-channels/root_channel", a.url);
    let followers = "/video-channels/root_channel/followers";

    // Carol finds the channel with bovine's WebFinger look-up and a signed GET.
    let found = peer
        .control(
            "lookup",
            json!({ "handle": format!("root_channel@{}", a.host()), "origin": a.url }),
        )
        .await;
    assert_eq!(found["status"], 200, "{found}");
    assert_eq!(found["actor"]["id"], channel);
    assert_eq!(found["actor"]["type"], "Group");
    let inbox = found["actor"]["inbox"].as_str().unwrap().to_string();

    // An unsigned Follow, and one whose body changed after bovine signed it, are refused.
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/follow-1", peer.url),
        "type": "Follow", "actor": carol, "object": channel,
    });
    for how in ["unsigned", "tamper"] {
        let status = peer.send(&inbox, follow.clone(), how).await;
        assert!((400..500).contains(&status), "{how} Follow: {status}");
    }
    assert_eq!(followers_of(&a, followers).await, 0);

    // The signed Follow is taken; the Accept that comes back is verified by bovine as the
    // channel's, and Kinora's GETs of carol's actor were signed by a key bovine verified.
    let status = peer.send(&inbox, follow.clone(), "").await;
    assert!((200..300).contains(&status), "signed Follow: {status}");
    eventually(20, "the Accept reaching the peer", &[&a], || async {
        peer.got("Accept", &channel, |o| {
            o["type"] == "Follow" || o == &follow["id"]
        })
        .await
    })
    .await;
    assert_eq!(followers_of(&a, followers).await, 1);
    let fetches = peer.fetches().await;
    assert!(!fetches.is_empty(), "Kinora never fetched carol's actor");
    for f in &fetches {
        let by = f["verified"].as_str().unwrap_or_default();
        assert!(
            f["signed"] == true && by.starts_with(&a.url),
            "a GET of carol's actor not verified as Kinora's: {f}"
        );
    }

    // A new video of the channel reaches carol, signed by one of Kinora's actors.
    let video = a
        .publish(&admin, "short.mp4", &[("name", "For carol".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let video_url = format!("{}/videos/watch/{uuid}", a.url);
    let is_the_video = |o: &Value| o == &json!(video_url) || o["id"] == video_url;
    eventually(30, "the video reaching the peer", &[&a], || async {
        for actor in [&channel, &format!("{}/accounts/root", a.url)] {
            for kind in ["Create", "Announce"] {
                if peer.got(kind, actor, is_the_video).await {
                    return true;
                }
            }
        }
        false
    })
    .await;

    // Carol comments; Kinora verifies bovine's signature and shows the comment.
    let note_id = format!("{}/notes/1", peer.url);
    let note = json!({
        "id": note_id, "type": "Note", "attributedTo": carol,
        "inReplyTo": video_url, "content": "<p>Hello from bovine</p>",
        "published": "2026-12-02T06:00:00Z", "to": [PUBLIC], "cc": [channel],
    });
    let create = |id: &str, object: Value| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/{id}", peer.url), "type": "Create",
            "actor": carol, "object": object, "to": [PUBLIC], "cc": [channel],
        })
    };
    // Tampered first: refused, and no comment appears.
    let shared_inbox = format!("{}/inbox", a.url);
    let status = peer
        .send(&shared_inbox, create("create-0", note.clone()), "tamper")
        .await;
    assert!((400..500).contains(&status), "tampered Create: {status}");
    assert_eq!(threads(&a, &uuid).await["total"], 0);
    let status = peer
        .send(&shared_inbox, create("create-1", note.clone()), "")
        .await;
    assert!((200..300).contains(&status), "signed Create: {status}");
    eventually(15, "carol's comment on Kinora", &[&a], || async {
        threads(&a, &uuid).await["total"] == 1
    })
    .await;
    let thread = threads(&a, &uuid).await["data"][0].clone();
    assert_eq!(thread["text"], "Hello from bovine", "{thread}");
    assert_eq!(thread["account"]["name"], "carol", "{}", thread["account"]);
    assert_eq!(
        thread["account"]["host"],
        peer.url.trim_start_matches("http://")
    );

    // Kinora's reply reaches carol, signed by the replying account.
    let res = http()
        .post(a.api(&format!("/videos/{uuid}/comments/{}", thread["id"])))
        .bearer_auth(&admin)
        .json(&json!({ "text": "Hello carol" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let root = format!("{}/accounts/root", a.url);
    eventually(20, "the reply reaching the peer", &[&a], || async {
        peer.got("Create", &root, |o| {
            o["type"] == "Note" && o["inReplyTo"] == json!(note_id)
        })
        .await
    })
    .await;

    // A Like signed by bovine counts; a tampered one does not.
    let like = |id: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/{id}", peer.url), "type": "Like",
            "actor": carol, "object": video_url,
        })
    };
    let likes =
        || async { get_json(&a.api(&format!("/videos/{uuid}")), None).await.1["likes"].clone() };
    let status = peer.send(&shared_inbox, like("like-0"), "tamper").await;
    assert!((400..500).contains(&status), "tampered Like: {status}");
    assert_eq!(likes().await, 0);
    let status = peer.send(&shared_inbox, like("like-1"), "").await;
    assert!((200..300).contains(&status), "signed Like: {status}");
    eventually(15, "carol's like counted", &[&a], || async {
        likes().await == 1
    })
    .await;

    // Carol unfollows: the Undo verifies and the channel loses its follower.
    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/undo-1", peer.url), "type": "Undo",
        "actor": carol, "object": follow,
    });
    let status = peer.send(&inbox, undo, "").await;
    assert!((200..300).contains(&status), "signed Undo: {status}");
    eventually(15, "the follower gone", &[&a], || async {
        followers_of(&a, followers).await == 0
    })
    .await;

    // Nothing carol refused came from Kinora: every POST Kinora made verified under bovine.
    let refused: Vec<Value> = peer
        .received()
        .await
        .into_iter()
        .filter(|r| r["verified"].is_null())
        .collect();
    assert!(
        refused.is_empty(),
        "bovine refused Kinora's POSTs: {refused:?}"
    );
}
