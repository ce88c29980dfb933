//! What viewers do with a video through the API: edits, ratings, views, comments and replies,
//! and search with PeerTube's filters.

mod common;

use common::{Server, expect_problem, http};
use serde_json::{Value, json};

async fn upload(server: &Server, token: &str, name: &str, extra: &[(&str, &str)]) -> String {
    let mut fields = vec![("name", name.to_string())];
    fields.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let video = server.publish(token, "h264_aac.mp4", &fields).await;
    assert_eq!(video["state"]["id"], 1);
    video["uuid"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn edit_rate_view_and_search() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let (_, alice) = server.create_user(&admin, "alice", 2).await;
    let uuid = upload(
        &server,
        &admin,
        "Mountain bike descent",
        &[
            ("tags[]", "bike"),
            ("tags[]", "mountain"),
            ("category", "5"),
        ],
    )
    .await;
    let other = upload(
        &server,
        &admin,
        "Quiet lake",
        &[("tags[]", "lake"), ("nsfw", "true"), ("language", "fr")],
    )
    .await;

    // Edit: only what is sent changes; others cannot edit.
    let res = http()
        .put(server.api(&format!("/videos/{uuid}")))
        .bearer_auth(&admin)
        .json(&json!({ "description": "Steep and muddy", "tags": ["bike", "mud"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let v: Value = http()
        .get(server.api(&format!("/videos/{uuid}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["name"], "Mountain bike descent");
    assert_eq!(v["description"], "Steep and muddy");
    assert_eq!(v["tags"], json!(["bike", "mud"]));
    expect_problem(
        http()
            .put(server.api(&format!("/videos/{uuid}")))
            .bearer_auth(&alice)
            .json(&json!({ "name": "Mine now" }))
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    expect_problem(
        http()
            .put(server.api(&format!("/videos/{uuid}")))
            .bearer_auth(&admin)
            .json(&json!({ "privacy": 9 }))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;

    // Ratings.
    for (token, rating) in [(&alice, "like"), (&admin, "dislike")] {
        let res = http()
            .put(server.api(&format!("/videos/{uuid}/rate")))
            .bearer_auth(token)
            .json(&json!({ "rating": rating }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
    }
    let v: Value = http()
        .get(server.api(&format!("/videos/{uuid}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v["likes"].as_i64(), v["dislikes"].as_i64()),
        (Some(1), Some(1))
    );
    let mine: Value = http()
        .get(server.api(&format!("/users/me/videos/{uuid}/rating")))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["rating"], "like");
    http()
        .put(server.api(&format!("/videos/{uuid}/rate")))
        .bearer_auth(&alice)
        .json(&json!({ "rating": "none" }))
        .send()
        .await
        .unwrap();
    let v: Value = http()
        .get(server.api(&format!("/videos/{uuid}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["likes"], 0);
    expect_problem(
        http()
            .put(server.api(&format!("/videos/{uuid}/rate")))
            .bearer_auth(&alice)
            .json(&json!({ "rating": "love" }))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;

    // Views: once per viewer per hour, however many requests.
    for _ in 0..3 {
        assert_eq!(
            http()
                .post(server.api(&format!("/videos/{uuid}/views")))
                .send()
                .await
                .unwrap()
                .status(),
            204
        );
        assert_eq!(
            http()
                .post(server.api(&format!("/videos/{uuid}/views")))
                .bearer_auth(&alice)
                .send()
                .await
                .unwrap()
                .status(),
            204
        );
    }
    let v: Value = http()
        .get(server.api(&format!("/videos/{uuid}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["views"], 2);

    // Search (full text with prefixes, diacritics folded) and filter-only forms.
    let found: Value = http()
        .get(server.api("/search/videos?search=descen"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["data"][0]["uuid"], uuid.as_str());
    let found: Value = http()
        .get(server.api("/search/videos?search=MUD"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1, "tags are searched");
    let found: Value = http()
        .get(server.api("/search/videos?search=%22%29%20OR%20*"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        found["total"], 0,
        "FTS syntax in the query is treated as words"
    );
    let tagged: Value = http()
        .get(server.api("/search/videos?tagsOneOf=lake&tagsOneOf=mud"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tagged["total"], 2);
    let all_of: Value = http()
        .get(server.api("/videos?tagsAllOf[]=bike&tagsAllOf[]=mud"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all_of["total"], 1);
    let safe: Value = http()
        .get(server.api("/videos?nsfw=false"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(safe["total"], 1);
    let both: Value = http()
        .get(server.api("/videos?nsfw=both&isLocal=true&sort=-views"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(both["total"], 2);
    assert_eq!(both["data"][0]["uuid"], uuid.as_str(), "most viewed first");
    let french: Value = http()
        .get(server.api("/videos?languageOneOf=fr"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(french["data"][0]["uuid"], other.as_str());
    let sport: Value = http()
        .get(server.api("/videos?categoryOneOf=5"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sport["total"], 1);
    expect_problem(
        http()
            .get(server.api("/videos?nsfw=maybe"))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    expect_problem(
        http()
            .get(server.api("/videos?count=101"))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
}

#[tokio::test]
async fn comments_threads_replies_and_policies() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let (_, alice) = server.create_user(&admin, "alice", 2).await;
    let (_, bob) = server.create_user(&admin, "bob", 2).await;
    let uuid = upload(&server, &admin, "Talk about it", &[]).await;

    let post = |token: &str, path: String, text: &str| {
        http()
            .post(server.api(&path))
            .bearer_auth(token)
            .json(&json!({ "text": text }))
    };
    let res = post(&alice, format!("/videos/{uuid}/comment-threads"), "First!")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let thread: Value = res.json().await.unwrap();
    let thread_id = thread["comment"]["id"].as_i64().unwrap();
    assert_eq!(thread["comment"]["account"]["name"], "alice");
    let reply: Value = post(
        &bob,
        format!("/videos/{uuid}/comments/{thread_id}"),
        "Welcome",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let reply_id = reply["comment"]["id"].as_i64().unwrap();
    assert_eq!(reply["comment"]["inReplyToCommentId"], thread_id);
    post(
        &alice,
        format!("/videos/{uuid}/comments/{reply_id}"),
        "Thanks",
    )
    .send()
    .await
    .unwrap();
    post(
        &bob,
        format!("/videos/{uuid}/comment-threads"),
        "Second thread",
    )
    .send()
    .await
    .unwrap();

    let list: Value = http()
        .get(server.api(&format!("/videos/{uuid}/comment-threads?sort=createdAt")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2);
    assert_eq!(list["totalNotDeletedComments"], 4);
    assert_eq!(list["data"][0]["text"], "First!");
    assert_eq!(list["data"][0]["totalReplies"], 2);
    let tree: Value = http()
        .get(server.api(&format!("/videos/{uuid}/comment-threads/{thread_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tree["children"][0]["comment"]["text"], "Welcome");
    assert_eq!(
        tree["children"][0]["children"][0]["comment"]["text"],
        "Thanks"
    );

    // Deleting: not someone else's; the author may; the tombstone stays in the thread.
    expect_problem(
        http()
            .delete(server.api(&format!("/videos/{uuid}/comments/{reply_id}")))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert_eq!(
        http()
            .delete(server.api(&format!("/videos/{uuid}/comments/{reply_id}")))
            .bearer_auth(&bob)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let tree: Value = http()
        .get(server.api(&format!("/videos/{uuid}/comment-threads/{thread_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tree["children"][0]["comment"]["isDeleted"], true);
    assert_eq!(tree["children"][0]["comment"]["text"], "");
    expect_problem(
        post(
            &alice,
            format!("/videos/{uuid}/comments/{reply_id}"),
            "to a deleted one",
        )
        .send()
        .await
        .unwrap(),
        404,
    )
    .await;
    expect_problem(
        post(&alice, format!("/videos/{uuid}/comment-threads"), "   ")
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    expect_problem(
        http()
            .post(server.api(&format!("/videos/{uuid}/comment-threads")))
            .json(&json!({ "text": "anon" }))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;

    // Approval policy: held comments show to their author and the owner only; disabled refuses.
    http()
        .put(server.api(&format!("/videos/{uuid}")))
        .bearer_auth(&admin)
        .json(&json!({ "commentsPolicy": 3 }))
        .send()
        .await
        .unwrap();
    let held: Value = post(
        &bob,
        format!("/videos/{uuid}/comment-threads"),
        "Please approve",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(held["comment"]["heldForReview"], true);
    let public: Value = http()
        .get(server.api(&format!("/videos/{uuid}/comment-threads")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["total"], 2);
    let owner: Value = http()
        .get(server.api(&format!("/videos/{uuid}/comment-threads")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(owner["total"], 3);
    http()
        .put(server.api(&format!("/videos/{uuid}")))
        .bearer_auth(&admin)
        .json(&json!({ "commentsEnabled": false }))
        .send()
        .await
        .unwrap();
    let v: Value = http()
        .get(server.api(&format!("/videos/{uuid}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["commentsEnabled"], false);
    expect_problem(
        post(&alice, format!("/videos/{uuid}/comment-threads"), "Hello?")
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
}

#[tokio::test]
async fn comment_feeds_list_visible_comments_of_public_videos() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let open = upload(&server, &admin, "Open <video>", &[]).await;
    let hidden = upload(&server, &admin, "Hidden video", &[("privacy", "3")]).await;
    for (uuid, text) in [(&open, "Nice & short"), (&hidden, "Secret remark")] {
        let res = http()
            .post(server.api(&format!("/videos/{uuid}/comment-threads")))
            .bearer_auth(&admin)
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let feed = |query: String| {
        let url = format!("{}/feeds/video-comments.xml{query}", server.url);
        async move { http().get(url).send().await.unwrap() }
    };
    let res = feed(String::new()).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/rss+xml")
    );
    let all = res.text().await.unwrap();
    assert!(all.contains("<title>Open &lt;video&gt;</title>"), "{all}");
    assert!(
        all.contains("<description>Nice &amp; short</description>"),
        "{all}"
    );
    assert!(
        !all.contains("Secret"),
        "private video's comment leaked: {all}"
    );
    assert!(
        all.contains(&format!("/videos/watch/{open};threadId=")),
        "{all}"
    );
    let one = feed(format!("?videoId={open}")).await.text().await.unwrap();
    assert_eq!(one.matches("<item>").count(), 1);
    assert_eq!(feed(format!("?videoId={hidden}")).await.status(), 404);
    assert_eq!(feed("?videoId=nope".into()).await.status(), 404);
    assert_eq!(feed("?accountId=x".into()).await.status(), 400);
}
