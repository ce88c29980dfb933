//! Videos end to end through the real server: legacy and resumable uploads of real files,
//! processing to HLS, PeerTube's video JSON, byte-range serving, privacy, and bad input.

mod common;

use common::{Options, Server, expect_problem, fixture, http};
use serde_json::{Value, json};

#[tokio::test]
async fn legacy_upload_is_published_as_hls_and_served_with_ranges() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let channel = server.channel_id(&admin).await.to_string();
    let res = server
        .upload(
            &admin,
            "h264_aac.mp4",
            &[
                ("name", "Sea trip".into()),
                ("channelId", channel),
                ("privacy", "1".into()),
                ("tags[]", "sea".into()),
                ("tags[]", "boat".into()),
                ("category", "6".into()),
                ("language", "fr".into()),
                ("description", "A short trip at sea".into()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let uuid = created["video"]["uuid"].as_str().unwrap().to_string();
    let short = created["video"]["shortUUID"].as_str().unwrap().to_string();
    assert_eq!(short.len(), 22);

    let video = server.wait_processed(&admin, &uuid).await;
    assert_eq!(video["state"]["id"], 1, "{video}");
    assert_eq!(video["name"], "Sea trip");
    assert_eq!(video["duration"], 3);
    assert_eq!(video["category"]["label"], "Travels");
    assert_eq!(video["language"]["id"], "fr");
    assert_eq!(video["tags"], json!(["boat", "sea"]));
    assert_eq!(video["account"]["name"], "root");
    assert_eq!(video["channel"]["name"], "root_channel");
    let playlist = &video["streamingPlaylists"][0];
    let file = &playlist["files"][0];
    assert_eq!(file["resolution"]["id"], 180);
    assert_eq!(file["resolution"]["label"], "180p");
    assert_eq!(file["hasAudio"], true);
    assert!(file["size"].as_i64().unwrap() > 10_000);

    // Same video by shortUUID, numeric id, and with a trailing slash.
    for id in [
        short.clone(),
        created["video"]["id"].to_string(),
        format!("{uuid}/"),
    ] {
        let res = http()
            .get(server.api(&format!("/videos/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{id}");
    }
    let list: Value = http()
        .get(server.api("/videos?sort=-publishedAt"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["data"][0]["uuid"], uuid.as_str());
    let by_channel: Value = http()
        .get(server.api("/video-channels/root_channel/videos"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_channel["total"], 1);
    let by_account: Value = http()
        .get(server.api("/accounts/root/videos"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_account["total"], 1);

    // The master playlist names the variant; the variant's byte ranges are served with 206.
    let master_url = playlist["playlistUrl"].as_str().unwrap();
    let master = http().get(master_url).send().await.unwrap();
    assert_eq!(master.status(), 200);
    assert_eq!(
        master.headers()["content-type"],
        "application/vnd.apple.mpegurl"
    );
    let master = master.text().await.unwrap();
    assert!(
        master.contains("#EXT-X-STREAM-INF") && master.contains("avc1."),
        "{master}"
    );
    let variant = http()
        .get(file["playlistUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(variant.contains("#EXT-X-BYTERANGE"), "{variant}");
    let res = http()
        .get(file["fileUrl"].as_str().unwrap())
        .header("range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.headers()["content-type"], "video/mp4");
    assert_eq!(res.bytes().await.unwrap().len(), 100);
    // HEAD gives the file's size and no bytes (players and link checkers probe with it).
    let res = http()
        .head(file["fileUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-length"].to_str().unwrap(),
        file["size"].to_string()
    );
    assert!(res.bytes().await.unwrap().is_empty());
    let etag = http()
        .get(file["fileUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .clone();
    let res = http()
        .get(file["fileUrl"].as_str().unwrap())
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let res = http()
        .get(format!(
            "{}/static/streaming-playlists/hls/{uuid}/..%2F..%2Fkinora.sqlite3",
            server.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Web-video download and torrent, as peertube-cli and yt-dlp read them from `files`.
    let web = &video["files"][0];
    let torrent_url = web["torrentUrl"].as_str().unwrap();
    assert!(
        !torrent_url.is_empty(),
        "torrentUrl is set once a rendition exists"
    );
    assert!(web["magnetUri"].as_str().unwrap().contains("xt=urn:btih:"));
    let torrent = http().get(torrent_url).send().await.unwrap();
    assert_eq!(
        torrent.headers()["content-type"],
        "application/x-bittorrent"
    );
    let torrent = torrent.bytes().await.unwrap();
    assert!(torrent.starts_with(b"d") && torrent.windows(8).any(|w| w == b"url-list"));
    let download = http()
        .get(web["fileUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    let hls_file = http()
        .get(file["fileUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(download.bytes().await.unwrap(), hls_file);

    // Delete: gone from the API and from disk.
    let res = http()
        .delete(server.api(&format!("/videos/{uuid}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    expect_problem(
        http()
            .get(server.api(&format!("/videos/{uuid}")))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    assert!(
        !server
            .data_dir
            .join("streaming-playlists/hls")
            .join(&uuid)
            .exists()
    );
    assert_eq!(
        std::fs::read_dir(server.data_dir.join("originals"))
            .unwrap()
            .count(),
        0
    );
}

#[tokio::test]
async fn resumable_upload_resumes_after_a_restart() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let channel = server.channel_id(&admin).await;
    let bytes = fixture("long.mp4");
    let total = bytes.len();
    let res = http()
        .post(server.api("/videos/upload-resumable"))
        .bearer_auth(&admin)
        .header("x-upload-content-length", total.to_string())
        .header("x-upload-content-type", "video/mp4")
        .json(&json!({ "name": "Long one", "channelId": channel, "filename": "long.mp4", "privacy": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("upload_id="));

    let put = |range: String, body: Vec<u8>| {
        http()
            .put(&location)
            .bearer_auth(&admin)
            .header("content-range", range)
            .body(body)
    };
    let half = total / 2;
    let res = put(
        format!("bytes 0-{}/{total}", half - 1),
        bytes[..half].to_vec(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 308);
    assert_eq!(
        res.headers()["range"],
        format!("bytes=0-{}", half - 1).as_str()
    );
    // A chunk at the wrong offset is refused.
    let res = put(
        format!("bytes 10-{}/{total}", half + 9),
        bytes[10..half + 10].to_vec(),
    )
    .send()
    .await
    .unwrap();
    expect_problem(res, 409).await;

    // The server restarts; the status query tells where to continue.
    let server = server.restart(Options::default());
    let location = location.replace(&location[..location.find("/api/").unwrap()], &server.url);
    let res = http()
        .put(&location)
        .bearer_auth(&admin)
        .header("content-range", format!("bytes */{total}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 308);
    assert_eq!(
        res.headers()["range"],
        format!("bytes=0-{}", half - 1).as_str()
    );
    let res = http()
        .put(&location)
        .bearer_auth(&admin)
        .header(
            "content-range",
            format!("bytes {half}-{}/{total}", total - 1),
        )
        .body(bytes[half..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let uuid = created["video"]["uuid"].as_str().unwrap();
    let video = server.wait_processed(&admin, uuid).await;
    assert_eq!(video["state"]["id"], 1, "{video}");
    assert_eq!(video["duration"], 10);
    // The stored original is the uploaded file, byte for byte.
    let original = std::fs::read_dir(server.data_dir.join("originals"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(std::fs::read(original).unwrap(), bytes);

    // Unknown and cancelled sessions.
    let bogus = format!(
        "{}/api/v1/videos/upload-resumable?upload_id=nope",
        server.url
    );
    expect_problem(
        http()
            .put(&bogus)
            .bearer_auth(&admin)
            .header("content-range", "bytes */10")
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    let res = http()
        .post(server.api("/videos/upload-resumable"))
        .bearer_auth(&admin)
        .header("x-upload-content-length", "1000")
        .json(&json!({ "name": "Never sent", "channelId": channel, "filename": "x.mp4" }))
        .send()
        .await
        .unwrap();
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        http()
            .delete(&location)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    expect_problem(
        http()
            .put(&location)
            .bearer_auth(&admin)
            .header("content-range", "bytes */1000")
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[tokio::test]
async fn bad_uploads_are_refused_and_leave_nothing_behind() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let channel = server.channel_id(&admin).await.to_string();
    let res = server
        .upload(
            &admin,
            "random.bin",
            &[("name", "Noise".into()), ("channelId", channel.clone())],
        )
        .await;
    expect_problem(res, 415).await;
    let res = server
        .upload(
            &admin,
            "h264_aac.mp4",
            &[("name", "x".into()), ("channelId", channel.clone())],
        )
        .await;
    let body = expect_problem(res, 400).await;
    assert!(body["invalid-params"]["name"].is_object());
    let res = server
        .upload(
            &admin,
            "h264_aac.mp4",
            &[
                ("name", "Secret".into()),
                ("channelId", channel.clone()),
                ("privacy", "5".into()),
            ],
        )
        .await;
    expect_problem(res, 400).await;
    let res = http()
        .post(server.api("/videos/upload"))
        .bearer_auth(&admin)
        .multipart(reqwest::multipart::Form::new().text("name", "No file"))
        .send()
        .await
        .unwrap();
    expect_problem(res, 400).await;
    let res = server
        .upload(
            &admin,
            "h264_aac.mp4",
            &[("name", "Anonymous".into()), ("channelId", channel.clone())],
        )
        .await;
    assert_eq!(res.status(), 200, "control upload works");
    let uploads = std::fs::read_dir(server.data_dir.join("uploads"))
        .unwrap()
        .count();
    assert_eq!(uploads, 0, "no partial upload left");
    assert_eq!(
        std::fs::read_dir(server.data_dir.join("originals"))
            .unwrap()
            .count(),
        1
    );

    // Someone else's channel, over quota, and unauthenticated.
    let (_, alice) = server.create_user(&admin, "alice", 2).await;
    let res = server
        .upload(
            &alice,
            "h264_aac.mp4",
            &[("name", "Not mine".into()), ("channelId", channel.clone())],
        )
        .await;
    expect_problem(res, 403).await;
    let alice_channel = server.channel_id(&alice).await;
    let res = http()
        .post(server.api("/videos/upload-resumable"))
        .bearer_auth(&alice)
        .header("x-upload-content-length", (20u64 << 30).to_string())
        .json(&json!({ "name": "Huge", "channelId": alice_channel, "filename": "huge.mp4" }))
        .send()
        .await
        .unwrap();
    expect_problem(res, 413).await;
    let res = http()
        .post(server.api("/videos/upload-resumable"))
        .bearer_auth(&alice)
        .header("x-upload-content-length", (9u64 << 30).to_string())
        .json(&json!({ "name": "Big", "channelId": alice_channel, "filename": "big.mp4" }))
        .send()
        .await;
    let res = res.unwrap();
    // 9 GiB passes the quota (10 GiB) but not the 8 GiB upload limit.
    expect_problem(res, 413).await;
    let res = http()
        .put(server.api("/users/1"))
        .bearer_auth(&admin)
        .json(&json!({ "videoQuota": 1000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = http()
        .post(server.api("/videos/upload-resumable"))
        .bearer_auth(&admin)
        .header("x-upload-content-length", "5000")
        .json(&json!({ "name": "Over quota", "channelId": channel.parse::<i64>().unwrap(), "filename": "q.mp4" }))
        .send()
        .await
        .unwrap();
    assert_eq!(expect_problem(res, 413).await["code"], "quota_reached");
    let res = http()
        .post(server.api("/videos/upload"))
        .multipart(reqwest::multipart::Form::new().text("name", "x"))
        .send()
        .await
        .unwrap();
    expect_problem(res, 401).await;
}

#[tokio::test]
async fn privacy_and_unsupported_codecs() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let channel = server.channel_id(&admin).await.to_string();
    let res = server
        .upload(
            &admin,
            "h264_aac.mp4",
            &[
                ("name", "Private one".into()),
                ("channelId", channel.clone()),
                ("privacy", "3".into()),
            ],
        )
        .await;
    let private: Value = res.json().await.unwrap();
    let uuid = private["video"]["uuid"].as_str().unwrap().to_string();
    server.wait_processed(&admin, &uuid).await;
    expect_problem(
        http()
            .get(server.api(&format!("/videos/{uuid}")))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    let (_, alice) = server.create_user(&admin, "alice", 2).await;
    expect_problem(
        http()
            .get(server.api(&format!("/videos/{uuid}")))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    let list: Value = http()
        .get(server.api("/videos"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0, "private videos are not listed");
    let mine: Value = http()
        .get(server.api("/users/me/videos"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 1);
    let res = http()
        .get(format!(
            "{}/static/streaming-playlists/hls/{uuid}/master.m3u8",
            server.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "private files need the owner");

    // HEVC can be neither remuxed nor decoded: the video fails with a reason, the original stays.
    let res = server
        .upload(
            &admin,
            "hevc.mp4",
            &[("name", "HEVC clip".into()), ("channelId", channel)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let hevc: Value = res.json().await.unwrap();
    let video = server
        .wait_processed(&admin, hevc["video"]["uuid"].as_str().unwrap())
        .await;
    assert_eq!(video["state"]["id"], 7);
    assert!(
        video["stateError"].as_str().unwrap().contains("HEVC"),
        "{video}"
    );
}

#[tokio::test]
async fn lists_show_internal_videos_to_members_and_any_privacy_to_moderators() {
    let server = Server::start();
    let admin = server.admin_token().await;
    for (name, privacy) in [
        ("Open", "1"),
        ("Members", "4"),
        ("Hidden", "3"),
        ("Link", "2"),
    ] {
        server
            .publish(
                &admin,
                "short.mp4",
                &[("name", name.into()), ("privacy", privacy.into())],
            )
            .await;
    }
    let names = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let list = |token: Option<String>, query: &'static str| {
        let mut req = http().get(server.api(&format!("/videos{query}")));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let anonymous: Value = list(None, "").await.unwrap().json().await.unwrap();
    assert_eq!(names(&anonymous), ["Open"]);
    let (_, member) = server.create_user(&admin, "member", 2).await;
    let res: Value = list(Some(member.clone()), "")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(&res), ["Members", "Open"]);
    assert_eq!(res["total"], 2);
    // Lists are answered from pages kept until the database changes (`store::page_cache`):
    // with nothing written in between, anonymous and signed-in answers must stay apart.
    for _ in 0..2 {
        let anonymous: Value = list(None, "").await.unwrap().json().await.unwrap();
        assert_eq!(
            (names(&anonymous), &anonymous["total"]),
            (vec!["Open".to_string()], &json!(1))
        );
        let signed_in: Value = list(Some(member.clone()), "")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(names(&signed_in), ["Members", "Open"]);
    }
    let res: Value = list(Some(admin.clone()), "?privacyOneOf=2&privacyOneOf=3")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(&res), ["Hidden", "Link"]);
    expect_problem(list(None, "?privacyOneOf=3").await.unwrap(), 401).await;
    expect_problem(list(Some(member), "?privacyOneOf=3").await.unwrap(), 403).await;
    expect_problem(list(Some(admin), "?privacyOneOf=9").await.unwrap(), 400).await;
}

/// Anonymous lists are answered from a cache of whole pages (`store::page_cache`): the same
/// answer while nothing changes, and a fresh one after any commit, by the server or by another
/// process writing the same database file.
#[tokio::test]
async fn anonymous_lists_follow_every_change_of_the_database() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "First name".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let list = server.api("/videos?count=5");
    let names = || async {
        let body = http()
            .get(&list)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let v: Value = serde_json::from_str(&body).unwrap();
        (body, v["data"][0]["name"].as_str().unwrap().to_string())
    };
    let (first, name) = names().await;
    assert_eq!(name, "First name");
    for _ in 0..4 {
        assert_eq!(names().await.0, first, "unchanged while nothing changes");
    }

    let res = http()
        .put(server.api(&format!("/videos/{uuid}")))
        .bearer_auth(&admin)
        .json(&json!({ "name": "Renamed here" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    for _ in 0..4 {
        assert_eq!(names().await.1, "Renamed here");
    }

    let db = rusqlite::Connection::open(server.data_dir.join("kinora.sqlite3")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    db.execute(
        "UPDATE videos SET name = 'Renamed outside' WHERE uuid = ?1",
        [&uuid],
    )
    .unwrap();
    for _ in 0..4 {
        assert_eq!(names().await.1, "Renamed outside");
    }
    // Signed in, the same list is not the cached anonymous one but says the same.
    let (_, signed_in) = common::fed::get_json(&list, Some(&admin)).await;
    assert_eq!(signed_in["data"][0]["name"], "Renamed outside");
}
