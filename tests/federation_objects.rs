//! What a PeerTube instance reads from Kinora's objects, held to the rules of PeerTube's own
//! validators and builders: the Video's `hasParts` chapters and each actor's `playlists`
//! collection answer (PeerTube fetches both, and fails the video when the chapters fetch
//! fails), the Video carries `aspectRatio`, its icons, its captions and a magnet link per
//! file (where PeerTube reads torrents and infohashes from), a caption change reaches
//! followers, and a description or support text under PeerTube's 3-character minimum is
//! refused at the API like PeerTube's API does (a Video carrying one is refused whole by
//! PeerTube).

mod common;

use common::fed::{ap_get, counter, eventually, follow, get_json, reaches, remote_videos};
use common::{Server, http};
use serde_json::{Value, json};

#[tokio::test]
async fn peertube_finds_chapters_playlists_and_the_aspect_ratio() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(
            &admin,
            "long.mp4",
            &[("name", "Fetched by PeerTube".into())],
        )
        .await;
    let uuid = video["uuid"].as_str().unwrap();
    let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n";
    let res = server.put_caption(&admin, uuid, "fr", "fr.vtt", vtt).await;
    assert_eq!(res.status(), 204);
    let details = server
        .wait_for(&admin, uuid, "given its torrent", |v| {
            v["files"][0]["torrentUrl"]
                .as_str()
                .is_some_and(|u| !u.is_empty())
        })
        .await;

    let (status, object) = ap_get(&format!("{}/videos/watch/{uuid}", server.url)).await;
    assert_eq!(status, 200, "{object}");
    assert_eq!(object["aspectRatio"], json!(1.7778), "160x90: {object}");
    assert!(
        !object["icon"].as_array().unwrap().is_empty(),
        "PeerTube refuses a Video without icons: {object}"
    );
    // Captions: the language and a string url (what PeerTube 6 and 7 both read).
    let subtitles = object["subtitleLanguage"].as_array().unwrap();
    assert_eq!(subtitles.len(), 1, "{object}");
    assert_eq!(subtitles[0]["identifier"], "fr");
    assert_eq!(subtitles[0]["name"], "French");
    let caption = http()
        .get(subtitles[0]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(caption.status(), 200);
    assert!(caption.text().await.unwrap().contains("\nHello\n"));
    // Per web video file, a magnet link of the same height naming its infohash and torrent.
    let links = object["url"].as_array().unwrap();
    let mp4 = links
        .iter()
        .find(|l| l["mediaType"] == "video/mp4")
        .unwrap();
    let magnet = links
        .iter()
        .find(|l| l["mediaType"] == "application/x-bittorrent;x-scheme-handler/magnet")
        .unwrap_or_else(|| panic!("no magnet link: {object}"));
    assert_eq!(magnet["height"], mp4["height"]);
    let href = magnet["href"].as_str().unwrap();
    let torrent_url = details["files"][0]["torrentUrl"].as_str().unwrap();
    let infohash = details["files"][0]["magnetUri"]
        .as_str()
        .and_then(|m| m.split("urn:btih:").nth(1))
        .map(|rest| rest.split('&').next().unwrap().to_string())
        .unwrap();
    assert!(href.contains(&format!("xt=urn:btih:{infohash}")), "{href}");
    let xs: String = form_urlencoded::byte_serialize(torrent_url.as_bytes()).collect();
    assert!(href.starts_with(&format!("magnet:?xs={xs}&")), "{href}");
    let torrent = http().get(torrent_url).send().await.unwrap();
    assert_eq!(torrent.status(), 200);

    let chapters_url = object["hasParts"].as_str().unwrap();
    let (status, chapters) = ap_get(chapters_url).await;
    assert_eq!(status, 200, "{chapters}");
    assert_eq!(chapters["id"], chapters_url);
    assert_eq!(chapters["hasPart"], json!([]));
    assert!(chapters["@context"].is_array(), "{chapters}");

    let (status, chapters) = get_json(&server.api(&format!("/videos/{uuid}/chapters")), None).await;
    assert_eq!((status, chapters), (200, json!({ "chapters": [] })));
    let (status, _) = get_json(
        &server.api("/videos/00000000-0000-4000-8000-000000000000/chapters"),
        None,
    )
    .await;
    assert_eq!(status, 404);

    // Every actor the Video names, and the instance actor, answers its playlists collection.
    let mut actors: Vec<String> = object["attributedTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    actors.push(format!("{}/accounts/peertube", server.url));
    for actor in actors {
        let (status, doc) = ap_get(&actor).await;
        assert_eq!(status, 200, "{actor}");
        let playlists = doc["playlists"].as_str().unwrap();
        assert_eq!(playlists, format!("{actor}/playlists"));
        let (status, collection) = ap_get(playlists).await;
        assert_eq!(status, 200, "{playlists}: {collection}");
        assert_eq!(collection["type"], "OrderedCollection");
        assert_eq!(collection["totalItems"], 0);
        let (status, page) = ap_get(&format!("{playlists}?page=1")).await;
        assert_eq!(status, 200);
        assert_eq!(page["orderedItems"], json!([]));
    }
    let (status, _) = ap_get(&format!("{}/accounts/nobody/playlists", server.url)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn texts_shorter_than_peertube_accepts_are_refused() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let channel = server.channel_id(&admin).await.to_string();
    for (field, value) in [("description", "ab"), ("support", "x")] {
        let res = server
            .upload(
                &admin,
                "short.mp4",
                &[
                    ("name", "Too short".into()),
                    ("channelId", channel.clone()),
                    (field, value.into()),
                ],
            )
            .await;
        assert_eq!(res.status(), 400, "{field}");
        let problem: Value = res.json().await.unwrap();
        assert!(
            problem["invalid-params"][field].is_object(),
            "{field}: {problem}"
        );
    }
    let video = server
        .publish(
            &admin,
            "short.mp4",
            &[
                ("name", "Long enough".into()),
                ("description", "abc".into()),
            ],
        )
        .await;
    let uuid = video["uuid"].as_str().unwrap();
    let res = http()
        .put(server.api(&format!("/videos/{uuid}")))
        .bearer_auth(&admin)
        .json(&json!({ "description": "ab" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let (_, details) = get_json(&server.api(&format!("/videos/{uuid}")), None).await;
    assert_eq!(
        details["description"], "abc",
        "the refused edit changed nothing"
    );
}

/// A caption added after publication reaches the video's followers: an Update is delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_caption_is_sent_to_followers() {
    let mut servers = Server::start_federated(2);
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    follow(&a, &b, &b_admin, "root_channel").await;
    let video = a
        .publish(&a_admin, "short.mp4", &[("name", "Captioned later".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap();
    reaches(&a, &b).await;
    let delivered = || async {
        counter(
            &a,
            "kinora_federation_deliveries_total",
            "result=\"delivered\"",
        )
        .await
    };
    // Let the first deliveries settle, then add a caption.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let before = delivered().await;
    let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nHallo\n";
    let res = a.put_caption(&a_admin, uuid, "de", "de.vtt", vtt).await;
    assert_eq!(res.status(), 204);
    eventually(15, "the Update delivered to B", &[&a, &b], || async {
        delivered().await > before
    })
    .await;
}

/// Deleting a channel deletes its videos everywhere: the follower's copy goes too (the
/// database used to drop the rows by cascade without telling anyone).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_channels_videos_leave_other_instances() {
    let mut servers = Server::start_federated(2);
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    let res = http()
        .post(a.api("/video-channels"))
        .bearer_auth(&a_admin)
        .json(&json!({ "name": "extra_channel", "displayName": "Extra" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let channel_id = created["videoChannel"]["id"].to_string();
    follow(&a, &b, &b_admin, "extra_channel").await;
    let res = a
        .upload(
            &a_admin,
            "short.mp4",
            &[("name", "Soon gone".into()), ("channelId", channel_id)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let uuid = res.json::<Value>().await.unwrap()["video"]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    a.wait_processed(&a_admin, &uuid).await;
    reaches(&a, &b).await;
    let res = http()
        .delete(a.api("/video-channels/extra_channel"))
        .bearer_auth(&a_admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    eventually(15, "the video leaving B", &[&a, &b], || async {
        get_json(&b.api(&format!("/videos/{uuid}")), None).await.0 == 404
    })
    .await;
}

/// A remote video's thumbnail and preview have paths on the instance that lists it (clients
/// such as NewPipe read only `thumbnailPath` and `previewPath`), fetched from the origin on the
/// first request and kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_videos_pictures_are_served_from_here() {
    let mut servers = Server::start_federated(2);
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    follow(&a, &b, &b_admin, "root_channel").await;
    let video = a
        .publish(&a_admin, "short.mp4", &[("name", "Pictured".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap();
    reaches(&a, &b).await;
    let bytes = |url: String| async move {
        let res = http().get(url).send().await.unwrap();
        let kind = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string());
        (res.status().as_u16(), kind, res.bytes().await.unwrap())
    };
    let listed = remote_videos(&b).await;
    let (_, details) = get_json(&b.api(&format!("/videos/{uuid}")), None).await;
    for field in ["thumbnailPath", "previewPath"] {
        let path = details[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field}: {details}"));
        assert!(
            path.starts_with("/lazy-static/") && path.contains(uuid),
            "{path}"
        );
        if field == "thumbnailPath" {
            assert_eq!(listed["data"][0][field], path, "lists give the same path");
        }
        let (status, kind, here) = bytes(format!("{}{path}", b.url)).await;
        assert_eq!(status, 200, "{path}: {}", b.log());
        assert_eq!(kind.as_deref(), Some("image/jpeg"));
        let origin = video[field].as_str().unwrap();
        let (_, _, there) = bytes(format!("{}{origin}", a.url)).await;
        assert_eq!(here, there, "{field} is the origin's picture");
        // Kept: served again from B's copy.
        let (status, _, again) = bytes(format!("{}{path}", b.url)).await;
        assert_eq!((status, again), (200, here));
    }
    let kept = std::fs::read_dir(b.data_dir.join("remote-pictures"))
        .unwrap()
        .count();
    assert_eq!(kept, 2);
    let wrong = format!("/lazy-static/thumbnails/{uuid}-0123456789abcdef.jpg");
    assert_eq!(bytes(format!("{}{wrong}", b.url)).await.0, 404);
}
