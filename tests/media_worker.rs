//! `media::worker`: a plan run in `kinora media run-worker` gives what the library gives in
//! process, failures keep their words, cancellation and a dead worker leave no file behind.

mod media_support;

use std::path::Path;
use std::sync::atomic::Ordering;

use kinora::media::worker::{self, Launcher};
use kinora::media::{
    Control, HlsOutput, LadderConfig, MediaError, Plan, TranscodeOptions, plan, probe, run,
};
use media_support::{fixture, track_payloads};

fn launcher() -> Launcher {
    Launcher {
        exe: env!("CARGO_BIN_EXE_kinora").into(),
        json_logs: false,
        memory_limit: None,
    }
}

fn ladder_of(name: &str, resolutions: &[u32]) -> Plan {
    let cfg = LadderConfig {
        resolutions: resolutions.to_vec(),
        ..Default::default()
    };
    plan(&probe(fixture(name)).unwrap(), &cfg).unwrap()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The output with the paths made relative, so two directories' results compare.
fn relative(out: &HlsOutput, dir: &Path) -> HlsOutput {
    let mut out = out.clone();
    let strip = |p: &mut std::path::PathBuf| *p = p.strip_prefix(dir).unwrap().to_path_buf();
    strip(&mut out.master);
    strip(&mut out.segments_sha256);
    for r in &mut out.renditions {
        strip(&mut r.playlist);
        strip(&mut r.file);
    }
    out
}

#[test]
fn the_worker_makes_what_the_library_makes() {
    let src = fixture("short.mp4");
    let p = ladder_of("short.mp4", &[36]);
    let opts = TranscodeOptions::default();
    let (here, there) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let local = run(&src, here.path(), &p, &opts, &Control::new()).unwrap();

    let reports = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = reports.clone();
    let control = Control::new().with_progress(move |_| {
        counted.fetch_add(1, Ordering::Relaxed);
    });
    let remote = worker::run(&launcher(), &src, there.path(), &p, &opts, &control).unwrap();
    assert!(reports.load(Ordering::Relaxed) > 0, "progress is relayed");

    // Segments included: they do not travel in the output's own JSON.
    assert!(remote.renditions.iter().all(|r| !r.segments.is_empty()));
    assert_eq!(
        relative(&remote, there.path()),
        relative(&local, here.path())
    );
    assert_eq!(names_in(there.path()), names_in(here.path()));
    for name in names_in(here.path()) {
        let a = std::fs::read(here.path().join(&name)).unwrap();
        let b = std::fs::read(there.path().join(&name)).unwrap();
        assert!(a == b, "{name} differs between the worker and the library");
    }
}

/// The worker takes the audio of an earlier rendition (`audio_from`) as the library does: the
/// server runs each rung above 720p in a worker of its own, after the pass that encoded it.
#[test]
fn the_worker_muxes_an_earlier_renditions_audio() {
    let donor = tempfile::tempdir().unwrap();
    let p = ladder_of("sync.mp4", &[36]);
    let opts = TranscodeOptions::default();
    run(
        &fixture("sync.mp4"),
        donor.path(),
        &p,
        &opts,
        &Control::new(),
    )
    .unwrap();
    let from = donor.path().join("36-fragmented.mp4");
    let out = tempfile::tempdir().unwrap();
    let opts = TranscodeOptions {
        audio_from: Some(from.clone()),
        ..opts
    };
    let p = ladder_of("short.mp4", &[36]);
    worker::run(
        &launcher(),
        &fixture("short.mp4"),
        out.path(),
        &p,
        &opts,
        &Control::new(),
    )
    .unwrap();
    let audio = |file: &Path| track_payloads(&std::fs::read(file).unwrap(), 2);
    let muxed = audio(&out.path().join("36-fragmented.mp4"));
    assert!(muxed.len() > 50);
    assert!(muxed == audio(&from), "the earlier rendition's packets");
}

#[test]
fn failures_come_back_in_the_same_words() {
    let out = tempfile::tempdir().unwrap();
    // A plan forced onto an input the transcoder refuses.
    let p = ladder_of("short.mp4", &[36]);
    let src = fixture("hevc.mp4");
    let opts = TranscodeOptions::default();
    let local = run(&src, out.path(), &p, &opts, &Control::new()).unwrap_err();
    let remote =
        worker::run(&launcher(), &src, out.path(), &p, &opts, &Control::new()).unwrap_err();
    assert!(matches!(remote, MediaError::Reported(_)), "{remote:?}");
    assert_eq!(remote.to_string(), local.to_string());
    assert!(names_in(out.path()).is_empty());

    let missing = out.path().join("missing.mp4");
    let e = worker::run(
        &launcher(),
        &missing,
        out.path(),
        &p,
        &opts,
        &Control::new(),
    )
    .unwrap_err();
    assert!(
        matches!(e, MediaError::Io(_)),
        "file trouble stays retryable: {e:?}"
    );
}

#[test]
fn cancelling_stops_the_worker_and_leaves_nothing() {
    let src = fixture("long.mp4");
    let p = ladder_of("long.mp4", &[36, 48, 72]);
    let out = tempfile::tempdir().unwrap();
    let control = Control::new();
    let cancel = control.cancel.clone();
    // Cancelled at the first sign of work: the remux's first segment.
    let control = control.with_progress(move |_| cancel.store(true, Ordering::Relaxed));
    let e = worker::run(
        &launcher(),
        &src,
        out.path(),
        &p,
        &TranscodeOptions::default(),
        &control,
    )
    .unwrap_err();
    assert!(matches!(e, MediaError::Cancelled), "{e:?}");
    assert!(
        names_in(out.path()).is_empty(),
        "{:?}",
        names_in(out.path())
    );
}

#[test]
fn a_worker_that_dies_is_reported_as_stopped() {
    let out = tempfile::tempdir().unwrap();
    let p = ladder_of("short.mp4", &[36]);
    let opts = TranscodeOptions::default();
    // A "worker" that exits at once without a word, and one that cannot be started.
    for exe in ["/bin/false", "/nonexistent/kinora"] {
        let dead = Launcher {
            exe: exe.into(),
            json_logs: false,
            memory_limit: None,
        };
        let e = worker::run(
            &dead,
            &fixture("short.mp4"),
            out.path(),
            &p,
            &opts,
            &Control::new(),
        )
        .unwrap_err();
        assert!(matches!(e, MediaError::WorkerStopped(_)), "{exe}: {e:?}");
        assert!(e.to_string().contains("media worker"), "{exe}: {e}");
    }
    assert!(names_in(out.path()).is_empty());
}

/// A pass that needs more memory than a worker may allocate fails with that reason, which is
/// not retried like a crash, and leaves nothing; under the same limit a remux still runs.
#[test]
fn a_worker_over_its_memory_limit_says_so() {
    let limited = Launcher {
        // The AV1 rungs of a 320x180 upload need about 54 MB; its remux about 6 MB.
        memory_limit: Some(24 << 20),
        ..launcher()
    };
    let src = fixture("h264_aac.mp4");
    let ladder = ladder_of("h264_aac.mp4", &[144]);
    let encode = Plan {
        renditions: ladder
            .renditions
            .iter()
            .filter(|r| r.action != kinora::media::Action::Remux)
            .cloned()
            .collect(),
        ..ladder.clone()
    };
    let opts = TranscodeOptions::default();
    let out = tempfile::tempdir().unwrap();
    let e = worker::run(&limited, &src, out.path(), &encode, &opts, &Control::new()).unwrap_err();
    assert!(
        matches!(e, MediaError::OutOfMemory { limit } if limit == 24 << 20),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("24MiB, transcoding.worker_memory"),
        "{e}"
    );
    assert!(
        names_in(out.path()).is_empty(),
        "{:?}",
        names_in(out.path())
    );
    let remuxed = worker::run(
        &limited,
        &src,
        out.path(),
        &ladder.remux_only(),
        &opts,
        &Control::new(),
    )
    .unwrap();
    assert_eq!(remuxed.renditions.len(), 1);
}
