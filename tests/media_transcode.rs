//! Transcode: one decode feeding AV1 rungs aligned with the remuxed top rung, thumbnails, the
//! decoder against ffmpeg's output, and cancellation.

mod media_support;

use kinora::media::decode::h264::H264Decoder;
use kinora::media::transcode::input;
use kinora::media::{
    Control, LadderConfig, MediaError, ProbeLimits, RemuxOptions, TranscodeOptions, plan, probe,
    remux, run,
};
use media_support::{
    damaged_short, ffmpeg_frames, ffprobe, fixture, fragments, parse_media_playlist, track_payloads,
};

#[test]
fn ladder_of_remux_and_av1_with_aligned_segments() {
    let src = fixture("short.mp4");
    let cfg = LadderConfig {
        resolutions: vec![36],
        ..Default::default()
    };
    let p = plan(&probe(&src).unwrap(), &cfg).unwrap();
    let out = tempfile::tempdir().unwrap();
    let opts = TranscodeOptions {
        segment_seconds: 1.0,
        ..Default::default()
    };
    let result = run(&src, out.path(), &p, &opts, &Control::new()).unwrap();
    assert_eq!(result.renditions.len(), 2);
    let av1 = &result.renditions[1];
    assert!(!av1.remuxed);
    assert_eq!((av1.resolution, av1.width, av1.height), (36, 64, 36));
    assert_eq!(av1.codecs, "av01.0.00M.08,opus");

    // Same segment boundaries as the remuxed rung, so players can switch between them.
    let remux_pl = std::fs::read_to_string(out.path().join("72.m3u8")).unwrap();
    let av1_pl = std::fs::read_to_string(out.path().join("36.m3u8")).unwrap();
    let (_, remux_segs) = parse_media_playlist(&remux_pl);
    let (init, av1_segs) = parse_media_playlist(&av1_pl);
    let durations = |s: &[(f64, u64, u64)]| {
        s.iter()
            .map(|x| (x.0 * 1000.0).round() as i64)
            .collect::<Vec<_>>()
    };
    assert_eq!(durations(&remux_segs), durations(&av1_segs));

    let file = std::fs::read(out.path().join("36-fragmented.mp4")).unwrap();
    let frags = fragments(&file);
    assert_eq!(frags[0].offset as u64, init.0);
    let mut video_frames = 0;
    let mut ticks = 0u64;
    for (f, seg) in frags.iter().zip(&av1_segs) {
        assert_eq!(f.offset as u64, seg.2);
        let v = f.traf(1).unwrap();
        assert_eq!(
            v.samples[0].flags, 0x0200_0000,
            "segment starts on a keyframe"
        );
        video_frames += v.samples.len();
        ticks += v.samples.iter().map(|s| u64::from(s.duration)).sum::<u64>();
        assert!(f.traf(2).is_some(), "audio in every segment");
    }
    assert_eq!(av1_segs.len(), 2);
    assert_eq!(video_frames, 50);
    assert_eq!(ticks, 25_600, "2 s at 12800 ticks/s, as the input");

    let master = std::fs::read_to_string(out.path().join("master.m3u8")).unwrap();
    assert!(master.contains("CODECS=\"av01.0.00M.08,opus\""));
    let bandwidths: Vec<u64> = master
        .lines()
        .filter_map(|l| l.strip_prefix("#EXT-X-STREAM-INF:BANDWIDTH="))
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(bandwidths.len(), 2);
    assert!(bandwidths[0] <= bandwidths[1], "lowest bandwidth first");

    let thumb = image::open(out.path().join("thumbnail.jpg")).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (280, 157));
    let preview = image::open(out.path().join("preview.jpg")).unwrap();
    assert_eq!((preview.width(), preview.height()), (850, 480));

    if let Some(text) = ffprobe(
        &[
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "compact=p=0:nk=1",
        ],
        &out.path().join("36-fragmented.mp4"),
    ) {
        assert!(text.starts_with("av1|64|36"), "{text}");
    }
}

/// Our decode of the first frames against ffmpeg's, when ffmpeg is installed.
#[test]
fn decoded_frames_match_ffmpeg() {
    let src = fixture("h264_aac.mp4");
    let mut inp = input::open(&src, &ProbeLimits::default()).unwrap();
    let mut dec = H264Decoder::new(&inp.video_config).unwrap();
    let mut buf = Vec::new();
    input::read_samples(&mut inp.file, &inp.video, 0..1, &mut buf).unwrap();
    let first = dec
        .decode(&buf, true)
        .unwrap()
        .expect("a picture for the IDR frame");
    assert_eq!((first.width, first.height), (320, 180));
    let Some(reference) = ffmpeg_frames(&src, 1) else {
        return;
    };
    let ours: Vec<u8> = [first.y.as_slice(), &first.u, &first.v].concat();
    assert_eq!(reference.len(), ours.len());
    let mse = reference
        .iter()
        .zip(&ours)
        .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
        .sum::<f64>()
        / ours.len() as f64;
    let psnr = if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    };
    assert!(psnr > 45.0, "PSNR {psnr:.1} dB against ffmpeg");
}

#[test]
fn cancelled_transcode_leaves_nothing() {
    let src = fixture("short.mp4");
    let cfg = LadderConfig {
        resolutions: vec![36],
        ..Default::default()
    };
    let p = plan(&probe(&src).unwrap(), &cfg).unwrap();
    let out = tempfile::tempdir().unwrap();
    let control = Control::new();
    control
        .cancel
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let e = run(&src, out.path(), &p, &TranscodeOptions::default(), &control).unwrap_err();
    assert!(matches!(e, MediaError::Cancelled));
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn undecodable_video_is_refused_plainly() {
    let out = tempfile::tempdir().unwrap();
    // A plan forced onto inputs the transcoder cannot read: refused, nothing written.
    let p = kinora::media::Plan {
        renditions: vec![kinora::media::PlannedRendition {
            resolution: 90,
            width: 160,
            height: 90,
            frame_rate: Some(30.0),
            action: kinora::media::Action::EncodeAv1 {
                speed: 10,
                quantizer: 120,
                low_latency: false,
            },
            replaces_original: false,
        }],
        remux_possible: false,
        source_resolution: 180,
    };
    for name in ["hevc.mp4", "interlaced.mp4"] {
        let e = run(
            &fixture(name),
            out.path(),
            &p,
            &TranscodeOptions::default(),
            &Control::new(),
        )
        .unwrap_err();
        assert!(matches!(e, MediaError::Unsupported(_)), "{name}: {e}");
    }
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

/// Decodes `file`'s first video and audio streams with ffmpeg (when installed): the time of the
/// first bright frame and of the first loud audio sample.
fn flash_and_beep(file: &std::path::Path, width: usize, height: usize) -> Option<(f64, f64)> {
    let run = |args: &[&str]| {
        std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(file)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| o.stdout)
    };
    let video = run(&["-map", "0:v", "-f", "rawvideo", "-pix_fmt", "gray", "-"])?;
    let audio = run(&[
        "-map", "0:a", "-f", "s16le", "-ac", "1", "-ar", "48000", "-",
    ])?;
    let frame = video
        .chunks_exact(width * height)
        .position(|f| f.iter().map(|&p| u64::from(p)).sum::<u64>() / f.len() as u64 > 128)?;
    let sample = audio
        .chunks_exact(2)
        .position(|s| i16::from_le_bytes([s[0], s[1]]).unsigned_abs() > 3000)?;
    Some((frame as f64 / 25.0, sample as f64 / 48_000.0))
}

/// The flash and the beep of `sync.mp4` stay together through the AV1/Opus rung (AAC priming
/// trimmed, 44.1 kHz resampled to 48 kHz) within one frame.
#[test]
fn audio_and_video_stay_in_sync() {
    let src = fixture("sync.mp4");
    let cfg = LadderConfig {
        resolutions: vec![36],
        ..Default::default()
    };
    let p = plan(&probe(&src).unwrap(), &cfg).unwrap();
    let out = tempfile::tempdir().unwrap();
    let result = run(
        &src,
        out.path(),
        &p,
        &TranscodeOptions::default(),
        &Control::new(),
    )
    .unwrap();
    let av1 = &result.renditions[1];
    assert_eq!(av1.codecs, "av01.0.00M.08,opus");
    assert!(
        (av1.duration_seconds - 2.0).abs() < 0.04,
        "{}",
        av1.duration_seconds
    );
    let file = out.path().join("36-fragmented.mp4");
    // The Opus track: 20 ms packets continuing from zero.
    let frags = fragments(&std::fs::read(&file).unwrap());
    let mut next = 0;
    for f in &frags {
        let a = f.traf(2).expect("audio in every segment");
        assert_eq!(a.base, next);
        assert!(a.samples.iter().all(|s| s.duration == 960));
        next += 960 * a.samples.len() as u64;
    }
    // Presentation: the ticks less the encoder's 312-sample pre-skip, within one video frame.
    let shown = (next as f64 - 312.0) / 48_000.0;
    assert!((shown - 2.0).abs() < 0.04, "{shown} s of audio");
    let Some((flash, beep)) = flash_and_beep(&file, 64, 36) else {
        eprintln!("ffmpeg not on PATH: skipping the decoded A/V sync check");
        return;
    };
    assert!((flash - 1.0).abs() < 0.041, "flash at {flash}");
    assert!(
        (beep - flash).abs() < 0.04,
        "beep at {beep}, flash at {flash}"
    );
}

/// H.264 + Vorbis in Matroska cannot be remuxed: decoded and encoded to AV1/Opus at its size.
#[test]
fn transcode_matroska_with_vorbis() {
    let src = fixture("h264_vorbis.mkv");
    let report = probe(&src).unwrap();
    assert!(!report.remuxable);
    let cfg = LadderConfig {
        resolutions: vec![90, 360],
        ..Default::default()
    };
    let p = plan(&report, &cfg).unwrap();
    assert_eq!(p.renditions.len(), 1, "never upscaled: {p:?}");
    let out = tempfile::tempdir().unwrap();
    let result = run(
        &src,
        out.path(),
        &p,
        &TranscodeOptions::default(),
        &Control::new(),
    )
    .unwrap();
    let r = &result.renditions[0];
    assert_eq!((r.width, r.height), (160, 90));
    assert!(r.codecs.ends_with(",opus"), "{}", r.codecs);
    assert!(
        (r.duration_seconds - 2.0).abs() < 0.041,
        "{}",
        r.duration_seconds
    );
    let frags = fragments(&std::fs::read(out.path().join("90-fragmented.mp4")).unwrap());
    let frames: usize = frags.iter().map(|f| f.traf(1).unwrap().samples.len()).sum();
    assert_eq!(frames, 50);
    if let Some(text) = ffprobe(
        &[
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "compact=p=0:nk=1",
        ],
        &out.path().join("90-fragmented.mp4"),
    ) {
        assert!(text.starts_with("av1|160|90"), "{text}");
        assert!(text.contains("opus"), "{text}");
    }
}

/// A portrait phone video (coded 320x180, a quarter-turn matrix) is encoded upright: the AV1 rung
/// is 90x160 with an identity matrix, so players that ignore track matrices show it right.
#[test]
fn rotation_is_applied_to_encoded_rungs() {
    let src = fixture("rotated.mov");
    let cfg = LadderConfig {
        resolutions: vec![90],
        ..Default::default()
    };
    let p = plan(&probe(&src).unwrap(), &cfg).unwrap();
    let out = tempfile::tempdir().unwrap();
    let result = run(
        &src,
        out.path(),
        &p,
        &TranscodeOptions::default(),
        &Control::new(),
    )
    .unwrap();
    let r = result.renditions.iter().find(|r| !r.remuxed).unwrap();
    assert_eq!((r.resolution, r.width, r.height), (90, 90, 160));
    let file = std::fs::read(out.path().join("90-fragmented.mp4")).unwrap();
    // tkhd of the video track: identity matrix, 90x160 presentation size.
    let tkhd = file.windows(4).position(|w| w == b"tkhd").unwrap() + 4;
    let matrix_at = tkhd + 4 + 8 + 8 + 4 + 4 + 8 + 8 + 8;
    let word = |i: usize| i32::from_be_bytes(file[i..i + 4].try_into().unwrap());
    assert_eq!((word(matrix_at), word(matrix_at + 4)), (0x1_0000, 0));
    assert_eq!(
        (word(matrix_at + 36) >> 16, word(matrix_at + 40) >> 16),
        (90, 160)
    );
    if let Some(text) = ffprobe(
        &[
            "-select_streams",
            "v",
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "compact=p=0:nk=1",
        ],
        &out.path().join("90-fragmented.mp4"),
    ) {
        assert_eq!(text.trim(), "av1|90|160");
    }
}

/// A rung above 720p is encoded from a decode of its own, after the rungs up to 720p (which
/// share one), so no decode holds every encoder of a 1080p ladder. Labelled resolutions stand
/// in for real sizes here: the split goes by the label, the encoders by the size.
#[test]
fn rungs_above_720p_are_encoded_in_a_pass_of_their_own() {
    let src = fixture("short.mp4");
    let p = plan(
        &probe(&src).unwrap(),
        &LadderConfig {
            resolutions: vec![36, 48],
            ..Default::default()
        },
    )
    .unwrap();
    let mut encodes: Vec<_> = p
        .renditions
        .iter()
        .filter(|r| r.action != kinora::media::Action::Remux)
        .cloned()
        .collect();
    encodes[1].resolution = 1080;
    let p = kinora::media::Plan {
        renditions: encodes,
        ..p
    };
    let fractions = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let into = fractions.clone();
    let control = Control::new().with_progress(move |p| into.lock().unwrap().push(p.fraction()));
    let out = tempfile::tempdir().unwrap();
    let result = run(&src, out.path(), &p, &TranscodeOptions::default(), &control).unwrap();
    let rungs: Vec<_> = result
        .renditions
        .iter()
        .map(|r| (r.resolution, r.width, r.height))
        .collect();
    assert_eq!(rungs, vec![(36, 64, 36), (1080, 86, 48)]);
    for name in ["36-fragmented.mp4", "1080-fragmented.mp4", "thumbnail.jpg"] {
        assert!(out.path().join(name).exists(), "{name}");
    }
    // The second pass muxes the audio the first one encoded: the same packets, sizes and times.
    let audio = |name: &str| -> Vec<(u32, u32)> {
        fragments(&std::fs::read(out.path().join(name)).unwrap())
            .iter()
            .flat_map(|f| f.traf(2).expect("audio in every segment").samples.clone())
            .map(|s| (s.duration, s.size))
            .collect()
    };
    let first = audio("36-fragmented.mp4");
    assert!(first.len() > 10, "{first:?}");
    assert_eq!(first, audio("1080-fragmented.mp4"));
    // Each pass reports its end: half, then all of the job.
    let fractions = fractions.lock().unwrap().clone();
    assert!(
        fractions.contains(&0.5) && fractions.last() == Some(&1.0),
        "{fractions:?}"
    );
    assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");
    if let Some(text) = ffprobe(
        &[
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "compact=p=0:nk=1",
        ],
        &out.path().join("1080-fragmented.mp4"),
    ) {
        assert!(text.starts_with("av1|86|48"), "{text}");
    }
}

/// A pass given an earlier rendition of the upload (`audio_from`, what the server does for a
/// rung above 720p, in a worker process of its own) muxes that rendition's Opus packets instead
/// of encoding the audio again. Shown with a donor of other audio (`sync.mp4`'s beep, same 2 s):
/// its packets, not `short.mp4`'s, end up in the rung. A file with no Opus track in the shape
/// we write (the AAC remux, random bytes, a missing file) leaves the audio to be encoded.
#[test]
fn an_earlier_renditions_audio_is_muxed_again() {
    use kinora::media::audio::reread::opus_of_rendition;
    let donor = transcode_to(&fixture("sync.mp4"), 36).unwrap();
    let donor_rung = donor.path().join("36-fragmented.mp4");
    let donor_audio = track_payloads(&std::fs::read(&donor_rung).unwrap(), 2);
    let reread = opus_of_rendition(&donor_rung)
        .unwrap()
        .expect("our Opus track");
    assert_eq!(reread.len(), donor_audio.len());
    assert!((0..reread.len()).all(|k| reread.packet(k) == donor_audio[k]));
    assert!(reread.pre_skip > 0, "{}", reread.pre_skip);
    // 2 s of audio, to within the last packet.
    assert!(
        reread.samples.abs_diff(2 * 48_000) < 960,
        "{}",
        reread.samples
    );

    let src = fixture("short.mp4");
    let p = plan(
        &probe(&src).unwrap(),
        &LadderConfig {
            resolutions: vec![36],
            ..Default::default()
        },
    )
    .unwrap();
    let rung_audio = |audio_from: Option<std::path::PathBuf>| {
        let out = tempfile::tempdir().unwrap();
        let opts = TranscodeOptions {
            segment_seconds: 1.0,
            audio_from,
            ..Default::default()
        };
        run(&src, out.path(), &p, &opts, &Control::new()).unwrap();
        track_payloads(
            &std::fs::read(out.path().join("36-fragmented.mp4")).unwrap(),
            2,
        )
    };
    let own = rung_audio(None);
    assert!(own.len() > 50 && own != donor_audio);
    // (Compared with assert!: a failure would print thousands of packet bytes.)
    assert!(
        rung_audio(Some(donor_rung.clone())) == donor_audio,
        "the donor's packets"
    );

    let remux = donor.path().join("72-fragmented.mp4");
    let random = fixture("random.bin");
    assert!(
        opus_of_rendition(&remux).unwrap().is_none(),
        "AAC is not ours"
    );
    assert!(!matches!(opus_of_rendition(&random), Ok(Some(_))));
    for other in [remux, random, donor.path().join("missing.mp4")] {
        assert!(
            rung_audio(Some(other.clone())) == own,
            "{}",
            other.display()
        );
    }
}

/// `src` transcoded to one AV1 rung of `height` (and the remuxed original when it can be) in
/// 1 s segments, into a new temporary directory.
fn transcode_to(src: &std::path::Path, height: u32) -> Result<tempfile::TempDir, MediaError> {
    transcode_allowing_damage(src, height, TranscodeOptions::default().max_damaged_percent)
}

/// `transcode_to` with `max_damaged_percent` set.
fn transcode_allowing_damage(
    src: &std::path::Path,
    height: u32,
    max_damaged_percent: u8,
) -> Result<tempfile::TempDir, MediaError> {
    let cfg = LadderConfig {
        resolutions: vec![height],
        ..Default::default()
    };
    let p = plan(&probe(src)?, &cfg)?;
    let out = tempfile::tempdir().unwrap();
    let opts = TranscodeOptions {
        segment_seconds: 1.0,
        max_damaged_percent,
        ..Default::default()
    };
    run(src, out.path(), &p, &opts, &Control::new()).map(|_| out)
}

/// A damaged picture is concealed (the pictures up to the next keyframe are skipped, the one
/// before stays on screen), as players and ffmpeg do, instead of failing the whole video, and a
/// remux's pictures come from an intact keyframe; more than half damaged (or the share set by
/// `transcoding.max_damaged_percent`) is an error that says so.
#[test]
fn damaged_pictures_are_skipped_to_the_next_keyframe() {
    let src = damaged_short(|i, _| i == 7);
    let err = transcode_allowing_damage(src.path(), 36, 0).expect_err("no damage allowed");
    assert!(
        matches!(&err, MediaError::Decode(m)
            if m.contains("more than 0% of the 50 pictures are damaged (1 so far)")),
        "{err}"
    );
    let out = transcode_to(src.path(), 36).expect("one damaged picture is concealed");
    let av1 = std::fs::read(out.path().join("36-fragmented.mp4")).unwrap();
    let video: Vec<_> = fragments(&av1)
        .iter()
        .flat_map(|f| f.traf(1).unwrap().samples.clone())
        .collect();
    // Pictures 0-6 and 25-49, give or take the B-frames decoded before the damage.
    assert!((30..=34).contains(&video.len()), "{} pictures", video.len());
    let ticks: u64 = video.iter().map(|s| u64::from(s.duration)).sum();
    assert_eq!(ticks, 25_600, "still 2 s at 12800 ticks/s, as the input");

    // A remux decodes only keyframes for its pictures: a damaged first one leaves the second.
    let src = damaged_short(|i, _| i == 0);
    let out = tempfile::tempdir().unwrap();
    let opts = RemuxOptions {
        pictures: true,
        ..Default::default()
    };
    remux(src.path(), out.path(), &opts, &Control::new()).expect("remuxed");
    assert!(out.path().join("thumbnail.jpg").is_file());

    let src = damaged_short(|_, sync| !sync);
    let err = transcode_to(src.path(), 36).expect_err("a video of damage is refused");
    assert!(
        matches!(&err, MediaError::Decode(m)
            if m.contains("more than 50% of the 50 pictures are damaged (26 so far)")),
        "{err}"
    );
    // Allowed all the damage, the two keyframes make the video.
    let out = transcode_allowing_damage(src.path(), 36, 100).expect("whatever decodes is kept");
    let av1 = std::fs::read(out.path().join("36-fragmented.mp4")).unwrap();
    let kept: usize = fragments(&av1)
        .iter()
        .map(|f| f.traf(1).unwrap().samples.len())
        .sum();
    assert_eq!(kept, 2, "the two keyframes");
}

/// A damaged Vorbis header claiming 3.9 GHz (found by mutating `h264_vorbis.mkv`): refused
/// with a clear error, where the resampler built for that rate held 24 GB until killed.
#[test]
fn an_absurd_audio_sample_rate_is_refused() {
    let mut bytes = std::fs::read(fixture("h264_vorbis.mkv")).unwrap();
    let ident = bytes
        .windows(7)
        .position(|w| w == b"\x01vorbis")
        .expect("the Vorbis identification header");
    // Version (4 bytes) and channels (1) come first, then the rate, little-endian.
    let rate = ident + 7 + 4 + 1;
    bytes[rate..rate + 4].copy_from_slice(&0xe771_ac44u32.to_le_bytes());
    let src = tempfile::Builder::new().suffix(".mkv").tempfile().unwrap();
    std::fs::write(src.path(), bytes).unwrap();
    let err = transcode_to(src.path(), 48).expect_err("refused");
    assert!(err.to_string().contains("3882986564 Hz"), "{err}");
}

/// symphonia's Vorbis decoder panics on a setup header with one damaged byte (an index out of
/// bounds in its codebook, found by mutation): the command ends in an error, and the panic is
/// one warning line on stderr, not a crash report with a backtrace.
#[test]
fn a_decoder_panic_is_an_error_and_a_warning() {
    let mut bytes = std::fs::read(fixture("audio_vorbis.mka")).unwrap();
    let setup = bytes
        .windows(7)
        .position(|w| w == b"\x05vorbis")
        .expect("the Vorbis setup header");
    bytes[setup + 1593] = 0xbf;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("damaged.mka");
    std::fs::write(&src, bytes).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kinora"))
        .args(["media", "transcode"])
        .arg(&src)
        .arg("--out")
        .arg(dir.path().join("out"))
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the audio decoder's setup panicked, and its input is refused"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the audio decoder failed on this stream"),
        "{stderr}"
    );
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
    assert!(!dir.path().join("out").exists());
}

/// Bounded mutation test of the whole transcode (demux, decode with concealment, audio, AV1
/// encode, mux): damaged copies of an MP4 and a Matroska file with Vorbis audio transcode or
/// end in an error, never a panic (what `mutations_never_panic` in `tests/media_probe.rs` and
/// `mutated_media_never_panics` in `tests/media_remux.rs` check for probe and remux).
#[test]
fn mutated_uploads_transcode_or_fail_cleanly() {
    let mut rng = media_support::XorShift(0x7a11_c0de_0bad_f00d);
    let dir = tempfile::tempdir().unwrap();
    let mut outcomes = (0, 0);
    for name in ["short.mp4", "h264_vorbis.mkv"] {
        let original = std::fs::read(fixture(name)).unwrap();
        for i in 0..16 {
            let mut d = original.clone();
            if i % 2 == 0 {
                // The headers: sample tables, codec configurations, track entries.
                let at = rng.below(d.len().min(4096));
                for b in d.iter_mut().skip(at).take(1 + rng.below(8)) {
                    *b = rng.next() as u8;
                }
            } else {
                // The coded pictures and audio packets.
                for _ in 0..1 + rng.below(6) {
                    let at = d.len() / 8 + rng.below(d.len() - d.len() / 8);
                    d[at] = rng.next() as u8;
                }
            }
            let src = dir.path().join(format!("m-{i}-{name}"));
            std::fs::write(&src, &d).unwrap();
            let transcoded = std::panic::catch_unwind(|| transcode_to(&src, 36));
            match transcoded {
                Ok(Ok(_)) => outcomes.0 += 1,
                Ok(Err(_)) => outcomes.1 += 1,
                Err(_) => panic!("panicked on mutation {i} of {name}"),
            }
        }
    }
    eprintln!(
        "mutations: {} transcoded, {} refused",
        outcomes.0, outcomes.1
    );
    assert!(
        outcomes.0 > 0,
        "damage the pipeline conceals still gives a video"
    );
}
