//! Proxy mode: `X-Forwarded-For` and `X-Forwarded-Proto` are believed from `trusted_proxies`
//! only. The login rate limiter keys on the forwarded client, the request log names it, and
//! HSTS follows a trusted proxy's `https`; without trust, the headers change nothing.

mod common;

use common::{Options, Server, http};
use serde_json::Value;

async fn failed_login(server: &Server, user: &str, forwarded_for: &str) -> u16 {
    let (id, secret) = server.client_credentials().await;
    http()
        .post(server.api("/users/token"))
        .header("X-Forwarded-For", forwarded_for)
        .form(&[
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
            ("grant_type", "password"),
            ("username", user),
            ("password", "wrong password"),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn forwarded_client_counts_only_from_trusted_proxies() {
    // The test client connects from 127.0.0.1: the trusted proxy.
    let server = Server::start_with(Options {
        args: vec![
            "--trusted-proxies",
            "127.0.0.1/32,10.0.0.0/8",
            "--set",
            "rate_limits.login_attempts=2",
        ],
        ..Default::default()
    });
    // Each attempt names another account, so only the per-client limit can trip.
    assert_eq!(failed_login(&server, "a1", "198.51.100.1").await, 400);
    assert_eq!(
        failed_login(&server, "a2", "198.51.100.1, 10.0.0.5").await,
        400
    );
    assert_eq!(failed_login(&server, "a3", "198.51.100.1").await, 429);
    // Another client behind the same proxy has its own budget.
    assert_eq!(failed_login(&server, "a4", "198.51.100.2").await, 400);
    assert!(
        server.log().contains("client=198.51.100.1"),
        "{}",
        server.log()
    );

    let res = http()
        .get(server.api("/config"))
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let res = http().get(server.api("/config")).send().await.unwrap();
    assert!(!res.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn forwarded_headers_from_anyone_else_are_ignored() {
    let server = Server::start_with(Options {
        args: vec![
            "--trusted-proxies",
            "10.0.0.0/8",
            "--set",
            "rate_limits.login_attempts=2",
        ],
        ..Default::default()
    });
    // Claiming a new address per attempt does not buy new attempts.
    assert_eq!(failed_login(&server, "b1", "198.51.100.1").await, 400);
    assert_eq!(failed_login(&server, "b2", "198.51.100.2").await, 400);
    assert_eq!(failed_login(&server, "b3", "198.51.100.3").await, 429);
    let log = server.log();
    assert!(log.contains("client=127.0.0.1"), "{log}");
    assert!(!log.contains("client=198.51.100"), "{log}");
    let res = http()
        .get(server.api("/config"))
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    assert!(!res.headers().contains_key("strict-transport-security"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["instance"]["name"], "Kinora");
}
