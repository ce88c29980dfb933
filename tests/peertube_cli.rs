//! peertube-cli (npm `@peertube/peertube-cli`, PeerTube's own command-line client) against a
//! Kinora instance: it registers the instance with a password, uploads a video with its
//! metadata through the legacy upload, and waits, as it does with PeerTube, until the first
//! file of the video has a torrent (`files[0].torrentUrl`). CI installs it with the browser
//! test's packages (`npm ci --prefix tests/browser`); elsewhere a missing package skips the test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::fed::get_json;
use common::{Options, Server, http};
use serde_json::Value;

fn cli() -> Option<PathBuf> {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/@peertube/peertube-cli/dist/peertube.js");
    if bin.exists() {
        return Some(bin);
    }
    assert!(
        std::env::var("CI").is_err(),
        "peertube-cli is not installed (npm ci --prefix tests/browser)"
    );
    eprintln!("skipping: peertube-cli is not installed (npm ci --prefix tests/browser)");
    None
}

/// Runs peertube-cli with `args` and its settings under `home`; (success, stdout, stderr).
fn run(cli: &Path, home: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new("node")
        .arg(cli)
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .output()
        .expect("run node");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn peertube_cli_uploads_a_video_with_its_metadata() {
    let Some(cli) = cli() else { return };
    let server = Server::start_with(Options {
        args: vec!["--set", "transcoding.enabled=false"],
        ..Default::default()
    });
    let password = server.admin_password.clone().unwrap();
    let home = tempfile::tempdir().unwrap();
    let (ok, out, err) = run(
        &cli,
        home.path(),
        &[
            "auth",
            "add",
            "-u",
            &server.url,
            "-U",
            "root",
            "--password",
            &password,
        ],
    );
    assert!(ok, "auth add: {out} {err}");

    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/media/h264_aac.mp4");
    let (ok, out, err) = run(
        &cli,
        home.path(),
        &[
            "up",
            "-f",
            file.to_str().unwrap(),
            "-n",
            "Harbour from the command line",
            "-c",
            "1",
            "-l",
            "2",
            "-L",
            "en",
            "-t",
            "boats,harbour",
            "-d",
            "Uploaded with *peertube-cli*",
            "-P",
            "2",
            "-C",
            "root_channel",
        ],
    );
    // It reports failures on standard output or error but can still exit 0 (a TypeError in
    // its wait for the torrent did): success is its own sentence and a clean error stream.
    assert!(
        ok && out.contains("Video Harbour from the command line uploaded.") && err.is_empty(),
        "upload: {out} {err}"
    );

    let admin = server.admin_token().await;
    let (_, mine) = get_json(&server.api("/users/me/videos"), Some(&admin)).await;
    assert_eq!(mine["total"], 1, "{mine}");
    let uuid = mine["data"][0]["uuid"].as_str().unwrap();
    let (_, video) = get_json(&server.api(&format!("/videos/{uuid}")), Some(&admin)).await;
    assert_eq!(video["name"], "Harbour from the command line");
    assert_eq!(video["category"]["id"], 1);
    assert_eq!(video["licence"]["id"], 2);
    assert_eq!(video["language"]["id"], "en");
    assert_eq!(video["privacy"]["id"], 2, "unlisted");
    assert_eq!(video["tags"], serde_json::json!(["boats", "harbour"]));
    assert_eq!(video["description"], "Uploaded with *peertube-cli*");
    assert_eq!(video["channel"]["name"], "root_channel");
    assert_eq!(video["state"]["id"], 1);
    let torrent = video["files"][0]["torrentUrl"].as_str().unwrap();
    assert!(torrent.ends_with(".torrent"), "{video}");
    let res = http().get(torrent).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

/// While its first rendition is being made, the owner sees the original in `files` (as PeerTube
/// lists the uploaded file until transcoding replaces it) with no torrent yet; others see none.
#[tokio::test]
async fn the_owner_sees_the_original_as_a_file_until_a_rendition_exists() {
    let server = Server::start_with(Options {
        // The pass waits there until it is cancelled: the test looks meanwhile.
        env: vec![("KINORA_HOLD_AT", "remux:running")],
        ..Default::default()
    });
    let admin = server.admin_token().await;
    let channel = server.channel_id(&admin).await;
    let res = server
        .upload(
            &admin,
            "h264_aac.mp4",
            &[
                ("channelId", channel.to_string()),
                ("name", "Still processing".into()),
                ("privacy", "1".into()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let uuid = created["video"]["uuid"].as_str().unwrap();
    let url = server.api(&format!("/videos/{uuid}"));
    let (_, video) = get_json(&url, Some(&admin)).await;
    assert_eq!(video["state"]["id"], 2, "{video}");
    let file = &video["files"][0];
    assert_eq!(file["torrentUrl"], "", "{video}");
    assert_eq!(file["resolution"]["label"], "180p");
    assert_eq!(file["hasVideo"], true);
    assert!(
        file["fileDownloadUrl"]
            .as_str()
            .unwrap()
            .contains("/download/original-video-files/")
    );
    assert_eq!(video["streamingPlaylists"], serde_json::json!([]));
    match get_json(&url, None).await {
        (200, anonymous) => assert_eq!(anonymous["files"], serde_json::json!([]), "{anonymous}"),
        (status, _) => assert_eq!(status, 404, "not yet published"),
    }
}
