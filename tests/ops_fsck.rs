//! `kinora admin fsck [--repair]` on a real data directory: a processed video, then orphans of
//! every kind planted beside it and one rendition removed. fsck reports each; `--repair` is
//! refused while the server runs, then removes the orphans (never the video's own files) and
//! leaves the missing rendition reported until it is put back.

mod common;

use common::{Options, Server, run_cli};

fn fsck(data: &str, repair: bool) -> (bool, String, String) {
    let mut args = vec!["--data-dir", data, "admin", "fsck"];
    if repair {
        args.push("--repair");
    }
    run_cli(&args, None, &[])
}

#[tokio::test]
async fn fsck_reports_missing_and_orphaned_files_and_repairs_orphans() {
    let mut server = Server::start_with(Options {
        args: vec!["--set", "transcoding.enabled=false"],
        ..Default::default()
    });
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "h264_aac.mp4", &[("name", "clip".to_string())])
        .await;
    assert_eq!(video["state"]["id"], 1, "{video}");
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let dir = server.data_dir.clone();
    let data = dir.to_str().unwrap().to_string();

    let (ok, stdout, stderr) = fsck(&data, false);
    assert!(ok, "a fresh instance is clean: {stdout} {stderr}");
    assert!(stdout.contains("checked 1 local video(s)"), "{stdout}");
    let (ok, _, stderr) = fsck(&data, true);
    assert!(!ok);
    assert!(stderr.contains("needs the server stopped"), "{stderr}");
    assert!(server.stop().success());

    // Orphans of every kind, and one rendition gone.
    let hls = dir.join("streaming-playlists/hls");
    let plant = |rel: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"x").unwrap();
    };
    let ghost = "0b0c6f6e-6a5d-4c1e-9b55-2f6f0c1a2b3c";
    for rel in [
        format!("originals/{ghost}.mp4"),
        format!("streaming-playlists/hls/{ghost}/master.m3u8"),
        format!("streaming-playlists/hls/{uuid}.work-999/720.m3u8"),
        format!("torrents/{ghost}-720.torrent"),
        "thumbnails/orphan.jpg".to_string(),
        "previews/orphan.jpg".to_string(),
        "avatars/orphan.webp".to_string(),
        "uploads/no-session.part".to_string(),
        "avatars/.x.webp.tmp-4242".to_string(),
        ".kinora-restore-77/kinora.sqlite3".to_string(),
    ] {
        plant(&rel);
    }
    let rendition = std::fs::read_dir(hls.join(&uuid))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-fragmented.mp4"))
        .expect("a rendition");
    let saved = std::fs::read(&rendition).unwrap();
    std::fs::remove_file(&rendition).unwrap();

    let (ok, stdout, stderr) = fsck(&data, false);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("problem(s) remain"), "{stderr}");
    for (kind, path) in [
        ("missing  hls", format!("streaming-playlists/hls/{uuid}/")),
        ("orphan   original", format!("originals/{ghost}.mp4")),
        ("orphan   hls", format!("streaming-playlists/hls/{ghost}")),
        (
            "orphan   work-dir",
            format!("streaming-playlists/hls/{uuid}.work-999"),
        ),
        ("orphan   torrent", format!("torrents/{ghost}-720.torrent")),
        ("orphan   thumbnail", "thumbnails/orphan.jpg".into()),
        ("orphan   preview", "previews/orphan.jpg".into()),
        ("orphan   avatar", "avatars/orphan.webp".into()),
        ("orphan   upload", "uploads/no-session.part".into()),
        ("orphan   temporary", "avatars/.x.webp.tmp-4242".into()),
        ("orphan   temporary", ".kinora-restore-77".into()),
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(kind) && l.contains(&path)),
            "{kind} {path} not reported:\n{stdout}"
        );
    }
    assert!(stdout.contains("1 missing, 10 orphaned"), "{stdout}");

    let (ok, stdout, _) = fsck(&data, true);
    assert!(!ok, "the missing rendition remains: {stdout}");
    assert!(stdout.contains("10 repaired"), "{stdout}");
    assert!(!dir.join(format!("originals/{ghost}.mp4")).exists());
    assert!(!hls.join(ghost).exists());
    assert!(!hls.join(format!("{uuid}.work-999")).exists());
    assert!(!dir.join(".kinora-restore-77").exists());
    assert!(!dir.join("uploads/no-session.part").exists());
    // The video's own files are untouched.
    assert!(hls.join(&uuid).join("master.m3u8").exists());
    let originals: Vec<_> = std::fs::read_dir(dir.join("originals")).unwrap().collect();
    assert_eq!(originals.len(), 1);

    std::fs::write(&rendition, saved).unwrap();
    let (ok, stdout, stderr) = fsck(&data, false);
    assert!(ok, "{stdout} {stderr}");
    assert!(stdout.contains("0 missing, 0 orphaned"), "{stdout}");
}
