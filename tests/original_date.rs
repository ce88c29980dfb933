//! PeerTube's `originallyPublishedAt` (when an old recording first came out): set at upload and
//! by edits through the API and the edit page, refused when it is no date, shown on the watch
//! page, sorted by, carried in the ActivityPub Video, and kept by a following instance.

mod common;

use common::fed::{ap_get, eventually, follow, get_json, remote_videos};
use common::web::{edit_video, page, sign_in};
use common::{Server, expect_problem, http};
use serde_json::{Value, json};

#[tokio::test]
async fn an_original_publication_date_is_kept_shown_sorted_and_federated() {
    let servers = Server::start_federated(2);
    let (a, b) = (&servers[0], &servers[1]);
    let (admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    follow(a, b, &b_admin, "root_channel").await;

    // Set at upload (a multipart field, as peertube-cli sends it), in any offset: kept in UTC.
    let old = a
        .publish(
            &admin,
            "short.mp4",
            &[
                ("name", "Moon landing".into()),
                ("originallyPublishedAt", "1969-07-20T22:56:00+02:00".into()),
            ],
        )
        .await;
    let old_uuid = old["uuid"].as_str().unwrap();
    assert_eq!(
        a.get_video(old_uuid, None).await["originallyPublishedAt"],
        "1969-07-20T20:56:00.000Z"
    );
    let new = a
        .publish(&admin, "short.mp4", &[("name", "Today's news".into())])
        .await;
    let new_uuid = new["uuid"].as_str().unwrap();
    assert_eq!(
        a.get_video(new_uuid, None).await["originallyPublishedAt"],
        Value::Null
    );

    // Not a date: a 400 naming the field, and nothing changes.
    let bad = a
        .put_video(
            &admin,
            old_uuid,
            &json!({ "originallyPublishedAt": "last summer" }),
        )
        .await;
    let problem = expect_problem(bad, 400).await;
    assert!(
        problem["invalid-params"]["originallyPublishedAt"].is_object(),
        "{problem}"
    );
    // An edit of another field keeps it.
    assert_eq!(
        a.put_video(&admin, old_uuid, &json!({ "name": "Apollo 11" }))
            .await
            .status(),
        204
    );
    assert_eq!(
        a.get_video(old_uuid, None).await["originallyPublishedAt"],
        "1969-07-20T20:56:00.000Z"
    );

    // Sorting by it: a video without one counts by its publication (today).
    let order = |sort: &'static str| async move {
        let (_, list) = get_json(&a.api(&format!("/videos?sort={sort}")), None).await;
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        order("originallyPublishedAt").await,
        ["Apollo 11", "Today's news"]
    );
    assert_eq!(
        order("-originallyPublishedAt").await,
        ["Today's news", "Apollo 11"]
    );

    // The watch page says it; the ActivityPub Video carries it; the follower keeps it.
    let watch = page(&http(), &format!("{}/videos/watch/{old_uuid}", a.url)).await;
    assert!(
        watch.contains(r#"<time datetime="1969-07-20T20:56:00.000Z" data-originally-published>1969-07-20</time>"#),
        "the watch page shows the date"
    );
    let (_, object) = ap_get(&format!("{}/videos/watch/{old_uuid}", a.url)).await;
    assert_eq!(object["originallyPublishedAt"], "1969-07-20T20:56:00.000Z");
    eventually(15, "both videos reaching B", &[a, b], || async {
        remote_videos(b).await["total"] == 2
    })
    .await;
    let copy = b.get_video(old_uuid, None).await;
    assert_eq!(copy["originallyPublishedAt"], "1969-07-20T20:56:00.000Z");

    // Cleared with null; the follower hears of it through the Update.
    assert_eq!(
        a.put_video(&admin, old_uuid, &json!({ "originallyPublishedAt": null }))
            .await
            .status(),
        204
    );
    assert_eq!(
        a.get_video(old_uuid, None).await["originallyPublishedAt"],
        Value::Null
    );
    eventually(15, "the Update reaching B", &[a, b], || async {
        b.get_video(old_uuid, None).await["originallyPublishedAt"].is_null()
    })
    .await;
}

#[tokio::test]
async fn the_edit_page_sets_a_date_and_keeps_a_time_it_does_not_show() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let uploaded = server
        .publish(&admin, "short.mp4", &[("name", "Old tape".into())])
        .await;
    let uuid = uploaded["uuid"].as_str().unwrap();
    let password = server.admin_password.clone().unwrap();
    let browser = sign_in(&server, "root", &password).await;
    edit_video(
        &browser,
        &server,
        uuid,
        "Old tape",
        "1",
        &[
            ("originallyPublishedAt", "1987-03-02"),
            ("originallyPublishedAtShown", ""),
        ],
    )
    .await;
    assert_eq!(
        server.get_video(uuid, None).await["originallyPublishedAt"],
        "1987-03-02T00:00:00.000Z"
    );
    // A time of day set through the API survives a save of the page that shows its date.
    let res = server
        .put_video(
            &admin,
            uuid,
            &json!({ "originallyPublishedAt": "1987-03-02T18:30:00Z" }),
        )
        .await;
    assert_eq!(res.status(), 204);
    let form = page(&browser, &format!("{}/videos/manage/{uuid}", server.url)).await;
    assert!(
        form.contains(r#"name="originallyPublishedAt" type="date" value="1987-03-02""#),
        "the edit page shows the date"
    );
    edit_video(
        &browser,
        &server,
        uuid,
        "Old tape",
        "1",
        &[
            ("originallyPublishedAt", "1987-03-02"),
            ("originallyPublishedAtShown", "1987-03-02"),
        ],
    )
    .await;
    assert_eq!(
        server.get_video(uuid, None).await["originallyPublishedAt"],
        "1987-03-02T18:30:00.000Z"
    );
    // An emptied field clears it.
    edit_video(
        &browser,
        &server,
        uuid,
        "Old tape",
        "1",
        &[
            ("originallyPublishedAt", ""),
            ("originallyPublishedAtShown", "1987-03-02"),
        ],
    )
    .await;
    assert_eq!(
        server.get_video(uuid, None).await["originallyPublishedAt"],
        Value::Null
    );
}
