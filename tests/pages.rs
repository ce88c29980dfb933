//! The HTTP foundation and server-rendered pages: problem JSON everywhere, CORS on the API,
//! security headers on HTML, and signing up, in and out with the forms (no JavaScript).

mod common;

use common::web::browser;
use common::{Options, Server, expect_problem, http};

#[tokio::test]
async fn api_errors_are_problem_json_and_api_allows_cors() {
    let server = Server::start();
    expect_problem(
        http()
            .get(server.api("/no/such/route"))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    // Like PeerTube (Express), a method with no route is a 404.
    expect_problem(
        http().delete(server.api("/config")).send().await.unwrap(),
        404,
    )
    .await;
    expect_problem(
        http().get(server.api("/users/abc")).send().await.unwrap(),
        404,
    )
    .await;
    let res = http()
        .get(server.api("/config"))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let preflight = http()
        .request(reqwest::Method::OPTIONS, server.api("/users/token"))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    // A JSON body over the limit.
    let admin = server.admin_token().await;
    let big = format!("{{\"displayName\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let res = http()
        .put(server.api("/users/me"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    expect_problem(res, 413).await;
    let res = http()
        .put(server.api("/users/me"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"autoPlayVideo\": \"maybe\"}")
        .send()
        .await
        .unwrap();
    expect_problem(res, 400).await;
    let res = http()
        .get(server.api("/users?start=-1"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    expect_problem(res, 400).await;
}

#[tokio::test]
async fn pages_render_with_security_headers_and_peertube_marker() {
    let server = Server::start();
    let res = http().get(&server.url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<meta property="og:platform" content="PeerTube">"#));
    assert!(
        html.contains("root_channel"),
        "the home page lists channels"
    );
    for page in [
        "/login",
        "/signup",
        "/a/root",
        "/accounts/root",
        "/c/root_channel",
        "/video-channels/root_channel",
        "/assets/app/kinora.css",
        "/assets/app/theme.js",
        "/favicon.ico",
    ] {
        let res = http()
            .get(format!("{}{page}", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{page}");
    }
    let missing = http()
        .get(format!("{}/a/nobody", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Page not found"));
    let res = http()
        .get(format!("{}/my-account", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=/my-account");
}

#[tokio::test]
async fn sign_up_log_in_change_profile_and_log_out_with_forms() {
    let server = Server::start_with(Options {
        args: vec!["--registration", "open"],
        env: vec![],
    });
    let client = browser();
    let page = client
        .get(format!("{}/signup", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<label for="username">"#) && page.contains(r#"id="username""#));
    // Missing terms, then a bad name, then success.
    let res = client
        .post(format!("{}/signup", server.url))
        .form(&[
            ("username", "webby"),
            ("email", "webby@example.org"),
            ("password", "web-pass-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = client
        .post(format!("{}/signup", server.url))
        .form(&[
            ("username", "Web By"),
            ("email", "webby@example.org"),
            ("password", "web-pass-1"),
            ("terms", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("Username must be"));
    let res = client
        .post(format!("{}/signup", server.url))
        .form(&[
            ("username", "webby"),
            ("email", "webby@example.org"),
            ("password", "web-pass-1"),
            ("terms", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.url().path().starts_with("/login"));
    assert!(res.text().await.unwrap().contains("Your account is ready"));

    let res = client
        .post(format!("{}/login", server.url))
        .form(&[
            ("username", "webby"),
            ("password", "wrong-pass"),
            ("next", "/my-account"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = client
        .post(format!("{}/login", server.url))
        .form(&[
            ("username", "webby"),
            ("password", "web-pass-1"),
            ("next", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.url().path(), "/my-account", "foreign next is ignored");
    let html = res.text().await.unwrap();
    assert!(html.contains("webby@"), "{html}");

    let res = client
        .post(format!("{}/my-account/profile", server.url))
        .form(&[
            ("display_name", "Webby the Great"),
            ("description", "I film birds"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Your profile is saved"));
    let account: serde_json::Value = http()
        .get(server.api("/accounts/webby"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(account["displayName"], "Webby the Great");

    let res = client
        .post(format!("{}/my-account/password", server.url))
        .form(&[
            ("current_password", "web-pass-1"),
            ("new_password", "web-pass-2"),
            ("confirm_password", "web-pass-3"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    // The session cookie is not accepted by the API (bearer tokens only).
    let res = client.get(server.api("/users/me")).send().await.unwrap();
    assert_eq!(res.status(), 401);

    let res = client
        .post(format!("{}/logout", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = client
        .get(format!("{}/my-account", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.url().path(), "/login");
}

#[tokio::test]
async fn closed_registration_page_says_so() {
    let server = Server::start();
    let html = http()
        .get(format!("{}/signup", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("does not accept new accounts"));
    let res = http()
        .post(format!("{}/signup", server.url))
        .form(&[
            ("username", "webby"),
            ("email", "webby@example.org"),
            ("password", "web-pass-1"),
            ("terms", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
