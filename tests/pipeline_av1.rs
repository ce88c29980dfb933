//! AV1 uploads through the real server: decoded in a worker process, so they get lower rungs
//! and thumbnails like H.264 uploads, and a stream that crashes the decoder fails its own job
//! while the server goes on serving.

mod common;
mod media_support;

use common::fed::{eventually, get_json};
use common::{Options, Server, http, resolutions};
use kinora::media::decode::av1::Av1Mode;
use kinora::media::transcode::input;
use kinora::media::{Control, ProbeLimits, RemuxOptions, remux};
use media_support::progressive::{TrackSample, progressive_mp4, sample_entry, track_samples};
use serde_json::Value;

fn start(extra: &[&'static str]) -> Server {
    let mut args = vec!["--set", "transcoding.resolutions=48"];
    args.extend(extra);
    Server::start_with(Options { args, env: vec![] })
}

async fn upload(server: &Server, token: &str, name: &str, bytes: Vec<u8>) -> String {
    let channel = server.channel_id(token).await.to_string();
    let fields = [("channelId", channel), ("name", name.to_string())];
    let res = server.upload_bytes(token, name, bytes, &fields).await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    created["video"]["uuid"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_av1_upload_gets_a_lower_rung_and_a_thumbnail_from_its_frames() {
    let server = start(&[]);
    let admin = server.admin_token().await;
    let webm = common::fixture("av1_opus.webm");
    let uuid = upload(&server, &admin, "av1.webm", webm).await;
    let video = server
        .wait_for(&admin, &uuid, "given its 48p rung", |v| {
            resolutions(v).len() == 2
        })
        .await;
    assert_eq!(resolutions(&video), vec![180, 48]);
    assert_eq!(video["state"]["id"], 1);
    let url = format!("{}{}", server.url, video["thumbnailPath"].as_str().unwrap());
    let jpeg = http()
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let thumb = image::load_from_memory(&jpeg).unwrap().to_luma8();
    // A frame of the fixture's moving test pattern, not a flat generated cover.
    let (min, max) = thumb
        .pixels()
        .fold((255u8, 0u8), |(lo, hi), p| (lo.min(p[0]), hi.max(p[0])));
    assert!(max - min > 100, "thumbnail luma spans {min}..{max}");
}

/// The AV1 fixture as a fragmented MP4 track: its sample entry, timescale and samples.
fn av1_track() -> (Vec<u8>, u32, Vec<TrackSample>) {
    let out = tempfile::tempdir().unwrap();
    let webm = media_support::fixture("av1_opus.webm");
    remux(&webm, out.path(), &RemuxOptions::default(), &Control::new()).unwrap();
    let fmp4 = std::fs::read(out.path().join("180-fragmented.mp4")).unwrap();
    let (entry, timescale) = sample_entry(&fmp4, 1);
    (entry, timescale, track_samples(&fmp4, 1))
}

/// A progressive MP4 whose AV1 samples make rav1d 1.1.0 abort (found by corrupting the fixture
/// until a decoder worker dies, as `tests/media_av1_decode.rs` does).
fn crashing_upload() -> Vec<u8> {
    let (entry, timescale, samples) = av1_track();
    let webm = media_support::fixture("av1_opus.webm");
    kinora::media::decode::av1::set_mode(Av1Mode::ChildProcess(common::BIN.into()));
    let config = input::open(&webm, &ProbeLimits::default())
        .unwrap()
        .video_config;
    let intact: Vec<Vec<u8>> = samples.iter().map(|s| s.data.clone()).collect();
    let mut rng = media_support::XorShift(0x0a71_dec0_de5e_ed00);
    for _ in 0..100 {
        let mut stream = intact.clone();
        media_support::corrupt(&mut stream, &mut rng);
        let Err(e) = media_support::decode_av1_in_worker(&config, &stream, 1) else {
            continue;
        };
        if !e.to_string().contains("AV1 decoder stopped") {
            continue;
        }
        let damaged: Vec<TrackSample> = stream
            .into_iter()
            .zip(&samples)
            .map(|(data, s)| TrackSample {
                data,
                sync: s.sync,
                duration: s.duration,
            })
            .collect();
        return progressive_mp4(&entry, 320, 180, timescale, &damaged);
    }
    panic!("no corrupted stream crashed rav1d: this test needs another way to kill its worker");
}

#[tokio::test]
async fn a_stream_that_crashes_the_av1_decoder_fails_its_job_not_the_server() {
    let upload_bytes = crashing_upload();
    // One decoder thread, as the stream was found with: with two, rav1d may refuse the damaged
    // frame with an error before it reaches the one it crashes on.
    let server = start(&["--set", "transcoding.threads=1"]);
    let admin = server.admin_token().await;
    let uuid = upload(&server, &admin, "broken.mp4", upload_bytes).await;
    // The remux decodes nothing, so the upload still plays as it is.
    let video = server.wait_processed(&admin, &uuid).await;
    assert_eq!(video["state"]["id"], 1, "{video}");
    let failed_jobs = server.api("/jobs/failed?jobType=video-transcode");
    eventually(60, "the transcode job failing", &[&server], || async {
        get_json(&failed_jobs, Some(&admin)).await.1["data"]
            .as_array()
            .is_some_and(|d| !d.is_empty())
    })
    .await;
    let (_, failed) = get_json(&failed_jobs, Some(&admin)).await;
    let error = failed["data"][0]["error"].as_str().unwrap();
    assert!(error.contains("AV1 decoder stopped"), "{error}");
    assert!(server.log().contains("the AV1 decoder process failed"));

    // Still serving, and still decoding AV1 for the next upload.
    let (_, video) = get_json(&server.api(&format!("/videos/{uuid}")), None).await;
    assert_eq!(resolutions(&video), vec![180]);
    let next = upload(
        &server,
        &admin,
        "av1.webm",
        common::fixture("av1_opus.webm"),
    )
    .await;
    server
        .wait_for(&admin, &next, "given its 48p rung", |v| {
            resolutions(v).len() == 2
        })
        .await;
}
