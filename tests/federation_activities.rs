//! Activities between real `kinora` processes on loopback: Flag into the abuse list, View
//! counted, Delete of an actor removing its content, a remote comment on our video forwarded
//! to a third instance (and its deletion after it), remote search by handle and by URL, and
//! account block lists (the instance's and the video owner's) holding against remote comments.

mod common;

use common::fed::{
    Signer, a_video_followed_by_two, comment, counter, eventually, followers_of, get_json,
    query_i64, remote_videos, subscribe, threads,
};
use common::{Server, expect_problem, http};
use serde_json::{Value, json};

async fn video_field(server: &Server, uuid: &str, field: &str) -> Value {
    get_json(&server.api(&format!("/videos/{uuid}")), None)
        .await
        .1[field]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flag_view_and_actor_delete_from_another_instance() {
    let mut servers = Server::start_federated(2);
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    let video = a
        .publish(&a_admin, "short.mp4", &[("name", "Reported".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let video_url = format!("{}/videos/watch/{uuid}", a.url);

    // Bob, on B, follows A's channel: A knows him, B gets the video.
    let (_, bob) = b.create_user(&b_admin, "bob", 2).await;
    subscribe(&b, &bob, &format!("root_channel@{}", a.host())).await;
    eventually(20, "the video reaching B", &[&a, &b], || async {
        remote_videos(&b).await["total"] == 1
    })
    .await;

    // A view on B is reported to A and counted there.
    assert_eq!(video_field(&a, &uuid, "views").await, 0);
    let res = http()
        .post(b.api(&format!("/videos/{uuid}/views")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    eventually(15, "the View counted on A", &[&a, &b], || async {
        video_field(&a, &uuid, "views").await == 1
    })
    .await;

    // Flags signed by Bob land in A's abuse list: the video, then A's account.
    let signer = Signer::of(&b, "accounts", "bob");
    let inbox = format!("{}/inbox", a.url);
    let flag = |n: u32, object: Value| {
        json!({
            "type": "Flag", "id": format!("{}/flags/{n}", signer.url), "actor": signer.url,
            "object": object, "content": "<p>Spam &amp; <b>scam</b></p>",
        })
    };
    assert_eq!(signer.post(&inbox, &flag(1, json!([video_url]))).await, 204);
    let abuses_of_video = format!(
        "SELECT COUNT(*) FROM abuses WHERE video_id = (SELECT id FROM videos WHERE uuid = '{uuid}') \
         AND reason = 'Spam & scam' AND reporter_id = (SELECT id FROM actors WHERE url = '{}')",
        signer.url
    );
    assert_eq!(query_i64(&a, &abuses_of_video), 1);
    // The same Flag again is a replay: refused, nothing added.
    assert_eq!(signer.post(&inbox, &flag(1, json!([video_url]))).await, 409);
    assert_eq!(query_i64(&a, &abuses_of_video), 1);
    let account_url = format!("{}/accounts/root", a.url);
    assert_eq!(signer.post(&inbox, &flag(2, json!(account_url))).await, 204);
    assert_eq!(
        query_i64(
            &a,
            "SELECT COUNT(*) FROM abuses WHERE kind = 'account' AND flagged_account_id = \
             (SELECT acc.id FROM accounts acc JOIN actors ac ON ac.id = acc.actor_id \
              WHERE ac.name = 'root' AND ac.host IS NULL)"
        ),
        1
    );
    // An object that is not ours is no report at all.
    let elsewhere = json!([format!("{}/videos/watch/{uuid}", b.url)]);
    assert_eq!(signer.post(&inbox, &flag(3, elsewhere)).await, 204);
    assert_eq!(query_i64(&a, "SELECT COUNT(*) FROM abuses"), 2);

    // Bob likes and comments from B; both reach A.
    let res = http()
        .put(b.api(&format!("/videos/{uuid}/rate")))
        .bearer_auth(&bob)
        .json(&json!({ "rating": "like" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    comment(&b, &bob, &uuid, "Bob was here").await;
    eventually(15, "Bob's like and comment on A", &[&a, &b], || async {
        video_field(&a, &uuid, "likes").await == 1 && threads(&a, &uuid).await["total"] == 1
    })
    .await;
    let bob_on_a = a.api(&format!("/accounts/bob@{}", b.host()));
    assert_eq!(get_json(&bob_on_a, None).await.0, 200);

    // Bob's actor is deleted: A drops his account, his like, his follow and his words.
    let delete = json!({
        "type": "Delete", "id": format!("{}#delete", signer.url), "actor": signer.url,
        "object": signer.url, "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    assert_eq!(signer.post(&inbox, &delete).await, 204);
    assert_eq!(get_json(&bob_on_a, None).await.0, 404);
    assert_eq!(video_field(&a, &uuid, "likes").await, 0);
    assert_eq!(
        followers_of(&a, "/video-channels/root_channel/followers").await,
        0
    );
    let list = threads(&a, &uuid).await;
    let thread = &list["data"][0];
    assert_eq!(thread["isDeleted"], true, "{list}");
    assert_eq!(thread["text"], "", "{list}");
    assert_eq!(
        query_i64(
            &a,
            "SELECT COUNT(*) FROM video_comments WHERE text = 'Bob was here'"
        ),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_comment_on_our_video_is_forwarded_to_other_followers() {
    let ([a, b, c], [_, b_admin, _], uuid) = a_video_followed_by_two("Talked about").await;

    // B's comment goes to A only; A forwards it, and C shows it with B as its author.
    let on_b = comment(&b, &b_admin, &uuid, "Seen from B").await;
    eventually(20, "B's comment reaching C", &[&a, &b, &c], || async {
        threads(&c, &uuid).await["data"][0]["text"] == "Seen from B"
    })
    .await;
    let list = threads(&c, &uuid).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["data"][0]["account"]["host"], b.host(), "{list}");
    assert_eq!(list["data"][0]["account"]["name"], "root");
    assert_eq!(threads(&a, &uuid).await["total"], 1);

    // Its deletion on B follows the same path; C believes it once B's copy is gone.
    let res = http()
        .delete(b.api(&format!("/videos/{uuid}/comments/{on_b}")))
        .bearer_auth(&b_admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    eventually(20, "the deletion reaching C", &[&a, &b, &c], || async {
        threads(&c, &uuid).await["data"][0]["isDeleted"] == true
    })
    .await;
    assert_eq!(threads(&a, &uuid).await["data"][0]["isDeleted"], true);
}

async fn block_account(server: &Server, token: &str, scope: &str, name: &str) {
    let res = http()
        .post(server.api(&format!("/{scope}/blocklist/accounts")))
        .bearer_auth(token)
        .json(&json!({ "accountName": name }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204, "{}", res.text().await.unwrap());
}

async fn unblock_account(server: &Server, token: &str, scope: &str, name: &str) {
    let res = http()
        .delete(server.api(&format!("/{scope}/blocklist/accounts/{name}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204, "{}", res.text().await.unwrap());
}

/// B's count of deliveries refused for good (A answering 4xx).
async fn refused_by_a(b: &Server) -> f64 {
    counter(b, "kinora_federation_deliveries_total", "result=\"failed\"").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_search_and_account_block_lists() {
    let mut servers = Server::start_federated(2);
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    let video = a
        .publish(&a_admin, "short.mp4", &[("name", "Findable".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();

    // B finds A's channel by handle (with or without the leading @) and by URL.
    for search in [
        format!("root_channel@{}", a.host()),
        format!("@root_channel@{}", a.host()),
        format!("{}/video-channels/root_channel", a.url),
    ] {
        let (status, found) = get_json(
            &format!(
                "{}?search={}",
                b.api("/search/video-channels"),
                urlencoding(&search)
            ),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(found["total"], 1, "{search}: {found}");
        assert_eq!(found["data"][0]["name"], "root_channel");
        assert_eq!(found["data"][0]["host"], a.host());
        assert_eq!(found["data"][0]["isLocal"], false);
    }
    // An account is not a channel, and an unknown name is nothing.
    for search in [format!("root@{}", a.host()), format!("nobody@{}", a.host())] {
        let url = format!(
            "{}?search={}",
            b.api("/search/video-channels"),
            urlencoding(&search)
        );
        let (status, found) = get_json(&url, None).await;
        assert_eq!(
            (status, found["total"].clone()),
            (200, json!(0)),
            "{search}"
        );
    }

    // B finds A's video by its URL (watch and short forms), and nothing at a dead address.
    let short = video["shortUUID"].as_str().unwrap();
    for url in [
        format!("{}/videos/watch/{uuid}", a.url),
        format!("{}/w/{short}", a.url),
    ] {
        let (status, found) = get_json(
            &format!("{}?search={}", b.api("/search/videos"), urlencoding(&url)),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(found["total"], 1, "{url}: {found}");
        assert_eq!(found["data"][0]["uuid"], uuid.as_str());
        assert_eq!(found["data"][0]["name"], "Findable");
        assert_eq!(found["data"][0]["isLocal"], false);
    }
    let dead = format!("http://127.0.0.1:1/videos/watch/{uuid}");
    let (status, found) = get_json(
        &format!("{}?search={}", b.api("/search/videos"), urlencoding(&dead)),
        None,
    )
    .await;
    assert_eq!((status, found["total"].clone()), (200, json!(0)));

    // A's instance blocks B's root: its comment is refused (B counts the refusal).
    let (_, bob) = b.create_user(&b_admin, "bob", 2).await;
    subscribe(&b, &bob, &format!("root_channel@{}", a.host())).await;
    eventually(20, "A knowing B's accounts", &[&a, &b], || async {
        followers_of(&a, "/video-channels/root_channel/followers").await == 1
    })
    .await;
    let b_root = format!("root@{}", b.host());
    // A learns of B's root when it comments the first time: that one is welcome.
    comment(&b, &b_admin, &uuid, "First, welcome").await;
    eventually(15, "the first comment on A", &[&a, &b], || async {
        threads(&a, &uuid).await["total"] == 1
    })
    .await;
    block_account(&a, &a_admin, "server", &b_root).await;
    let (_, listed) = get_json(&a.api("/server/blocklist/accounts"), Some(&a_admin)).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["data"][0]["blockedAccount"]["name"], "root");
    assert_eq!(listed["data"][0]["blockedAccount"]["host"], b.host());
    let refused = refused_by_a(&b).await;
    comment(&b, &b_admin, &uuid, "Blocked by the instance").await;
    eventually(15, "A refusing the comment", &[&a, &b], || async {
        refused_by_a(&b).await > refused
    })
    .await;
    // Bob is not blocked: his comment arrives.
    comment(&b, &bob, &uuid, "Bob is fine").await;
    eventually(15, "Bob's comment on A", &[&a, &b], || async {
        threads(&a, &uuid).await["total"] == 2
    })
    .await;

    // The video owner's own list holds too, once the instance's is lifted.
    unblock_account(&a, &a_admin, "server", &b_root).await;
    block_account(&a, &a_admin, "users/me", &b_root).await;
    let (_, mine) = get_json(&a.api("/users/me/blocklist/accounts"), Some(&a_admin)).await;
    assert_eq!(
        mine["data"][0]["blockedAccount"]["host"],
        b.host(),
        "{mine}"
    );
    let refused = refused_by_a(&b).await;
    comment(&b, &b_admin, &uuid, "Blocked by the owner").await;
    eventually(15, "A refusing the comment", &[&a, &b], || async {
        refused_by_a(&b).await > refused
    })
    .await;
    unblock_account(&a, &a_admin, "users/me", &b_root).await;
    comment(&b, &b_admin, &uuid, "Unblocked").await;
    eventually(15, "the comment after unblocking", &[&a, &b], || async {
        threads(&a, &uuid).await["total"] == 3
    })
    .await;
    let texts: Vec<Value> = threads(&a, &uuid).await["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["text"].clone())
        .collect();
    assert!(
        !texts.contains(&json!("Blocked by the instance"))
            && !texts.contains(&json!("Blocked by the owner")),
        "{texts:?}"
    );
    expect_problem(
        http()
            .delete(a.api(&format!("/server/blocklist/accounts/{b_root}")))
            .bearer_auth(&a_admin)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

/// Percent-encodes a query value (enough for URLs and handles).
fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
