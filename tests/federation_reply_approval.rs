//! PeerTube's reply approval between real `kinora` processes on loopback: on A's video whose
//! comments need approval, a comment from B's user is held on A and B (and C, which follows A,
//! hears nothing of it) until A's owner approves it through the API; A's `ApproveReply` then
//! releases B's copy, B sends it again, and A forwards it to C. On a video open to comments,
//! A sends the `ApproveReply` as soon as the comment arrives. Only the video's owner may send
//! one.

mod common;

use common::fed::{
    AP, Signer, comment, eventually, get_json, query_i64, remote_videos, subscribe, threads,
};
use common::{Server, http};
use serde_json::{Value, json};

/// How many activities with this id `server` has received and processed (0 or 1).
fn received(server: &Server, id: &str) -> i64 {
    query_i64(
        server,
        &format!("SELECT COUNT(*) FROM received_activities WHERE url = '{id}'"),
    )
}

/// A comment's Note as its own server serves it.
async fn note(server: &Server, uuid: &str, id: i64) -> Value {
    let res = http()
        .get(format!("{}/videos/watch/{uuid}/comments/{id}", server.url))
        .header("Accept", AP)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn approve(server: &Server, token: &str, uuid: &str, id: i64) -> u16 {
    http()
        .post(server.api(&format!("/videos/{uuid}/comments/{id}/approve")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The comment threads of a video as its owner (who also sees held comments) lists them.
async fn owner_threads(server: &Server, token: &str, uuid: &str) -> Value {
    get_json(
        &server.api(&format!("/videos/{uuid}/comment-threads")),
        Some(token),
    )
    .await
    .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_video_owner_s_server_approves_remote_replies() {
    let [a, b, c]: [Server; 3] = Server::start_federated(3)
        .try_into()
        .unwrap_or_else(|_| panic!("three servers"));
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    let (_, bob) = b.create_user(&b_admin, "bob", 2).await;
    subscribe(&b, &bob, &format!("root_channel@{}", a.host())).await;
    let c_admin = c.admin_token().await;
    subscribe(&c, &c_admin, &format!("root_channel@{}", a.host())).await;
    let video = a
        .publish(
            &a_admin,
            "short.mp4",
            &[("name", "Moderated".into()), ("commentsPolicy", "3".into())],
        )
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    eventually(20, "the video reaching B and C", &[&a, &b, &c], || async {
        remote_videos(&b).await["total"] == 1 && remote_videos(&c).await["total"] == 1
    })
    .await;
    let (_, on_b) = get_json(&b.api(&format!("/videos/{uuid}")), None).await;
    assert_eq!(on_b["commentsPolicy"]["id"], 3, "{on_b}");

    // Bob's comment is held on B, sent to A, and held there for A's owner.
    let bobs = comment(&b, &bob, &uuid, "Please let me in").await;
    assert_eq!(threads(&b, &uuid).await["total"], 0);
    eventually(15, "Bob's comment held on A", &[&a, &b], || async {
        owner_threads(&a, &a_admin, &uuid).await["total"] == 1
    })
    .await;
    let held = owner_threads(&a, &a_admin, &uuid).await["data"][0].clone();
    assert_eq!(held["heldForReview"], true, "{held}");
    assert_eq!(held["account"]["host"], b.host(), "{held}");
    assert_eq!(threads(&a, &uuid).await["total"], 0);
    assert_eq!(threads(&c, &uuid).await["total"], 0);
    let on_a = held["id"].as_i64().unwrap();
    let approval = format!(
        "{}/videos/watch/{uuid}/comments/{on_a}/approve-reply",
        a.url
    );
    assert_eq!(received(&b, &approval), 0);

    // An ApproveReply from anyone but the video's owner (here its channel) releases nothing.
    let channel = Signer::of(&a, "video-channels", "root_channel");
    let forged = json!({
        "type": "ApproveReply", "id": format!("{}/approvals/1", channel.url),
        "actor": channel.url, "inReplyTo": format!("{}/videos/watch/{uuid}", a.url),
        "object": format!("{}/videos/watch/{uuid}/comments/{bobs}", b.url),
    });
    assert_eq!(
        channel.post(&format!("{}/inbox", b.url), &forged).await,
        403
    );
    assert_eq!(threads(&b, &uuid).await["total"], 0);

    // Only the owner (or a moderator) approves, and only what is held.
    let (_, carol) = a.create_user(&a_admin, "carol", 2).await;
    assert_eq!(approve(&a, &carol, &uuid, on_a).await, 403);
    assert_eq!(approve(&a, &a_admin, &uuid, on_a).await, 204);
    assert_eq!(approve(&a, &a_admin, &uuid, on_a).await, 400);
    assert_eq!(threads(&a, &uuid).await["total"], 1);

    // A's ApproveReply reaches B, which releases Bob's comment and sends it again carrying
    // the approval (PeerTube forwards an approved reply only with it).
    eventually(15, "B's copy released", &[&a, &b], || async {
        threads(&b, &uuid).await["total"] == 1
    })
    .await;
    assert_eq!(threads(&b, &uuid).await["data"][0]["heldForReview"], false);
    assert_eq!(received(&b, &approval), 1);
    assert_eq!(note(&b, &uuid, bobs).await["replyApproval"], approval);
    eventually(15, "the approved reply on C", &[&a, &b, &c], || async {
        threads(&c, &uuid).await["data"][0]["text"] == "Please let me in"
    })
    .await;
    assert_eq!(
        threads(&c, &uuid).await["data"][0]["account"]["host"],
        b.host()
    );
    // A drains C's queue oldest first: had it forwarded the held Create, C would have it.
    let held_create = format!("{}/videos/watch/{uuid}/comments/{bobs}/activity", b.url);
    assert_eq!(received(&c, &held_create), 0);
    assert_eq!(received(&c, &format!("{held_create}/approved")), 1);

    // Open to comments: A approves Bob's next comment as soon as it arrives.
    let res = http()
        .put(a.api(&format!("/videos/{uuid}")))
        .bearer_auth(&a_admin)
        .json(&json!({ "commentsPolicy": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    eventually(15, "the new policy on B", &[&a, &b], || async {
        get_json(&b.api(&format!("/videos/{uuid}")), None).await.1["commentsPolicy"]["id"] == 1
    })
    .await;
    let open = comment(&b, &bob, &uuid, "Straight in").await;
    assert_eq!(threads(&b, &uuid).await["total"], 2);
    eventually(15, "Bob's second comment on A", &[&a, &b], || async {
        threads(&a, &uuid).await["total"] == 2
    })
    .await;
    let list = threads(&a, &uuid).await;
    let second = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["text"] == "Straight in")
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(second["heldForReview"], false);
    let at_once = format!(
        "{}/videos/watch/{uuid}/comments/{}/approve-reply",
        a.url, second["id"]
    );
    eventually(15, "the immediate ApproveReply on B", &[&a, &b], || async {
        received(&b, &at_once) == 1
    })
    .await;
    // Nothing was held on B, so there is nothing to record (as on PeerTube).
    assert_eq!(note(&b, &uuid, open).await.get("replyApproval"), None);
}
