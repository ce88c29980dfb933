//! Federation between real `kinora` processes on loopback (with the testing flag): channel
//! follows and video delivery, likes, comments and replies both ways, updates and deletes, a
//! dead follower host that does not delay a live one, instance follows with an outbox crawl,
//! and an inbox that refuses forged, tampered, stale, foreign and replayed requests.

mod common;

use std::time::Duration;

use common::fed::{
    AP, eventually, followers_of, get_json, post_signed, post_signed_raw, private_key_of,
    remote_videos, subscribe,
};
use common::{Server, http};
use kinora::federation::keys;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_follow_delivery_comments_likes_updates_and_deletes() {
    let mut servers = Server::start_federated(3);
    let mut c = servers.pop().unwrap();
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin, c_admin) = (
        a.admin_token().await,
        b.admin_token().await,
        c.admin_token().await,
    );
    let channel = format!("root_channel@{}", a.host());

    // Discovery answers for the channel.
    let (status, finger) = get_json(
        &format!("{}/.well-known/webfinger?resource=acct:{channel}", a.url),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        finger["links"][0]["href"],
        format!("{}/video-channels/root_channel", a.url)
    );

    // B and C subscribe to A's channel; C then dies (its port closes).
    subscribe(&b, &b_admin, &channel).await;
    subscribe(&c, &c_admin, &channel).await;
    eventually(20, "both follows accepted", &[&a, &b, &c], || async {
        followers_of(&a, "/video-channels/root_channel/followers").await == 2
    })
    .await;
    c.kill();

    // A publishes: B gets the video although C's host is dead.
    let video = a
        .publish(&a_admin, "short.mp4", &[("name", "Federated clip".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    eventually(15, "the video reaching B", &[&a, &b], || async {
        remote_videos(&b).await["total"] == 1
    })
    .await;
    let list = remote_videos(&b).await;
    assert_eq!(list["data"][0]["name"], "Federated clip");
    assert_eq!(list["data"][0]["isLocal"], false);
    assert_eq!(list["data"][0]["channel"]["host"], a.host());
    let (status, details) = get_json(&b.api(&format!("/videos/{uuid}")), None).await;
    assert_eq!(status, 200);
    let playlist = details["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .unwrap();
    assert!(
        playlist.starts_with(&format!("{}/static/streaming-playlists/hls/{uuid}/", a.url)),
        "{playlist}"
    );
    let master = http().get(playlist).send().await.unwrap();
    assert_eq!(master.status(), 200, "the origin's HLS playlist plays");
    // The local "all" listing shows it too, and B's subscription feed.
    let (_, subs) = get_json(&b.api("/users/me/subscriptions/videos"), Some(&b_admin)).await;
    assert_eq!(subs["total"], 1, "{subs}");

    // A like from B is counted on A.
    let res = http()
        .put(b.api(&format!("/videos/{uuid}/rate")))
        .bearer_auth(&b_admin)
        .json(&json!({ "rating": "like" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    eventually(15, "the like reaching A", &[&a, &b], || async {
        get_json(&a.api(&format!("/videos/{uuid}")), None).await.1["likes"] == 1
    })
    .await;

    // A comment from B appears on A; A's reply reaches B.
    let res = http()
        .post(b.api(&format!("/videos/{uuid}/comment-threads")))
        .bearer_auth(&b_admin)
        .json(&json!({ "text": "Hello from B" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut thread_on_a = 0;
    for _ in 0..150 {
        let (_, threads) = get_json(&a.api(&format!("/videos/{uuid}/comment-threads")), None).await;
        if threads["total"] == 1 {
            assert_eq!(threads["data"][0]["text"], "Hello from B");
            thread_on_a = threads["data"][0]["id"].as_i64().unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        thread_on_a > 0,
        "B's comment never reached A; log:\n{}\n----\n{}",
        a.log(),
        b.log()
    );
    let res = http()
        .post(a.api(&format!("/videos/{uuid}/comments/{thread_on_a}")))
        .bearer_auth(&a_admin)
        .json(&json!({ "text": "Welcome, B" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    eventually(15, "A's reply reaching B", &[&a, &b], || async {
        let (_, threads) = get_json(&b.api(&format!("/videos/{uuid}/comment-threads")), None).await;
        let Some(id) = threads["data"][0]["id"].as_i64() else {
            return false;
        };
        let (_, tree) = get_json(
            &b.api(&format!("/videos/{uuid}/comment-threads/{id}")),
            None,
        )
        .await;
        tree["children"][0]["comment"]["text"] == "Welcome, B"
    })
    .await;

    // An edit on A reaches B; so does the deletion.
    let res = http()
        .put(a.api(&format!("/videos/{uuid}")))
        .bearer_auth(&a_admin)
        .json(&json!({ "name": "Renamed clip" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    eventually(15, "the update reaching B", &[&a, &b], || async {
        get_json(&b.api(&format!("/videos/{uuid}")), None).await.1["name"] == "Renamed clip"
    })
    .await;
    let res = http()
        .delete(a.api(&format!("/videos/{uuid}")))
        .bearer_auth(&a_admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    eventually(15, "the deletion reaching B", &[&a, &b], || async {
        get_json(&b.api(&format!("/videos/{uuid}")), None).await.0 == 404
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_follow_crawls_and_the_inbox_refuses_bad_requests() {
    let mut servers = Server::start_federated(2);
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    let video = a
        .publish(&a_admin, "short.mp4", &[("name", "Already there".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();

    // NodeInfo links the instance actor, which answers as an Application.
    let (_, links) = get_json(&format!("{}/.well-known/nodeinfo", a.url), None).await;
    assert_eq!(
        links["links"][1]["href"],
        format!("{}/accounts/peertube", a.url)
    );
    let (_, app) = get_json(&format!("{}/nodeinfo/2.0.json", a.url), None).await;
    assert_eq!(app["version"], "2.0");
    let actor: Value = http()
        .get(format!("{}/accounts/peertube", a.url))
        .header("Accept", AP)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(actor["type"], "Application");
    assert!(
        actor["publicKey"]["publicKeyPem"]
            .as_str()
            .unwrap()
            .contains("BEGIN PUBLIC KEY")
    );

    // B follows A's instance: the follow is accepted, and the outbox crawl brings the video.
    let res = http()
        .post(b.api("/server/following"))
        .bearer_auth(&b_admin)
        .json(&json!({ "hosts": [a.host()] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204, "{}", res.text().await.unwrap());
    eventually(
        20,
        "the crawl bringing A's video to B",
        &[&a, &b],
        || async { remote_videos(&b).await["total"] == 1 },
    )
    .await;
    let (_, followers) = get_json(&a.api("/server/followers"), Some(&a_admin)).await;
    assert_eq!(followers["total"], 1);
    assert_eq!(followers["data"][0]["state"], "accepted");
    assert_eq!(followers["data"][0]["follower"]["host"], b.host());

    // Requests signed as B's instance actor, with its real key (read from B's database).
    let key = keys::parse_private(&private_key_of(&b, "peertube")).unwrap();
    let key_id = format!("{}/accounts/peertube#main-key", b.url);
    let me = format!("{}/accounts/peertube", b.url);
    let inbox = format!("{}/inbox", a.url);
    let video_url = format!("{}/videos/watch/{uuid}", a.url);
    let like = |id: &str| json!({ "type": "Like", "id": format!("{}/likes/{id}", b.url), "actor": me, "object": video_url });
    let likes = || async {
        get_json(&a.api(&format!("/videos/{uuid}")), None).await.1["likes"]
            .as_i64()
            .unwrap()
    };

    // Forged: the right keyId, another key.
    let (_, other) = keys::generate().unwrap();
    let forged = keys::parse_private(&other).unwrap();
    assert_eq!(
        post_signed(&inbox, &forged, &key_id, &like("1"), None, None).await,
        401
    );
    // Tampered: the body differs from the digest.
    let tampered = like("2")
        .to_string()
        .replace("Like", "Dislike")
        .into_bytes();
    assert_eq!(
        post_signed(&inbox, &key, &key_id, &like("2"), None, Some(tampered)).await,
        401
    );
    // Stale: an hour-old Date.
    let old = httpdate::fmt_http_date(std::time::SystemTime::now() - Duration::from_secs(3600));
    assert_eq!(
        post_signed(&inbox, &key, &key_id, &like("3"), Some(old), None).await,
        401
    );
    // Foreign: an activity id on another host, or an actor that is not the signer.
    let mut foreign = like("4");
    foreign["id"] = json!("http://127.0.0.2:1/likes/4");
    assert_eq!(
        post_signed(&inbox, &key, &key_id, &foreign, None, None).await,
        403
    );
    let mut impostor = like("5");
    impostor["actor"] = json!(format!("{}/accounts/root", a.url));
    assert_eq!(
        post_signed(&inbox, &key, &key_id, &impostor, None, None).await,
        403
    );
    // Unsigned, malformed and deeply nested bodies.
    let res = http()
        .post(&inbox)
        .header("Content-Type", AP)
        .body(like("6").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let deep = format!(
        r#"{{"type":"Like","id":"{}/likes/7","actor":"{me}","object":"{video_url}","x":{}{}}}"#,
        b.url,
        "[".repeat(100),
        "]".repeat(100)
    );
    assert_eq!(
        post_signed_raw(&inbox, &key, &key_id, deep.into_bytes(), None, None).await,
        400
    );
    assert_eq!(
        post_signed_raw(&inbox, &key, &key_id, b"{not json".to_vec(), None, None).await,
        400
    );
    assert_eq!(likes().await, 0, "no refused request changed anything");

    // A good one counts once; its replay is refused and changes nothing.
    assert_eq!(
        post_signed(&inbox, &key, &key_id, &like("8"), None, None).await,
        204
    );
    assert_eq!(likes().await, 1);
    assert_eq!(
        post_signed(&inbox, &key, &key_id, &like("8"), None, None).await,
        409
    );
    assert_eq!(likes().await, 1);

    // Once A blocks B's host, B's requests are refused.
    let res = http()
        .post(a.api("/server/blocklist/servers"))
        .bearer_auth(&a_admin)
        .json(&json!({ "host": b.host() }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let undo = json!({ "type": "Undo", "id": format!("{}/undo/9", b.url), "actor": me, "object": like("8") });
    assert_eq!(
        post_signed(&inbox, &key, &key_id, &undo, None, None).await,
        403
    );
    assert_eq!(likes().await, 1);
    let (_, blocked) = get_json(&a.api("/server/blocklist/servers"), Some(&a_admin)).await;
    assert_eq!(blocked["data"][0]["blockedServer"]["host"], b.host());
}

/// The home page of B as a visitor, with an optional cookie header.
async fn home_page(server: &Server, query: &str, cookie: Option<&str>) -> String {
    let mut req = http().get(format!("{}/{query}", server.url));
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_lists_all_videos_or_this_instance_only() {
    let mut servers = Server::start_federated(2);
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    subscribe(&b, &b_admin, &format!("root_channel@{}", a.host())).await;
    eventually(20, "the follow accepted", &[&a, &b], || async {
        followers_of(&a, "/video-channels/root_channel/followers").await == 1
    })
    .await;
    a.publish(&a_admin, "short.mp4", &[("name", "Clip from afar".into())])
        .await;
    b.publish(&b_admin, "short.mp4", &[("name", "Clip from home".into())])
        .await;
    eventually(15, "the video reaching B", &[&a, &b], || async {
        remote_videos(&b).await["total"] == 1
    })
    .await;

    let local_link = r#"data-home-scope="local" aria-current="true""#;
    let all_link = r#"data-home-scope="all" aria-current="true""#;
    let page = home_page(&b, "", None).await;
    assert!(page.contains("Clip from afar") && page.contains("Clip from home"));
    assert!(page.contains(all_link), "all by default");
    let page = home_page(&b, "?scope=local", None).await;
    assert!(!page.contains("Clip from afar") && page.contains("Clip from home"));
    assert!(page.contains(local_link));
    // The choice the page script remembers, unless the address says otherwise.
    let remembered = Some("kinora-home-scope=local");
    let page = home_page(&b, "", remembered).await;
    assert!(!page.contains("Clip from afar") && page.contains("Clip from home"));
    assert!(page.contains(local_link));
    let page = home_page(&b, "?scope=all", remembered).await;
    assert!(page.contains("Clip from afar") && page.contains("Clip from home"));
    assert!(page.contains(all_link));

    // The API's local choice: `isLocal=true`, or `filter=local` as older NewPipe builds ask.
    for query in ["", "?isLocal=true", "?filter=local", "?isLocal=false"] {
        let (status, list) = get_json(&b.api(&format!("/videos{query}")), None).await;
        assert_eq!(status, 200);
        let names: Vec<&str> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        let expected: &[&str] = match query {
            "" => &["Clip from home", "Clip from afar"],
            "?isLocal=false" => &["Clip from afar"],
            _ => &["Clip from home"],
        };
        assert_eq!(names, expected, "{query}");
    }
}
