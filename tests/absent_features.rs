//! What Kinora does not have but PeerTube's clients ask for answers empty, not with errors.

mod common;

use common::{Server, http};
use serde_json::{Value, json};

/// What Kinora does not have but clients ask of every video or channel (NewPipe: storyboards
/// for each video, a playlists tab on each channel, a playlist search) is an empty answer,
/// not an error; an unknown video or channel is still a 404.
#[tokio::test]
async fn storyboards_and_playlists_are_empty_not_errors() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "No extras".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap();
    let empty = json!({ "total": 0, "data": [] });
    for (path, expected) in [
        (
            format!("/videos/{uuid}/storyboards"),
            json!({ "storyboards": [] }),
        ),
        (
            "/video-channels/root_channel/video-playlists".into(),
            empty.clone(),
        ),
        ("/accounts/root/video-playlists".into(), empty.clone()),
        (
            "/search/video-playlists?search=clip&start=0&count=12".into(),
            empty.clone(),
        ),
        ("/video-playlists".into(), empty.clone()),
    ] {
        let res = http().get(server.api(&path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.json::<Value>().await.unwrap(), expected, "{path}");
    }
    for path in [
        "/videos/00000000-0000-4000-8000-000000000000/storyboards",
        "/video-channels/nobody_channel/video-playlists",
        "/accounts/nobody/video-playlists",
    ] {
        let res = http().get(server.api(path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
}
