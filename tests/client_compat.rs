//! Requests third-party PeerTube clients make, answered as PeerTube answers them: API paths
//! with a trailing slash (Thorium's `videos/` and `search/videos/`, Grayjay's `config/`), the
//! list filters Grayjay's search and channel tabs send (`isLive`, `durationMin`/`durationMax`,
//! `startDate`/`endDate`, `licenceOneOf`), the sorts Kodi sends (and 400 for one PeerTube does
//! not know), `/users/me/subscriptions/exist`, `HEAD` wherever `GET` answers, and form-encoded
//! bodies (`curl -d`) wherever a JSON body is taken, as PeerTube's express reads both.

mod common;

use common::fed::get_json;
use common::{Server, expect_problem, http};
use serde_json::json;

#[tokio::test]
async fn api_paths_with_a_trailing_slash_are_the_same_routes() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Slashed".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap();
    let (status, list) = get_json(
        &server.api("/videos/?start=0&count=12&sort=-createdAt&nsfw=false"),
        None,
    )
    .await;
    assert_eq!((status, list["total"].clone()), (200, json!(1)), "{list}");
    let (status, found) = get_json(&server.api("/search/videos/?search=Slashed"), None).await;
    assert_eq!((status, found["total"].clone()), (200, json!(1)), "{found}");
    let (status, config) = get_json(&server.api("/config/"), None).await;
    assert_eq!(status, 200);
    assert!(config["instance"]["name"].is_string(), "{config}");
    assert!(
        config["instance"]["shortDescription"].is_string(),
        "{config}"
    );
    let (status, one) = get_json(&server.api(&format!("/videos/{uuid}/")), None).await;
    assert_eq!((status, one["uuid"].clone()), (200, json!(uuid)));
    // Still a problem, not a page, for what does not exist.
    let (status, problem) = get_json(&server.api("/no-such-route/"), None).await;
    assert_eq!(status, 404, "{problem}");
    assert_eq!(problem["status"], 404);
}

#[tokio::test]
async fn list_filters_clients_send_are_applied() {
    let server = Server::start();
    let admin = server.admin_token().await;
    server
        .publish(&admin, "short.mp4", &[("name", "Filtered".into())])
        .await;
    let total = |query: &str| {
        let url = server.api(&format!("/videos?{query}"));
        let query = query.to_string();
        async move {
            let (status, list) = get_json(&url, None).await;
            assert_eq!(status, 200, "{query}: {list}");
            list["total"].as_i64().unwrap()
        }
    };
    // Grayjay's channel "Streams" tab asks for lives: there are none here.
    assert_eq!(total("isLive=true").await, 0);
    assert_eq!(total("isLive=false").await, 1);
    assert_eq!(total("durationMin=600").await, 0);
    assert_eq!(total("durationMax=600&durationMin=1").await, 1);
    assert_eq!(total("licenceOneOf=7").await, 0);
    assert_eq!(total("startDate=2999-01-01").await, 0);
    assert_eq!(total("endDate=2999-01-01T00:00:00.000Z").await, 1);
    assert_eq!(total("startDate=2000-01-01&endDate=2000-01-02").await, 0);
    for sort in [
        "-duration",
        "duration",
        "views",
        "likes",
        "-match",
        "originallyPublishedAt",
        "-localVideoFilesSize",
        "trending",
        "-best",
    ] {
        assert_eq!(total(&format!("sort={sort}")).await, 1);
    }
    let (status, found) = get_json(
        &server.api("/search/videos?search=Filtered&sort=-match"),
        None,
    )
    .await;
    assert_eq!((status, found["total"].clone()), (200, json!(1)), "{found}");
    for bad in [
        "startDate=yesterday",
        "durationMin=-1",
        "isLive=maybe",
        "licenceOneOf=x",
        // PeerTube refuses a sort that is not one of its columns.
        "sort=random",
        "sort=--views",
    ] {
        let res = http()
            .get(server.api(&format!("/videos?{bad}")))
            .send()
            .await
            .unwrap();
        expect_problem(res, 400).await;
    }
}

#[tokio::test]
async fn subscriptions_exist_answers_per_channel() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let (_, viewer) = server.create_user(&admin, "viewer", 2).await;
    let exist = |query: &str| {
        let url = server.api(&format!("/users/me/subscriptions/exist?{query}"));
        let token = viewer.clone();
        async move { get_json(&url, Some(&token)).await }
    };
    let (status, answer) = exist("uris=root_channel&uris=nobody@example.org").await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!({ "root_channel": false, "nobody@example.org": false })
    );
    let res = http()
        .post(server.api("/users/me/subscriptions"))
        .bearer_auth(&viewer)
        .json(&json!({ "uri": "root_channel" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let handle = format!("root_channel@{}", server.host());
    let (_, answer) = exist(&format!("uris=root_channel&uris[]={handle}")).await;
    assert_eq!(answer, json!({ "root_channel": true, handle: true }));
    let (status, _) = exist("").await;
    assert_eq!(status, 400);
    let (status, _) = get_json(&server.api("/users/me/subscriptions/exist?uris=x"), None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn head_answers_wherever_get_does() {
    let server = Server::start();
    for path in [
        "/api/v1/config",
        "/api/v1/videos?count=5",
        "/",
        "/feeds/videos.xml",
        "/.well-known/nodeinfo",
    ] {
        let url = format!("{}{path}", server.url);
        let get = http().get(&url).send().await.unwrap();
        assert_eq!(get.status(), 200, "{path}");
        let length = get.bytes().await.unwrap().len();
        let head = http().head(&url).send().await.unwrap();
        assert_eq!(head.status(), 200, "{path}");
        assert_eq!(
            head.headers()["content-length"].to_str().unwrap(),
            length.to_string(),
            "{path}"
        );
        assert!(head.bytes().await.unwrap().is_empty(), "{path}");
    }
    let res = http()
        .head(server.api("/videos/no-such-video"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.bytes().await.unwrap().is_empty());
}

/// Sends `body` as `application/x-www-form-urlencoded`, written by hand as `curl -d` writes it
/// (brackets not escaped).
async fn send_form(req: reqwest::RequestBuilder, body: &str) -> reqwest::Response {
    req.header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn form_encoded_bodies_are_read_like_json() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let get = |path: String, token: String| {
        let url = server.api(&path);
        async move {
            let (status, body) = get_json(&url, Some(&token)).await;
            assert_eq!(status, 200, "{url}: {body}");
            body
        }
    };

    // A user, with numbers and a nested-looking name, then an edit of that user.
    let created = send_form(
        http().post(server.api("/users")).bearer_auth(&admin),
        "username=formuser&password=form-password-1&email=form%40example.com&role=2\
         &videoQuota=5000000&channelName=form_channel",
    )
    .await;
    assert_eq!(created.status(), 200);
    let id = created.json::<serde_json::Value>().await.unwrap()["user"]["id"]
        .as_i64()
        .unwrap();
    let edited = send_form(
        http()
            .put(server.api(&format!("/users/{id}")))
            .bearer_auth(&admin),
        "videoQuotaDaily=1000000&emailVerified=true",
    )
    .await;
    assert_eq!(edited.status(), 204);
    let user = get(format!("/users/{id}"), admin.clone()).await;
    assert_eq!(user["videoQuota"], 5000000);
    assert_eq!(user["videoQuotaDaily"], 1000000);
    assert_eq!(user["emailVerified"], true);

    // One's own settings, a video's metadata with qs's list brackets, a rating, a comment.
    let me = send_form(
        http().put(server.api("/users/me")).bearer_auth(&admin),
        "displayName=Form+Admin&autoPlayVideo=false",
    )
    .await;
    assert_eq!(me.status(), 204);
    let me = get("/users/me".into(), admin.clone()).await;
    assert_eq!(me["autoPlayVideo"], false);
    assert_eq!(me["account"]["displayName"], "Form Admin");

    let video = server
        .publish(&admin, "short.mp4", &[("name", "Form".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap();
    let update = send_form(
        http()
            .put(server.api(&format!("/videos/{uuid}")))
            .bearer_auth(&admin),
        "name=Formed&nsfw=true&tags[]=boats&tags[]=dawn",
    )
    .await;
    assert_eq!(update.status(), 204);
    let rate = send_form(
        http()
            .put(server.api(&format!("/videos/{uuid}/rate")))
            .bearer_auth(&admin),
        "rating=like",
    )
    .await;
    assert_eq!(rate.status(), 204);
    let comment = send_form(
        http()
            .post(server.api(&format!("/videos/{uuid}/comment-threads")))
            .bearer_auth(&admin),
        "text=Hello+from+a+form",
    )
    .await;
    assert_eq!(comment.status(), 200);
    let view = send_form(
        http().post(server.api(&format!("/videos/{uuid}/views"))),
        "currentTime=1",
    )
    .await;
    assert_eq!(view.status(), 204);
    let video = get(format!("/videos/{uuid}"), admin.clone()).await;
    assert_eq!(video["name"], "Formed");
    assert_eq!(video["nsfw"], true);
    assert_eq!(video["tags"], json!(["boats", "dawn"]));
    assert_eq!(video["likes"], 1);
    let threads = get(format!("/videos/{uuid}/comment-threads"), admin.clone()).await;
    assert_eq!(threads["data"][0]["text"], "Hello from a form");

    // A value of the wrong kind is a 400 problem, as a JSON body's would be.
    let bad = send_form(
        http().post(server.api("/users")).bearer_auth(&admin),
        "username=other&password=form-password-2&email=o%40example.com&role=admin",
    )
    .await;
    let problem = expect_problem(bad, 400).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Invalid form body"),
        "{problem}"
    );
    let late = send_form(
        http().post(server.api(&format!("/videos/{uuid}/views"))),
        "currentTime=3600",
    )
    .await;
    expect_problem(late, 400).await;
}
