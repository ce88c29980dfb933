//! Run-time instance settings: `PUT /api/v1/config/custom` changes the instance at once
//! (`/api/v1/config`, pages), survives a restart, is refused to non-administrators and for bad
//! values, and `DELETE` returns to the file configuration.

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

    let res = put(
        admin.clone(),
        json!({
            "instance": { "name": "Harbour Videos", "shortDescription": "Films of the harbour",
                          "customizations": { "css": "body { outline: 1px solid red; }" } },
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
