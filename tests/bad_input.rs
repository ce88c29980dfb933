//! Crafted input found by sending malformed requests to a running server, each of which gave a
//! 500 or a bare-text error before: control characters in a page path that goes into a
//! redirect, in an upload's file name that goes into the download's `Content-Disposition`, and
//! an API body over an extractor's limit (actix's own text answer, now problem JSON); and
//! optional JSON bodies that took any garbage for no body, a player's position past the video's
//! end, and server blocklist entries that were no host names.

mod common;

use common::{Server, expect_problem, fixture, http};
use serde_json::{Value, json};

#[tokio::test]
async fn control_characters_in_a_page_path_are_no_server_error() {
    let server = Server::start();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in [
        "/videos/manage/%00",
        "/videos/manage/a%0D%0ASet-Cookie:%20x=y",
    ] {
        let res = client
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{path}");
        let location = res.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with("/login?next=/videos/manage/"),
            "{location}"
        );
        assert!(!location.contains('\r') && !location.contains('\0'));
    }
}

#[tokio::test]
async fn an_uploads_file_name_reaches_the_download_header_safely() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let channel = server.channel_id(&admin).await;
    let bytes = fixture("short.mp4");
    let meta = json!({
        "name": "Strangely named", "channelId": channel, "privacy": 1,
        "filename": "été\r\nX-Evil: 1\u{0}.mp4",
    });
    let location = server.start_resumable(&admin, &meta, bytes.len()).await;
    let res = server.put_whole(&admin, &location, &bytes).await;
    assert_eq!(res.status(), 200, "{}", server.log());
    let uuid = res.json::<Value>().await.unwrap()["video"]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let video = server.wait_processed(&admin, &uuid).await;
    let (_, source) =
        common::fed::get_json(&server.api(&format!("/videos/{uuid}/source")), Some(&admin)).await;
    assert_eq!(source["filename"], "étéX-Evil: 1.mp4", "{source} {video}");
    let res = http()
        .get(source["fileDownloadUrl"].as_str().unwrap())
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", server.log());
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("filename=\"_t_X-Evil: 1.mp4\""),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename*=UTF-8''%C3%A9t%C3%A9X%2DEvil%3A%201.mp4"),
        "{disposition}"
    );
    assert_eq!(res.bytes().await.unwrap().len(), bytes.len());
}

#[tokio::test]
async fn an_api_body_over_its_limit_is_problem_json() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let res = http()
        .post(server.api("/users/me/history/videos/remove"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    let problem = expect_problem(res, 413).await;
    assert_eq!(problem["detail"], "The body is too large", "{problem}");
}

#[tokio::test]
async fn optional_json_bodies_may_be_left_out_but_not_garbled() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Viewed".into())])
        .await;
    let views = server.api(&format!(
        "/videos/{}/views",
        video["uuid"].as_str().unwrap()
    ));
    let post = |url: String, body: Option<&'static str>| {
        let admin = admin.clone();
        async move {
            let req = http().post(url).bearer_auth(admin);
            let req = match body {
                Some(b) => req.header("content-type", "application/json").body(b),
                None => req,
            };
            req.send().await.unwrap()
        }
    };
    for body in [None, Some(""), Some(r#"{"currentTime": 2}"#)] {
        assert_eq!(post(views.clone(), body).await.status(), 204, "{body:?}");
    }
    for body in [
        r#"{"currentTime": "abc"}"#,
        "{not json",
        "[1]",
        r#"{"currentTime": -1}"#,
        r#"{"currentTime": 2, "viewEvent": "jump"}"#,
    ] {
        expect_problem(post(views.clone(), Some(body)).await, 400).await;
    }
    assert_eq!(
        post(
            views.clone(),
            Some(r#"{"currentTime": 1.5, "viewEvent": "seek"}"#)
        )
        .await
        .status(),
        204
    );

    // A position past the end (PeerTube's check) is refused, and counts no view.
    let view_count = || async {
        let video: Value = http()
            .get(views.replace("/views", ""))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        video["views"].clone()
    };
    let counted = view_count().await;
    let past_end = http()
        .post(views.clone())
        .json(&json!({ "currentTime": 3600 }))
        .send()
        .await
        .unwrap();
    let problem = expect_problem(past_end, 400).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("duration: 2"),
        "{problem}"
    );
    assert_eq!(view_count().await, counted);
    let (user_id, _) = server.create_user(&admin, "dora", 2).await;
    let block = server.api(&format!("/users/{user_id}/block"));
    expect_problem(post(block.clone(), Some(r#"{"reason": 5}"#)).await, 400).await;
    assert_eq!(post(block, None).await.status(), 204);
}

#[tokio::test]
async fn a_blocked_server_must_be_a_host() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let block = |host: &'static str| {
        let (url, admin) = (server.api("/server/blocklist/servers"), admin.clone());
        async move {
            http()
                .post(url)
                .bearer_auth(admin)
                .json(&json!({ "host": host }))
                .send()
                .await
                .unwrap()
        }
    };
    for bad in [
        "https://bad.example/",
        "two words.example",
        "_x.example",
        "host:70000",
    ] {
        let problem = expect_problem(block(bad).await, 400).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("host"),
            "{problem}"
        );
    }
    assert_eq!(block("Videos.Example:8443").await.status(), 204);
    let (_, list) =
        common::fed::get_json(&server.api("/server/blocklist/servers"), Some(&admin)).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(
        list["data"][0]["blockedServer"]["host"],
        "videos.example:8443"
    );
}
