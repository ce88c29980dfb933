//! The administrators' job list in PeerTube's shape, over jobs queued in the real database.

mod common;

use common::{Server, expect_problem, http};
use kinora::store::Store;
use kinora::store::jobs::NewJob;
use serde_json::Value;

#[tokio::test]
async fn admins_see_jobs_by_state_and_others_cannot() {
    let server = Server::start();
    let admin = server.admin_token().await;
    // Queue jobs of a kind no worker runs, straight into the live database (WAL allows it).
    let store = Store::open(&server.data_dir.join("kinora.sqlite3"), 1).unwrap();
    let waiting = kinora::jobs::push(
        &store,
        NewJob {
            kind: "test-kind".into(),
            payload: r#"{"videoId": 7}"#.into(),
            max_attempts: 1,
            ..Default::default()
        },
    )
    .unwrap();
    kinora::jobs::push(
        &store,
        NewJob {
            kind: "test-kind".into(),
            delay: std::time::Duration::from_secs(3600),
            max_attempts: 1,
            ..Default::default()
        },
    )
    .unwrap();

    let list: Value = http()
        .get(server.api("/jobs/waiting"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    let job = &list["data"][0];
    assert_eq!(job["id"], waiting);
    assert_eq!(job["state"], "waiting");
    assert_eq!(job["type"], "test-kind");
    assert_eq!(job["data"]["videoId"], 7);
    assert!(job["createdAt"].is_string());
    let delayed: Value = http()
        .get(server.api("/jobs/delayed?jobType=test-kind"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(delayed["total"], 1);
    let none: Value = http()
        .get(server.api("/jobs/delayed?jobType=other"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none["total"], 0);
    let failed: Value = http()
        .get(server.api("/jobs/failed"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(failed["total"], 0);

    expect_problem(
        http()
            .get(server.api("/jobs/sleeping"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    expect_problem(
        http()
            .post(server.api(&format!("/jobs/{waiting}/retry")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    let (_, user) = server.create_user(&admin, "alice", 2).await;
    expect_problem(
        http()
            .get(server.api("/jobs/waiting"))
            .bearer_auth(&user)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    expect_problem(
        http()
            .get(server.api("/jobs/waiting"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
}
