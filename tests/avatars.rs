//! Avatars and banners through the API: pictures re-encoded and served in PeerTube's sizes,
//! refused when they are not images or too large, old files removed on replacement, and no
//! path outside the pictures' directory reachable.

mod common;

use common::{Server, expect_problem, http, png};
use serde_json::Value;

#[tokio::test]
async fn avatars_and_banners_are_reencoded_and_served() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let form = reqwest::multipart::Form::new().part(
        "avatarfile",
        reqwest::multipart::Part::bytes(png(300, 200, 90))
            .file_name("me.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let res = http()
        .post(server.api("/users/me/avatar/pick"))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let avatars = body["avatars"].as_array().unwrap();
    assert_eq!(avatars.len(), 3);
    let path = avatars[0]["path"].as_str().unwrap();
    assert!(path.starts_with("/lazy-static/avatars/") && path.ends_with(".jpg"));
    let img = http()
        .get(format!("{}{path}", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(img.status(), 200, "{}", server.log());
    assert_eq!(img.headers()["content-type"], "image/jpeg");
    let bytes = img.bytes().await.unwrap();
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (48, 48));
    let account: Value = http()
        .get(server.api("/accounts/root"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(account["avatars"].as_array().unwrap().len(), 3);

    // Not an image, and an image that is too large.
    let form = reqwest::multipart::Form::new().part(
        "avatarfile",
        reqwest::multipart::Part::bytes(b"<script>alert(1)</script>".to_vec()).file_name("x.png"),
    );
    let res = http()
        .post(server.api("/users/me/avatar/pick"))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_problem(res, 400).await;
    let form = reqwest::multipart::Form::new().part(
        "avatarfile",
        reqwest::multipart::Part::bytes(vec![0u8; 5 * 1024 * 1024]).file_name("big.png"),
    );
    let res = http()
        .post(server.api("/users/me/avatar/pick"))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_problem(res, 413).await;
    let form = reqwest::multipart::Form::new().text("other", "x");
    let res = http()
        .post(server.api("/users/me/avatar/pick"))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_problem(res, 400).await;

    // Channel banner, then replacing the avatar deletes the old files.
    let form = reqwest::multipart::Form::new().part(
        "bannerfile",
        reqwest::multipart::Part::bytes(png(1200, 300, 90)).file_name("b.png"),
    );
    let res = http()
        .post(server.api("/video-channels/root_channel/banner/pick"))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["banners"].as_array().unwrap().len(), 2);
    let form = reqwest::multipart::Form::new().part(
        "avatarfile",
        reqwest::multipart::Part::bytes(png(64, 64, 90)).file_name("me2.png"),
    );
    let res = http()
        .post(server.api("/users/me/avatar/pick"))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", server.log());
    assert_eq!(
        http()
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let files = std::fs::read_dir(server.data_dir.join("avatars"))
        .unwrap()
        .count();
    assert_eq!(
        files, 4,
        "2 avatar sizes (a 64 px source) + 2 banner sizes, old files removed"
    );
    let res = http()
        .delete(server.api("/users/me/avatar"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    for sneaky in [
        "/lazy-static/avatars/..%2Fkinora.sqlite3",
        "/lazy-static/avatars/%2E%2E%2Fkinora.sqlite3",
        "/lazy-static/avatars/kinora.sqlite3",
    ] {
        let res = http()
            .get(server.url.clone() + sneaky)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{sneaky}");
    }
}
