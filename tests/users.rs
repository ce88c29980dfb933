//! Users and channels through the API: validation, the shared name space, roles, one's own
//! profile, and PeerTube's shapes. Sign-up: `tests/registrations.rs`; pictures:
//! `tests/avatars.rs`.

mod common;

use common::{Server, expect_problem, http};
use serde_json::{Value, json};

#[tokio::test]
async fn invalid_and_duplicate_names_are_refused() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let long = "a".repeat(51);
    for bad in [
        "Élodie",
        "robert'); DROP TABLE users;--",
        "with space",
        "UPPER",
        "",
        long.as_str(),
    ] {
        let res = http()
            .post(server.api("/users"))
            .bearer_auth(&admin)
            .json(&json!({ "username": bad, "password": "secret-pass-1", "email": "x@example.org", "role": 2 }))
            .send()
            .await
            .unwrap();
        let body = expect_problem(res, 400).await;
        assert!(
            body["invalid-params"]["username"].is_object(),
            "{bad:?}: {body}"
        );
    }
    let short_password = http()
        .post(server.api("/users"))
        .bearer_auth(&admin)
        .json(&json!({ "username": "shorty", "password": "123", "email": "s@example.org", "role": 2 }))
        .send()
        .await
        .unwrap();
    expect_problem(short_password, 400).await;
    let missing = http()
        .post(server.api("/users"))
        .bearer_auth(&admin)
        .json(&json!({ "username": "nopass" }))
        .send()
        .await
        .unwrap();
    expect_problem(missing, 400).await;

    server.create_user(&admin, "alice", 2).await;
    // Same username, any case.
    for name in ["alice"] {
        let res = http()
            .post(server.api("/users"))
            .bearer_auth(&admin)
            .json(&json!({ "username": name, "password": "secret-pass-1", "email": "other@example.org", "role": 2 }))
            .send()
            .await
            .unwrap();
        expect_problem(res, 409).await;
    }
    // Same email.
    let res = http()
        .post(server.api("/users"))
        .bearer_auth(&admin)
        .json(&json!({ "username": "alice2", "password": "secret-pass-1", "email": "ALICE@example.org", "role": 2 }))
        .send()
        .await
        .unwrap();
    expect_problem(res, 409).await;
    // A username that is already a channel's name (shared name space).
    let res = http()
        .post(server.api("/users"))
        .bearer_auth(&admin)
        .json(&json!({ "username": "alice_channel", "password": "secret-pass-1", "email": "ac@example.org", "role": 2 }))
        .send()
        .await
        .unwrap();
    expect_problem(res, 409).await;
    // The database still holds exactly root and alice.
    let list: Value = http()
        .get(server.api("/users"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2);
    let page: Value = http()
        .get(server.api("/users?count=100&start=1&sort=username&search=ali"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(
        page["data"].as_array().map(Vec::len),
        Some(0),
        "start=1 skips the only match: {page}"
    );
}

#[tokio::test]
async fn channels_share_the_name_space_and_keep_one_per_account() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let (_, alice) = server.create_user(&admin, "alice", 2).await;

    let create = |name: &str, display: &str| {
        http()
            .post(server.api("/video-channels"))
            .bearer_auth(&alice)
            .json(&json!({ "name": name, "displayName": display, "description": "Cooking videos" }))
    };
    let res = create("alice_cooking", "Alice cooks").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    assert!(created["videoChannel"]["id"].as_i64().is_some());
    // Taken by a channel, by an account, invalid characters, over-long.
    expect_problem(create("alice_cooking", "Again").send().await.unwrap(), 409).await;
    expect_problem(create("root", "Root's name").send().await.unwrap(), 409).await;
    expect_problem(create("no/slash", "Bad").send().await.unwrap(), 400).await;
    expect_problem(create(&"c".repeat(51), "Long").send().await.unwrap(), 400).await;
    expect_problem(
        create("fine_name", &"d".repeat(121)).send().await.unwrap(),
        400,
    )
    .await;

    let channel: Value = http()
        .get(server.api("/video-channels/alice_cooking"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(channel["displayName"], "Alice cooks");
    assert_eq!(channel["description"], "Cooking videos");
    assert_eq!(channel["isLocal"], true);
    assert_eq!(channel["ownerAccount"]["name"], "alice");
    assert_eq!(
        channel["url"],
        format!("{}/video-channels/alice_cooking", server.url)
    );
    let host = server.url.trim_start_matches("http://");
    assert_eq!(channel["host"], host);
    // Handles with our host work too.
    let res = http()
        .get(server.api(&format!("/video-channels/alice_cooking@{host}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    expect_problem(
        http()
            .get(server.api("/video-channels/nothing_here"))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;

    // Another user cannot edit it; the owner can.
    let (_, bob) = server.create_user(&admin, "bob", 2).await;
    let res = http()
        .put(server.api("/video-channels/alice_cooking"))
        .bearer_auth(&bob)
        .json(&json!({ "displayName": "Bob's now" }))
        .send()
        .await
        .unwrap();
    expect_problem(res, 403).await;
    let res = http()
        .put(server.api("/video-channels/alice_cooking"))
        .bearer_auth(&alice)
        .json(&json!({ "displayName": "Alice bakes", "support": "Buy me flour" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let channel: Value = http()
        .get(server.api("/video-channels/alice_cooking"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(channel["displayName"], "Alice bakes");
    assert_eq!(channel["support"], "Buy me flour");

    let list: Value = http()
        .get(server.api("/accounts/alice/video-channels"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2);
    let all: Value = http()
        .get(server.api("/video-channels?count=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 4);
    assert_eq!(all["data"].as_array().unwrap().len(), 2);
    expect_problem(
        http()
            .get(server.api("/video-channels?count=1000"))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;

    // Delete one, with its video and the video's files; the last one stays.
    let cooking: Value = http()
        .get(server.api("/video-channels/alice_cooking"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = server
        .upload(
            &alice,
            "short.mp4",
            &[
                ("name", "Bread".into()),
                ("channelId", cooking["id"].to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let bread: Value = res.json().await.unwrap();
    let bread = bread["video"]["uuid"].as_str().unwrap().to_string();
    server.wait_processed(&alice, &bread).await;
    let originals = || {
        std::fs::read_dir(server.data_dir.join("originals"))
            .unwrap()
            .count()
    };
    assert_eq!(originals(), 1);
    let res = http()
        .delete(server.api("/video-channels/alice_cooking"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(originals(), 0, "the channel's video went with its files");
    let res = http()
        .get(server.api(&format!("/videos/{bread}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = http()
        .delete(server.api("/video-channels/alice_channel"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    expect_problem(res, 409).await;

    let account: Value = http()
        .get(server.api("/accounts/alice"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(account["name"], "alice");
    assert_eq!(account["displayName"], "alice");
    assert!(account["avatars"].as_array().unwrap().is_empty());
    expect_problem(
        http()
            .get(server.api("/accounts/ghost"))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[tokio::test]
async fn roles_are_enforced_on_admin_routes() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let (alice_id, alice) = server.create_user(&admin, "alice", 2).await;
    let (_, moderator) = server.create_user(&admin, "mod", 1).await;
    let root_id = 1;

    for (method, path) in [
        ("GET", "/users".to_string()),
        ("GET", format!("/users/{root_id}")),
        ("POST", format!("/users/{root_id}/block")),
        ("DELETE", format!("/users/{root_id}")),
        ("GET", "/users/registrations".to_string()),
    ] {
        let res = http()
            .request(method.parse().unwrap(), server.api(&path))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap();
        expect_problem(res, 403).await;
    }
    let res = http()
        .post(server.api("/users"))
        .bearer_auth(&alice)
        .json(&json!({ "username": "eve", "password": "secret-pass-1", "email": "eve@example.org", "role": 0 }))
        .send()
        .await
        .unwrap();
    expect_problem(res, 403).await;

    // A moderator manages users, but not administrators or other moderators.
    let list = http()
        .get(server.api("/users"))
        .bearer_auth(&moderator)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let res = http()
        .post(server.api(&format!("/users/{root_id}/block")))
        .bearer_auth(&moderator)
        .send()
        .await
        .unwrap();
    expect_problem(res, 403).await;
    let res = http()
        .post(server.api("/users"))
        .bearer_auth(&moderator)
        .json(&json!({ "username": "eve", "password": "secret-pass-1", "email": "eve@example.org", "role": 1 }))
        .send()
        .await
        .unwrap();
    expect_problem(res, 403).await;
    let res = http()
        .put(server.api(&format!("/users/{alice_id}")))
        .bearer_auth(&moderator)
        .json(&json!({ "role": 0 }))
        .send()
        .await
        .unwrap();
    expect_problem(res, 403).await;
    let res = http()
        .put(server.api(&format!("/users/{alice_id}")))
        .bearer_auth(&moderator)
        .json(&json!({ "videoQuota": 1000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    // The administrator changes roles; the last administrator cannot be demoted or deleted.
    let res = http()
        .put(server.api(&format!("/users/{alice_id}")))
        .bearer_auth(&admin)
        .json(&json!({ "role": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = http()
        .put(server.api(&format!("/users/{root_id}")))
        .bearer_auth(&admin)
        .json(&json!({ "role": 2 }))
        .send()
        .await
        .unwrap();
    expect_problem(res, 409).await;
    let res = http()
        .delete(server.api(&format!("/users/{root_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    expect_problem(res, 403).await;
    let user: Value = http()
        .get(server.api(&format!("/users/{alice_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(user["role"]["id"], 1);
    assert_eq!(user["videoQuota"], 1000);

    // Deleting a user removes their account and channels.
    let res = http()
        .delete(server.api(&format!("/users/{alice_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    expect_problem(
        http()
            .get(server.api("/accounts/alice"))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    expect_problem(
        http()
            .get(server.api("/video-channels/alice_channel"))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    expect_problem(
        http()
            .get(server.api("/users/me"))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
}

#[tokio::test]
async fn users_update_their_own_profile() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let (_, alice) = server.create_user(&admin, "alice", 2).await;
    let res = http()
        .put(server.api("/users/me"))
        .bearer_auth(&alice)
        .json(&json!({ "displayName": "Alice A.", "description": "Hi", "nsfwPolicy": "display", "autoPlayVideo": false, "theme": "dark" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let me: Value = http()
        .get(server.api("/users/me"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["account"]["displayName"], "Alice A.");
    assert_eq!(me["nsfwPolicy"], "display");
    assert_eq!(me["autoPlayVideo"], false);
    assert_eq!(me["theme"], "dark");
    // Password change needs the current password.
    let res = http()
        .put(server.api("/users/me"))
        .bearer_auth(&alice)
        .json(&json!({ "password": "new-password-2" }))
        .send()
        .await
        .unwrap();
    expect_problem(res, 400).await;
    let res = http()
        .put(server.api("/users/me"))
        .bearer_auth(&alice)
        .json(&json!({ "password": "new-password-2", "currentPassword": "wrong" }))
        .send()
        .await
        .unwrap();
    expect_problem(res, 403).await;
    let res = http()
        .put(server.api("/users/me"))
        .bearer_auth(&alice)
        .json(&json!({ "password": "new-password-2", "currentPassword": "secret-pass-1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    server.token("alice", "new-password-2").await;
    let res = http()
        .put(server.api("/users/me"))
        .bearer_auth(&alice)
        .json(&json!({ "nsfwPolicy": "sometimes" }))
        .send()
        .await
        .unwrap();
    expect_problem(res, 400).await;
}
