//! A real browser plays an uploaded video: headless Debian chromium, driven by npm
//! playwright-core (tests/browser/play.js), opens the watch page and the <video> advances.
//! CI installs both (.ci/run); elsewhere the test says what is missing and does not run, and
//! under CI a missing tool is a failure.

mod common;

use std::path::Path;
use std::process::Command;

use common::Server;
use serde_json::Value;

fn tools_missing() -> Option<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !Path::new("/usr/bin/chromium").exists() {
        return Some("chromium is not installed (apt-get install chromium)".into());
    }
    if !dir.join("node_modules/playwright-core").exists() {
        return Some("playwright-core is not installed (npm ci --prefix tests/browser)".into());
    }
    None
}

#[tokio::test]
async fn an_uploaded_video_plays_in_chromium() {
    if let Some(missing) = tools_missing() {
        assert!(
            std::env::var("CI").is_err(),
            "browser test cannot run in CI: {missing}"
        );
        eprintln!("skipping the browser test: {missing}");
        return;
    }
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(
            &admin,
            "long.mp4",
            &[("name", "Plays in a browser".to_string())],
        )
        .await;
    assert_eq!(video["state"]["id"], 1);
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let screenshot = std::env::temp_dir().join(format!("kinora-watch-{uuid}.png"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/play.js");
    let url = format!("{}/videos/watch/{uuid}", server.url);
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(url)
            .arg(&screenshot)
            .output()
            .expect("run node")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "play.js failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state: Value = serde_json::from_str(stdout.trim()).expect("play.js prints JSON");
    assert!(state["error"].is_null(), "{state}");
    assert!(
        state["time"].as_f64().unwrap() > state["start"].as_f64().unwrap() + 0.5,
        "currentTime advances: {state}"
    );
    assert_eq!(
        (state["width"].as_u64(), state["height"].as_u64()),
        (Some(160), Some(90)),
        "{state}"
    );
}

/// The whole web interface in Chromium (tests/browser/e2e.js): sign-up and login, upload
/// through the upload page to 100% and "published" with an uploaded thumbnail that becomes the
/// watch page's poster, playback with a quality switch between the remuxed original (90p) and
/// the AV1 rung (48p), like, comment and reply, another thumbnail from the edit page, the home
/// page's local/all choice, search, the embed page, an upload paused, resumed and continued
/// after a reload (the kept original is the fixture byte for byte), an axe-core audit of the
/// main pages with no serious or critical violation, and an administrator blocking the user,
/// who then cannot log in.
#[tokio::test]
async fn the_web_interface_works_end_to_end_in_chromium() {
    if let Some(missing) = tools_missing() {
        assert!(
            std::env::var("CI").is_err(),
            "browser test cannot run in CI: {missing}"
        );
        eprintln!("skipping the browser test: {missing}");
        return;
    }
    let server = Server::start_with(common::Options {
        args: vec![
            "--registration",
            "open",
            "--set",
            "transcoding.resolutions=48",
            // Small pieces, so the upload can be paused and reloaded halfway.
            "--set",
            "upload.chunk_size=16KiB",
        ],
        ..Default::default()
    });
    let password = server.admin_password.clone().expect("admin password");
    let shots = tempfile::tempdir().unwrap().keep();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/e2e.js");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/media/long.mp4");
    let url = server.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(url)
            .arg(password)
            .arg(fixture)
            .arg(&shots)
            .output()
            .expect("run node")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(stdout.trim().lines().last().unwrap_or("{}"))
        .unwrap_or_else(|_| {
            panic!(
                "e2e.js printed no report: {stdout} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    assert_eq!(
        report["ok"],
        true,
        "the browser run failed at {} (screenshot {}): {}\nserver log:\n{}",
        report["failed"],
        report["screenshot"],
        report["error"],
        server.log()
    );
    eprintln!("{report}");
}
