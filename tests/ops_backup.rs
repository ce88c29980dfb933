//! `kinora backup` and `kinora restore` against the real binary: a backup taken while users and
//! avatars are being written restores to an instance that serves the same users, channels and
//! image bytes; damaged or altered backups and non-empty targets are refused.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use common::{Options, Server, http, pick_image, png, run_cli};
use serde_json::Value;

async fn upload_avatar(server: &Server, token: &str, seed: u8) {
    let picked = png(160, 160, seed);
    let res = pick_image(server, token, "/users/me/avatar/pick", "avatarfile", picked).await;
    assert_eq!(res.status(), 200, "{}", server.log());
}

/// A user with an avatar on the account and, for even seeds, on the default channel too.
async fn user_with_avatar(server: &Server, admin: &str, name: &str, seed: u8) {
    let (_, token) = server.create_user(admin, name, 2).await;
    upload_avatar(server, &token, seed).await;
}

/// Public JSON of an account or channel, with the server's own origin replaced so two instances
/// on different ports compare equal.
async fn public_json(server: &Server, path: &str) -> Value {
    let res = http().get(server.api(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let host = server.url.trim_start_matches("http://");
    let text = res
        .text()
        .await
        .unwrap()
        .replace(&server.url, "ORIGIN")
        .replace(host, "HOST");
    serde_json::from_str(&text).unwrap()
}

/// The usernames on the first page of `GET /users` (15 by default: tests stay below that).
async fn usernames(server: &Server, admin: &str) -> Vec<String> {
    let body: Value = http()
        .get(server.api("/users"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["total"].as_i64().unwrap_or(99) <= 15, "{body}");
    let mut names: Vec<String> = body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

async fn bytes(server: &Server, path: &str) -> Vec<u8> {
    let res = http()
        .get(format!("{}{path}", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.bytes().await.unwrap().to_vec()
}

fn backup(data_dir: &Path, out: &Path) -> (bool, String, String) {
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
}

fn restore(backup: &Path, data_dir: &Path, force: bool) -> (bool, String, String) {
    let mut args = vec![
        "--data-dir",
        data_dir.to_str().unwrap(),
        "restore",
        backup.to_str().unwrap(),
    ];
    if force {
        args.push("--force");
    }
    run_cli(&args, None, &[])
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
async fn backup_while_writing_restores_same_users_channels_and_files() {
    let server = Server::start();
    let admin = server.admin_token().await;
    for (i, name) in ["alice", "bob", "carol"].iter().enumerate() {
        user_with_avatar(&server, &admin, name, i as u8 * 40).await;
    }
    let before = usernames(&server, &admin).await;

    // Keep creating users with avatars while three backups are taken one after the other.
    let done = AtomicBool::new(false);
    let writer = async {
        let mut i = 0u32;
        while !done.load(Ordering::SeqCst) && i < 10 {
            user_with_avatar(&server, &admin, &format!("w{i}"), i as u8).await;
            i += 1;
        }
        i
    };
    let out_root = tempfile::tempdir().unwrap();
    let outs: Vec<PathBuf> = (0..3)
        .map(|i| out_root.path().join(format!("backup-{i}")))
        .collect();
    let backups = async {
        let mut results = Vec::new();
        for (i, out) in outs.iter().enumerate() {
            // Each backup starts once one more concurrent write has landed.
            while usernames(&server, &admin).await.len() < before.len() + 1 + i {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            let (data_dir, out) = (server.data_dir.clone(), out.clone());
            let started = std::time::Instant::now();
            let result = tokio::task::spawn_blocking(move || backup(&data_dir, &out))
                .await
                .unwrap();
            eprintln!("backup {i}: {:?} {}", started.elapsed(), result.1.trim());
            results.push(result);
        }
        done.store(true, Ordering::SeqCst);
        results
    };
    let (written, results) = tokio::join!(writer, backups);
    for (ok, stdout, stderr) in &results {
        assert!(ok, "backup failed: {stderr}");
        assert!(stdout.contains("backup written to"), "{stdout}");
    }
    assert!(written >= 3, "the writer created {written} users");
    for out in &outs {
        check_restore(&server, &admin, &before, out).await;
    }
}

/// Restores `out` into a new directory, serves it, and compares it with the running original.
async fn check_restore(server: &Server, admin: &str, before: &[String], out: &Path) {
    let admin_password = server.admin_password.clone().unwrap();
    // The manifest lists the database and the avatars, and nothing transient.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let paths: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"kinora.sqlite3"), "{paths:?}");
    assert!(paths.iter().any(|p| p.starts_with("avatars/")), "{paths:?}");
    assert!(
        !paths
            .iter()
            .any(|p| p.ends_with("-wal") || p.ends_with("-shm")),
        "{paths:?}"
    );
    assert!(
        manifest["kinora_version"]
            .as_str()
            .unwrap()
            .starts_with(env!("CARGO_PKG_VERSION"))
    );

    // Restore into a new directory and serve it.
    let target_root = tempfile::tempdir().unwrap();
    let target = target_root.path().join("restored");
    let (ok, stdout, stderr) = restore(out, &target, false);
    assert!(ok, "restore failed: {stderr}");
    assert!(stdout.contains("restored"), "{stdout}");
    let restored = Server::start_in(&target, Options::default());
    assert!(
        restored.admin_password.is_none(),
        "root comes from the backup"
    );
    let restored_admin = restored.token("root", &admin_password).await;

    let restored_names = usernames(&restored, &restored_admin).await;
    let original_names = usernames(server, admin).await;
    for name in before {
        assert!(
            restored_names.contains(name),
            "{name} lost: {restored_names:?}"
        );
    }
    for name in &restored_names {
        assert!(original_names.contains(name), "{name} invented");
    }
    assert!(
        restored_names.len() > before.len(),
        "the backup saw none of the concurrent writes"
    );

    // Users created before the backups: identical public JSON for account and channel.
    for name in before {
        for path in [
            format!("/accounts/{name}"),
            format!("/video-channels/{name}_channel"),
        ] {
            assert_eq!(
                public_json(server, &path).await,
                public_json(&restored, &path).await,
                "{path}"
            );
        }
    }
    // Every avatar the restored database names is served, byte for byte the original's.
    let mut checked = 0;
    for name in &restored_names {
        let account = public_json(&restored, &format!("/accounts/{name}")).await;
        for avatar in account["avatars"].as_array().unwrap() {
            let path = avatar["path"].as_str().unwrap();
            assert_eq!(
                bytes(&restored, path).await,
                bytes(server, path).await,
                "{path}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 9, "only {checked} avatars compared");
    // And on disk: every restored file but the database equals the original.
    for rel in tree(&target) {
        let name = rel.to_string_lossy();
        if name.starts_with("kinora.sqlite3") || name == "test-server.log" {
            continue;
        }
        assert_eq!(
            std::fs::read(target.join(&rel)).unwrap(),
            std::fs::read(server.data_dir.join(&rel)).unwrap(),
            "{name}"
        );
    }
}

/// A small backup of an instance with one avatar, and the instance (still running).
async fn small_backup() -> (Server, tempfile::TempDir, PathBuf) {
    let server = Server::start();
    let admin = server.admin_token().await;
    user_with_avatar(&server, &admin, "dora", 7).await;
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("b");
    let (ok, _, stderr) = backup(&server.data_dir, &out);
    assert!(ok, "{stderr}");
    (server, root, out)
}

fn copy_dir(from: &Path, to: &Path) {
    for rel in tree(from) {
        let dest = to.join(&rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&rel), dest).unwrap();
    }
}

fn assert_refused(backup: &Path, expect: &str) {
    let target = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = restore(backup, target.path(), false);
    assert!(!ok, "restore of an altered backup succeeded");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(expect),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        tree(target.path()).is_empty(),
        "restore wrote files: {:?}",
        tree(target.path())
    );
}

#[tokio::test]
async fn altered_backups_are_refused_without_writing() {
    let (_server, root, out) = small_backup().await;
    let avatar = tree(&out.join("data"))
        .into_iter()
        .find(|p| p.starts_with("avatars"))
        .unwrap();

    // One flipped byte in an avatar.
    let case = root.path().join("flipped");
    copy_dir(&out, &case);
    let file = case.join("data").join(&avatar);
    let mut content = std::fs::read(&file).unwrap();
    let middle = content.len() / 2;
    content[middle] ^= 0xff;
    std::fs::write(&file, content).unwrap();
    assert_refused(&case, &avatar.file_name().unwrap().to_string_lossy());

    // A damaged database.
    let case = root.path().join("db");
    copy_dir(&out, &case);
    let db = case.join("data/kinora.sqlite3");
    let mut content = std::fs::read(&db).unwrap();
    content[200] ^= 0x01;
    std::fs::write(&db, content).unwrap();
    assert_refused(&case, "kinora.sqlite3");

    // A checksum changed in the manifest.
    let case = root.path().join("manifest");
    copy_dir(&out, &case);
    let text = std::fs::read_to_string(case.join("manifest.json")).unwrap();
    let mut manifest: Value = serde_json::from_str(&text).unwrap();
    let entry = manifest["files"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["path"].as_str().unwrap().starts_with("avatars/"))
        .unwrap();
    entry["sha256"] = Value::String("0".repeat(64));
    std::fs::write(case.join("manifest.json"), manifest.to_string()).unwrap();
    assert_refused(&case, "does not match the manifest");

    // A path escaping the target.
    let case = root.path().join("escape");
    copy_dir(&out, &case);
    let mut manifest: Value = serde_json::from_str(&text).unwrap();
    manifest["files"][0]["path"] = Value::String("../../etc/evil".into());
    std::fs::write(case.join("manifest.json"), manifest.to_string()).unwrap();
    assert_refused(&case, "unsafe path");

    // A file slipped in, and a file removed.
    let case = root.path().join("extra");
    copy_dir(&out, &case);
    std::fs::write(case.join("data/avatars/extra.jpg"), b"x").unwrap();
    assert_refused(&case, "extra.jpg");
    let case = root.path().join("missing");
    copy_dir(&out, &case);
    std::fs::remove_file(case.join("data").join(&avatar)).unwrap();
    assert_refused(&case, "missing");

    // A symbolic link in place of a file.
    let case = root.path().join("symlink");
    copy_dir(&out, &case);
    let link = case.join("data").join(&avatar);
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
    assert_refused(&case, "is not a regular file");

    // Not JSON at all, and no manifest.
    let case = root.path().join("garbage");
    copy_dir(&out, &case);
    std::fs::write(case.join("manifest.json"), b"{ not json").unwrap();
    assert_refused(&case, "manifest");
    assert_refused(&root.path().join("nothing-here"), "manifest");
}

#[tokio::test]
async fn non_empty_targets_need_force_and_a_stopped_server() {
    let (mut server, root, out) = small_backup().await;

    // Backing up over an existing backup, or into the data directory, is refused.
    let (ok, _, stderr) = backup(&server.data_dir, &out);
    assert!(!ok && stderr.contains("already exists"), "{stderr}");
    let inside = server.data_dir.join("backups/b");
    let (ok, _, stderr) = backup(&server.data_dir, &inside);
    assert!(
        !ok && stderr.contains("inside the data directory"),
        "{stderr}"
    );

    let target = root.path().join("target");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("keep.txt"), b"mine").unwrap();
    let (ok, _, stderr) = restore(&out, &target, false);
    assert!(!ok && stderr.contains("--force"), "{stderr}");
    assert_eq!(tree(&target), vec![PathBuf::from("keep.txt")]);

    // A running server's directory is refused even with --force.
    let (ok, _, stderr) = restore(&out, &server.data_dir, true);
    assert!(!ok && stderr.contains("in use"), "{stderr}");
    assert!(server.stop().success());

    // A stopped instance (no WAL index to share) backs up too.
    let cold = root.path().join("cold");
    let (ok, _, stderr) = backup(&server.data_dir, &cold);
    assert!(ok, "{stderr}");
    let cold_target = root.path().join("cold-restored");
    let (ok, _, stderr) = restore(&cold, &cold_target, false);
    assert!(ok, "{stderr}");
    let cold_server = Server::start_in(&cold_target, Options::default());
    let account = public_json(&cold_server, "/accounts/dora").await;
    assert_eq!(account["avatars"].as_array().unwrap().len(), 3);
    drop(cold_server);

    // Stopped: --force replaces the database and leaves other files alone.
    let mut other = Server::start();
    // Answering a request proves the SIGTERM handler is installed.
    other.admin_token().await;
    let other_dir = other.data_dir.clone();
    let status = other.stop();
    assert!(status.success(), "{status:?} {}", other.log());
    let (ok, _, stderr) = restore(&out, &other_dir, true);
    assert!(ok, "{stderr}");
    let restored = Server::start_in(&other_dir, Options::default());
    let account = public_json(&restored, "/accounts/dora").await;
    assert_eq!(account["avatars"].as_array().unwrap().len(), 3);
    let (ok, _, stderr) = restore(&out, &target, true);
    assert!(ok, "{stderr}");
    assert!(target.join("keep.txt").exists() && target.join("kinora.sqlite3").exists());
}
