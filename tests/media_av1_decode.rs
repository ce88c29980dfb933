//! AV1 input: rav1d decodes AV1 uploads (MP4 `av01`, WebM `V_AV1`) so lower rungs and
//! thumbnails come out of them. The AV1 source is made by Kinora's own encoder from an H.264
//! fixture and packed into a progressive MP4 by the test support; the result is checked
//! against the H.264 source by PSNR, and against ffmpeg's decoder when it is installed.

mod media_support;

use kinora::media::decode::av1::Av1Decoder;
use kinora::media::decode::av1_child::Av1ChildDecoder;
use kinora::media::decode::h264::H264Decoder;
use kinora::media::decode::{VideoDecoder, reorder::Reorder};
use kinora::media::picture::Picture;
use kinora::media::transcode::input;
use kinora::media::{
    Control, LadderConfig, PerResolution, ProbeLimits, TopRung, TranscodeOptions, plan, probe, run,
};
use media_support::progressive::{progressive_mp4, sample_entry, track_samples};
use media_support::{ffmpeg_frames, ffprobe, fixture};

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mse = a
        .iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// Mean luma PSNR over frames paired in order.
fn mean_psnr(ours: &[Picture], reference: &[Picture]) -> f64 {
    assert_eq!(ours.len(), reference.len());
    let sum: f64 = ours
        .iter()
        .zip(reference)
        .map(|(a, b)| psnr(&a.y, &b.y).min(99.0))
        .sum();
    sum / ours.len() as f64
}

/// Every picture of an H.264 fixture, in display order, with our H.264 decoder.
fn h264_pictures(name: &str) -> Vec<Picture> {
    let mut inp = input::open(&fixture(name), &ProbeLimits::default()).unwrap();
    let mut dec = H264Decoder::new(&inp.video_config).unwrap();
    let mut reorder = Reorder::new(16);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for i in 0..inp.video.samples.len() {
        let s = inp.video.samples[i];
        input::read_samples(&mut inp.file, &inp.video, i..i + 1, &mut buf).unwrap();
        let pts = s.dts as i64 + i64::from(s.cts_offset);
        for (pts, pic) in dec.send(&buf, s.sync, pts).unwrap() {
            out.extend(reorder.push(pts, pic).map(|x| x.1));
        }
    }
    out.extend(std::iter::from_fn(|| reorder.pop()).map(|x| x.1));
    out
}

/// Decodes the AV1 video track of one of our fragmented MP4 outputs with rav1d.
fn av1_pictures(fmp4: &std::path::Path) -> Vec<Picture> {
    let file = std::fs::read(fmp4).unwrap();
    let (entry, _) = sample_entry(&file, 1);
    // The `av1C` child of the `av01` entry (after its 86-byte visual sample entry header).
    let at = 86 + entry[86..].windows(4).position(|w| w == b"av1C").unwrap();
    let len = u32::from_be_bytes(entry[at - 4..at].try_into().unwrap()) as usize;
    let av1c = &entry[at + 4..at - 4 + len];
    let mut dec = Av1Decoder::new(av1c, 1, 4096 * 4096).unwrap();
    let mut out = Vec::new();
    for (i, s) in track_samples(&file, 1).iter().enumerate() {
        out.extend(dec.send(&s.data, s.sync, i as i64).unwrap());
    }
    out.extend(dec.finish().unwrap());
    let order: Vec<i64> = out.iter().map(|p| p.0).collect();
    assert!(order.is_sorted(), "AV1 pictures come out in order");
    out.into_iter().map(|p| p.1).collect()
}

/// Makes an AV1 upload from `short.mp4` (128x72, 50 frames) with Kinora's encoder: the AV1 rung
/// at the source size, repacked as a progressive MP4 (our output is fragmented).
fn av1_upload(dir: &std::path::Path) -> std::path::PathBuf {
    let src = fixture("short.mp4");
    let cfg = LadderConfig {
        resolutions: vec![72],
        top_rung: TopRung::ReplaceWithAv1,
        av1_quantizer: PerResolution::uniform(60),
        ..Default::default()
    };
    let p = plan(&probe(&src).unwrap(), &cfg).unwrap();
    let out = dir.join("first");
    run(
        &src,
        &out,
        &p,
        &TranscodeOptions::default(),
        &Control::new(),
    )
    .unwrap();
    let fmp4 = std::fs::read(out.join("72-fragmented.mp4")).unwrap();
    let (entry, timescale) = sample_entry(&fmp4, 1);
    let samples = track_samples(&fmp4, 1);
    assert_eq!(samples.len(), 50);
    let upload = dir.join("av1.mp4");
    std::fs::write(
        &upload,
        progressive_mp4(&entry, 128, 72, timescale, &samples),
    )
    .unwrap();
    upload
}

#[test]
fn av1_upload_gets_lower_rungs_and_thumbnails() {
    kinora::media::decode::av1::set_enabled(true);
    let dir = tempfile::tempdir().unwrap();
    let upload = av1_upload(dir.path());
    let report = probe(&upload).unwrap();
    let v = &report.streams[0];
    assert!(v.decodable, "{:?}", v.unsupported_reason);
    assert_eq!(
        (v.width, v.height, v.frame_count),
        (Some(128), Some(72), Some(50))
    );

    // Our decode of the upload against the H.264 source it was encoded from.
    let source = h264_pictures("short.mp4");
    assert_eq!(source.len(), 50);
    let mut inp = input::open(&upload, &ProbeLimits::default()).unwrap();
    let mut dec = Av1Decoder::new(&inp.video_config, 2, 4096 * 4096).unwrap();
    let mut first_gen = Vec::new();
    let mut buf = Vec::new();
    for i in 0..inp.video.samples.len() {
        input::read_samples(&mut inp.file, &inp.video, i..i + 1, &mut buf).unwrap();
        let s = inp.video.samples[i];
        first_gen.extend(dec.send(&buf, s.sync, s.dts as i64).unwrap());
    }
    first_gen.extend(dec.finish().unwrap());
    let times: Vec<i64> = first_gen.iter().map(|p| p.0).collect();
    let sent: Vec<i64> = inp.video.samples.iter().map(|s| s.dts as i64).collect();
    assert_eq!(
        times, sent,
        "each picture carries its sample's time, in order"
    );
    let first_gen: Vec<Picture> = first_gen.into_iter().map(|p| p.1).collect();
    assert!(first_gen.iter().all(|p| (p.width, p.height) == (128, 72)));
    let direct = mean_psnr(&first_gen, &source);
    eprintln!("AV1 upload against its H.264 source: {direct:.2} dB");
    assert!(direct > 32.0, "decoded AV1 upload: {direct:.2} dB");

    // The ladder: remux of the AV1 original on top, an AV1 rung below it from one decode.
    let cfg = LadderConfig {
        resolutions: vec![36],
        ..Default::default()
    };
    let p = plan(&report, &cfg).unwrap();
    assert_eq!(p.renditions.len(), 2, "{p:?}");
    let out = dir.path().join("ladder");
    let result = run(
        &upload,
        &out,
        &p,
        &TranscodeOptions::default(),
        &Control::new(),
    )
    .unwrap();
    assert!(result.renditions[0].remuxed);
    let low = &result.renditions[1];
    assert_eq!((low.resolution, low.width, low.height), (36, 64, 36));
    assert!(!low.remuxed);

    let lower = av1_pictures(&out.join("36-fragmented.mp4"));
    assert_eq!(lower.len(), 50, "every frame reaches the lower rung");
    assert!(lower.iter().all(|p| (p.width, p.height) == (64, 36)));
    let reference: Vec<Picture> = source.iter().map(|p| p.scaled(64, 36)).collect();
    let ladder = mean_psnr(&lower, &reference);
    eprintln!("36p rung from the AV1 upload against the scaled source: {ladder:.2} dB");
    assert!(ladder > 26.0, "lower rung: {ladder:.2} dB");

    // Thumbnail and preview come from a decoded AV1 frame: not flat.
    let thumb = image::open(out.join("thumbnail.jpg")).unwrap().to_luma8();
    assert_eq!((thumb.width(), thumb.height()), (280, 157));
    let (min, max) = thumb
        .pixels()
        .fold((255u8, 0u8), |(lo, hi), p| (lo.min(p.0[0]), hi.max(p.0[0])));
    assert!(
        max - min > 100,
        "a real picture, not a flat one ({min}..{max})"
    );
    assert!(out.join("preview.jpg").exists());

    if let Some(text) = ffprobe(
        &[
            "-count_frames",
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames",
            "-of",
            "compact=p=0:nk=1",
        ],
        &out.join("36-fragmented.mp4"),
    ) {
        assert!(text.starts_with("av1|64|36|50"), "{text}");
    }
}

/// An AV1 upload of another encoder (SVT-AV1 through ffmpeg) in WebM and MP4: decoded to the
/// lower rung with every frame, and bit-exact against ffmpeg's own AV1 decoder when present.
#[test]
fn svt_av1_webm_and_mp4_are_decoded() {
    kinora::media::decode::av1::set_enabled(true);
    for name in ["av1_opus.webm", "av1_opus.mp4"] {
        let src = fixture(name);
        let cfg = LadderConfig {
            resolutions: vec![90],
            ..Default::default()
        };
        let p = plan(&probe(&src).unwrap(), &cfg).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let result = run(
            &src,
            dir.path(),
            &p,
            &TranscodeOptions::default(),
            &Control::new(),
        )
        .unwrap();
        let low = &result.renditions[1];
        assert_eq!((low.width, low.height), (160, 90), "{name}");
        let frames = av1_pictures(&dir.path().join("90-fragmented.mp4"));
        assert_eq!(frames.len(), 60, "{name}: 2 s at 30 fps");
        assert!(dir.path().join("thumbnail.jpg").exists());
    }

    // The first frames of the WebM through rav1d and through ffmpeg.
    let src = fixture("av1_opus.webm");
    let mut inp = input::open(&src, &ProbeLimits::default()).unwrap();
    let mut dec = Av1Decoder::new(&inp.video_config, 1, 4096 * 4096).unwrap();
    let mut buf = Vec::new();
    let mut ours = Vec::new();
    for i in 0..5 {
        input::read_samples(&mut inp.file, &inp.video, i..i + 1, &mut buf).unwrap();
        ours.extend(dec.send(&buf, i == 0, i as i64).unwrap());
    }
    ours.extend(dec.finish().unwrap());
    assert_eq!(ours.len(), 5);
    let Some(reference) = ffmpeg_frames(&src, 5) else {
        return;
    };
    let ours: Vec<u8> = ours
        .iter()
        .flat_map(|(_, p)| [p.y.as_slice(), &p.u, &p.v].concat())
        .collect();
    let db = psnr(&ours, &reference);
    assert!(db > 50.0, "rav1d against ffmpeg's decoder: {db:.1} dB");
}

/// AV1 beyond 8-bit 4:2:0 (10-bit Main, 4:4:4 High, 10-bit 4:2:2 Professional) is decoded and
/// converted to 8-bit 4:2:0, checked against ffmpeg's decode and conversion of the same files;
/// only Main profile counts as browser-playable, so only it is remuxed as well.
#[test]
fn av1_of_any_bit_depth_and_chroma_layout_becomes_8_bit_420() {
    kinora::media::decode::av1::set_enabled(true);
    for (name, playable) in [
        ("av1_10bit.mp4", true),
        ("av1_444.mp4", false),
        ("av1_422_10bit.webm", false),
    ] {
        let src = fixture(name);
        let report = probe(&src).unwrap();
        let v = &report.streams[0];
        assert!(v.decodable, "{name}: {:?}", v.unsupported_reason);
        assert_eq!(report.remuxable, playable, "{name}");
        let mut inp = input::open(&src, &ProbeLimits::default()).unwrap();
        let mut dec = Av1Decoder::new(&inp.video_config, 2, 4096 * 4096).unwrap();
        let mut buf = Vec::new();
        let mut ours = Vec::new();
        for i in 0..inp.video.samples.len() {
            input::read_samples(&mut inp.file, &inp.video, i..i + 1, &mut buf).unwrap();
            ours.extend(dec.send(&buf, i == 0, i as i64).unwrap());
        }
        ours.extend(dec.finish().unwrap());
        assert_eq!(ours.len(), 15, "{name}");
        assert!(
            ours.iter()
                .all(|(_, p)| p.is_consistent() && p.width == 320)
        );
        let Some(reference) = ffmpeg_frames(&src, 15) else {
            continue;
        };
        let ours: Vec<u8> = ours
            .iter()
            .flat_map(|(_, p)| [p.y.as_slice(), &p.u, &p.v].concat())
            .collect();
        // Not bit-exact: ffmpeg's scaler rounds (and may dither) its own way.
        let db = psnr(&ours, &reference);
        eprintln!("{name}: {db:.1} dB against ffmpeg's 8-bit 4:2:0");
        assert!(db > 40.0, "{name}: {db:.1} dB against ffmpeg");
    }
}

/// The samples of the AV1 WebM fixture and its decoder configuration.
fn av1_samples() -> (Vec<u8>, Vec<Vec<u8>>) {
    kinora::media::decode::av1::set_enabled(true);
    let mut inp = input::open(&fixture("av1_opus.webm"), &ProbeLimits::default()).unwrap();
    let mut samples = Vec::new();
    for i in 0..inp.video.samples.len() {
        let mut buf = Vec::new();
        input::read_samples(&mut inp.file, &inp.video, i..i + 1, &mut buf).unwrap();
        samples.push(buf);
    }
    (inp.video_config, samples)
}

/// Bounded mutation test of AV1 decoding as the server and `kinora media` run it: in a worker
/// process. Corrupted samples (flipped bits, overwritten runs, cut samples) give pictures or
/// errors here, never a crash of this process. rav1d 1.1.0 itself does abort on some of them
/// (round 12 of this seed: an `unwrap` of a missing frame header in its `decode.rs` `on_error`,
/// single-threaded too, and a panic cannot unwind out of its `extern "C"` API): that ends the
/// worker, and this test checks it came back as an error and that a restarted worker (what the
/// transcoder does to conceal damage) decodes from a keyframe again.
#[test]
fn corrupted_av1_samples_end_in_errors_not_crashes() {
    let (config, samples) = av1_samples();
    let mut rng = media_support::XorShift(0x0a71_dec0_de5e_ed00);
    let (mut decoded, mut refused, mut crashed) = (0usize, 0usize, 0usize);
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_kinora"));
    for round in 0..40 {
        let mut stream = samples.clone();
        media_support::corrupt(&mut stream, &mut rng);
        let threads = 1 + round % 2;
        let mut dec = Av1ChildDecoder::new(exe, &config, threads, 4096 * 4096).unwrap();
        let mut whole = || {
            let mut n = 0;
            for (i, s) in stream.iter().enumerate() {
                n += dec.send(s, i == 0, i as i64)?.len();
            }
            Ok::<_, kinora::media::MediaError>(n + dec.finish()?.len())
        };
        match whole() {
            Ok(n) => {
                decoded += n;
                continue;
            }
            Err(e) if e.to_string().contains("AV1 decoder stopped") => crashed += 1,
            Err(_) => refused += 1,
        }
        // What the transcoder does after damage: a new worker, which decodes from a keyframe.
        assert!(dec.restart(), "round {round}: no new worker");
        let mut fresh = dec.send(&samples[0], true, 0).unwrap();
        fresh.extend(dec.finish().unwrap());
        assert_eq!(
            fresh.len(),
            1,
            "round {round}: the keyframe after a restart"
        );
    }
    eprintln!(
        "corrupted streams: {decoded} pictures decoded, {refused} refused, {crashed} crashed a worker"
    );
    assert!(decoded > 0, "intact parts of the streams still decode");
    assert!(
        crashed > 0,
        "rav1d 1.1.0 aborts on round 12 of this seed; if a newer rav1d no longer does, this test \
         needs another way to kill its worker"
    );

    // After the crashes, a fresh worker decodes the intact stream exactly as in process.
    let from_worker = media_support::decode_av1_in_worker(&config, &samples, 2).unwrap();
    let mut dec = Av1Decoder::new(&config, 2, 4096 * 4096).unwrap();
    let mut in_process = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        in_process.extend(dec.send(s, i == 0, i as i64).unwrap());
    }
    in_process.extend(dec.finish().unwrap());
    assert_eq!(from_worker.len(), 60);
    assert!(
        from_worker == in_process,
        "the worker's pictures equal the in-process decode"
    );
}
