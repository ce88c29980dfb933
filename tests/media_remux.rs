//! Remux: HLS layout, playlists and byte ranges, keyframe-aligned segments, durations and sample
//! counts equal to the input, hashes, rotation, refusals, and cancellation leaving no files.

mod media_support;

use std::path::Path;
use std::sync::atomic::Ordering;

use kinora::media::{Control, MediaError, RemuxOptions, probe, remux};
use media_support::{ffprobe, fixture, fragments, parse_media_playlist};
use sha2::{Digest, Sha256};

/// Checks one rendition thoroughly against its playlist; returns per-track (samples, ticks).
fn check_rendition(dir: &Path, res: u32) -> Vec<(u32, usize, u64)> {
    let file = std::fs::read(dir.join(format!("{res}-fragmented.mp4"))).unwrap();
    let playlist = std::fs::read_to_string(dir.join(format!("{res}.m3u8"))).unwrap();
    let ((init_len, init_off), segs) = parse_media_playlist(&playlist);
    assert_eq!(init_off, 0);
    assert!(playlist.contains(&format!("URI=\"{res}-fragmented.mp4\"")));
    let frags = fragments(&file);
    assert_eq!(frags.len(), segs.len(), "one fragment per playlist segment");
    assert_eq!(
        frags[0].offset as u64, init_len,
        "first fragment right after the init segment"
    );
    let hashes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("segments-sha256.json")).unwrap())
            .unwrap();
    let file_hashes = &hashes[format!("{res}-fragmented.mp4")];
    let mut tracks: Vec<(u32, usize, u64)> = Vec::new();
    let mut expected_base = std::collections::HashMap::new();
    for (f, &(dur, len, off)) in frags.iter().zip(&segs) {
        // The byte range is exactly one moof + mdat, inside the file.
        assert_eq!(off, f.offset as u64);
        assert_eq!(len, (f.moof_size + f.mdat_size) as u64);
        assert!(off + len <= file.len() as u64);
        assert!(dur > 0.0 && dur <= 4.5, "segment duration {dur}");
        let want = hex::encode(Sha256::digest(&file[off as usize..(off + len) as usize]));
        assert_eq!(
            file_hashes[format!("{}-{}", off, off + len - 1)],
            want.as_str()
        );
        // The video run starts with a sync sample.
        let v = f.traf(1).expect("video run in every fragment");
        assert_eq!(
            v.samples[0].flags, 0x0200_0000,
            "segment starts on a keyframe"
        );
        // Runs point inside the mdat and together fill it.
        let mut payload = 0u64;
        for t in &f.trafs {
            assert!(t.data_offset as usize >= f.moof_size + 8);
            payload += t.samples.iter().map(|s| u64::from(s.size)).sum::<u64>();
            // Decode times continue exactly from the previous fragment.
            let ticks: u64 = t.samples.iter().map(|s| u64::from(s.duration)).sum();
            if let Some(&b) = expected_base.get(&t.track_id) {
                assert_eq!(t.base, b, "tfdt continuity of track {}", t.track_id);
            }
            expected_base.insert(t.track_id, t.base + ticks);
            match tracks.iter_mut().find(|x| x.0 == t.track_id) {
                Some(x) => {
                    x.1 += t.samples.len();
                    x.2 += ticks;
                }
                None => tracks.push((t.track_id, t.samples.len(), ticks)),
            }
        }
        assert_eq!(payload + 8, f.mdat_size as u64);
    }
    tracks
}

#[test]
fn remux_long_h264_aac() {
    let out = tempfile::tempdir().unwrap();
    let result = remux(
        &fixture("long.mp4"),
        out.path(),
        &RemuxOptions::default(),
        &Control::new(),
    )
    .unwrap();
    assert_eq!(result.renditions.len(), 1);
    let r = &result.renditions[0];
    assert_eq!((r.resolution, r.width, r.height), (90, 160, 90));
    assert_eq!(r.codecs, "avc1.64000b,mp4a.40.2");
    assert_eq!(r.segment_count, 3);
    assert!(
        (r.duration_seconds - 10.0).abs() < 0.04,
        "{}",
        r.duration_seconds
    );
    assert!(r.bitrate > 0 && r.peak_bitrate >= r.bitrate);

    let master = std::fs::read_to_string(out.path().join("master.m3u8")).unwrap();
    assert!(master.contains("RESOLUTION=160x90"));
    assert!(master.contains("CODECS=\"avc1.64000b,mp4a.40.2\""));
    assert!(master.contains("FRAME-RATE=25.000"));
    assert!(master.contains("AVERAGE-BANDWIDTH="));
    assert!(master.trim_end().ends_with("90.m3u8"));

    let tracks = check_rendition(out.path(), 90);
    // Same sample counts as the input, and the video lasts exactly 10 s (12800 ticks/s).
    assert_eq!(tracks[0], (1, 250, 128_000));
    assert_eq!((tracks[1].0, tracks[1].1), (2, 470));
    // No temporary files left.
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    assert_eq!(names.len(), 4);

    if let Some(text) = ffprobe(
        &[
            "-show_entries",
            "stream=codec_name,width,height,duration",
            "-of",
            "compact=p=0:nk=1",
        ],
        &out.path().join("90-fragmented.mp4"),
    ) {
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "h264|160|90|10.000000", "{text}");
        assert!(lines[1].starts_with("aac|"), "{text}");
    }
}

#[test]
fn remux_keeps_rotation_and_names_by_displayed_size() {
    let out = tempfile::tempdir().unwrap();
    let result = remux(
        &fixture("rotated.mov"),
        out.path(),
        &RemuxOptions::default(),
        &Control::new(),
    )
    .unwrap();
    let r = &result.renditions[0];
    assert_eq!((r.resolution, r.width, r.height), (180, 180, 320));
    assert_eq!(r.codecs, "avc1.4d400d,mp4a.40.2");
    check_rendition(out.path(), 180);
    // The output's own probe must still see the quarter turn: remux it back through probe's
    // box walker by reading the init segment's tkhd matrix.
    let file = std::fs::read(out.path().join("180-fragmented.mp4")).unwrap();
    let tkhd = file.windows(4).position(|w| w == b"tkhd").unwrap();
    // version 1 tkhd: 4 flags + 8 + 8 + 4 + 4 + 8 + 8 + 2 + 2 + 2 + 2 = 52 bytes to the matrix.
    let m = &file[tkhd + 4 + 52..tkhd + 4 + 52 + 8];
    assert_eq!(m, &[0, 0, 0, 0, 0xff, 0xff, 0, 0]);
    if let Some(text) = ffprobe(
        &[
            "-show_entries",
            "stream_side_data=rotation",
            "-of",
            "compact=p=0:nk=1",
        ],
        &out.path().join("180-fragmented.mp4"),
    ) {
        assert!(text.contains("90"), "{text}");
    }
}

#[test]
fn remux_av1_opus() {
    let out = tempfile::tempdir().unwrap();
    let result = remux(
        &fixture("av1_opus.mp4"),
        out.path(),
        &RemuxOptions::default(),
        &Control::new(),
    )
    .unwrap();
    assert_eq!(result.renditions[0].codecs, "av01.0.00M.08,opus");
    let tracks = check_rendition(out.path(), 180);
    assert_eq!(tracks[0].1, 60);
}

/// Matroska and WebM are remuxed from their blocks: the same frames, keyframe-aligned segments,
/// and (when ffprobe is installed) a file it reads with the right codecs.
#[test]
fn remux_matroska_and_webm() {
    for (name, codecs, res, video_frames) in [
        ("h264.mkv", "avc1.64000d,mp4a.40.2", 180, 90),
        ("av1_opus.webm", "av01.0.00M.08,opus", 180, 60),
    ] {
        let out = tempfile::tempdir().unwrap();
        let result = remux(
            &fixture(name),
            out.path(),
            &RemuxOptions::default(),
            &Control::new(),
        )
        .unwrap();
        assert_eq!(result.renditions[0].codecs, codecs, "{name}");
        let tracks = check_rendition(out.path(), res);
        assert_eq!(tracks[0].1, video_frames, "{name}: every video frame");
        assert!(tracks.len() == 2 && tracks[1].1 > 0, "{name}: audio");
        let d = result.renditions[0].duration_seconds;
        assert!(
            (d - video_frames as f64 / 30.0).abs() < 0.05,
            "{name}: {d} s"
        );
        if let Some(text) = ffprobe(
            &[
                "-show_entries",
                "stream=codec_name,width,height",
                "-of",
                "compact=p=0:nk=1",
            ],
            &out.path().join(format!("{res}-fragmented.mp4")),
        ) {
            let first = codecs.split('.').next().unwrap();
            let want = if first == "avc1" { "h264" } else { "av1" };
            assert!(
                text.starts_with(&format!("{want}|320|180")),
                "{name}: {text}"
            );
        }
    }
}

#[test]
fn remux_refuses_unplayable_and_leaves_nothing() {
    let out = tempfile::tempdir().unwrap();
    for name in [
        "hevc.mp4",
        "h264_vorbis.mkv",
        "audio.mp3",
        "truncated.mp4",
        "random.bin",
        "interlaced.mp4",
    ] {
        let e = remux(
            &fixture(name),
            out.path(),
            &RemuxOptions::default(),
            &Control::new(),
        )
        .unwrap_err();
        assert!(!matches!(e, MediaError::Cancelled), "{name}: {e}");
    }
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn cancellation_removes_partial_outputs() {
    let out = tempfile::tempdir().unwrap();
    let control = Control::new();
    let flag = control.cancel.clone();
    // Cancel from the progress callback after the first segment, as another thread would.
    let control = Control {
        progress: Some(std::sync::Arc::new(move |_: &kinora::media::Progress| {
            flag.store(true, Ordering::Relaxed)
        })),
        ..control
    };
    let e = remux(
        &fixture("long.mp4"),
        out.path(),
        &RemuxOptions::default(),
        &control,
    )
    .unwrap_err();
    assert!(matches!(e, MediaError::Cancelled));
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn shorter_segments_follow_keyframes() {
    let out = tempfile::tempdir().unwrap();
    let opts = RemuxOptions {
        segment_seconds: 2.0,
        ..Default::default()
    };
    let result = remux(&fixture("long.mp4"), out.path(), &opts, &Control::new()).unwrap();
    assert_eq!(result.renditions[0].segment_count, 5);
    check_rendition(out.path(), 90);
    // The input still probes the same after all this.
    assert!(probe(fixture("long.mp4")).unwrap().remuxable);
}

/// Bounded mutation test of the demuxers behind remux and the keyframe decode behind thumbnails:
/// corrupted Matroska clusters and MP4 media never panic; they remux, or end in an error.
#[test]
fn mutated_media_never_panics() {
    let mut rng = media_support::XorShift(0xdead_beef_1234_5678);
    let dir = tempfile::tempdir().unwrap();
    let mut outcomes = (0, 0);
    for name in ["h264.mkv", "av1_opus.webm", "h264_aac.mp4"] {
        let original = std::fs::read(fixture(name)).unwrap();
        for i in 0..40 {
            let mut d = original.clone();
            // Past the headers: the clusters, blocks and lace tables (MP4: the media data).
            let start = d.len() / 8;
            for _ in 0..1 + rng.below(12) {
                let at = start + rng.below(d.len() - start);
                d[at] = rng.next() as u8;
            }
            if i % 5 == 4 {
                d.truncate(start + rng.below(d.len() - start));
            }
            let p = dir.path().join(format!("m-{i}-{name}"));
            std::fs::write(&p, &d).unwrap();
            let out = dir.path().join(format!("out-{i}-{name}"));
            let r = std::panic::catch_unwind(|| {
                let opts = RemuxOptions {
                    pictures: true,
                    ..Default::default()
                };
                remux(&p, &out, &opts, &Control::new()).is_ok()
            });
            match r {
                Ok(true) => outcomes.0 += 1,
                Ok(false) => outcomes.1 += 1,
                Err(_) => panic!("panicked on mutation {i} of {name}"),
            }
        }
    }
    eprintln!("mutations: {} remuxed, {} refused", outcomes.0, outcomes.1);
}

/// With AV1 decoding off (a process that has no worker executable), AV1 is still remuxed.
#[test]
fn av1_is_remuxed_when_decoding_is_off() {
    for name in ["av1_opus.mp4", "av1_opus.webm"] {
        let report = probe(fixture(name)).unwrap();
        assert!(report.remuxable, "{name}");
        let video = &report.streams[0];
        assert!(!video.decodable, "{name}");
        assert!(
            video
                .unsupported_reason
                .as_deref()
                .is_some_and(|r| r.contains("AV1 decoding is off")),
            "{name}: {:?}",
            video.unsupported_reason
        );
    }
}

/// `kinora media remux` writes the whole layout, pictures included, and prints what it wrote; a
/// file that is not a video, a file in the output directory's place and a segment length out
/// of range end with a message and a non-zero exit, and leave nothing.
#[test]
fn remux_command_writes_pictures_and_refuses_garbage() {
    let out = tempfile::tempdir().unwrap();
    let run = |input: &Path, dir: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kinora"))
            .args(["media", "remux"])
            .arg(input)
            .arg("--out")
            .arg(dir)
            .output()
            .unwrap()
    };
    let ok = run(&fixture("long.mp4"), &out.path().join("good"));
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(printed["renditions"][0]["resolution"], 90);
    let thumb = image::open(out.path().join("good/thumbnail.jpg")).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (280, 157));
    let preview = image::open(out.path().join("good/preview.jpg")).unwrap();
    assert_eq!(preview.width(), 850);
    check_rendition(&out.path().join("good"), 90);

    let garbage = out.path().join("garbage.mp4");
    std::fs::write(&garbage, b"this is not a video at all").unwrap();
    let bad = run(&garbage, &out.path().join("bad"));
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("remuxing"), "{stderr}");
    let left = std::fs::read_dir(out.path().join("bad")).map_or(0, |d| d.count());
    assert_eq!(left, 0, "nothing written for a refused file");

    // A file where the output directory should be, and a segment length out of range.
    let in_the_way = run(&fixture("long.mp4"), &garbage);
    assert!(!in_the_way.status.success());
    let stderr = String::from_utf8_lossy(&in_the_way.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot create the output directory {}: it exists and is not a directory",
            garbage.display()
        )),
        "{stderr}"
    );
    let segments = std::process::Command::new(env!("CARGO_BIN_EXE_kinora"))
        .args(["media", "remux"])
        .arg(fixture("long.mp4"))
        .arg("--out")
        .arg(out.path().join("segments"))
        .arg("--segment-seconds=-1")
        .output()
        .unwrap();
    assert_eq!(segments.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&segments.stderr);
    assert!(stderr.contains("-1 is outside 0.5 to 60"), "{stderr}");
    assert!(!out.path().join("segments").exists());
}
