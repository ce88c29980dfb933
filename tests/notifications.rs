//! User notifications on real `kinora` processes: moderators told of reports, owners of
//! comments, follows and published videos, reporters of judgements and messages; the list with
//! its unread filter and order, marking read, the settings (0 = not created); errors (401,
//! 400); subscribers told of new videos (local and remote), mentioned users, moderators of
//! sign-ups, mutes; and between two instances, a federated Flag, a remote comment, mention and
//! follow notifying on the origin. The pages are in `notifications_page.rs`.

mod common;

use common::fed::{eventually, get_json, remote_videos, subscribe};
use common::notify::{comment, notifications, of_type, post, send};
use common::web::{page, sign_in};
use common::{Server, expect_problem, http};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_moderators_and_reporters_are_notified() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let (_, moderator) = server.create_user(&admin, "mia", 1).await;
    let (_, alice) = server.create_user(&admin, "alice", 2).await;
    let (_, bob) = server.create_user(&admin, "bob", 2).await;

    // Processing publishes Alice's upload: MY_VIDEO_PUBLISHED, with the video and its channel.
    let video = server
        .publish(&alice, "short.mp4", &[("name", "Alice clip".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let published = of_type(&server, &alice, 6).await;
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0]["video"]["uuid"], uuid.as_str());
    assert_eq!(published[0]["video"]["name"], "Alice clip");
    assert_eq!(published[0]["video"]["shortUUID"], video["shortUUID"]);
    assert_eq!(published[0]["video"]["channel"]["name"], "alice_channel");
    assert_eq!(published[0]["read"], false);

    // Bob's comment tells Alice (NEW_COMMENT_ON_MY_VIDEO); her own comment tells nobody.
    let bobs = comment(&server, &bob, &uuid, "Nice one").await;
    comment(&server, &alice, &uuid, "Thanks").await;
    let comments = of_type(&server, &alice, 2).await;
    assert_eq!(comments.len(), 1, "{comments:?}");
    let c = &comments[0]["comment"];
    assert_eq!(c["id"], bobs);
    assert_eq!(c["threadId"], bobs);
    assert_eq!(c["heldForReview"], false);
    assert_eq!(c["account"]["name"], "bob");
    assert_eq!(c["video"]["uuid"], uuid.as_str());
    assert!(of_type(&server, &bob, 2).await.is_empty());

    // Bob reports the video: every moderator and administrator, nobody else.
    let abuse = post(
        &server,
        &bob,
        "/abuses",
        json!({ "reason": "Looks stolen", "video": { "id": uuid } }),
    )
    .await["abuse"]["id"]
        .as_i64()
        .unwrap();
    for token in [&admin, &moderator] {
        let told = of_type(&server, token, 3).await;
        assert_eq!(told.len(), 1, "{told:?}");
        assert_eq!(told[0]["abuse"]["id"], abuse);
        assert_eq!(told[0]["abuse"]["state"], 1);
        assert_eq!(told[0]["abuse"]["video"]["uuid"], uuid.as_str());
    }
    assert!(of_type(&server, &alice, 3).await.is_empty());
    assert!(of_type(&server, &bob, 3).await.is_empty());

    // The moderator accepts it and writes: Bob learns both; the moderator is not told of her
    // own message, the administrator is.
    let res = send(
        &server,
        reqwest::Method::PUT,
        Some(&moderator),
        &format!("/abuses/{abuse}"),
        Some(json!({ "state": 3 })),
    )
    .await;
    assert_eq!(res.status(), 204);
    let changed = of_type(&server, &bob, 15).await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["abuse"]["state"], 3);
    post(
        &server,
        &moderator,
        &format!("/abuses/{abuse}/messages"),
        json!({ "message": "Taken down, thanks" }),
    )
    .await;
    assert_eq!(of_type(&server, &bob, 16).await.len(), 1);
    assert_eq!(of_type(&server, &admin, 16).await.len(), 1);
    assert!(of_type(&server, &moderator, 16).await.is_empty());

    // Bob subscribes to Alice's channel: NEW_FOLLOW with the follower and the channel.
    subscribe(&server, &bob, &format!("alice_channel@{}", server.host())).await;
    let follows = of_type(&server, &alice, 10).await;
    assert_eq!(follows.len(), 1, "{follows:?}");
    let f = &follows[0]["actorFollow"];
    assert_eq!(f["follower"]["name"], "bob");
    assert_eq!(f["follower"]["host"], server.host().as_str());
    assert_eq!(f["state"], "accepted");
    assert_eq!(
        (
            f["following"]["type"].clone(),
            f["following"]["name"].clone()
        ),
        (json!("channel"), json!("alice_channel"))
    );

    // Order, paging and the unread filter.
    let all = notifications(&server, &alice, "").await;
    assert_eq!(all["total"], 3);
    let types = |v: &Value| -> Vec<i64> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["type"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(types(&all), vec![10, 2, 6]);
    assert_eq!(
        types(&notifications(&server, &alice, "?sort=createdAt").await),
        vec![6, 2, 10]
    );
    let second = notifications(&server, &alice, "?start=1&count=1").await;
    assert_eq!(
        (second["total"].clone(), types(&second)),
        (json!(3), vec![2])
    );

    // Read by id: only the caller's own ids count.
    let newest = all["data"][0]["id"].as_i64().unwrap();
    let bobs_own = notifications(&server, &bob, "").await["data"][0]["id"]
        .as_i64()
        .unwrap();
    let res = send(
        &server,
        reqwest::Method::POST,
        Some(&alice),
        "/users/me/notifications/read",
        Some(json!({ "ids": [newest, bobs_own] })),
    )
    .await;
    assert_eq!(res.status(), 204);
    let unread = notifications(&server, &alice, "?unread=true").await;
    assert_eq!(unread["total"], 2);
    assert!(
        unread["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["id"] != newest)
    );
    // Bob has the state change and the message, both still unread.
    assert_eq!(
        notifications(&server, &bob, "?unread=true").await["total"],
        2
    );
    assert_eq!(
        notifications(&server, &alice, "").await["data"][0]["read"],
        true
    );
    let res = send(
        &server,
        reqwest::Method::POST,
        Some(&alice),
        "/users/me/notifications/read-all",
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        notifications(&server, &alice, "?unread=true").await["total"],
        0
    );
    assert_eq!(notifications(&server, &alice, "").await["total"], 3);

    // Settings: 0 means the notification is not created; GET /users/me shows them.
    let (_, me) = get_json(&server.api("/users/me"), Some(&alice)).await;
    assert_eq!(me["notificationSettings"]["newCommentOnMyVideo"], 1);
    assert_eq!(me["notificationSettings"]["abuseAsModerator"], 3);
    let res = send(
        &server,
        reqwest::Method::PUT,
        Some(&alice),
        "/users/me/notification-settings",
        Some(json!({ "newCommentOnMyVideo": 0, "newFollow": 3 })),
    )
    .await;
    assert_eq!(res.status(), 204);
    let (_, me) = get_json(&server.api("/users/me"), Some(&alice)).await;
    assert_eq!(me["notificationSettings"]["newCommentOnMyVideo"], 0);
    assert_eq!(me["notificationSettings"]["newFollow"], 3);
    assert_eq!(me["notificationSettings"]["myVideoPublished"], 1);
    comment(&server, &bob, &uuid, "Unheard").await;
    assert_eq!(of_type(&server, &alice, 2).await.len(), 1);
    let res = send(
        &server,
        reqwest::Method::PUT,
        Some(&alice),
        "/users/me/notification-settings",
        Some(json!({ "newCommentOnMyVideo": 1 })),
    )
    .await;
    assert_eq!(res.status(), 204);
    let heard = comment(&server, &bob, &uuid, "Heard").await;
    let comments = of_type(&server, &alice, 2).await;
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[0]["comment"]["id"], heard);

    // A deleted comment takes its notification with it.
    let res = send(
        &server,
        reqwest::Method::DELETE,
        Some(&bob),
        &format!("/videos/{uuid}/comments/{heard}"),
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    let comments = of_type(&server, &alice, 2).await;
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["comment"]["id"], bobs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused() {
    let server = Server::start();
    let admin = server.admin_token().await;
    use reqwest::Method as M;
    for (method, path, body) in [
        (M::GET, "/users/me/notifications", None),
        (
            M::POST,
            "/users/me/notifications/read",
            Some(json!({ "ids": [1] })),
        ),
        (M::POST, "/users/me/notifications/read-all", None),
        (
            M::PUT,
            "/users/me/notification-settings",
            Some(json!({ "newFollow": 1 })),
        ),
    ] {
        let res = send(&server, method, None, path, body).await;
        expect_problem(res, 401).await;
    }
    for query in ["?sort=name", "?count=1000", "?start=-1", "?unread=maybe"] {
        let res = send(
            &server,
            M::GET,
            Some(&admin),
            &format!("/users/me/notifications{query}"),
            None,
        )
        .await;
        expect_problem(res, 400).await;
    }
    for body in [
        json!({}),
        json!({ "ids": [] }),
        json!({ "ids": "1" }),
        json!({ "ids": [1, "two"] }),
        json!({ "ids": [-3] }),
    ] {
        let res = send(
            &server,
            M::POST,
            Some(&admin),
            "/users/me/notifications/read",
            Some(body.clone()),
        )
        .await;
        let problem = expect_problem(res, 400).await;
        assert!(problem.to_string().contains("ids"), "{body}: {problem}");
    }
    for body in [
        json!({ "newFollow": 4 }),
        json!({ "newFollow": "web" }),
        json!({ "abuseAsModerator": -1 }),
        json!([1, 2]),
    ] {
        let res = send(
            &server,
            M::PUT,
            Some(&admin),
            "/users/me/notification-settings",
            Some(body),
        )
        .await;
        expect_problem(res, 400).await;
    }
    // Nothing was changed by the refused settings.
    let (_, me) = get_json(&server.api("/users/me"), Some(&admin)).await;
    assert_eq!(me["notificationSettings"]["newFollow"], 1);
    assert_eq!(me["notificationSettings"]["abuseAsModerator"], 3);
}

/// What a muted account does tells the muter nothing (comments, mentions, follows), while
/// others are still told; unmuted, it tells again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn muted_accounts_notify_nobody_who_muted_them() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let (_, alice) = server.create_user(&admin, "alice", 2).await;
    let (_, bob) = server.create_user(&admin, "bob", 2).await;
    let (_, carol) = server.create_user(&admin, "carol", 2).await;
    let video = server
        .publish(&alice, "short.mp4", &[("name", "Quiet clip".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    post(
        &server,
        &alice,
        "/users/me/blocklist/accounts",
        json!({ "accountName": "bob" }),
    )
    .await;
    comment(&server, &bob, &uuid, "@carol have a look").await;
    subscribe(&server, &bob, &format!("alice_channel@{}", server.host())).await;
    assert!(
        of_type(&server, &alice, 2).await.is_empty(),
        "muted comment"
    );
    assert!(
        of_type(&server, &alice, 10).await.is_empty(),
        "muted follow"
    );
    assert_eq!(
        of_type(&server, &carol, 11).await.len(),
        1,
        "carol did not mute bob"
    );

    let res = send(
        &server,
        reqwest::Method::DELETE,
        Some(&alice),
        "/users/me/blocklist/accounts/bob",
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    comment(&server, &bob, &uuid, "Unmuted now").await;
    assert_eq!(of_type(&server, &alice, 2).await.len(), 1);
}

/// NEW_VIDEO_FROM_SUBSCRIPTION (1), NEW_USER_REGISTRATION (9) and COMMENT_MENTION (11).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_mentioned_users_and_moderators_of_sign_ups_are_notified() {
    let server = common::Server::start_with(common::Options {
        args: vec!["--registration", "open"],
        env: vec![],
    });
    let admin = server.admin_token().await;
    let (_, alice) = server.create_user(&admin, "alice", 2).await;
    let (_, bob) = server.create_user(&admin, "bob", 2).await;
    let (_, carol) = server.create_user(&admin, "carol", 2).await;
    let host = server.host();
    subscribe(&server, &bob, &format!("alice_channel@{host}")).await;
    subscribe(&server, &alice, &format!("alice_channel@{host}")).await;

    // A private upload is no news; made public, it is, once.
    let private = server
        .publish(
            &alice,
            "short.mp4",
            &[("name", "Rough cut".into()), ("privacy", "3".into())],
        )
        .await;
    let uuid = private["uuid"].as_str().unwrap().to_string();
    assert!(of_type(&server, &bob, 1).await.is_empty());
    for _ in 0..2 {
        let res = send(
            &server,
            reqwest::Method::PUT,
            Some(&alice),
            &format!("/videos/{uuid}"),
            Some(json!({ "privacy": 1 })),
        )
        .await;
        assert_eq!(res.status(), 204);
    }
    let told = of_type(&server, &bob, 1).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["video"]["uuid"], uuid.as_str());
    assert_eq!(told[0]["video"]["channel"]["name"], "alice_channel");
    assert!(
        of_type(&server, &alice, 1).await.is_empty(),
        "the owner is not told of their own video"
    );
    assert!(
        of_type(&server, &carol, 1).await.is_empty(),
        "not subscribed"
    );

    // Mentions: bare names in local comments, full handles on this host; not the video's
    // owner (told of the comment anyway) nor the author; a handle elsewhere is someone else.
    comment(
        &server,
        &carol,
        &uuid,
        &format!("@bob@{host}, look! @alice @carol @bob@elsewhere.example"),
    )
    .await;
    let mentions = of_type(&server, &bob, 11).await;
    assert_eq!(mentions.len(), 1, "{mentions:?}");
    assert_eq!(mentions[0]["comment"]["account"]["name"], "carol");
    assert_eq!(mentions[0]["comment"]["video"]["uuid"], uuid.as_str());
    assert!(of_type(&server, &alice, 11).await.is_empty());
    assert_eq!(of_type(&server, &alice, 2).await.len(), 1);
    assert!(of_type(&server, &carol, 11).await.is_empty());

    // A sign-up tells the administrators and moderators, with the new account.
    let res = http()
        .post(server.api("/users/register"))
        .json(&json!({ "username": "newbie", "password": "secret-pass-1",
                       "email": "newbie@example.org" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let signed_up = of_type(&server, &admin, 9).await;
    assert_eq!(signed_up.len(), 1, "{signed_up:?}");
    assert_eq!(signed_up[0]["account"]["name"], "newbie");
    assert!(of_type(&server, &bob, 9).await.is_empty());

    // The page shows each of them.
    let web = sign_in(&server, "bob", "secret-pass-1").await;
    let html = page(&web, &format!("{}/my-account/notifications", server.url)).await;
    assert!(html.contains("data-notification-type=\"1\""), "{html}");
    assert!(html.contains("mentioned you on"), "{html}");
    assert!(html.contains("published"), "{html}");
}

/// A on one side, B on the other: B's follow of A's channel, B's comment on A's video and B's
/// report of it (a Flag) each notify A's administrator, who owns the video.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn federated_follow_comment_and_flag_notify_the_origin() {
    let mut servers = Server::start_federated(2);
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    let video = a
        .publish(&a_admin, "short.mp4", &[("name", "Shared clip".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let (_, carol) = b.create_user(&b_admin, "carol", 2).await;
    let (_, dave) = a.create_user(&a_admin, "dave", 2).await;
    let (_, erin) = a.create_user(&a_admin, "erin", 2).await;
    post(
        &a,
        &erin,
        "/users/me/blocklist/servers",
        json!({ "host": b.host() }),
    )
    .await;
    subscribe(&b, &carol, &format!("root_channel@{}", a.host())).await;
    eventually(20, "the follow notifying A", &[&a, &b], || async {
        !of_type(&a, &a_admin, 10).await.is_empty()
    })
    .await;
    let f = &of_type(&a, &a_admin, 10).await[0]["actorFollow"];
    assert_eq!(f["follower"]["name"], "carol");
    assert_eq!(f["follower"]["host"], b.host().as_str());
    assert_eq!(f["following"]["name"], "root_channel");

    eventually(20, "the video reaching B", &[&a, &b], || async {
        remote_videos(&b).await["total"] == 1
    })
    .await;
    // A new remote video tells its channel's subscribers on B (this one is minutes old).
    let told = of_type(&b, &carol, 1).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["video"]["uuid"], uuid.as_str());
    assert_eq!(told[0]["video"]["channel"]["name"], "root_channel");
    assert_eq!(told[0]["video"]["channel"]["host"], a.host().as_str());
    assert!(of_type(&b, &b_admin, 1).await.is_empty(), "not subscribed");
    comment(
        &b,
        &carol,
        &uuid,
        &format!(
            "Greetings from B, @root@{0} and @dave@{0} (and @dave), @erin@{0}",
            a.host()
        ),
    )
    .await;
    eventually(20, "the remote comment notifying A", &[&a, &b], || async {
        !of_type(&a, &a_admin, 2).await.is_empty()
    })
    .await;
    let c = &of_type(&a, &a_admin, 2).await[0]["comment"];
    // A user of A mentioned by full handle in a remote comment is told; the owner, mentioned
    // too, is told once, of the comment.
    let mentions = of_type(&a, &dave, 11).await;
    assert_eq!(mentions.len(), 1, "{mentions:?}");
    assert_eq!(mentions[0]["comment"]["account"]["host"], b.host().as_str());
    assert!(of_type(&a, &erin, 11).await.is_empty(), "erin muted B");
    assert!(of_type(&a, &a_admin, 11).await.is_empty());
    assert_eq!(c["account"]["name"], "carol");
    assert_eq!(c["account"]["host"], b.host().as_str());
    assert_eq!(c["video"]["uuid"], uuid.as_str());

    post(
        &b,
        &carol,
        "/abuses",
        json!({ "reason": "Stolen footage", "video": { "id": uuid } }),
    )
    .await;
    eventually(
        20,
        "the Flag notifying A's moderators",
        &[&a, &b],
        || async { !of_type(&a, &a_admin, 3).await.is_empty() },
    )
    .await;
    let told = &of_type(&a, &a_admin, 3).await[0]["abuse"];
    assert_eq!(told["video"]["uuid"], uuid.as_str());
    let (_, abuses) = get_json(&a.api("/abuses"), Some(&a_admin)).await;
    assert_eq!(told["id"], abuses["data"][0]["id"]);
    // B's own copy of the report told B's administrator too.
    assert_eq!(of_type(&b, &b_admin, 3).await.len(), 1);
}
