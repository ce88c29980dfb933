//! The processing pipeline through the real server: instant remux, then the AV1 ladder added to
//! the master playlist, thumbnails and previews, `waitTranscoding`, the remux-only setting, and
//! recovery from a crash at each stage (no lost video, no orphaned file).

mod common;
mod media_support;

use std::path::Path;

use common::fed::get_json;
use common::web::page;
use common::{Options, Server, http, resolutions};
use serde_json::Value;

fn ladder(resolutions: &str) -> Vec<String> {
    vec![
        "--set".into(),
        format!("transcoding.resolutions={resolutions}"),
    ]
}

fn start(args: &[String], env: &[(&str, &str)]) -> Server {
    Server::start_with(Options {
        args: args.iter().map(String::as_str).collect(),
        env: env.to_vec(),
    })
}

/// A JPEG of the given size behind `path`.
async fn check_picture(server: &Server, path: &Value, size: (u32, u32)) {
    let url = format!("{}{}", server.url, path.as_str().expect("picture path"));
    let res = http().get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let bytes = res.bytes().await.unwrap();
    let img = image::load_from_memory(&bytes).expect("a JPEG");
    assert_eq!((img.width(), img.height()), size);
}

/// Every file in the data directory's media folders belongs to a known video.
fn assert_no_orphans(data: &Path, uuids: &[&str]) {
    let hls = data.join("streaming-playlists/hls");
    for entry in std::fs::read_dir(&hls).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(uuids.contains(&name.as_str()), "orphan {name} in {hls:?}");
        for f in std::fs::read_dir(entry.path()).unwrap().flatten() {
            let f = f.file_name().to_string_lossy().into_owned();
            assert!(!f.starts_with('.'), "partial file {f} left in {name}");
        }
    }
    for dir in ["originals", "uploads"] {
        for f in std::fs::read_dir(data.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let f = f.file_name().to_string_lossy().into_owned();
            assert!(
                uuids.iter().any(|u| f.starts_with(u)),
                "orphan {f} in {dir}"
            );
        }
    }
}

#[tokio::test]
async fn remux_plays_at_once_then_the_av1_ladder_joins_the_master_playlist() {
    let server = start(&ladder("48"), &[]);
    let admin = server.admin_token().await;
    let first = server
        .publish(&admin, "short.mp4", &[("name", "Ladder".into())])
        .await;
    assert_eq!(first["state"]["id"], 1, "{first}");
    let uuid = first["uuid"].as_str().unwrap().to_string();
    let video = server
        .wait_for(&admin, &uuid, "given its AV1 rung", |v| {
            resolutions(v).len() == 2
        })
        .await;
    assert_eq!(resolutions(&video), vec![72, 48]);
    let master = page(
        &http(),
        video["streamingPlaylists"][0]["playlistUrl"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert_eq!(master.matches("#EXT-X-STREAM-INF").count(), 2, "{master}");
    assert!(master.contains("av01."), "{master}");
    assert!(master.contains("avc1."), "{master}");
    for file in video["streamingPlaylists"][0]["files"].as_array().unwrap() {
        assert!(!file["torrentUrl"].as_str().unwrap().is_empty());
        let res = http()
            .get(file["fileUrl"].as_str().unwrap())
            .header("range", "bytes=4-11")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 206);
        assert_eq!(&res.bytes().await.unwrap()[..], b"ftypiso6".as_slice());
    }
    let av1 = &video["streamingPlaylists"][0]["files"][1];
    let playlist = av1["fileUrl"]
        .as_str()
        .unwrap()
        .replace("-fragmented.mp4", ".m3u8");
    assert!(page(&http(), &playlist).await.contains("#EXT-X-BYTERANGE"));
    check_picture(&server, &video["thumbnailPath"], (280, 157)).await;
    check_picture(&server, &video["previewPath"], (850, 480)).await;
    assert_eq!(video["aspectRatio"], 1.7778);
    assert_no_orphans(&server.data_dir, &[&uuid]);
}

#[tokio::test]
async fn wait_transcoding_publishes_only_with_the_whole_ladder() {
    let server = start(&ladder("48"), &[]);
    let admin = server.admin_token().await;
    let video = server
        .publish(
            &admin,
            "short.mp4",
            &[
                ("name", "Patient".into()),
                ("waitTranscoding", "true".into()),
            ],
        )
        .await;
    assert_eq!(video["state"]["id"], 1, "{video}");
    assert_eq!(
        resolutions(&video),
        vec![72, 48],
        "published before the ladder was done"
    );
    assert_eq!(video["waitTranscoding"], true);
}

#[tokio::test]
async fn remux_only_instances_publish_one_rendition_with_pictures() {
    let mut args = ladder("48");
    args.extend(["--set".into(), "transcoding.enabled=false".into()]);
    let server = start(&args, &[]);
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Remux only".into())])
        .await;
    assert_eq!(video["state"]["id"], 1);
    assert_eq!(resolutions(&video), vec![72]);
    // The pictures come from the keyframes, since nothing was decoded for the remux.
    check_picture(&server, &video["thumbnailPath"], (280, 157)).await;
    let jobs: Value = http()
        .get(server.api("/jobs/completed"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jobs["total"], 1, "only the process job ran: {jobs}");
}

/// Waits (up to a minute) until no job is queued or running.
async fn wait_jobs_done(server: &Server, admin: &str) {
    for _ in 0..600 {
        let mut left = 0;
        for state in ["active", "waiting", "delayed"] {
            let jobs: Value = http()
                .get(server.api(&format!("/jobs/{state}")))
                .bearer_auth(admin)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            left += jobs["total"].as_i64().unwrap();
        }
        if left == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("jobs never finished; log:\n{}", server.log());
}

/// Crashes the server at `point` while it processes an upload, restarts it, and checks that the
/// video ends published with its whole ladder and that nothing is left behind.
async fn survives_crash_at(point: &str) {
    let server = start(&ladder("48"), &[("KINORA_CRASH_AT", point)]);
    let admin = server.admin_token().await;
    let channel = server.channel_id(&admin).await.to_string();
    let res = server
        .upload(
            &admin,
            "short.mp4",
            &[("name", "Crashy".into()), ("channelId", channel)],
        )
        .await;
    let status = res.status();
    let created: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{created}");
    let uuid = created["video"]["uuid"].as_str().unwrap().to_string();
    let mut server = server;
    assert!(
        !server.wait_exit().success(),
        "the crash point {point} was not reached"
    );
    let args = ladder("48");
    let server = server.respawn(Options {
        args: args.iter().map(String::as_str).collect(),
        ..Options::default()
    });
    let admin = server.admin_token().await;
    let video = server
        .wait_for(&admin, &uuid, "published with its ladder", |v| {
            v["state"]["id"] == 1 && resolutions(v).len() == 2
        })
        .await;
    check_picture(&server, &video["thumbnailPath"], (280, 157)).await;
    let master = page(
        &http(),
        video["streamingPlaylists"][0]["playlistUrl"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert_eq!(master.matches("#EXT-X-STREAM-INF").count(), 2, "{master}");
    // Jobs finish their bookkeeping just after the video is updated: wait until none is left.
    wait_jobs_done(&server, &admin).await;
    assert_no_orphans(&server.data_dir, &[&uuid]);
}

#[tokio::test]
async fn a_crash_at_any_pipeline_stage_is_recovered() {
    for point in [
        "remux:ran",
        "remux:installed",
        "remux:torrents",
        "remux:recorded",
        "remux:published",
        "encode:ran",
        "encode:installed",
        "encode:recorded",
    ] {
        survives_crash_at(point).await;
    }
}

/// Audio-only uploads (with and without cover art) become a video: Opus over a still, with
/// thumbnail and preview made from that still, published like any other upload.
#[tokio::test]
async fn audio_only_uploads_are_published_over_a_still_picture() {
    let server = start(&ladder("48"), &[]);
    let admin = server.admin_token().await;
    for file in ["audio.m4a", "audio_cover.mp3"] {
        let video = server
            .publish(&admin, file, &[("name", format!("Audio {file}"))])
            .await;
        assert_eq!(video["state"]["id"], 1, "{file}: {video}");
        let files = video["streamingPlaylists"][0]["files"].as_array().unwrap();
        assert_eq!(files.len(), 1, "{file}: {video}");
        assert_eq!(files[0]["resolution"]["id"], 360, "{file}");
        assert_eq!(files[0]["hasAudio"], true, "{file}");
        assert!(video["duration"].as_i64().unwrap() > 0, "{file}");
        let master = page(
            &http(),
            video["streamingPlaylists"][0]["playlistUrl"]
                .as_str()
                .unwrap(),
        )
        .await;
        assert!(master.contains("CODECS=\"av01."), "{file}: {master}");
        assert!(master.contains("opus"), "{file}: {master}");
        check_picture(&server, &video["thumbnailPath"], (280, 157)).await;
        check_picture(&server, &video["previewPath"], (850, 480)).await;
    }
}

/// SIGTERM while a transcode runs: the job is told to stop, puts itself back in the queue, and
/// the server exits without waiting for the ladder; the next start encodes it. (The encode is
/// held at `encode:running` until cancelled, so without the cancellation the stop would hang
/// and `Server::stop` would fail.)
#[tokio::test]
async fn a_graceful_stop_cancels_a_running_transcode_and_the_next_start_finishes_it() {
    let server = start(&ladder("48"), &[("KINORA_HOLD_AT", "encode:running")]);
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Interrupted".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    wait_for_log(&server, "hold point encode:running").await;
    let mut server = server;
    assert!(server.stop().success());
    let log = server.log();
    assert!(log.contains("job stopped after cancellation"), "{log}");
    respawn_and_finish(server, &uuid).await;
}

/// Polls the server's log (up to 30 s) until it says `text`.
async fn wait_for_log(server: &Server, text: &str) {
    for _ in 0..600 {
        if server.log().contains(text) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server never logged {text:?}; log:\n{}", server.log());
}

/// Starts a new server on the stopped or killed one's data directory, without the test's
/// environment, and checks that `uuid` gets its AV1 rung, every job ends, no file is left over.
async fn respawn_and_finish(server: Server, uuid: &str) {
    let args = ladder("48");
    let server = server.respawn(Options {
        args: args.iter().map(String::as_str).collect(),
        ..Options::default()
    });
    let admin = server.admin_token().await;
    server
        .wait_for(&admin, uuid, "given its AV1 rung after the restart", |v| {
            resolutions(v).len() == 2
        })
        .await;
    wait_jobs_done(&server, &admin).await;
    assert_no_orphans(&server.data_dir, &[uuid]);
}

/// The process id of the server's media worker (`kinora media run-worker --parent PID`).
fn media_worker_of(server_pid: u32) -> Option<u32> {
    let parent = server_pid.to_string();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            let is_worker = args.contains(&b"run-worker".as_slice())
                && args
                    .windows(2)
                    .any(|w| w[0] == b"--parent" && w[1] == parent.as_bytes());
            is_worker.then_some(pid)
        })
}

/// Fields of `/proc/PID/stat` after the command name (state first), or none once the process
/// is gone; a zombie counts as gone.
fn proc_stat(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<String> = stat
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .map(str::to_string)
        .collect();
    (fields.first().map(String::as_str) != Some("Z")).then_some(fields)
}

/// A process's nice value (field 19 of `/proc/PID/stat`).
fn nice_of(pid: u32) -> i64 {
    proc_stat(pid).expect("process alive")[16].parse().unwrap()
}

/// Transcodes run in a worker process below the server's priority, and a server killed with
/// `kill -9` takes its worker with it (nothing goes on writing into the work directory of a
/// job the next start runs again).
#[tokio::test]
async fn a_killed_server_takes_its_media_worker_with_it() {
    let server = start(&ladder("48"), &[("KINORA_HOLD_AT", "worker:encode")]);
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Worked".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let mut worker = None;
    for _ in 0..600 {
        worker = media_worker_of(server.pid());
        if worker.is_some() && server.log().contains("hold point worker:encode") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let worker = worker.unwrap_or_else(|| panic!("no media worker; log:\n{}", server.log()));
    assert_eq!(nice_of(worker), (nice_of(server.pid()) + 10).min(19));

    let mut server = server;
    server.kill();
    let mut gone = false;
    for _ in 0..100 {
        if proc_stat(worker).is_none() {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(gone, "the media worker outlived its server");
    respawn_and_finish(server, &uuid).await;
}

/// A media worker that crashes (as a codec aborting would) fails its attempt, not the server:
/// the video keeps playing, and the job is tried again; here it succeeds once the next start
/// no longer crashes.
#[tokio::test]
async fn a_crashed_media_worker_is_retried_while_the_server_goes_on() {
    let server = start(&ladder("48"), &[("KINORA_CRASH_AT", "worker:encode")]);
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Crashed".into())])
        .await;
    assert_eq!(video["state"]["id"], 1, "the remux published it: {video}");
    let uuid = video["uuid"].as_str().unwrap().to_string();
    wait_for_log(&server, "the media worker stopped without an answer").await;
    let (_, delayed) = get_json(
        &server.api("/jobs/delayed?jobType=video-transcode"),
        Some(&admin),
    )
    .await;
    assert_eq!(
        delayed["total"], 1,
        "the transcode waits for another try: {delayed}"
    );
    let error = delayed["data"][0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("media worker stopped"), "{delayed}");
    // Still serving the remuxed video meanwhile.
    let (_, still) = get_json(&server.api(&format!("/videos/{uuid}")), None).await;
    assert_eq!(resolutions(&still), vec![72]);

    let mut server = server;
    assert!(server.stop().success());
    respawn_and_finish(server, &uuid).await;
}

#[tokio::test]
async fn a_transcode_over_the_worker_memory_limit_fails_with_that_reason() {
    // The remux pass of this 320x180 upload needs about 6 MB, its AV1 rung about 50.
    let mut args = ladder("144");
    args.extend(["--set".into(), "transcoding.worker_memory=24MiB".into()]);
    let server = start(&args, &[]);
    let admin = server.admin_token().await;
    let video = server
        .publish(&admin, "h264_aac.mp4", &[("name", "Heavy".into())])
        .await;
    assert_eq!(video["state"]["id"], 1, "the remux published it: {video}");
    let uuid = video["uuid"].as_str().unwrap().to_string();
    wait_for_log(&server, "a media worker ran out of its memory limit").await;
    // Failed at once, not retried like a crash: another attempt would need the same memory.
    let error = the_failed_transcode(&server, &admin).await;
    assert!(
        error
            .contains("more memory than a media worker may use (24MiB, transcoding.worker_memory)"),
        "{error}"
    );
    let (_, still) = get_json(&server.api(&format!("/videos/{uuid}")), None).await;
    assert_eq!(resolutions(&still), vec![180], "the remux keeps playing");
    assert_no_orphans(&server.data_dir, &[&uuid]);
}

/// Once the queue is idle: the error of the one failed transcoding job, failed at once (none
/// waits for a retry).
async fn the_failed_transcode(server: &Server, admin: &str) -> String {
    wait_jobs_done(server, admin).await;
    let (_, failed) = get_json(
        &server.api("/jobs/failed?jobType=video-transcode"),
        Some(admin),
    )
    .await;
    assert_eq!(failed["total"], 1, "{failed}");
    let (_, delayed) = get_json(
        &server.api("/jobs/delayed?jobType=video-transcode"),
        Some(admin),
    )
    .await;
    assert_eq!(delayed["total"], 0, "{delayed}");
    failed["data"][0]["error"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// With `transcoding.max_damaged_percent = 0`, an upload with one damaged picture plays from
/// its remux (whose pictures come from an intact keyframe), and its AV1 rung fails with the
/// reason instead of concealing the damage.
#[tokio::test]
async fn damage_over_the_allowed_share_fails_the_ladder_with_the_reason() {
    let mut args = ladder("36");
    args.extend(["--set".into(), "transcoding.max_damaged_percent=0".into()]);
    let server = start(&args, &[]);
    let admin = server.admin_token().await;
    let damaged = media_support::damaged_short(|i, _| i == 7);
    let res = server
        .upload_bytes(
            &admin,
            "damaged.mp4",
            std::fs::read(damaged.path()).unwrap(),
            &[
                ("channelId", server.channel_id(&admin).await.to_string()),
                ("name", "Damaged".into()),
            ],
        )
        .await;
    let status = res.status();
    let created: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{created}");
    let uuid = created["video"]["uuid"].as_str().unwrap().to_string();
    let video = server.wait_processed(&admin, &uuid).await;
    assert_eq!(video["state"]["id"], 1, "the remux published it: {video}");
    let error = the_failed_transcode(&server, &admin).await;
    assert!(
        error.contains("more than 0% of the 50 pictures are damaged (1 so far)"),
        "{error}"
    );
    let (_, still) = get_json(&server.api(&format!("/videos/{uuid}")), None).await;
    assert_eq!(
        resolutions(&still).len(),
        1,
        "the remux keeps playing: {still}"
    );
    assert_no_orphans(&server.data_dir, &[&uuid]);
}

#[tokio::test]
async fn an_av1_top_rung_replaces_the_remuxed_original() {
    let mut args = ladder("48");
    args.extend([
        "--set".into(),
        "transcoding.top_rung=replace_with_av1".into(),
    ]);
    let server = start(&args, &[]);
    let admin = server.admin_token().await;
    let first = server
        .publish(&admin, "short.mp4", &[("name", "Replaced".into())])
        .await;
    assert_eq!(first["state"]["id"], 1, "the remux published it: {first}");
    let uuid = first["uuid"].as_str().unwrap().to_string();
    wait_jobs_done(&server, &admin).await;
    let (_, video) = get_json(&server.api(&format!("/videos/{uuid}")), None).await;
    assert_eq!(resolutions(&video), vec![72, 48]);
    // Every rendition is AV1 now: the original's H.264 rung was replaced under its name.
    let playlist = &video["streamingPlaylists"][0];
    let master = page(&http(), playlist["playlistUrl"].as_str().unwrap()).await;
    assert_eq!(master.matches("#EXT-X-STREAM-INF").count(), 2, "{master}");
    assert_eq!(master.matches("av01.").count(), 2, "{master}");
    assert!(!master.contains("avc1."), "{master}");
    let top = http()
        .get(playlist["files"][0]["fileUrl"].as_str().unwrap())
        .header("range", "bytes=0-4095")
        .send()
        .await
        .unwrap();
    // Replaceable under the same name: caches revalidate within the hour.
    assert_eq!(top.headers()["cache-control"], "public, max-age=3600");
    let bytes = top.bytes().await.unwrap();
    assert!(
        bytes.windows(4).any(|w| w == b"av01"),
        "the 72p file is AV1"
    );
    assert_no_orphans(&server.data_dir, &[&uuid]);
}

/// An upload that cannot be remuxed (H.264 with Vorbis in Matroska) plays once its smallest rung
/// is encoded, alone; the next pass muxes the audio of that installed rung instead of decoding
/// and encoding it again (as every pass above 720p does), so both rungs carry the same packets.
#[tokio::test]
async fn a_later_pass_muxes_the_audio_of_the_rung_already_installed() {
    let server = start(
        &ladder("36,48"),
        &[("RUST_LOG", "info,kinora::media::transcode=debug")],
    );
    let admin = server.admin_token().await;
    let first = server
        .publish(&admin, "h264_vorbis.mkv", &[("name", "Vorbis".into())])
        .await;
    let uuid = first["uuid"].as_str().unwrap().to_string();
    wait_jobs_done(&server, &admin).await;
    let (_, video) = get_json(&server.api(&format!("/videos/{uuid}")), None).await;
    assert_eq!(resolutions(&video), vec![48, 36]);
    let log = server.log();
    let reused: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("audio muxed again"))
        .collect();
    assert!(
        reused.len() == 1 && reused[0].contains("36-fragmented.mp4"),
        "{log}"
    );
    let mut audio = Vec::new();
    for file in video["streamingPlaylists"][0]["files"].as_array().unwrap() {
        let url = file["fileUrl"].as_str().unwrap();
        let bytes = http().get(url).send().await.unwrap().bytes().await.unwrap();
        audio.push(media_support::track_payloads(&bytes, 2));
    }
    assert!(audio[0].len() > 50, "{} packets", audio[0].len());
    assert!(audio[0] == audio[1], "the two rungs' audio differs");
}
