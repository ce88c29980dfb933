//! Our actors as other instances keep them: a profile change (name, avatar) reaches the
//! followers as an `Update` of the actor, a remote actor's avatar is served from the instance
//! that lists it (as PeerTube does, and as NewPipe needs), a deleted user's account, channel
//! and videos leave the followers (`Delete` of each actor, still signed once its key is gone),
//! and kept remote pictures that nothing names any more are pruned.

mod common;

use std::time::{Duration, SystemTime};

use common::fed::{ap_get, eventually, follow, get_json, query_i64, reaches};
use common::{Options, Server, http, pick_image, png};
use serde_json::{Value, json};

async fn put(server: &Server, token: &str, path: &str, body: Value) {
    let res = http()
        .put(server.api(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204, "PUT {path}: {}", server.log());
}

/// An image's bytes and content type as `server` serves them at `path`.
async fn image_at(server: &Server, path: &str) -> (u16, String, Vec<u8>) {
    let res = http()
        .get(format!("{}{path}", server.url))
        .send()
        .await
        .unwrap();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        res.status().as_u16(),
        kind,
        res.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_change_reaches_followers_with_its_avatar() {
    let mut servers = Server::start_federated(2);
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    follow(&a, &b, &b_admin, "root_channel").await;
    let channel_on_b = b.api(&format!("/video-channels/root_channel@{}", a.host()));
    let account_on_b = b.api(&format!("/accounts/root@{}", a.host()));
    let (_, before) = get_json(&channel_on_b, None).await;
    assert_eq!(before["avatars"], json!([]), "{before}");

    put(
        &a,
        &a_admin,
        "/video-channels/root_channel",
        json!({ "displayName": "Renamed on A" }),
    )
    .await;
    let picked = png(300, 300, 40);
    let res = pick_image(
        &a,
        &a_admin,
        "/video-channels/root_channel/avatar/pick",
        "avatarfile",
        picked,
    )
    .await;
    assert_eq!(res.status(), 200, "{}", a.log());
    put(
        &a,
        &a_admin,
        "/users/me",
        json!({ "displayName": "Root, renamed" }),
    )
    .await;

    eventually(15, "the channel's Update reaching B", &[&a, &b], || async {
        let (_, channel) = get_json(&channel_on_b, None).await;
        channel["displayName"] == "Renamed on A"
            && channel["avatars"].as_array().is_some_and(|a| a.len() == 3)
    })
    .await;
    eventually(15, "the account's Update reaching B", &[&a, &b], || async {
        get_json(&account_on_b, None).await.1["displayName"] == "Root, renamed"
    })
    .await;

    // B lists the avatars under its own paths, fetched from A and re-encoded at the sizes A's
    // document gives (48, 120 and, clamped to the 300 px source, 300).
    let (_, channel) = get_json(&channel_on_b, None).await;
    let mut widths = Vec::new();
    for avatar in channel["avatars"].as_array().unwrap() {
        let path = avatar["path"].as_str().unwrap();
        assert!(path.starts_with("/lazy-static/avatars/"), "{path}");
        assert_eq!(avatar["fileUrl"], format!("{}{path}", b.url));
        let (status, kind, bytes) = image_at(&b, path).await;
        assert_eq!((status, kind.as_str()), (200, "image/jpeg"), "{}", b.log());
        let decoded = image::load_from_memory(&bytes).unwrap();
        assert_eq!(json!(decoded.width()), avatar["width"]);
        assert_eq!(json!(decoded.height()), avatar["height"]);
        widths.push(decoded.width());
    }
    widths.sort();
    assert_eq!(widths, vec![48, 120, 300]);
    assert_eq!(
        channel["avatar"]["width"], 120,
        "the single avatar old clients read"
    );
    // A's document lists its largest avatar first (Mastodon takes the first), and the Update
    // carried an LD signature (its terms are all in the context).
    let (_, group) = ap_get(&format!("{}/video-channels/root_channel", a.url)).await;
    assert_eq!(group["icon"][0]["width"], 300, "{group}");
    assert!(!a.log().contains("without an LD signature"), "{}", a.log());
    let kept = b.data_dir.join("remote-pictures/actors");
    assert_eq!(std::fs::read_dir(&kept).unwrap().count(), 3);

    // A new avatar gets new names on B; the old ones are no longer served.
    let old_path = channel["avatars"][0]["path"].as_str().unwrap().to_string();
    let res = pick_image(
        &a,
        &a_admin,
        "/video-channels/root_channel/avatar/pick",
        "avatarfile",
        png(200, 200, 200),
    )
    .await;
    assert_eq!(res.status(), 200);
    eventually(15, "the new avatar reaching B", &[&a, &b], || async {
        let (_, channel) = get_json(&channel_on_b, None).await;
        channel["avatars"]
            .as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|i| i["path"] != old_path.as_str()))
    })
    .await;
    assert_eq!(image_at(&b, &old_path).await.0, 404);
    assert_eq!(
        image_at(&b, "/lazy-static/avatars/0123456789abcdef.jpg")
            .await
            .0,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_user_leaves_other_instances() {
    let mut servers = Server::start_federated(2);
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    let (leaver_id, leaver) = a.create_user(&a_admin, "leaver", 2).await;
    follow(&a, &b, &b_admin, "leaver_channel").await;
    let video = a
        .publish(&leaver, "short.mp4", &[("name", "Leaving soon".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    reaches(&a, &b).await;
    let remote_actors = |name: &str| {
        query_i64(
            &b,
            &format!("SELECT COUNT(*) FROM actors WHERE host IS NOT NULL AND name = '{name}'"),
        )
    };
    assert_eq!(
        (remote_actors("leaver"), remote_actors("leaver_channel")),
        (1, 1)
    );

    let res = http()
        .delete(a.api(&format!("/users/{leaver_id}")))
        .bearer_auth(&a_admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    eventually(
        15,
        "the user's actors and video leaving B",
        &[&a, &b],
        || async {
            remote_actors("leaver") == 0
                && remote_actors("leaver_channel") == 0
                && get_json(&b.api(&format!("/videos/{uuid}")), None).await.0 == 404
        },
    )
    .await;
    // Everything queued was sent (signed with the deleted actors' kept keys), nothing refused.
    eventually(10, "A's queue drained", &[&a, &b], || async {
        query_i64(&a, "SELECT COUNT(*) FROM deliveries") == 0
    })
    .await;
    assert!(
        !a.log().contains("dropping an undeliverable activity"),
        "{}",
        a.log()
    );
}

#[tokio::test]
async fn kept_remote_pictures_nothing_names_are_pruned() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("remote-pictures");
    std::fs::create_dir_all(dir.join("actors")).unwrap();
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let write = |name: &str, old: bool| {
        let path = dir.join(name);
        std::fs::write(&path, b"\xFF\xD8\xFF").unwrap();
        if old {
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(hour_ago).unwrap();
        }
        path
    };
    let orphans = [
        write(
            "0c954a1b-79ed-43ef-b314-9c1057546d76-0123456789abcdef.jpg",
            true,
        ),
        write("actors/0123456789abcdef.jpg", true),
    ];
    // Younger than the grace period: its row may still be committing.
    let young = write("actors/fedcba9876543210.jpg", false);
    let server = Server::start_in(temp.path(), Options::default());
    eventually(10, "the orphans pruned", &[&server], || async {
        orphans.iter().all(|p| !p.exists())
    })
    .await;
    assert!(young.exists());
}
