//! Probe: fields for each fixture, clear errors for bad inputs, and a bounded mutation test.

mod media_support;

use kinora::media::codec::Codec;
use kinora::media::{Container, MediaError, StreamKind, probe};
use media_support::{XorShift, fixture};

#[test]
fn h264_aac_mp4() {
    let r = probe(fixture("h264_aac.mp4")).unwrap();
    assert_eq!(r.container, Container::Mp4);
    assert_eq!(r.duration_seconds, Some(3.0));
    assert!(r.remuxable, "{:?}", r.remux_blocker);
    let v = &r.streams[0];
    assert_eq!((v.kind, v.codec), (StreamKind::Video, Codec::H264));
    assert_eq!(v.profile.as_deref(), Some("High"));
    assert_eq!(v.codec_string.as_deref(), Some("avc1.64000d"));
    assert_eq!((v.width, v.height, v.rotation), (Some(320), Some(180), 0));
    assert_eq!(v.frame_rate, Some(30.0));
    assert_eq!(v.frame_count, Some(90));
    assert_eq!(v.interlaced, Some(false));
    assert!(v.decodable && v.browser_playable);
    // ffprobe reports 377005 b/s for this stream: same formula, same number.
    assert_eq!(v.bitrate, Some(377_005));
    let a = &r.streams[1];
    assert_eq!((a.kind, a.codec), (StreamKind::Audio, Codec::Aac));
    assert_eq!(a.profile.as_deref(), Some("LC"));
    assert_eq!(a.codec_string.as_deref(), Some("mp4a.40.2"));
    assert_eq!((a.sample_rate, a.channels), (Some(44100), Some(2)));
    assert_eq!(a.bitrate, Some(64_252));
}

#[test]
fn rotated_mov() {
    let r = probe(fixture("rotated.mov")).unwrap();
    assert_eq!(r.container, Container::Mov);
    let v = &r.streams[0];
    assert_eq!(v.profile.as_deref(), Some("Main"));
    // The matrix turns the picture a quarter turn counterclockwise (ffmpeg displays it 180x320).
    assert_eq!(v.rotation, 270);
    assert_eq!((v.width, v.height), (Some(320), Some(180)));
    assert_eq!((v.display_width, v.display_height), (Some(180), Some(320)));
    assert_eq!(r.streams[1].channels, Some(1));
    assert_eq!(r.streams[1].sample_rate, Some(48000));
}

#[test]
fn h264_mkv() {
    let r = probe(fixture("h264.mkv")).unwrap();
    assert_eq!(r.container, Container::Matroska);
    let d = r.duration_seconds.unwrap();
    assert!((d - 3.0).abs() < 0.05, "{d}");
    let v = &r.streams[0];
    assert_eq!(v.codec, Codec::H264);
    assert_eq!(v.profile.as_deref(), Some("High"));
    assert_eq!((v.width, v.height), (Some(320), Some(180)));
    assert_eq!(v.frame_rate, Some(30.0));
    assert_eq!(r.streams[1].codec, Codec::Aac);
    assert_eq!(r.streams[1].sample_rate, Some(44100));
    assert!(r.remuxable, "{:?}", r.remux_blocker);
}

#[test]
fn av1_opus_webm_and_mp4() {
    kinora::media::decode::av1::set_enabled(true);
    let r = probe(fixture("av1_opus.webm")).unwrap();
    assert_eq!(r.container, Container::Webm);
    assert_eq!(r.streams[0].codec, Codec::Av1);
    assert_eq!(r.streams[0].codec_string.as_deref(), Some("av01.0.00M.08"));
    assert_eq!(r.streams[1].codec, Codec::Opus);
    assert_eq!(r.streams[1].sample_rate, Some(48000));
    // 8-bit 4:2:0 AV1 is decoded by rav1d.
    assert!(
        r.streams[0].decodable,
        "{:?}",
        r.streams[0].unsupported_reason
    );
    assert_eq!(r.streams[0].bit_depth, Some(8));
    assert!(!r.cover_art);
    let r = probe(fixture("av1_opus.mp4")).unwrap();
    assert!(r.streams[0].decodable);
    assert!(r.remuxable);
    assert_eq!(r.streams[0].codec, Codec::Av1);
    assert_eq!(r.streams[1].codec, Codec::Opus);
    assert_eq!(r.streams[1].channels, Some(1));
}

#[test]
fn hevc_is_unsupported_with_a_reason() {
    let r = probe(fixture("hevc.mp4")).unwrap();
    let v = &r.streams[0];
    assert_eq!(v.codec, Codec::Hevc);
    assert!(!v.decodable && !v.browser_playable);
    assert!(v.unsupported_reason.as_deref().unwrap().contains("HEVC"));
    assert!(!r.remuxable);
}

#[test]
fn interlaced_h264_is_flagged() {
    let r = probe(fixture("interlaced.mp4")).unwrap();
    let v = &r.streams[0];
    assert_eq!(v.interlaced, Some(true));
    assert!(!v.decodable);
    assert!(
        v.unsupported_reason
            .as_deref()
            .unwrap()
            .contains("interlaced")
    );
}

#[test]
fn audio_only_files() {
    let r = probe(fixture("audio.mp3")).unwrap();
    assert_eq!(r.container, Container::Mp3);
    assert_eq!(r.streams[0].codec, Codec::Mp3);
    assert_eq!(r.streams[0].sample_rate, Some(44100));
    assert!((r.duration_seconds.unwrap() - 2.0).abs() < 0.1);
    let r = probe(fixture("audio.flac")).unwrap();
    assert_eq!(r.container, Container::Flac);
    assert_eq!(r.streams[0].codec, Codec::Flac);
    assert_eq!(r.duration_seconds, Some(1.0));
    let r = probe(fixture("audio.m4a")).unwrap();
    assert_eq!(r.container, Container::M4a);
    assert_eq!(r.streams.len(), 1);
    assert_eq!(r.streams[0].codec, Codec::Aac);
}

#[test]
fn bad_inputs_are_clear_errors() {
    assert!(matches!(
        probe(fixture("empty.mp4")),
        Err(MediaError::Empty)
    ));
    assert!(matches!(
        probe(fixture("random.bin")),
        Err(MediaError::UnknownFormat)
    ));
    assert!(matches!(
        probe(fixture("truncated.mp4")),
        Err(MediaError::Truncated(_))
    ));
    assert!(matches!(
        probe(fixture("does-not-exist.mp4")),
        Err(MediaError::Open { .. })
    ));
}

fn temp_copy_with(
    name: &str,
    edit: impl FnOnce(&mut Vec<u8>),
) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut data = std::fs::read(fixture(name)).unwrap();
    edit(&mut data);
    let path = dir.path().join(name);
    std::fs::write(&path, data).unwrap();
    (dir, path)
}

#[test]
fn huge_dimensions_are_refused() {
    let (_dir, path) = temp_copy_with("h264_aac.mp4", |d| {
        // The sample entry, not the "avc1" compatible brand in ftyp.
        let stsd = d.windows(4).position(|w| w == b"stsd").unwrap();
        let at = stsd + d[stsd..].windows(4).position(|w| w == b"avc1").unwrap();
        // width and height sit 24 bytes into the visual sample entry body.
        d[at + 4 + 24..at + 4 + 28].copy_from_slice(&[0x1f, 0x40, 0x1f, 0x40]);
    });
    match probe(&path) {
        Err(MediaError::TooLarge {
            width: 8000,
            height: 8000,
            max: 4096,
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_at_every_kind_of_cut() {
    let data = std::fs::read(fixture("rotated.mov")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The MOV has its index at the end: any cut loses it.
    for cut in [1, 7, 8, 100, data.len() / 2, data.len() - 1] {
        let p = dir.path().join(format!("cut{cut}.mov"));
        std::fs::write(&p, &data[..cut]).unwrap();
        let e = probe(&p).unwrap_err();
        assert!(
            matches!(
                e,
                MediaError::Truncated(_) | MediaError::UnknownFormat | MediaError::Malformed { .. }
            ),
            "cut at {cut}: {e:?}"
        );
    }
}

/// Bounded mutation fuzzing: flipped bytes, overwritten runs and truncations of every fixture must
/// produce a report or an error, never a panic.
#[test]
fn mutations_never_panic() {
    let mut rng = XorShift(0x5eed_cafe_f00d_1234);
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "h264_aac.mp4",
        "rotated.mov",
        "h264.mkv",
        "av1_opus.webm",
        "audio.m4a",
        "audio.flac",
        "audio.mp3",
    ];
    let mut outcomes = (0, 0);
    for name in names {
        let original = std::fs::read(fixture(name)).unwrap();
        for i in 0..60 {
            let mut d = original.clone();
            match i % 4 {
                0 => {
                    for _ in 0..1 + rng.below(8) {
                        let at = rng.below(d.len());
                        d[at] ^= 1 << rng.below(8);
                    }
                }
                1 => {
                    // Hit the headers, where the interesting fields are.
                    let at = rng.below(d.len().min(4096));
                    for b in d.iter_mut().skip(at).take(1 + rng.below(16)) {
                        *b = rng.next() as u8;
                    }
                }
                2 => d.truncate(rng.below(d.len())),
                _ => {
                    let at = rng.below(d.len());
                    d[at] = [0x00, 0xff, 0x7f, 0x80][rng.below(4)];
                }
            }
            let p = dir.path().join(format!("m-{i}-{name}"));
            std::fs::write(&p, &d).unwrap();
            match std::panic::catch_unwind(|| probe(&p)) {
                Ok(Ok(_)) => outcomes.0 += 1,
                Ok(Err(_)) => outcomes.1 += 1,
                Err(_) => panic!("probe panicked on mutation {i} of {name}"),
            }
        }
    }
    eprintln!("mutations: {} probed, {} rejected", outcomes.0, outcomes.1);
}

#[test]
fn report_serialises_to_json() {
    let r = probe(fixture("h264_aac.mp4")).unwrap();
    let v: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(v["container"], "mp4");
    assert_eq!(v["streams"][0]["codec"], "h264");
    assert_eq!(v["streams"][0]["decodable"], true);
}
