//! Federation as administrators see it, between real `kinora` processes on loopback: delivery
//! results counted in `/metrics` (delivered, retried for a dead host, failed for a refusing
//! one), follower and following counts in the REST shapes, and instance follows that wait for
//! an administrator to accept, reject or remove them.

mod common;

use common::fed::{counter, eventually, followers_of, get_json, remote_videos, subscribe};
use common::{Options, Server, expect_problem, http};
use serde_json::json;

const DELIVERIES: &str = "kinora_federation_deliveries_total";

async fn deliveries(server: &Server, result: &str) -> f64 {
    counter(server, DELIVERIES, &format!("result=\"{result}\"")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_results_are_counted_and_follow_counts_are_shown() {
    let mut servers = Server::start_federated(3);
    let mut c = servers.pop().unwrap();
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin, c_admin) = (
        a.admin_token().await,
        b.admin_token().await,
        c.admin_token().await,
    );

    // The counter exists at zero before anything was sent.
    let text = http()
        .get(format!("{}/metrics", a.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for result in ["delivered", "retried", "failed"] {
        assert!(
            text.contains(&format!("{DELIVERIES}{{result=\"{result}\"}} 0")),
            "{result} missing:\n{text}"
        );
    }

    // C, then B, subscribe to A's channel: A's two Accepts are delivered.
    let channel = format!("root_channel@{}", a.host());
    subscribe(&c, &c_admin, &channel).await;
    eventually(20, "C's follow accepted", &[&a, &c], || async {
        followers_of(&c, "/accounts/root/following").await == 1
    })
    .await;
    subscribe(&b, &b_admin, &channel).await;
    eventually(20, "B's follow accepted", &[&a, &b], || async {
        followers_of(&b, "/accounts/root/following").await == 1
    })
    .await;
    eventually(10, "two deliveries counted", &[&a], || async {
        deliveries(&a, "delivered").await >= 2.0
    })
    .await;
    let delivered = deliveries(&a, "delivered").await;

    // Counts as PeerTube shapes them, each as seen by the instance answering.
    let (status, on_a) = get_json(&a.api("/video-channels/root_channel"), None).await;
    assert_eq!(status, 200, "{on_a}");
    assert_eq!(on_a["followersCount"], 2, "{on_a}");
    assert_eq!(on_a["followingCount"], 0, "{on_a}");
    let (_, b_account) = get_json(&b.api("/accounts/root"), None).await;
    assert_eq!(b_account["followingCount"], 1, "{b_account}");
    // B shows A's own total (read from A's followers collection once A accepted B's follow),
    // not only the one follow B knows of.
    let remote_channel = b.api(&format!("/video-channels/{channel}"));
    let (status, remote) = get_json(&remote_channel, None).await;
    assert_eq!(status, 200, "{remote}");
    assert_eq!(remote["host"], a.host());
    eventually(15, "B showing A's follower total", &[&a, &b], || async {
        get_json(&remote_channel, None).await.1["followersCount"] == 2
    })
    .await;
    let (_, me) = get_json(&b.api("/users/me"), Some(&b_admin)).await;
    assert_eq!(me["account"]["followingCount"], 1, "{me}");

    // C dies (its port closes) and B refuses A (it blocks A's host); then A publishes.
    c.kill();
    let res = http()
        .post(b.api("/server/blocklist/servers"))
        .bearer_auth(&b_admin)
        .json(&json!({ "host": a.host() }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    a.publish(&a_admin, "short.mp4", &[("name", "Counted".into())])
        .await;
    eventually(
        20,
        "a retried and a refused delivery counted",
        &[&a, &b],
        || async {
            deliveries(&a, "retried").await >= 1.0 && deliveries(&a, "failed").await >= 1.0
        },
    )
    .await;
    assert_eq!(
        deliveries(&a, "delivered").await,
        delivered,
        "neither the refusal nor the dead host counts as delivered"
    );
    assert_eq!(remote_videos(&b).await["total"], 0, "B refused the video");

    // Unsubscribing lowers the count on the subscriber's side at once.
    let res = http()
        .delete(b.api(&format!("/users/me/subscriptions/{channel}")))
        .bearer_auth(&b_admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (_, b_account) = get_json(&b.api("/accounts/root"), None).await;
    assert_eq!(b_account["followingCount"], 0, "{b_account}");
}

fn approving() -> Server {
    Server::start_with(Options {
        args: vec![
            "--federation-allow-private-addresses",
            "--set",
            "federation.instance_followers_approval=true",
        ],
        ..Default::default()
    })
}

async fn follow_instance(server: &Server, token: &str, host: &str) {
    let res = http()
        .post(server.api("/server/following"))
        .bearer_auth(token)
        .json(&json!({ "hosts": [host] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204, "{}", res.text().await.unwrap());
}

async fn answer(server: &Server, token: &str, path: &str, delete: bool) -> reqwest::Response {
    let url = server.api(&format!("/server/followers/{path}"));
    let req = if delete {
        http().delete(url)
    } else {
        http().post(url)
    };
    req.bearer_auth(token).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_followers_wait_for_an_administrator() {
    let a = approving();
    let mut servers = Server::start_federated(2);
    let c = servers.pop().unwrap();
    let b = servers.pop().unwrap();
    let (a_admin, b_admin, c_admin) = (
        a.admin_token().await,
        b.admin_token().await,
        c.admin_token().await,
    );
    a.publish(&a_admin, "short.mp4", &[("name", "Behind approval".into())])
        .await;

    follow_instance(&b, &b_admin, &a.host()).await;
    follow_instance(&c, &c_admin, &a.host()).await;
    let followers = a.api("/server/followers");
    eventually(20, "two pending followers on A", &[&a, &b, &c], || async {
        get_json(&followers, None).await.1["total"] == 2
    })
    .await;
    // The list is public, as on PeerTube, and filters by state and actor type.
    let (_, list) = get_json(&followers, None).await;
    for f in list["data"].as_array().unwrap() {
        assert_eq!(f["state"], "pending", "{f}");
        assert_eq!(f["following"]["host"], a.host());
        assert_eq!(f["follower"]["name"], "peertube");
    }
    let total = |q: &'static str| {
        let url = format!("{followers}?{q}");
        async move { get_json(&url, None).await.1["total"].clone() }
    };
    assert_eq!(total("state=pending").await, 2);
    assert_eq!(total("state=accepted").await, 0);
    assert_eq!(total("actorType=Application").await, 2);
    assert_eq!(total("actorType=Person").await, 0);
    expect_problem(
        http()
            .get(format!("{followers}?state=maybe"))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    // B's side: its follow waits, and nothing was crawled.
    let (_, following) = get_json(&b.api("/server/following"), None).await;
    assert_eq!(following["data"][0]["state"], "pending", "{following}");
    assert_eq!(remote_videos(&b).await["total"], 0);

    // Only an administrator answers; unknown and malformed handles are refused.
    let (_, user) = a.create_user(&a_admin, "viewer", 2).await;
    let b_handle = format!("peertube@{}", b.host());
    let c_handle = format!("peertube@{}", c.host());
    expect_problem(
        answer(&a, &user, &format!("{b_handle}/accept"), false).await,
        403,
    )
    .await;
    expect_problem(
        answer(&a, &a_admin, "nobody@127.0.0.1:1/accept", false).await,
        404,
    )
    .await;
    expect_problem(answer(&a, &a_admin, "no-host/accept", false).await, 400).await;

    // Accepting B: B's follow turns accepted and the outbox crawl brings A's video.
    let res = answer(&a, &a_admin, &format!("{b_handle}/accept"), false).await;
    assert_eq!(res.status(), 204, "{}", res.text().await.unwrap());
    eventually(20, "B accepted and crawling", &[&a, &b], || async {
        get_json(&b.api("/server/following"), None).await.1["data"][0]["state"] == "accepted"
            && remote_videos(&b).await["total"] == 1
    })
    .await;
    expect_problem(
        answer(&a, &a_admin, &format!("{b_handle}/accept"), false).await,
        400,
    )
    .await;

    // Rejecting C: A forgets it, and C's follow is gone once the Reject arrives.
    let res = answer(&a, &a_admin, &format!("{c_handle}/reject"), false).await;
    assert_eq!(res.status(), 204);
    eventually(20, "the Reject reaching C", &[&a, &c], || async {
        get_json(&c.api("/server/following"), None).await.1["total"] == 0
    })
    .await;
    assert_eq!(remote_videos(&c).await["total"], 0);
    let (_, list) = get_json(&followers, None).await;
    assert_eq!(list["total"], 1, "{list}");
    let follow = &list["data"][0];
    assert_eq!(follow["state"], "accepted");
    assert_eq!(follow["follower"]["host"], b.host());
    // Counts as A sees them: B's actor follows one actor here, A's has one follower.
    assert_eq!(follow["follower"]["followingCount"], 1, "{follow}");
    assert_eq!(follow["following"]["followersCount"], 1, "{follow}");

    // Removing an accepted follower tells it too.
    let res = answer(&a, &a_admin, &b_handle, true).await;
    assert_eq!(res.status(), 204);
    assert_eq!(get_json(&followers, None).await.1["total"], 0);
    eventually(20, "the removal reaching B", &[&a, &b], || async {
        get_json(&b.api("/server/following"), None).await.1["total"] == 0
    })
    .await;
    expect_problem(answer(&a, &a_admin, &b_handle, true).await, 404).await;
}
