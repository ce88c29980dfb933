//! OAuth against the real server: first start, login, refresh, revoke, bad input, rate limits,
//! blocked users, restart, and concurrent logins.

mod common;

use common::{Options, Server, expect_problem, http};
use serde_json::Value;

#[tokio::test]
async fn first_start_creates_admin_who_can_log_in_and_restart_keeps_it() {
    let server = Server::start();
    let password = server
        .admin_password
        .clone()
        .expect("first start prints the admin password");
    assert_eq!(password.len(), 24);
    let token = server.token("root", &password).await;
    let me: Value = http()
        .get(server.api("/users/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "root");
    assert_eq!(me["role"]["id"], 0);
    assert_eq!(me["role"]["label"], "Administrator");
    assert_eq!(me["videoChannels"][0]["name"], "root_channel");
    assert_eq!(me["videoChannels"][0]["displayName"], "Main root channel");

    // A restart keeps users, channels and tokens, and does not create another administrator.
    let (_, _) = server.create_user(&token, "kept", 2).await;
    let res = http()
        .post(server.api("/video-channels"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "name": "kept_videos", "displayName": "Kept videos" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let server = server.restart(Options::default());
    server.token("kept", "secret-pass-1").await;
    let channel: Value = http()
        .get(server.api("/video-channels/kept_videos"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(channel["displayName"], "Kept videos");
    assert!(
        !server.stdout.iter().any(|l| l.contains("password")),
        "second start must not print a password: {:?}",
        server.stdout
    );
    let me = http()
        .get(server.api("/users/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "token survives a restart");
    server.token("root", &password).await;
}

#[tokio::test]
async fn token_refresh_and_revoke_follow_peertube() {
    let server = Server::start();
    let res = server
        .login("root", server.admin_password.as_ref().unwrap())
        .await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 86400);
    assert_eq!(tokens["refresh_token_expires_in"], 1209600);
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();

    let (id, secret) = server.client_credentials().await;
    assert_eq!(id.len(), 32);
    assert_eq!(secret.len(), 32);
    let refreshed = http()
        .post(server.api("/users/token"))
        .form(&[
            ("client_id", &*id),
            ("client_secret", &*secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200);
    let new: Value = refreshed.json().await.unwrap();
    let new_access = new["access_token"].as_str().unwrap();
    assert_ne!(new_access, access);

    // The used refresh token and its access token are gone.
    let again = http()
        .post(server.api("/users/token"))
        .form(&[
            ("client_id", &*id),
            ("client_secret", &*secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_problem(again, 400).await;
    assert_eq!(body["code"], "invalid_grant");
    let old = http()
        .get(server.api("/users/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    expect_problem(old, 401).await;

    // Revoke ends the new token too.
    let revoke = http()
        .post(server.api("/users/revoke-token"))
        .bearer_auth(new_access)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    let after = http()
        .get(server.api("/users/me"))
        .bearer_auth(new_access)
        .send()
        .await
        .unwrap();
    let body = expect_problem(after, 401).await;
    assert_eq!(body["code"], "invalid_token");

    // Where signing in is optional, a stale Bearer token is a 401 too, as on PeerTube, so that
    // clients refresh it rather than silently browse as anonymous; no token, or a proxy's Basic
    // credentials, read as anonymous.
    let list = |auth: Option<String>| {
        let req = http().get(server.api("/videos"));
        let req = match auth {
            Some(value) => req.header("authorization", value),
            None => req,
        };
        async move { req.send().await.unwrap() }
    };
    let stale = expect_problem(list(Some(format!("Bearer {new_access}"))).await, 401).await;
    assert_eq!(stale["code"], "invalid_token", "{stale}");
    assert_eq!(list(None).await.status(), 200);
    assert_eq!(list(Some("Basic cm9vdDpwdw==".into())).await.status(), 200);
}

#[tokio::test]
async fn bad_logins_get_clear_errors() {
    let server = Server::start();
    let wrong = server.login("root", "not-the-password").await;
    assert_eq!(expect_problem(wrong, 400).await["code"], "invalid_grant");
    let unknown = server.login("nobody", "whatever1").await;
    assert_eq!(expect_problem(unknown, 400).await["code"], "invalid_grant");

    let (id, secret) = server.client_credentials().await;
    // Missing password.
    let res = http()
        .post(server.api("/users/token"))
        .form(&[
            ("client_id", &*id),
            ("client_secret", &*secret),
            ("grant_type", "password"),
            ("username", "root"),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_problem(res, 400).await;
    assert!(body["invalid-params"]["password"].is_object(), "{body}");
    // Wrong client.
    let res = http()
        .post(server.api("/users/token"))
        .form(&[
            ("client_id", "x"),
            ("client_secret", "y"),
            ("grant_type", "password"),
            ("username", "root"),
            ("password", "abcdef"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(expect_problem(res, 400).await["code"], "invalid_client");
    // Unknown grant type.
    let res = http()
        .post(server.api("/users/token"))
        .form(&[
            ("client_id", &*id),
            ("client_secret", &*secret),
            ("grant_type", "magic"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_problem(res, 400).await["code"],
        "unsupported_grant_type"
    );
    // A body that is not a form at all.
    let res = http()
        .post(server.api("/users/token"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    expect_problem(res, 415).await;
    let res = http()
        .post(server.api("/users/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%%%zz=&&=%")
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert!(status == 400, "malformed form gives 400, got {status}");
    // A garbage bearer token.
    let res = http()
        .get(server.api("/users/me"))
        .bearer_auth("garbage")
        .send()
        .await
        .unwrap();
    expect_problem(res, 401).await;
    let res = http().get(server.api("/users/me")).send().await.unwrap();
    expect_problem(res, 401).await;
}

#[tokio::test]
async fn oauth_client_is_refused_to_other_hosts() {
    let server = Server::start();
    let res = http()
        .get(server.api("/oauth-clients/local"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    expect_problem(res, 403).await;
}

#[tokio::test]
async fn login_attempts_are_rate_limited_with_retry_after() {
    let server = Server::start_with(Options {
        args: vec!["--set", "rate_limits.login_attempts=3"],
        env: vec![],
    });
    for _ in 0..3 {
        let res = server.login("root", "wrong-password").await;
        assert_eq!(res.status(), 400);
    }
    let res = server.login("root", "wrong-password").await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry), "Retry-After {retry}");
    expect_problem(res, 429).await;
}

#[tokio::test]
async fn blocked_user_cannot_log_in_and_loses_sessions() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let (id, token) = server.create_user(&admin, "mallory", 2).await;
    let res = http()
        .post(server.api(&format!("/users/{id}/block")))
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "reason": "spam" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    expect_problem(
        http()
            .get(server.api("/users/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    let login = server.login("mallory", "secret-pass-1").await;
    let body = expect_problem(login, 400).await;
    assert!(body["detail"].as_str().unwrap().contains("blocked"));
    let user: Value = http()
        .get(server.api(&format!("/users/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(user["blocked"], true);
    assert_eq!(user["blockedReason"], "spam");

    let res = http()
        .post(server.api(&format!("/users/{id}/unblock")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    server.token("mallory", "secret-pass-1").await;
}

#[tokio::test]
async fn concurrent_logins_never_fail_or_corrupt() {
    let server = Server::start_with(Options {
        args: vec!["--set", "rate_limits.login_attempts=1000"],
        env: vec![],
    });
    let password = server.admin_password.clone().unwrap();
    let (id, secret) = server.client_credentials().await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let url = server.api("/users/token");
        let (id, secret, password) = (id.clone(), secret.clone(), password.clone());
        tasks.push(tokio::spawn(async move {
            let pass = if i % 4 == 0 {
                "wrong-password".to_string()
            } else {
                password
            };
            http()
                .post(url)
                .form(&[
                    ("client_id", &*id),
                    ("client_secret", &*secret),
                    ("grant_type", "password"),
                    ("username", "root"),
                    ("password", &*pass),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut ok = 0;
    for (i, t) in tasks.into_iter().enumerate() {
        let status = t.await.unwrap();
        if i % 4 == 0 {
            assert_eq!(status, 400);
        } else {
            assert_eq!(status, 200);
            ok += 1;
        }
    }
    assert_eq!(ok, 48);
    // Every issued token works.
    server.token("root", &password).await;
    assert!(!server.log().contains("internal error"));
}
