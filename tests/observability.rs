//! `/metrics` (Prometheus text: requests by route pattern and status, latency histograms, jobs,
//! federation deliveries, database and disk) with its access rule, and
//! `GET /api/v1/server/stats` in PeerTube's `ServerStats` shape.

mod common;

use common::{Options, Server, http};
use serde_json::Value;

/// The value of the sample line `series` (name with labels), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_refuse_proxied_clients() {
    let server = Server::start();
    for _ in 0..3 {
        let res = http().get(server.api("/config")).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    let res = http().get(server.api("/videos/nope")).send().await.unwrap();
    assert_eq!(res.status(), 404);

    let metrics = format!("{}/metrics", server.url);
    let res = http().get(&metrics).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = res.text().await.unwrap();
    let config = r#"kinora_http_requests_total{method="GET",route="/api/v1/config",status="200"}"#;
    assert_eq!(sample(&text, config), Some(3.0), "{text}");
    // Route patterns, never raw paths.
    assert!(
        text.contains(r#"route="/api/v1/videos/{id}",status="404""#),
        "{text}"
    );
    assert!(!text.contains("/videos/nope"));
    let count =
        r#"kinora_http_request_duration_seconds_count{method="GET",route="/api/v1/config"}"#;
    assert_eq!(sample(&text, count), Some(3.0));
    assert!(text.contains(r#"kinora_http_request_duration_seconds_bucket{method="GET",route="/api/v1/config",le="0.1"}"#));
    for zero in [
        r#"kinora_jobs{kind="video-process",state="queued"}"#,
        r#"kinora_jobs{kind="video-transcode",state="failed"}"#,
        r#"kinora_federation_deliveries_total{result="delivered"}"#,
        r#"kinora_federation_deliveries_total{result="failed"}"#,
        "kinora_transcoding_seconds_total",
        "kinora_tls_certificate_not_after_seconds",
    ] {
        assert_eq!(sample(&text, zero), Some(0.0), "{zero}: {text}");
    }
    assert!(sample(&text, "kinora_database_bytes").unwrap() > 0.0);
    assert!(sample(&text, "kinora_data_disk_free_bytes").unwrap() > 0.0);
    assert!(sample(&text, "kinora_data_disk_size_bytes").unwrap() > 0.0);

    // Through a local reverse proxy the client is not local: refused, with problem JSON.
    let res = http()
        .get(&metrics)
        .header("X-Forwarded-For", "203.0.113.5")
        .send()
        .await
        .unwrap();
    common::expect_problem(res, 403).await;
}

#[tokio::test]
async fn metrics_token_opens_metrics_to_other_clients() {
    let token = "metrics-secret-0123456789";
    let setting = format!("metrics.token={token}");
    let server = Server::start_with(Options {
        args: vec!["--set", &setting],
        ..Default::default()
    });
    let metrics = format!("{}/metrics", server.url);
    let proxied = |bearer: &str| {
        http()
            .get(&metrics)
            .header("X-Forwarded-For", "203.0.113.5")
            .bearer_auth(bearer)
            .send()
    };
    assert_eq!(proxied(token).await.unwrap().status(), 200);
    assert_eq!(
        proxied("metrics-secret-0123456780").await.unwrap().status(),
        403
    );
}

#[tokio::test]
async fn server_stats_have_peertubes_shape() {
    let server = Server::start();
    let admin = server.admin_token().await;
    server.create_user(&admin, "alice", 2).await;
    server.create_user(&admin, "mod", 1).await;
    let res = http()
        .get(server.api("/server/stats"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let stats: Value = res.json().await.unwrap();
    for key in [
        "totalUsers",
        "totalDailyActiveUsers",
        "totalWeeklyActiveUsers",
        "totalMonthlyActiveUsers",
        "totalModerators",
        "totalAdmins",
        "totalLocalVideos",
        "totalLocalVideoViews",
        "totalLocalVideoComments",
        "totalLocalVideoFilesSize",
        "totalVideos",
        "totalVideoComments",
        "totalLocalVideoChannels",
        "totalLocalDailyActiveVideoChannels",
        "totalLocalWeeklyActiveVideoChannels",
        "totalLocalMonthlyActiveVideoChannels",
        "totalLocalPlaylists",
        "totalInstanceFollowers",
        "totalInstanceFollowing",
        "videosRedundancy",
        "totalActivityPubMessagesProcessed",
        "totalActivityPubMessagesSuccesses",
        "totalActivityPubMessagesErrors",
        "activityPubMessagesProcessedPerSecond",
        "totalActivityPubMessagesWaiting",
        "averageRegistrationRequestResponseTimeMs",
        "totalRegistrationRequestsProcessed",
        "totalRegistrationRequests",
        "averageAbuseResponseTimeMs",
        "totalAbusesProcessed",
        "totalAbuses",
    ] {
        assert!(stats.get(key).is_some(), "{key} missing: {stats}");
    }
    assert_eq!(stats["totalUsers"], 3);
    assert_eq!(stats["totalAdmins"], 1);
    assert_eq!(stats["totalModerators"], 1);
    // Every user logged in just now (create_user logs in).
    assert_eq!(stats["totalDailyActiveUsers"], 3);
    assert_eq!(stats["totalLocalVideoChannels"], 3);
    assert_eq!(stats["totalLocalVideos"], 0);
    assert_eq!(
        stats["averageRegistrationRequestResponseTimeMs"],
        Value::Null
    );
}
