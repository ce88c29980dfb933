//! Deleting a user: their videos go with their files, and their comments stay as deleted
//! comments.

mod common;

use common::{Server, http};
use serde_json::{Value, json};

/// A deleted user's videos go with their files (the database dropped the rows by cascade and
/// left the files on disk), and their comments stay as deleted comments (empty, no author,
/// `isDeleted`), so the replies to them keep their thread and clients that read `account` of
/// every comment not deleted (NewPipe) find one.
#[tokio::test]
async fn a_deleted_users_videos_and_comments_go() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Talked about".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap();
    let (bob_id, bob) = server.create_user(&admin, "bob", 2).await;
    let bobs = server
        .publish(&bob, "short.mp4", &[("name", "Bob's clip".into())])
        .await;
    let bobs_uuid = bobs["uuid"].as_str().unwrap();
    let hls = server
        .data_dir
        .join("streaming-playlists/hls")
        .join(bobs_uuid);
    let originals = || {
        std::fs::read_dir(server.data_dir.join("originals"))
            .unwrap()
            .count()
    };
    assert_eq!(originals(), 2);
    assert!(hls.is_dir());
    let thread: Value = http()
        .post(server.api(&format!("/videos/{uuid}/comment-threads")))
        .bearer_auth(&bob)
        .json(&json!({ "text": "First!" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let thread_id = thread["comment"]["id"].as_i64().unwrap();
    let res = http()
        .post(server.api(&format!("/videos/{uuid}/comments/{thread_id}")))
        .bearer_auth(&admin)
        .json(&json!({ "text": "Welcome, bob" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = http()
        .delete(server.api(&format!("/users/{bob_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    assert_eq!(originals(), 1, "bob's original is gone");
    assert!(!hls.exists(), "bob's renditions are gone");
    let res = http()
        .get(server.api(&format!("/videos/{bobs_uuid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    let threads: Value = http()
        .get(server.api(&format!("/videos/{uuid}/comment-threads")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &threads["data"][0];
    assert_eq!(first["id"], thread_id, "{threads}");
    assert_eq!(first["isDeleted"], true, "{first}");
    assert_eq!(first["text"], "");
    assert!(first["account"].is_null());
    assert_eq!(first["totalReplies"], 1, "the reply keeps its thread");
    let tree: Value = http()
        .get(server.api(&format!("/videos/{uuid}/comment-threads/{thread_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tree["children"][0]["comment"]["text"], "Welcome, bob");
}
