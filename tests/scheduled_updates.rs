//! PeerTube's `scheduleUpdate`: a private video made public at a set time, set at upload with
//! the web client's multipart fields, through JSON and through the edit page (in the browser's
//! time zone), listed on one's videos page, refused when malformed, cancelled with null, and
//! federated when it falls due.

mod common;

use common::fed::{eventually, follow, get_json, remote_videos};
use common::web::{edit_video, page, sign_in};
use common::{Server, expect_problem};
use serde_json::{Value, json};

fn in_seconds(seconds: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[tokio::test]
async fn a_private_video_goes_public_when_its_schedule_falls_due() {
    let servers = Server::start_federated(2);
    let (a, b) = (&servers[0], &servers[1]);
    let (admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    follow(a, b, &b_admin, "root_channel").await;

    // PeerTube's web client sends the schedule as multipart fields with the upload.
    let at = in_seconds(3);
    let video = a
        .publish(
            &admin,
            "short.mp4",
            &[
                ("name", "Premiere".into()),
                ("privacy", "3".into()),
                ("scheduleUpdate[updateAt]", at.clone()),
                ("scheduleUpdate[privacy]", "1".into()),
            ],
        )
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let owner_view = a.get_video(&uuid, Some(&admin)).await;
    assert_eq!(owner_view["privacy"]["id"], 3);
    assert_eq!(owner_view["scheduledUpdate"]["privacy"], 1, "{owner_view}");
    let published_before = owner_view["publishedAt"].clone();
    let (status, _) = get_json(&a.api(&format!("/videos/{uuid}")), None).await;
    assert_eq!(status, 401, "private until the schedule falls due");

    // When it falls due: public, published anew, the schedule gone, and sent to followers.
    eventually(20, "the schedule applied", &[a], || async {
        get_json(&a.api(&format!("/videos/{uuid}")), None).await.0 == 200
    })
    .await;
    let public = a.get_video(&uuid, Some(&admin)).await;
    assert_eq!(public["privacy"]["id"], 1);
    assert_eq!(public["scheduledUpdate"], Value::Null);
    assert_ne!(public["publishedAt"], published_before);
    assert!(public["publishedAt"].as_str().unwrap() >= at.as_str());
    eventually(15, "the video reaching B", &[a, b], || async {
        remote_videos(b).await["total"] == 1
    })
    .await;
}

#[tokio::test]
async fn schedules_are_checked_changed_and_cancelled() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(
            &admin,
            "short.mp4",
            &[("name", "Later".into()), ("privacy", "3".into())],
        )
        .await;
    let uuid = video["uuid"].as_str().unwrap();

    for (bad, field) in [
        (json!({ "updateAt": "soon" }), "scheduleUpdate.updateAt"),
        (json!({ "privacy": 1 }), "scheduleUpdate.updateAt"),
        (
            json!({ "updateAt": "2030-01-01T00:00:00Z", "privacy": 3 }),
            "scheduleUpdate.privacy",
        ),
        (json!("tomorrow"), "scheduleUpdate"),
    ] {
        let res = server
            .put_video(&admin, uuid, &json!({ "scheduleUpdate": bad }))
            .await;
        let problem = expect_problem(res, 400).await;
        assert!(problem["invalid-params"][field].is_object(), "{problem}");
    }

    // Set in JSON (any offset, kept in UTC; no privacy: the video keeps its own), kept by an
    // edit of something else, then cancelled with null.
    let res = server
        .put_video(
            &admin,
            uuid,
            &json!({ "scheduleUpdate": { "updateAt": "2030-01-01T10:00:00+01:00" } }),
        )
        .await;
    assert_eq!(res.status(), 204);
    let res = server
        .put_video(&admin, uuid, &json!({ "name": "Much later" }))
        .await;
    assert_eq!(res.status(), 204);
    let video = server.get_video(uuid, Some(&admin)).await;
    assert_eq!(
        video["scheduledUpdate"],
        json!({ "updateAt": "2030-01-01T09:00:00.000Z" })
    );
    let res = server
        .put_video(&admin, uuid, &json!({ "scheduleUpdate": null }))
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        server.get_video(uuid, Some(&admin)).await["scheduledUpdate"],
        Value::Null
    );

    // The edit page: a local time with the browser's offset (UTC+1: -60), shown back in UTC to
    // the minute, kept by a save that leaves it alone, cancelled by emptying it.
    let password = server.admin_password.clone().unwrap();
    let browser = sign_in(&server, "root", &password).await;
    edit_video(
        &browser,
        &server,
        uuid,
        "Much later",
        "3",
        &[
            ("scheduleAt", "2031-06-01T09:30"),
            ("scheduleAtShown", ""),
            ("timezoneOffset", "-60"),
        ],
    )
    .await;
    let video = server.get_video(uuid, Some(&admin)).await;
    assert_eq!(
        video["scheduledUpdate"],
        json!({ "updateAt": "2031-06-01T08:30:00.000Z", "privacy": 1 })
    );
    let mine = page(&browser, &format!("{}/my-account/videos", server.url)).await;
    assert!(
        mine.contains(r#"<time datetime="2031-06-01T08:30:00.000Z">2031-06-01 08:30 UTC</time>"#),
        "the list of one's videos shows the schedule"
    );
    let form = page(&browser, &format!("{}/videos/manage/{uuid}", server.url)).await;
    assert!(
        form.contains(r#"name="scheduleAt" type="datetime-local" value="2031-06-01T08:30""#),
        "the edit page shows the schedule in UTC for its script to localise"
    );
    edit_video(
        &browser,
        &server,
        uuid,
        "Much later",
        "3",
        &[
            ("scheduleAt", "2031-06-01T09:30"),
            ("scheduleAtShown", "2031-06-01T08:30"),
            ("timezoneOffset", "-60"),
        ],
    )
    .await;
    assert_eq!(
        server.get_video(uuid, Some(&admin)).await["scheduledUpdate"]["updateAt"],
        "2031-06-01T08:30:00.000Z"
    );
    edit_video(
        &browser,
        &server,
        uuid,
        "Much later",
        "3",
        &[("scheduleAt", ""), ("scheduleAtShown", "2031-06-01T08:30")],
    )
    .await;
    assert_eq!(
        server.get_video(uuid, Some(&admin)).await["scheduledUpdate"],
        Value::Null
    );
}
