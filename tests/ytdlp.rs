//! yt-dlp, the downloader PeerTube viewers reach for, pointed at a Kinora watch page as at any
//! PeerTube instance's: it must recognise the instance (`og:platform`), read the video through
//! the API as one video (not also the page's own player as a second, generic one), and download
//! the progressive file, the HLS rendition and the captions byte for byte.
//!
//! yt-dlp talks to PeerTube over HTTPS on the default port (its `peertube:HOST:ID` form has no
//! room for a port), so the instance listens on port 443 of a loopback address of its own, which
//! needs root (CI runs as root). yt-dlp comes from `tests/peer/requirements.txt`; `.ci/run` sets
//! `KINORA_REQUIRE_YTDLP`, so there a missing yt-dlp or a refused port fails instead of skipping.

mod common;
mod tls_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Options, Server};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tls_support::{TestCa, write};

/// yt-dlp from the test venv, else from PATH.
fn yt_dlp() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peer/.venv/bin/yt-dlp");
    if venv.exists() {
        return Some(venv);
    }
    Command::new("yt-dlp")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| PathBuf::from("yt-dlp"))
}

/// Skips the test (or fails it where it is required) with the reason.
fn unavailable(why: &str) {
    assert!(
        std::env::var_os("KINORA_REQUIRE_YTDLP").is_none(),
        "KINORA_REQUIRE_YTDLP is set but {why}"
    );
    eprintln!("skipped: {why}");
}

/// Runs yt-dlp on `url` with `args`; its standard output, or a panic with everything it said.
fn run(ytdlp: &Path, dir: &Path, args: &[&str], url: &str) -> String {
    let out = Command::new(ytdlp)
        .current_dir(dir)
        // Certificates are not what this test is about; the host's trust store is left alone.
        .args([
            "--no-check-certificates",
            "--no-cache-dir",
            "--fixup",
            "never",
        ])
        .args(args)
        .arg(url)
        .output()
        .expect("run yt-dlp");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "yt-dlp {args:?} {url} failed:\n{stderr}"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn yt_dlp_reads_and_downloads_a_video_as_from_peertube() {
    let Some(ytdlp) = yt_dlp() else {
        return unavailable("yt-dlp is not installed (pip install -r tests/peer/requirements.txt)");
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return unavailable("port 443 needs root");
    }

    // Publish a video with everything yt-dlp reads, on an ordinary test instance.
    let server = Server::start_with(Options {
        args: vec!["--set", "transcoding.enabled=false"],
        ..Default::default()
    });
    let admin = server.admin_token().await;
    // 250 characters or more: the list form is shortened, so yt-dlp asks `/description`.
    let description = "The harbour at dawn, filmed from the breakwater. ".repeat(8);
    let fields = [
        ("name", "Harbour at dawn".to_string()),
        ("description", description.trim_end().to_string()),
        ("tags[]", "harbour".to_string()),
        ("tags[]", "dawn".to_string()),
        ("category", "1".to_string()),
        ("licence", "2".to_string()),
        ("language", "en".to_string()),
    ];
    let video = server.publish(&admin, "h264_aac.mp4", &fields).await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let short = video["shortUUID"].as_str().unwrap().to_string();
    let vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nGulls over the harbour\n";
    let res = server.put_caption(&admin, &uuid, "en", "en.vtt", vtt).await;
    assert_eq!(res.status(), 204);

    // The same data directory served over HTTPS on port 443 of a loopback address of its own.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let host = format!(
        "127.{}.{}.{}",
        std::process::id() % 250 + 2,
        nanos % 250 + 2,
        nanos / 250 % 250 + 2
    );
    let ca = TestCa::new("yt-dlp test CA");
    let (cert_pem, key_pem) = ca.leaf(&[host.as_str()], &host);
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    write(&cert, &cert_pem);
    write(&key, &key_pem);
    let listen = format!("{host}:443");
    let public_url = format!("https://{host}");
    let server = server.restart(Options {
        args: vec![
            "--listen",
            &listen,
            "--public-url",
            &public_url,
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--redirect-listen",
            "off",
            "--set",
            "transcoding.enabled=false",
        ],
        ..Default::default()
    });
    assert_eq!(server.url, public_url);
    let hls = server
        .data_dir
        .join(format!("streaming-playlists/hls/{uuid}"));
    let rendition = std::fs::read_dir(&hls)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-fragmented.mp4"))
        .expect("a rendition on disk");
    let stored = std::fs::read(&rendition).unwrap();

    // What a user types: the watch page's short link.
    let page = format!("{public_url}/w/{short}");
    let work = tempfile::tempdir().unwrap();
    let info: Value = serde_json::from_str(&run(&ytdlp, work.path(), &["-J"], &page)).unwrap();
    assert_eq!(info["_type"], "video", "one video, not a playlist: {info}");
    assert_eq!(info["extractor"], "PeerTube");
    assert_eq!(info["id"], short.as_str());
    assert_eq!(info["title"], "Harbour at dawn");
    assert_eq!(
        info["description"],
        description.trim_end(),
        "the whole text"
    );
    assert_eq!(info["duration"], video["duration"]);
    assert_eq!(info["uploader"], "root");
    assert_eq!(
        info["channel_url"],
        format!("{public_url}/video-channels/root_channel")
    );
    assert_eq!(info["tags"], serde_json::json!(["dawn", "harbour"]));
    assert_eq!(info["categories"], serde_json::json!(["Music"]));
    assert_eq!(info["license"], "Attribution - Share Alike");
    assert_eq!(info["language"], "en");
    assert_eq!(info["timestamp"].as_i64().map(|t| t > 0), Some(true));
    let formats = info["formats"].as_array().unwrap();
    let height = video["streamingPlaylists"][0]["files"][0]["resolution"]["id"]
        .as_i64()
        .unwrap();
    let label = format!("{height}p");
    // The rendition as a file (from `files[]` and `streamingPlaylists[].files[]`) with its
    // size and frame rate, and as HLS from the master playlist.
    let file_formats: Vec<&Value> = formats
        .iter()
        .filter(|f| {
            f["format_id"]
                .as_str()
                .is_some_and(|id| id.starts_with(&label))
        })
        .collect();
    assert!(!file_formats.is_empty(), "{formats:?}");
    for f in &file_formats {
        assert_eq!(f["filesize"], stored.len(), "{f}");
        assert_eq!(f["height"], height);
        assert!(f["fps"].as_i64().is_some_and(|fps| fps > 0), "{f}");
        assert!(f["url"].as_str().unwrap().starts_with(&public_url));
    }
    let hls_format = formats
        .iter()
        .find(|f| f["protocol"] == "m3u8_native")
        .unwrap_or_else(|| panic!("an HLS format: {formats:?}"));
    assert_eq!(hls_format["height"], height);
    assert!(
        hls_format["vcodec"]
            .as_str()
            .is_some_and(|c| c.starts_with("avc1"))
    );

    // Downloads: the file and the HLS rendition (init segment and byte ranges put back
    // together) are both the stored rendition, byte for byte; the captions are ours.
    let file_id = file_formats[0]["format_id"].as_str().unwrap();
    run(
        &ytdlp,
        work.path(),
        &["-f", file_id, "-o", "file.%(ext)s", "--write-subs"],
        &page,
    );
    let file = std::fs::read(work.path().join("file.mp4")).unwrap();
    assert_eq!(sha256(&file), sha256(&stored), "the progressive download");
    assert_eq!(
        std::fs::read_to_string(work.path().join("file.en.vtt")).unwrap(),
        vtt
    );
    let hls_id = hls_format["format_id"].as_str().unwrap();
    run(
        &ytdlp,
        work.path(),
        &["-f", hls_id, "-o", "hls.%(ext)s"],
        &page,
    );
    let joined = std::fs::read(work.path().join("hls.mp4")).unwrap();
    assert_eq!(sha256(&joined), sha256(&stored), "the HLS download");
}
