//! Sign-up through the API in each registration mode: closed (the default), open, and approval
//! by a moderator, with PeerTube's registration shapes.

mod common;

use common::{Options, Server, expect_problem, http};
use serde_json::{Value, json};

fn sign_up(name: &str) -> Value {
    json!({ "username": name, "password": "secret-pass-1", "email": format!("{name}@example.org"),
            "displayName": "New Person", "registrationReason": "I make videos" })
}

#[tokio::test]
async fn registration_is_closed_by_default() {
    let server = Server::start();
    let res = http()
        .post(server.api("/users/register"))
        .json(&sign_up("newbie"))
        .send()
        .await
        .unwrap();
    expect_problem(res, 403).await;
    let config: Value = http()
        .get(server.api("/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["signup"]["allowed"], false);
}

#[tokio::test]
async fn open_registration_creates_the_user_at_once() {
    let server = Server::start_with(Options {
        args: vec!["--registration", "open"],
        env: vec![],
    });
    let res = http()
        .post(server.api("/users/register"))
        .json(&sign_up("newbie"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let token = server.token("newbie", "secret-pass-1").await;
    let me: Value = http()
        .get(server.api("/users/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"]["id"], 2);
    assert_eq!(me["account"]["displayName"], "New Person");
    assert_eq!(me["videoQuota"], 10737418240i64);
    let again = http()
        .post(server.api("/users/register"))
        .json(&sign_up("newbie"))
        .send()
        .await
        .unwrap();
    expect_problem(again, 409).await;
    let config: Value = http()
        .get(server.api("/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["signup"]["allowed"], true);
    assert_eq!(config["signup"]["requiresApproval"], false);
}

#[tokio::test]
async fn approval_registration_waits_for_a_moderator() {
    let server = Server::start_with(Options {
        args: vec!["--registration", "approval"],
        env: vec![],
    });
    let admin = server.admin_token().await;
    let res = http()
        .post(server.api("/users/registrations/request"))
        .json(&sign_up("hopeful"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let reg: Value = res.json().await.unwrap();
    assert_eq!(reg["state"]["id"], 1);
    assert_eq!(reg["username"], "hopeful");
    // Not a user yet, and the name stays reserved.
    assert_eq!(server.login("hopeful", "secret-pass-1").await.status(), 400);
    let dup = http()
        .post(server.api("/users/register"))
        .json(&sign_up("hopeful"))
        .send()
        .await
        .unwrap();
    expect_problem(dup, 409).await;
    let other = http()
        .post(server.api("/users/register"))
        .json(&sign_up("rejected"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    let other: Value = other.json().await.unwrap();

    let list: Value = http()
        .get(server.api("/users/registrations"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2);
    let id = reg["id"].as_i64().unwrap();
    let res = http()
        .post(server.api(&format!("/users/registrations/{id}/accept")))
        .bearer_auth(&admin)
        .json(&json!({ "moderationResponse": "Welcome!" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    server.token("hopeful", "secret-pass-1").await;
    let res = http()
        .post(server.api(&format!("/users/registrations/{id}/accept")))
        .bearer_auth(&admin)
        .json(&json!({ "moderationResponse": "again" }))
        .send()
        .await
        .unwrap();
    expect_problem(res, 409).await;

    let other_id = other["id"].as_i64().unwrap();
    let res = http()
        .post(server.api(&format!("/users/registrations/{other_id}/reject")))
        .bearer_auth(&admin)
        .json(&json!({ "moderationResponse": "Sorry" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        server.login("rejected", "secret-pass-1").await.status(),
        400
    );
    let list: Value = http()
        .get(server.api("/users/registrations"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let states: Vec<_> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"]["label"].clone())
        .collect();
    assert!(
        states.contains(&json!("Accepted")) && states.contains(&json!("Rejected")),
        "{states:?}"
    );
    let res = http()
        .delete(server.api(&format!("/users/registrations/{other_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}
