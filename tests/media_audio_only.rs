//! Audio-only uploads: Opus audio over a still picture (cover art when the file has one, else a
//! generated cover), in the usual HLS layout, with thumbnail and preview from the still.

mod media_support;

use kinora::media::{Control, LadderConfig, TranscodeOptions, plan, probe, run};
use media_support::{ffprobe, fixture, fragments, parse_media_playlist};

fn still_video(name: &str, seconds: f64) -> image::RgbImage {
    let src = fixture(name);
    let p = plan(&probe(&src).unwrap(), &LadderConfig::default()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let result = run(
        &src,
        out.path(),
        &p,
        &TranscodeOptions::default(),
        &Control::new(),
    )
    .unwrap();
    assert_eq!(result.renditions.len(), 1);
    let r = &result.renditions[0];
    assert_eq!((r.resolution, r.width, r.height), (360, 640, 360), "{name}");
    assert!(
        r.codecs.starts_with("av01.") && r.codecs.ends_with(",opus"),
        "{name}: {}",
        r.codecs
    );
    assert!(
        (r.duration_seconds - seconds).abs() < 0.1,
        "{name}: {} s",
        r.duration_seconds
    );
    let playlist = std::fs::read_to_string(out.path().join("360.m3u8")).unwrap();
    let (_, segs) = parse_media_playlist(&playlist);
    let file = std::fs::read(out.path().join("360-fragmented.mp4")).unwrap();
    let frags = fragments(&file);
    assert_eq!(frags.len(), segs.len());
    for (f, s) in frags.iter().zip(&segs) {
        assert_eq!(f.offset as u64, s.2);
        assert_eq!(f.traf(1).unwrap().samples[0].flags, 0x0200_0000);
        assert!(f.traf(2).is_some(), "{name}: audio in every segment");
    }
    assert!(
        std::fs::read_to_string(out.path().join("master.m3u8"))
            .unwrap()
            .contains("opus")
    );
    if let Some(text) = ffprobe(
        &[
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "compact=p=0:nk=1",
        ],
        &out.path().join("360-fragmented.mp4"),
    ) {
        assert!(text.starts_with("av1|640|360"), "{name}: {text}");
        assert!(text.contains("opus"), "{name}: {text}");
    }
    let thumb = image::open(out.path().join("thumbnail.jpg")).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (280, 157));
    image::open(out.path().join("preview.jpg"))
        .unwrap()
        .to_rgb8()
}

#[test]
fn mp3_flac_and_m4a_become_still_videos() {
    still_video("audio.mp3", 2.0);
    still_video("audio.flac", 1.0);
    still_video("audio.m4a", 2.0);
}

#[test]
fn cover_art_is_the_still() {
    let generated = still_video("audio.mp3", 2.0);
    let cover = still_video("audio_cover.mp3", 2.0);
    // testsrc's colour bars against a two-colour gradient: many more distinct colours.
    let distinct = |img: &image::RgbImage| {
        let mut seen = std::collections::HashSet::new();
        for p in img.pixels().step_by(7) {
            seen.insert(p.0.map(|v| v / 32));
        }
        seen.len()
    };
    assert!(
        distinct(&cover) > distinct(&generated) + 10,
        "cover {} vs generated {}",
        distinct(&cover),
        distinct(&generated)
    );
}

fn red_then_blue(left: [u8; 3], right: [u8; 3], what: &str) {
    assert!(
        left[0] > 150 && left[2] < 90 && right[2] > 150 && right[0] < 90,
        "{what}: left {left:?}, right {right:?}"
    );
}

/// The cover is centred: the middle of the preview is the middle of the picture.
fn preview_shows_red_then_blue(preview: &image::RgbImage) {
    red_then_blue(
        preview.get_pixel(425 - 60, 240).0,
        preview.get_pixel(425 + 60, 240).0,
        "preview",
    );
}

/// The preview and thumbnail in `out` show a centred cover whose left half is red and right
/// half blue.
fn previews_show_red_then_blue(out: &std::path::Path) {
    preview_shows_red_then_blue(&image::open(out.join("preview.jpg")).unwrap().to_rgb8());
    let thumb = image::open(out.join("thumbnail.jpg")).unwrap().to_rgb8();
    red_then_blue(
        thumb.get_pixel(140 - 20, 78).0,
        thumb.get_pixel(140 + 20, 78).0,
        "thumbnail",
    );
}

/// Audio-only WebM (Opus) and Matroska (FLAC) become still videos through our own Matroska
/// demuxer; the Matroska file's attached `cover.jpg` (after a text attachment) is the still.
#[test]
fn webm_and_matroska_audio_become_still_videos_with_the_attached_cover() {
    still_video("audio.webm", 2.0);
    assert!(!probe(fixture("audio.webm")).unwrap().cover_art);
    assert!(probe(fixture("audio_cover.mka")).unwrap().cover_art);
    preview_shows_red_then_blue(&still_video("audio_cover.mka", 2.0));
}

/// An M4A with an iTunes `covr` picture (written by the test): probe reports it, and the still
/// video, its thumbnail and preview show it (left half red, right half blue) rather than the
/// generated gradient.
#[test]
fn m4a_cover_art_is_the_still() {
    use kinora::media::decode::VideoDecoder;
    use kinora::media::decode::av1::Av1Decoder;
    use media_support::progressive::track_samples;

    let art = image::RgbImage::from_fn(64, 64, |x, _| {
        if x < 32 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([20, 20, 220])
        }
    });
    let mut png = Vec::new();
    art.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("cover.m4a");
    let plain = std::fs::read(fixture("audio.m4a")).unwrap();
    std::fs::write(&src, media_support::cover::with_cover(&plain, &png, true)).unwrap();

    assert!(!probe(fixture("audio.m4a")).unwrap().cover_art);
    assert!(probe(fixture("audio_cover.mp3")).unwrap().cover_art);
    let report = probe(&src).unwrap();
    assert!(report.cover_art, "the covr atom is reported");

    let p = plan(&report, &LadderConfig::default()).unwrap();
    let out = dir.path().join("out");
    run(
        &src,
        &out,
        &p,
        &TranscodeOptions::default(),
        &Control::new(),
    )
    .unwrap();
    previews_show_red_then_blue(&out);
    // And the video itself: its first frame, decoded with rav1d.
    let file = std::fs::read(out.join("360-fragmented.mp4")).unwrap();
    let samples = track_samples(&file, 1);
    let mut dec = Av1Decoder::new(&[], 1, 4096 * 4096).unwrap();
    let mut frames = dec.send(&samples[0].data, true, 0).unwrap();
    frames.extend(dec.finish().unwrap());
    let frame = frames[0].1.to_rgb();
    assert_eq!((frame.width(), frame.height()), (640, 360));
    red_then_blue(
        frame.get_pixel(320 - 50, 180).0,
        frame.get_pixel(320 + 50, 180).0,
        "video",
    );
}
