//! A video's side files through the real server: captions (WebVTT and SubRip uploads, listing,
//! replacement, deletion), the source description, private-file tokens and multi-range requests.

mod common;

use common::{Server, expect_problem, http};
use serde_json::Value;

async fn captions(server: &Server, uuid: &str) -> Value {
    let res = http()
        .get(server.api(&format!("/videos/{uuid}/captions")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn captions_are_uploaded_converted_listed_replaced_and_deleted() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Captioned".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap();

    let srt = "1\r\n00:00:00,500 --> 00:00:02,000\r\nBonjour\r\n";
    let res = server.put_caption(&admin, uuid, "fr", "fr.srt", srt).await;
    assert_eq!(res.status(), 204);
    let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n";
    assert_eq!(
        server
            .put_caption(&admin, uuid, "en", "en.vtt", vtt)
            .await
            .status(),
        204
    );
    let list = captions(&server, uuid).await;
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(list["data"][0]["language"]["id"], "en");
    assert_eq!(list["data"][0]["language"]["label"], "English");
    let fr = &list["data"][1];
    assert_eq!(fr["language"]["id"], "fr");
    let res = http()
        .get(format!(
            "{}{}",
            server.url,
            fr["captionPath"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/vtt")
    );
    assert_eq!(
        res.text().await.unwrap(),
        "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nBonjour\n"
    );

    // Replacing keeps one caption per language and removes the old file.
    let old_path = fr["captionPath"].as_str().unwrap().to_string();
    let res = server
        .put_caption(
            &admin,
            uuid,
            "fr",
            "fr.vtt",
            "WEBVTT\n\n00:01.000 --> 00:02.000\nSalut\n",
        )
        .await;
    assert_eq!(res.status(), 204);
    let list = captions(&server, uuid).await;
    assert_eq!(list["total"], 2);
    assert_ne!(list["data"][1]["captionPath"], old_path.as_str());
    let res = http()
        .get(format!("{}{old_path}", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "the replaced file is gone");

    // Bad input: not subtitles, an unknown language, someone else's video, no file.
    let body = expect_problem(
        server
            .put_caption(&admin, uuid, "de", "x.srt", "not subtitles at all")
            .await,
        400,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("line 1"),
        "{body}"
    );
    expect_problem(
        server
            .put_caption(&admin, uuid, "xx-nope", "x.vtt", vtt)
            .await,
        404,
    )
    .await;
    let (_, other) = server.create_user(&admin, "other", 2).await;
    expect_problem(
        server.put_caption(&other, uuid, "de", "x.vtt", vtt).await,
        403,
    )
    .await;
    let res = http()
        .put(server.api(&format!("/videos/{uuid}/captions/de")))
        .bearer_auth(&admin)
        .multipart(reqwest::multipart::Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    expect_problem(res, 400).await;
    assert_eq!(
        captions(&server, uuid).await["total"],
        2,
        "nothing was added"
    );

    let delete = |lang: &'static str| {
        http()
            .delete(server.api(&format!("/videos/{uuid}/captions/{lang}")))
            .bearer_auth(&admin)
            .send()
    };
    assert_eq!(delete("en").await.unwrap().status(), 204);
    expect_problem(delete("en").await.unwrap(), 404).await;
    assert_eq!(captions(&server, uuid).await["total"], 1);

    // Deleting the video takes its caption files with it.
    let res = http()
        .delete(server.api(&format!("/videos/{uuid}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let left: Vec<_> = std::fs::read_dir(server.data_dir.join("captions"))
        .unwrap()
        .flatten()
        .collect();
    assert!(left.is_empty(), "caption files left: {left:?}");
}

async fn get(url: &str) -> reqwest::Response {
    http().get(url).send().await.unwrap()
}

async fn file_token(server: &Server, token: &str, uuid: &str) -> reqwest::Response {
    http()
        .post(server.api(&format!("/videos/{uuid}/token")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The URI lines of a playlist (and the `EXT-X-MAP` URI), resolved against `base`.
fn playlist_uris(playlist: &str, base: &str) -> Vec<String> {
    let dir = &base[..base.rfind('/').unwrap() + 1];
    playlist
        .lines()
        .filter_map(|l| {
            if let Some(rest) = l.strip_prefix("#EXT-X-MAP:URI=\"") {
                rest.split('"').next().map(str::to_string)
            } else if !l.starts_with('#') && !l.is_empty() {
                Some(l.to_string())
            } else {
                None
            }
        })
        .map(|u| format!("{dir}{u}"))
        .collect()
}

#[tokio::test]
async fn private_files_open_with_a_video_file_token_only() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(
            &admin,
            "short.mp4",
            &[("name", "Secret".into()), ("privacy", "3".into())],
        )
        .await;
    let uuid = video["uuid"].as_str().unwrap();
    let master = video["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .unwrap();
    let download = video["files"][0]["fileUrl"].as_str().unwrap();
    assert!(
        master.contains("/static/streaming-playlists/hls/private/"),
        "{master}"
    );
    assert!(
        download.contains("/static/web-videos/private/"),
        "{download}"
    );

    expect_problem(get(master).await, 401).await;
    expect_problem(
        get(&format!("{download}?videoFileToken=1.99999999999.abc")).await,
        401,
    )
    .await;
    expect_problem(file_token(&server, "not-a-token", uuid).await, 401).await;
    let (_, other) = server.create_user(&admin, "other", 2).await;
    expect_problem(file_token(&server, &other, uuid).await, 403).await;

    let res = file_token(&server, &admin, uuid).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let token = body["files"]["token"].as_str().unwrap();
    assert!(
        body["files"]["expires"].as_str().unwrap().ends_with('Z'),
        "{body}"
    );
    assert_eq!(
        get(&format!("{master}?videoFileToken={token}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        get(&format!("{download}?videoFileToken={token}"))
            .await
            .status(),
        200
    );

    // Reinjection: every playlist down to the segments carries the token.
    let res = get(&format!(
        "{master}?videoFileToken={token}&reinjectVideoFileToken=true"
    ))
    .await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let variants = playlist_uris(&text, master);
    assert_eq!(variants.len(), 1, "{text}");
    assert!(
        variants[0].ends_with("&reinjectVideoFileToken=true"),
        "{text}"
    );
    let variant = get(&variants[0]).await.text().await.unwrap();
    let media = playlist_uris(&variant, &variants[0]);
    assert!(media.len() >= 2, "{variant}");
    for uri in media {
        assert!(uri.contains("-fragmented.mp4?videoFileToken="), "{uri}");
        assert_eq!(get(&uri).await.status(), 200, "{uri}");
    }

    // A token opens its own video only.
    let other_video = server
        .publish(
            &admin,
            "short.mp4",
            &[("name", "Other secret".into()), ("privacy", "3".into())],
        )
        .await;
    let other_master = other_video["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .unwrap();
    expect_problem(
        get(&format!("{other_master}?videoFileToken={token}")).await,
        401,
    )
    .await;
}

#[tokio::test]
async fn several_ranges_come_back_as_multipart_byteranges() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Ranges".into())])
        .await;
    let url = video["files"][0]["fileUrl"].as_str().unwrap();
    let whole = get(url).await.bytes().await.unwrap();
    let len = whole.len();
    let res = http()
        .get(url)
        .header("range", "bytes=20-29,4-11,-6")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
    let boundary = content_type
        .strip_prefix("multipart/byteranges; boundary=")
        .unwrap_or_else(|| panic!("{content_type}"))
        .to_string();
    let declared: usize = res.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = res.bytes().await.unwrap();
    assert_eq!(body.len(), declared);
    let mut expected = Vec::new();
    for (start, end) in [(4, 12), (20, 30), (len - 6, len)] {
        expected.extend_from_slice(
            format!(
                "\r\n--{boundary}\r\nContent-Type: video/mp4\r\nContent-Range: bytes {start}-{}/{len}\r\n\r\n",
                end - 1
            )
            .as_bytes(),
        );
        expected.extend_from_slice(&whole[start..end]);
    }
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(&body[..], &expected[..]);

    // One range stays a plain 206; an unsatisfiable one is 416.
    let res = http()
        .get(url)
        .header("range", "bytes=4-11")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(&res.bytes().await.unwrap()[..], &whole[4..12]);
    let res = http()
        .get(url)
        .header("range", format!("bytes={}-", len + 10))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 416);
}

#[tokio::test]
async fn the_source_is_described_and_downloadable_by_its_owner_only() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Sourced".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap();
    let source_of = |token: &str| {
        http()
            .get(server.api(&format!("/videos/{uuid}/source")))
            .bearer_auth(token.to_string())
            .send()
    };
    let res = source_of(&admin).await.unwrap();
    assert_eq!(res.status(), 200);
    let source: Value = res.json().await.unwrap();
    assert_eq!(source["inputFilename"], "short.mp4");
    assert_eq!(source["resolution"]["id"], 72, "{source}");
    assert_eq!(
        (source["width"].as_u64(), source["height"].as_u64()),
        (Some(128), Some(72))
    );
    let original = common::fixture("short.mp4");
    assert_eq!(source["size"], original.len());
    let url = source["fileDownloadUrl"].as_str().unwrap();

    expect_problem(get(url).await, 401).await;
    let (_, other) = server.create_user(&admin, "other", 2).await;
    expect_problem(source_of(&other).await.unwrap(), 403).await;
    let res = http().get(url).bearer_auth(&other).send().await.unwrap();
    expect_problem(res, 403).await;

    let res = http().get(url).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("short.mp4")
    );
    assert_eq!(&res.bytes().await.unwrap()[..], &original[..]);
    // A video file token works too (a download link in a page), for this video only.
    let body: Value = file_token(&server, &admin, uuid)
        .await
        .json()
        .await
        .unwrap();
    let token = body["files"]["token"].as_str().unwrap();
    assert_eq!(
        get(&format!("{url}?videoFileToken={token}")).await.status(),
        200
    );
    expect_problem(
        get(&url.replace(uuid, "00000000-0000-4000-8000-000000000000")).await,
        401,
    )
    .await;
}

fn png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb(rgb));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn picture(server: &Server, path: &Value) -> image::RgbImage {
    let url = format!("{}{}", server.url, path.as_str().expect("a picture path"));
    let res = get(&url).await;
    assert_eq!(res.status(), 200, "{url}");
    image::load_from_memory(&res.bytes().await.unwrap())
        .unwrap()
        .to_rgb8()
}

#[tokio::test]
async fn uploaded_pictures_are_reencoded_kept_by_the_pipeline_and_replaceable() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let channel = server.channel_id(&admin).await.to_string();
    let form = reqwest::multipart::Form::new()
        .part(
            "videofile",
            reqwest::multipart::Part::bytes(common::fixture("short.mp4")).file_name("short.mp4"),
        )
        .text("name", "Pictured")
        .text("channelId", channel.clone())
        .part(
            "thumbnailfile",
            reqwest::multipart::Part::bytes(png(1280, 720, [200, 20, 20])).file_name("t.png"),
        );
    let res = http()
        .post(server.api("/videos/upload"))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let uuid = created["video"]["uuid"].as_str().unwrap();
    let video = server.wait_processed(&admin, uuid).await;
    assert_eq!(video["state"]["id"], 1);
    // The thumbnail alone stands for both pictures, and the pipeline did not replace it.
    let thumb = picture(&server, &video["thumbnailPath"]).await;
    assert_eq!(thumb.dimensions(), (280, 157));
    assert!(
        thumb.get_pixel(140, 78).0[0] > 150,
        "the uploaded red picture"
    );
    let preview = picture(&server, &video["previewPath"]).await;
    assert_eq!(preview.dimensions(), (850, 480));

    // A multipart edit, as PeerTube's web client sends it, replaces the preview and the name.
    let old_thumb = video["thumbnailPath"].as_str().unwrap().to_string();
    let form = reqwest::multipart::Form::new()
        .text("name", "Pictured again")
        .text("nsfw", "false")
        .part(
            "previewfile",
            reqwest::multipart::Part::bytes(png(900, 500, [20, 20, 200])).file_name("p.png"),
        );
    let res = http()
        .put(server.api(&format!("/videos/{uuid}")))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let video: Value = get(&server.api(&format!("/videos/{uuid}")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(video["name"], "Pictured again");
    let preview = picture(&server, &video["previewPath"]).await;
    assert!(
        preview.get_pixel(425, 240).0[2] > 150,
        "the new blue preview"
    );
    assert_eq!(
        get(&format!("{}{old_thumb}", server.url)).await.status(),
        404
    );

    // Not an image: refused, nothing changes and no file is left.
    let form = reqwest::multipart::Form::new()
        .text("name", "Should not apply")
        .part(
            "thumbnailfile",
            reqwest::multipart::Part::bytes(b"not an image".to_vec()).file_name("x.png"),
        );
    let res = http()
        .put(server.api(&format!("/videos/{uuid}")))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body = expect_problem(res, 400).await;
    assert!(
        body["detail"].as_str().unwrap().contains("thumbnailfile"),
        "{body}"
    );
    let after: Value = get(&server.api(&format!("/videos/{uuid}")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["name"], "Pictured again");
    assert_eq!(
        std::fs::read_dir(server.data_dir.join("thumbnails"))
            .unwrap()
            .count(),
        1
    );
    assert_eq!(
        std::fs::read_dir(server.data_dir.join("previews"))
            .unwrap()
            .count(),
        1
    );
}

/// The last part of a path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A browser-like client (cookies, no redirects followed) signed in as the administrator
/// through the login form.
async fn signed_in_browser(server: &Server) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let password = server.admin_password.clone().expect("admin password");
    let res = client
        .post(format!("{}/login", server.url))
        .form(&[("username", "root"), ("password", password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "signed in");
    client
}

/// The edit page's form as a browser sends it without scripts, with `thumbnail` if given.
fn edit_form(name: &str, channel: &str, thumbnail: Option<Vec<u8>>) -> reqwest::multipart::Form {
    let form = reqwest::multipart::Form::new()
        .text("name", name.to_string())
        .text("channelId", channel.to_string())
        .text("privacy", "1")
        .text("description", "")
        .text("tags", "harbour, boats")
        .text("category", "")
        .text("licence", "")
        .text("language", "")
        .text("commentsPolicy", "1")
        .text("downloadEnabled", "1");
    let bytes = thumbnail.unwrap_or_default();
    // A file field left empty is still sent, with no file name and no bytes.
    form.part(
        "thumbnailfile",
        reqwest::multipart::Part::bytes(bytes)
            .file_name("")
            .mime_str("application/octet-stream")
            .unwrap(),
    )
}

#[tokio::test]
async fn the_edit_page_form_uploads_a_thumbnail_that_the_watch_page_shows() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let channel = server.channel_id(&admin).await.to_string();
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Harbour".to_string())])
        .await;
    let uuid = video["uuid"].as_str().unwrap();
    let frame_thumb = video["thumbnailPath"].as_str().unwrap().to_string();
    let client = signed_in_browser(&server).await;
    let page_url = format!("{}/videos/manage/{uuid}", server.url);
    let page = client.get(&page_url).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"enctype="multipart/form-data""#)
            && html.contains(r#"<label for="e-thumbnail">"#)
            && html.contains(r#"name="thumbnailfile""#)
            && html.contains(file_name(&frame_thumb)),
        "{html}"
    );

    // Saved with a green picture: 303 back to the form with a notice.
    let res = client
        .post(&page_url)
        .multipart(edit_form(
            "Harbour at dawn",
            &channel,
            Some(png(640, 360, [30, 200, 40])),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("notice="), "{location}");
    let video: Value = get(&server.api(&format!("/videos/{uuid}")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(video["name"], "Harbour at dawn");
    let mut tags: Vec<&str> = video["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    tags.sort_unstable();
    assert_eq!(tags, ["boats", "harbour"]);
    assert_ne!(video["thumbnailPath"], frame_thumb.as_str());
    let thumb = picture(&server, &video["thumbnailPath"]).await;
    assert!(thumb.get_pixel(140, 78).0[1] > 150, "the green thumbnail");
    // The watch page's poster is the preview made from the same picture.
    let preview_path = video["previewPath"].as_str().unwrap();
    let watch = get(&format!("{}/videos/watch/{uuid}", server.url))
        .await
        .text()
        .await
        .unwrap();
    // (Attribute values are HTML-escaped: the slashes of the path are entities.)
    assert!(
        watch.contains(&format!(
            r#"poster="&#x2f;lazy-static&#x2f;previews&#x2f;{}""#,
            file_name(preview_path)
        )),
        "{watch}"
    );
    let preview = picture(&server, &video["previewPath"]).await;
    let [r, g, b] = preview.get_pixel(425, 240).0;
    assert!(g > 150 && r < 100 && b < 100, "green preview: {r} {g} {b}");

    // No picture chosen: the fields change, the pictures stay.
    let res = client
        .post(&page_url)
        .multipart(edit_form("Harbour at noon", &channel, None))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let after: Value = get(&server.api(&format!("/videos/{uuid}")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["name"], "Harbour at noon");
    assert_eq!(after["thumbnailPath"], video["thumbnailPath"]);

    // Not an image: back to the form with the reason; nothing changes.
    let res = client
        .post(&page_url)
        .multipart(edit_form(
            "Should not apply",
            &channel,
            Some(b"not an image".to_vec()),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.contains("error=") && location.contains("not+a+supported+image"),
        "{location}"
    );
    let after: Value = get(&server.api(&format!("/videos/{uuid}")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["name"], "Harbour at noon");
}
