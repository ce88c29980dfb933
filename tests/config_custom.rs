//! Run-time instance settings: `PUT /api/v1/config/custom` changes the instance at once
//! (`/api/v1/config`, pages, `/robots.txt`), survives a restart, is refused to
//! non-administrators and for bad values (a body that is no object included), and `DELETE`
//! returns to the file configuration.

mod common;

use common::{Server, expect_problem, http};
use serde_json::{Value, json};

#[tokio::test]
async fn custom_config_is_applied_at_once_and_survives_a_restart() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let (_, user) = server.create_user(&admin, "carol", 2).await;
    let put = |token: String, body: Value| {
        let url = server.api("/config/custom");
        async move {
            http()
                .put(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let res = put(user.clone(), json!({ "instance": { "name": "Nope" } })).await;
    expect_problem(res, 403).await;
    let robots = |server_url: String| async move {
        let res = http()
            .get(format!("{server_url}/robots.txt"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        res.text().await.unwrap()
    };
    assert_eq!(
        robots(server.url.clone()).await,
        "User-agent: *\nDisallow:\n"
    );
    for garbage in [json!([1, 2]), json!("instance"), json!(null)] {
        let problem = expect_problem(put(admin.clone(), garbage.clone()).await, 400).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("object"),
            "{garbage}: {problem}"
        );
    }

    let res = put(
        admin.clone(),
        json!({
            "instance": { "name": "Harbour Videos", "shortDescription": "Films of the harbour",
                          "customizations": { "css": "body { outline: 1px solid red; }" },
                          "robots": "User-agent: *\nDisallow: /\n" },
            "signup": { "enabled": true, "requiresApproval": true },
            "user": { "videoQuota": 1048576 },
            "transcoding": { "resolutions": { "240p": true, "720p": false } },
        }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let custom: Value = res.json().await.unwrap();
    assert_eq!(custom["instance"]["name"], "Harbour Videos");
    assert_eq!(custom["transcoding"]["resolutions"]["240p"], true);
    assert_eq!(custom["transcoding"]["resolutions"]["720p"], false);
    assert_eq!(custom["instance"]["robots"], "User-agent: *\nDisallow: /");
    assert_eq!(
        robots(server.url.clone()).await,
        "User-agent: *\nDisallow: /\n"
    );

    let config: Value = http()
        .get(server.api("/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["instance"]["name"], "Harbour Videos");
    assert_eq!(config["signup"]["requiresApproval"], true);
    assert_eq!(config["user"]["videoQuota"], 1048576);
    let home = http()
        .get(&server.url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("Harbour Videos") && home.contains("/custom.css"),
        "{home}"
    );
    let css = http()
        .get(format!("{}/custom.css", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        css.text().await.unwrap(),
        "body { outline: 1px solid red; }"
    );

    let res = put(admin.clone(), json!({ "instance": { "name": "" } })).await;
    let problem = expect_problem(res, 400).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("instance.name"),
        "{problem}"
    );

    let server = server.restart(common::Options::default());
    let config: Value = http()
        .get(server.api("/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        config["instance"]["name"], "Harbour Videos",
        "kept across a restart"
    );
    let admin = server.admin_token().await;
    let res = http()
        .delete(server.api("/config/custom"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let config: Value = http()
        .get(server.api("/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["instance"]["name"], "Kinora");
}

/// The resolutions of a video's HLS renditions, lowest first.
fn rendition_heights(video: &Value) -> Vec<i64> {
    let mut list: Vec<i64> = video["streamingPlaylists"][0]["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .filter_map(|f| f["resolution"]["id"].as_i64())
                .collect()
        })
        .unwrap_or_default();
    list.sort_unstable();
    list
}

/// Polls the owner's processing view until the video is published and no job is left; the jobs.
async fn settled_jobs(server: &Server, token: &str, uuid: &str) -> Vec<Value> {
    for _ in 0..1200 {
        let p: Value = http()
            .get(server.api(&format!("/videos/{uuid}/processing")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let jobs = p["jobs"].as_array().cloned().unwrap_or_default();
        if p["state"]["id"] == 1 && jobs.iter().all(|j| j["state"] == "completed") {
            return jobs;
        }
        assert_ne!(p["state"]["id"], 7, "processing failed: {p}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("video {uuid} never settled; log:\n{}", server.log());
}

#[tokio::test]
async fn transcoding_resolutions_apply_to_the_next_upload_without_a_restart() {
    let server = Server::start_with(common::Options {
        args: vec!["--set", "transcoding.resolutions=48"],
        ..Default::default()
    });
    let admin = server.admin_token().await;
    let first = server
        .publish(&admin, "long.mp4", &[("name", "Before".to_string())])
        .await;
    let uuid = first["uuid"].as_str().unwrap();
    settled_jobs(&server, &admin, uuid).await;
    let first = server.wait_processed(&admin, uuid).await;
    assert_eq!(
        rendition_heights(&first),
        [48, 90],
        "the 48p rung is encoded"
    );

    // Every PeerTube resolution off: the ladder is empty from now on.
    let res = http()
        .put(server.api("/config/custom"))
        .bearer_auth(&admin)
        .json(&json!({ "transcoding": { "resolutions": { "144p": false, "240p": false } } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let second = server
        .publish(&admin, "long.mp4", &[("name", "After".to_string())])
        .await;
    let uuid = second["uuid"].as_str().unwrap();
    let jobs = settled_jobs(&server, &admin, uuid).await;
    assert!(
        jobs.iter().all(|j| j["type"] != "video-transcode"),
        "no rung is queued: {jobs:?}"
    );
    let second = server.wait_processed(&admin, uuid).await;
    assert_eq!(
        rendition_heights(&second),
        [90],
        "only the remuxed original"
    );
}
