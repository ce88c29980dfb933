//! Real browsers against a real Kinora: the whole web interface in headless Debian chromium,
//! driven by npm playwright-core (tests/browser/e2e.js), and every rendition of a ladder played
//! in Debian's firefox-esr and in chromium, driven by npm puppeteer-core
//! (tests/browser/ladder.js). CI installs them all (.ci/run); elsewhere a test says what is
//! missing and does not run, and under CI a missing tool is a failure.

mod common;

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Output};

use common::Server;
use serde_json::Value;

fn tools_missing() -> Option<String> {
    missing("/usr/bin/chromium", "chromium", "playwright-core")
}

/// What keeps a test from running: the browser at `executable` (a Debian package) or the npm
/// `driver` under tests/browser.
fn missing(executable: &str, package: &str, driver: &str) -> Option<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !Path::new(executable).exists() {
        return Some(format!(
            "{package} is not installed (apt-get install {package})"
        ));
    }
    if !dir.join("node_modules").join(driver).exists() {
        return Some(format!(
            "{driver} is not installed (npm ci --prefix tests/browser)"
        ));
    }
    None
}

/// Skips (outside CI) or fails (under CI) when a tool is missing; true when the test may run.
fn may_run(missing: Option<String>) -> bool {
    let Some(missing) = missing else {
        return true;
    };
    assert!(
        std::env::var("CI").is_err(),
        "browser test cannot run in CI: {missing}"
    );
    eprintln!("skipping the browser test: {missing}");
    false
}

/// Runs `node tests/browser/SCRIPT ARGS...` on a blocking thread (the server under test keeps
/// serving on the runtime meanwhile).
async fn node(script: &str, args: Vec<OsString>) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser")
        .join(script);
    tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .args(args)
            .output()
            .expect("run node")
    })
    .await
    .unwrap()
}

/// The whole web interface in Chromium (tests/browser/e2e.js): sign-up and login (with the
/// `Authorization` call a sign-in web view such as Grayjay's waits for), upload
/// through the upload page to 100% and "published" with an uploaded thumbnail that becomes the
/// watch page's poster, playback with a quality switch between the remuxed original (90p) and
/// the AV1 rung (48p), like, comment and reply, another thumbnail from the edit page, the home
/// page's local/all choice, search, the embed page, an upload paused, resumed and continued
/// after a reload (the kept original is the fixture byte for byte), an axe-core audit of the
/// main pages with no serious or critical violation, and an administrator blocking the user,
/// who then cannot log in.
#[tokio::test]
async fn the_web_interface_works_end_to_end_in_chromium() {
    if !may_run(tools_missing()) {
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
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/media/long.mp4");
    let args = vec![
        server.url.clone().into(),
        password.into(),
        fixture.into(),
        shots.into(),
    ];
    let out = node("e2e.js", args).await;
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

/// Every rendition of a default ladder plays in Firefox through the watch page's player
/// (hls.js), switched from its quality menu: the remuxed H.264/AAC original and each AV1/Opus
/// rung, with the picture at the rung's size, time advancing, frames and audio decoded, and no
/// uncaught script error on the page.
#[tokio::test]
async fn every_rendition_plays_in_firefox() {
    every_rendition_plays_in("firefox", "/usr/bin/firefox-esr", "firefox-esr").await;
}

/// The same check in Chromium, so both engines are held to the same ladder.
#[tokio::test]
async fn every_rendition_plays_in_chromium() {
    every_rendition_plays_in("chromium", "/usr/bin/chromium", "chromium").await;
}

async fn every_rendition_plays_in(engine: &'static str, executable: &str, package: &str) {
    if !may_run(missing(executable, package, "puppeteer-core")) {
        return;
    }
    let server = Server::start_with(common::Options {
        args: vec!["--set", "transcoding.resolutions=48,72"],
        ..Default::default()
    });
    let admin = server.admin_token().await;
    let video = server
        .publish(
            &admin,
            "long.mp4",
            &[("name", format!("Plays in {engine}"))],
        )
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let video = server
        .wait_for(&admin, &uuid, "given its AV1 rungs", |v| {
            common::resolutions(v).len() == 3
        })
        .await;
    assert_eq!(video["state"]["id"], 1, "{video}");
    let url = format!("{}/videos/watch/{uuid}", server.url);
    let out = node("ladder.js", vec![engine.into(), url.into()]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ladder.js failed in {engine}: {stdout} {}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
    let report: Value = serde_json::from_str(stdout.trim()).expect("ladder.js prints JSON");
    eprintln!("{report}");
    assert_eq!(report["pageErrors"], serde_json::json!([]), "{report}");
    let renditions = report["renditions"].as_array().unwrap();
    let heights: Vec<u64> = renditions
        .iter()
        .map(|r| r["height"].as_u64().unwrap())
        .collect();
    assert_eq!(heights, [48, 72, 90], "hls.js lists by bitrate: {report}");
    for (index, r) in renditions.iter().enumerate() {
        let (video_codec, audio_codec) = if r["height"] == 90 {
            ("avc1.", "mp4a.40.2")
        } else {
            ("av01.0.", "opus")
        };
        assert!(
            r["videoCodec"].as_str().unwrap().starts_with(video_codec),
            "{r}"
        );
        assert_eq!(r["audioCodec"], audio_codec, "{r}");
        assert_eq!(r["playing"], index, "hls.js switched to the rendition: {r}");
        assert_eq!(r["shownHeight"], r["height"], "{r}");
        assert!(r["advanced"].as_f64().unwrap() > 0.5, "time advances: {r}");
        assert!(r["frames"].as_u64().unwrap() > 5, "frames decoded: {r}");
        assert_eq!(r["audio"], true, "audio decoded: {r}");
        assert!(r["error"].is_null(), "{r}");
    }
}
