//! `kinora backup` with videos: a backup taken while comments are being posted and a second
//! video is uploaded and processed restores to an instance that serves the same video JSON,
//! comments and HLS bytes.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Options, Server, http, run_cli};
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/media/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn get_json(server: &Server, token: &str, path: &str) -> Value {
    let res = http()
        .get(server.api(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let host = server.url.trim_start_matches("http://");
    // Magnet links carry the origin percent-encoded.
    let encoded = server.url.replace(':', "%3A").replace('/', "%2F");
    let text = res
        .text()
        .await
        .unwrap()
        .replace(&encoded, "ORIGIN")
        .replace(&server.url, "ORIGIN")
        .replace(host, "HOST");
    serde_json::from_str(&text).unwrap()
}

async fn upload(server: &Server, token: &str, name: &str) -> String {
    let me = get_json(server, token, "/users/me").await;
    let channel = me["videoChannels"][0]["id"].to_string();
    let form = reqwest::multipart::Form::new()
        .part(
            "videofile",
            reqwest::multipart::Part::bytes(fixture("h264_aac.mp4"))
                .file_name("clip.mp4")
                .mime_str("video/mp4")
                .unwrap(),
        )
        .text("name", name.to_string())
        .text("channelId", channel)
        .text("privacy", "1");
    let res = http()
        .post(server.api("/videos/upload"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", server.log());
    let body: Value = res.json().await.unwrap();
    body["video"]["uuid"].as_str().unwrap().to_string()
}

async fn wait_processed(server: &Server, token: &str, uuid: &str) -> Value {
    for _ in 0..300 {
        let v = get_json(server, token, &format!("/videos/{uuid}")).await;
        if v["state"]["id"] != 2 {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("video {uuid} was never processed; log:\n{}", server.log());
}

/// Every comment thread of a video, page by page.
async fn all_comments(server: &Server, token: &str, uuid: &str) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let path = format!(
            "/videos/{uuid}/comment-threads?start={}&count=100",
            out.len()
        );
        let page = get_json(server, token, &path).await;
        let data = page["data"].as_array().unwrap().clone();
        if data.is_empty() {
            return out;
        }
        out.extend(data);
    }
}

fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_while_commenting_and_uploading_restores_videos_comments_and_files() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let admin_password = server.admin_password.clone().unwrap();
    let first = upload(&server, &admin, "Before the backup").await;
    let video = wait_processed(&server, &admin, &first).await;
    assert_eq!(video["state"]["id"], 1, "{video}");

    let done = AtomicBool::new(false);
    let commenter = async {
        let mut n = 0;
        while !done.load(Ordering::SeqCst) && n < 5000 {
            let res = http()
                .post(server.api(&format!("/videos/{first}/comment-threads")))
                .bearer_auth(&admin)
                .json(&json!({ "text": format!("comment {n}") }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            n += 1;
        }
        n
    };
    let out_root = tempfile::tempdir().unwrap();
    let out = out_root.path().join("b");
    let backup_run = async {
        // Start a second upload, let some comments land, then back up while both go on.
        let second = upload(&server, &admin, "During the backup").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (data_dir, out) = (server.data_dir.clone(), out.clone());
        let result = tokio::task::spawn_blocking(move || {
            run_cli(
                &[
                    "--data-dir",
                    data_dir.to_str().unwrap(),
                    "backup",
                    out.to_str().unwrap(),
                ],
                None,
                &[],
            )
        })
        .await
        .unwrap();
        done.store(true, Ordering::SeqCst);
        (second, result)
    };
    let (comments, (second, (ok, stdout, stderr))) = tokio::join!(commenter, backup_run);
    assert!(ok, "{stderr}");
    eprintln!("{} ({comments} comments posted)", stdout.trim());
    wait_processed(&server, &admin, &second).await;

    let target_root = tempfile::tempdir().unwrap();
    let target = target_root.path().join("restored");
    let (ok, _, stderr) = run_cli(
        &[
            "--data-dir",
            target.to_str().unwrap(),
            "restore",
            out.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert!(ok, "{stderr}");
    let restored = Server::start_in(&target, Options::default());
    let token = restored.token("root", &admin_password).await;

    // The processed video: same JSON (views aside), same HLS bytes.
    let mut original = get_json(&server, &admin, &format!("/videos/{first}")).await;
    let mut copy = get_json(&restored, &token, &format!("/videos/{first}")).await;
    for v in [&mut original, &mut copy] {
        v["views"] = Value::Null;
        v["comments"] = Value::Null;
    }
    assert_eq!(original, copy);
    let mut compared = 0;
    for file in copy["streamingPlaylists"][0]["files"].as_array().unwrap() {
        for key in ["fileUrl", "playlistUrl", "torrentUrl"] {
            let Some(url) = file[key].as_str() else {
                continue;
            };
            let path = url.trim_start_matches("ORIGIN");
            let a = http()
                .get(format!("{}{path}", server.url))
                .send()
                .await
                .unwrap();
            let b = http()
                .get(format!("{}{path}", restored.url))
                .send()
                .await
                .unwrap();
            assert_eq!(a.status(), 200, "{path}");
            assert_eq!(b.status(), 200, "{path}");
            assert_eq!(a.bytes().await.unwrap(), b.bytes().await.unwrap(), "{path}");
            compared += 1;
        }
    }
    assert!(compared >= 2, "only {compared} files compared: {copy}");

    // Comments: a subset of what was posted, identical where present.
    let original_comments = all_comments(&server, &admin, &first).await;
    let restored_comments = all_comments(&restored, &token, &first).await;
    assert!(!restored_comments.is_empty() && restored_comments.len() <= original_comments.len());
    for comment in &restored_comments {
        let same = original_comments
            .iter()
            .find(|c| c["id"] == comment["id"])
            .unwrap_or_else(|| panic!("invented comment {comment}"));
        assert_eq!(same, comment);
    }
    eprintln!(
        "{} of {} comments in the backup",
        restored_comments.len(),
        original_comments.len()
    );

    // Every file of the first video equals the original's on disk. (The second video's job
    // may run again in the restored instance, so its files are not compared.)
    let mut files = 0;
    for rel in tree(&target) {
        let name = rel.to_string_lossy();
        if !name.contains(first.as_str()) {
            continue;
        }
        assert_eq!(
            std::fs::read(target.join(&rel)).unwrap(),
            std::fs::read(server.data_dir.join(&rel)).unwrap(),
            "{name}"
        );
        files += 1;
    }
    assert!(files >= 3, "only {files} files of the video on disk");
}
