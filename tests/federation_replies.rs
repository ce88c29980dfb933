//! Replies as Mastodon sends and reads them (found by reading Mastodon's source): a
//! followers-only or direct reply never becomes a public comment, a reply to one of our
//! comments (its URL under the video's) joins that comment's thread and a Like of it is no
//! like of the video, our replies mention and address the authors above them (Mastodon
//! notifies only then), a fetch that fails for a moment asks the sender to retry (503, where a
//! 400 made Mastodon drop the activity), and the oEmbed card has a picture.

mod common;

use common::fed::{Signer, ap_get, eventually, followers_of, get_json, subscribe, threads};
use common::{Server, http};
use serde_json::{Value, json};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_keep_their_audience_their_thread_and_their_mentions() {
    let mut servers = Server::start_federated(2);
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    let video = a
        .publish(&a_admin, "short.mp4", &[("name", "Talked about".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let video_url = format!("{}/videos/watch/{uuid}", a.url);
    // Bob on B follows A's channel, so A knows him and his key exists.
    let (_, bob) = b.create_user(&b_admin, "bob", 2).await;
    subscribe(&b, &bob, &format!("root_channel@{}", a.host())).await;
    eventually(20, "Bob's follow accepted", &[&a, &b], || async {
        followers_of(&a, "/video-channels/root_channel/followers").await == 1
    })
    .await;
    let signer = Signer::of(&b, "accounts", "bob");
    let inbox = format!("{}/inbox", a.url);
    let note = |n: u32, in_reply_to: &str, to: Value, cc: Value| {
        let id = format!("{}/notes/{n}", signer.url);
        json!({
            "type": "Create", "id": format!("{id}/activity"), "actor": signer.url,
            "to": to, "cc": cc,
            "object": {
                "type": "Note", "id": id, "attributedTo": signer.url, "inReplyTo": in_reply_to,
                "content": format!("<p>Note {n}</p>"), "to": to, "cc": cc,
                "published": "2026-12-07T10:00:00Z",
            },
        })
    };
    let root = format!("{}/accounts/root", a.url);
    let followers = format!("{}/followers", signer.url);

    // Followers-only and direct replies are refused and never listed.
    let status = signer
        .post(
            &inbox,
            &note(1, &video_url, json!([followers]), json!([root])),
        )
        .await;
    assert_eq!(status, 403);
    let status = signer
        .post(&inbox, &note(2, &video_url, json!([root]), json!([])))
        .await;
    assert_eq!(status, 403);
    assert_eq!(threads(&a, &uuid).await["total"], 0);

    // A reply to A's comment joins its thread.
    let res = http()
        .post(a.api(&format!("/videos/{uuid}/comment-threads")))
        .bearer_auth(&a_admin)
        .json(&json!({ "text": "First!" }))
        .send()
        .await
        .unwrap();
    let first = res.json::<Value>().await.unwrap()["comment"]["id"]
        .as_i64()
        .unwrap();
    let first_url = format!("{video_url}/comments/{first}");
    let status = signer
        .post(
            &inbox,
            &note(3, &first_url, json!([PUBLIC]), json!([followers])),
        )
        .await;
    assert_eq!(status, 204, "{}", a.log());
    let (_, thread) = get_json(
        &a.api(&format!("/videos/{uuid}/comment-threads/{first}")),
        None,
    )
    .await;
    let children = thread["children"].as_array().unwrap();
    assert_eq!(children.len(), 1, "{thread}");
    let bobs = children[0]["comment"].clone();
    assert_eq!(bobs["inReplyToCommentId"], first, "{bobs}");
    assert_eq!(threads(&a, &uuid).await["total"], 1);

    // A Like of the comment is no like of the video.
    let like = json!({
        "type": "Like", "id": format!("{}/likes/1", signer.url), "actor": signer.url,
        "object": first_url,
    });
    assert_eq!(signer.post(&inbox, &like).await, 204);
    let (_, details) = get_json(&a.api(&format!("/videos/{uuid}")), None).await;
    assert_eq!(details["likes"], 0, "{details}");

    // A's answer to Bob mentions him and addresses him; it reaches B in Bob's thread.
    let res = http()
        .post(a.api(&format!("/videos/{uuid}/comments/{}", bobs["id"])))
        .bearer_auth(&a_admin)
        .json(&json!({ "text": "Hello Bob" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let answer = res.json::<Value>().await.unwrap()["comment"]["id"]
        .as_i64()
        .unwrap();
    let (_, doc) = ap_get(&format!("{video_url}/comments/{answer}")).await;
    let tags = doc["tag"].as_array().unwrap();
    let mention =
        |href: &str, name: String| json!({ "type": "Mention", "href": href, "name": name });
    assert!(
        tags.contains(&mention(&signer.url, format!("@bob@{}", b.host()))),
        "{doc}"
    );
    assert!(
        tags.contains(&mention(&root, format!("@root@{}", a.host()))),
        "the author of the thread's first comment too: {doc}"
    );
    assert!(
        doc["cc"].as_array().unwrap().contains(&json!(signer.url)),
        "{doc}"
    );
    assert!(
        doc.get("replies").is_none(),
        "no collection that answers 404: {doc}"
    );

    // A parent on a server that cannot be reached now: try again later, not "bad request".
    let status = signer
        .post(
            &inbox,
            &note(4, "http://127.0.0.1:9/notes/1", json!([PUBLIC]), json!([])),
        )
        .await;
    assert_eq!(status, 503, "{}", a.log());
    eventually(5, "nothing stored of it", &[&a, &b], || async {
        threads(&a, &uuid).await["total"] == 1
    })
    .await;
}

#[tokio::test]
async fn the_oembed_card_has_the_preview() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Carded".into())])
        .await;
    let watch = format!("{}/w/{}", server.url, video["shortUUID"].as_str().unwrap());
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("url", &watch)
        .finish();
    let (status, card) = get_json(&format!("{}/services/oembed?{query}", server.url), None).await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(
        (
            card["thumbnail_width"].clone(),
            card["thumbnail_height"].clone()
        ),
        (json!(850), json!(480))
    );
    let picture = http()
        .get(card["thumbnail_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(picture.status(), 200);
    assert_eq!(picture.headers()["content-type"], "image/jpeg");
}
