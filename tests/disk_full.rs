//! A full disk: an upload is refused with 507 Insufficient Storage in problem JSON, not a 500;
//! the administrator reads why in the log; and the space the refused upload took is given back
//! at once (a resumable session resumes where it stood). The uploads directory is a 1 MiB
//! tmpfs, so the test needs the right to mount one (root in CI); without it, it says so and
//! skips.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Options, Server, expect_problem, http};
use serde_json::json;

/// A tmpfs mounted for the test's lifetime.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

const FULL: &str = "The server has run out of disk space; please try again later.";

#[tokio::test]
async fn uploads_to_a_full_disk_are_refused_with_507_and_leave_nothing() {
    let root = tempfile::tempdir().unwrap();
    let uploads = root.path().join("uploads");
    let Some(_tmpfs) = Tmpfs::mount(&uploads, "1M") else {
        eprintln!("SKIPPED disk_full: cannot mount a tmpfs here (not root?)");
        return;
    };
    let server = Server::start_in(root.path(), Options::default());
    let admin = server.admin_token().await;
    let channel = server.channel_id(&admin).await;
    let big = vec![7u8; 2 << 20];

    let res = server
        .upload_bytes(
            &admin,
            "big.mp4",
            big.clone(),
            &[
                ("channelId", channel.to_string()),
                ("name", "Too big for the disk".into()),
            ],
        )
        .await;
    let problem = expect_problem(res, 507).await;
    assert_eq!(problem["detail"], FULL, "{problem}");
    assert_eq!(
        std::fs::read_dir(&uploads).unwrap().count(),
        0,
        "nothing left"
    );

    let meta = json!({ "name": "Also too big", "channelId": channel, "filename": "big.mp4" });
    let location = server.start_resumable(&admin, &meta, big.len()).await;
    let res = server.put_whole(&admin, &location, &big).await;
    expect_problem(res, 507).await;
    // The session is kept, at the offset before the refused chunk, and the chunk's bytes are
    // gone from the disk.
    let res = http()
        .put(&location)
        .bearer_auth(&admin)
        .header("content-range", format!("bytes */{}", big.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 308);
    assert!(res.headers().get("range").is_none(), "nothing received");
    let parts: Vec<u64> = std::fs::read_dir(&uploads)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .collect();
    assert_eq!(parts, vec![0], "the session's file, emptied");

    let log = server.log();
    assert!(
        log.contains("out of disk space: a request was refused"),
        "{log}"
    );
    assert!(!log.contains("status=500"), "{log}");
}
