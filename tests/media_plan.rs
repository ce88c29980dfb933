//! Ladder policy: remux the playable original as the top rung, AV1 below it, never upscale.

mod media_support;

use kinora::media::{
    Action, Control, LadderConfig, MediaError, OnOff, TopRung, TranscodeOptions, plan, probe, run,
};
use media_support::fixture;

fn resolutions(p: &kinora::media::Plan) -> Vec<(u32, bool)> {
    p.renditions
        .iter()
        .map(|r| (r.resolution, r.action == Action::Remux))
        .collect()
}

#[test]
fn playable_original_is_the_top_rung_and_nothing_is_upscaled() {
    let report = probe(fixture("h264_aac.mp4")).unwrap();
    let cfg = LadderConfig {
        resolutions: vec![144, 240, 360, 720],
        ..Default::default()
    };
    let p = plan(&report, &cfg).unwrap();
    // 320x180 source: remux 180 first, then AV1 144 (the only lower rung).
    assert_eq!(resolutions(&p), vec![(180, true), (144, false)]);
    assert_eq!((p.renditions[1].width, p.renditions[1].height), (256, 144));
    assert!(p.remux_possible);

    let cfg = LadderConfig {
        top_rung: TopRung::ReplaceWithAv1,
        ..cfg
    };
    let p = plan(&report, &cfg).unwrap();
    assert_eq!(
        resolutions(&p),
        vec![(180, true), (144, false), (180, false)]
    );
    assert!(p.renditions[2].replaces_original);
}

#[test]
fn portrait_source_keeps_its_orientation() {
    let report = probe(fixture("rotated.mov")).unwrap();
    let cfg = LadderConfig {
        resolutions: vec![120],
        ..Default::default()
    };
    let p = plan(&report, &cfg).unwrap();
    assert_eq!(p.renditions[0].resolution, 180);
    assert_eq!((p.renditions[0].width, p.renditions[0].height), (180, 320));
    assert_eq!((p.renditions[1].width, p.renditions[1].height), (120, 214));
}

#[test]
fn unplayable_sources_are_encoded_or_refused() {
    kinora::media::decode::av1::set_enabled(true);
    // A non-remuxable H.264 MP4 (interlaced is refused, so fake it through the report): encode
    // at most the source size, once, never upscaled.
    let mut report = probe(fixture("h264_aac.mp4")).unwrap();
    report.remuxable = false;
    let p = plan(&report, &LadderConfig::default()).unwrap();
    assert_eq!(resolutions(&p), vec![(180, false)]);
    let cfg = LadderConfig {
        resolutions: vec![144, 360],
        ..Default::default()
    };
    assert_eq!(
        resolutions(&plan(&report, &cfg).unwrap()),
        vec![(144, false)]
    );
    // H.264/AAC in Matroska: remuxed, and decoded for the lower rungs.
    let report = probe(fixture("h264.mkv")).unwrap();
    assert_eq!(
        resolutions(&plan(&report, &LadderConfig::default()).unwrap()),
        vec![(180, true)]
    );
    let cfg = LadderConfig {
        resolutions: vec![90],
        ..Default::default()
    };
    assert_eq!(
        resolutions(&plan(&report, &cfg).unwrap()),
        vec![(180, true), (90, false)]
    );
    // AV1 in MP4 and WebM: remuxed as the top rung, and decoded (rav1d) for the lower rungs.
    for name in ["av1_opus.mp4", "av1_opus.webm"] {
        let report = probe(fixture(name)).unwrap();
        let cfg = LadderConfig {
            resolutions: vec![90],
            ..Default::default()
        };
        assert_eq!(
            resolutions(&plan(&report, &cfg).unwrap()),
            vec![(180, true), (90, false)],
            "{name}"
        );
    }
    // HEVC cannot be decoded: a clear refusal.
    let report = probe(fixture("hevc.mp4")).unwrap();
    assert!(
        matches!(plan(&report, &LadderConfig::default()), Err(MediaError::Unsupported(m)) if m.contains("HEVC"))
    );
    // Audio only: one still-picture rendition.
    let report = probe(fixture("audio.mp3")).unwrap();
    assert_eq!(
        resolutions(&plan(&report, &LadderConfig::default()).unwrap()),
        vec![(360, false)]
    );
}

#[test]
fn run_remux_only_plan() {
    let report = probe(fixture("long.mp4")).unwrap();
    let p = plan(&report, &LadderConfig::default())
        .unwrap()
        .remux_only();
    let out = tempfile::tempdir().unwrap();
    let result = run(
        &fixture("long.mp4"),
        out.path(),
        &p,
        &TranscodeOptions::default(),
        &Control::new(),
    )
    .unwrap();
    assert_eq!(result.renditions.len(), 1);
    assert!(result.renditions[0].remuxed);
    assert!(out.path().join("master.m3u8").exists());
}

#[test]
fn each_rung_takes_its_own_speed_quantizer_and_mode() {
    let report = probe(fixture("h264_aac.mp4")).unwrap();
    let encoded = |cfg: &LadderConfig| -> Vec<(u32, u8, u8, bool)> {
        plan(&report, cfg)
            .unwrap()
            .renditions
            .iter()
            .filter_map(|r| match r.action {
                Action::EncodeAv1 {
                    speed,
                    quantizer,
                    low_latency,
                } => Some((r.resolution, speed, quantizer, low_latency)),
                Action::Remux => None,
            })
            .collect()
    };
    // The default raises the quantizer of scaled-down rungs (up to 360p 135, up to 720p 130)
    // and keeps frame reordering up to 720p.
    let cfg = LadderConfig {
        resolutions: vec![90, 144],
        top_rung: TopRung::ReplaceWithAv1,
        ..Default::default()
    };
    assert_eq!(
        encoded(&cfg),
        vec![
            (90, 10, 135, false),
            (144, 10, 135, false),
            (180, 10, 135, false)
        ]
    );
    let defaults = LadderConfig::default();
    assert_eq!(
        (
            defaults.av1_quantizer.at(1080),
            defaults.av1_low_latency.at(1080),
            defaults.av1_low_latency.at(720)
        ),
        (140, OnOff(true), OnOff(false)),
        "above 720p: low latency at the quantizer that spends the same bits"
    );
    let cfg = LadderConfig {
        av1_speed: "10, 100:8".parse().unwrap(),
        av1_quantizer: "150, 144:90".parse().unwrap(),
        av1_low_latency: "off, 144:on".parse().unwrap(),
        ..cfg
    };
    assert_eq!(
        encoded(&cfg),
        vec![
            (90, 8, 90, true),
            (144, 10, 90, true),
            (180, 10, 150, false)
        ]
    );
}

/// `kinora media transcode --plan-only` takes the per-rung settings in the configuration's text
/// and refuses bad ones with the expected form, and resolutions, threads and frame-rate caps
/// out of range (which used to be dropped, clamped, or make a rung of half the duration).
#[test]
fn transcode_command_plans_per_rung_settings() {
    let plan_with = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kinora"))
            .args(["media", "transcode"])
            .arg(fixture("h264_aac.mp4"))
            .args([
                "--out",
                "/nonexistent",
                "--plan-only",
                "--resolutions",
                "90,144",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let ok = plan_with(&[
        "--speed",
        "10, 100:9",
        "--quantizer",
        "110,90:140",
        "--low-latency",
        "off, 90:on",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    let rungs: Vec<_> = plan["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"]["kind"] == "encode_av1")
        .map(|r| {
            let a = &r["action"];
            (
                r["resolution"].as_u64().unwrap(),
                a["speed"].as_u64().unwrap(),
                a["quantizer"].as_u64().unwrap(),
                a["low_latency"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(rungs, vec![(90, 9, 140, true), (144, 10, 110, false)]);
    for (flag, value, says) in [
        (
            "--quantizer",
            "120, 360",
            "such as \"120\", \"120, 360:135\"",
        ),
        ("--speed", "11", "11 is above the highest value, 10"),
        ("--low-latency", "maybe", "\"maybe\" is not a value"),
        ("--resolutions", "90,0", "0 is outside 16 to 4320"),
        ("--threads", "0", "0 is outside 1 to 256"),
        ("--max-fps", "0", "0 is outside 1 to 120"),
        ("--max-fps", "nan", "nan is outside 1 to 120"),
        ("--max-damaged", "101", "101 is outside 0 to 100"),
        (
            "--top-rung",
            "best",
            "expected keep_original or replace_with_av1",
        ),
    ] {
        let bad = plan_with(&[flag, value]);
        assert_eq!(bad.status.code(), Some(2), "{flag} {value}");
        let stderr = String::from_utf8_lossy(&bad.stderr);
        assert!(stderr.contains(says), "{flag} {value}: {stderr}");
    }
}
