//! A video's side files through the real server: captions (WebVTT and SubRip uploads, listing,
//! replacement, deletion), the source description, private-file tokens and multi-range requests.

mod common;

use common::{Server, expect_problem, http};
use serde_json::Value;

async fn put_caption(
    server: &Server,
    token: &str,
    uuid: &str,
    lang: &str,
    name: &str,
    body: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "captionfile",
        reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name(name.to_string()),
    );
    http()
        .put(server.api(&format!("/videos/{uuid}/captions/{lang}")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

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
    let res = put_caption(&server, &admin, uuid, "fr", "fr.srt", srt).await;
    assert_eq!(res.status(), 204);
    let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n";
    assert_eq!(
        put_caption(&server, &admin, uuid, "en", "en.vtt", vtt)
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
    let res = put_caption(
        &server,
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
        put_caption(&server, &admin, uuid, "de", "x.srt", "not subtitles at all").await,
        400,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("line 1"),
        "{body}"
    );
    expect_problem(
        put_caption(&server, &admin, uuid, "xx-nope", "x.vtt", vtt).await,
        404,
    )
    .await;
    let (_, other) = server.create_user(&admin, "other", 2).await;
    expect_problem(
        put_caption(&server, &other, uuid, "de", "x.vtt", vtt).await,
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
