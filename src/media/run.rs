//! Running a plan: produce each planned rendition into one output directory (remux first, then
//! the AV1 rungs up to 720p from one decode and each larger one from its own), plus thumbnails,
//! with progress and cancellation, and describe every file written.

use std::path::Path;

use super::MediaError;
use super::control::Control;
use super::output::PendingFiles;
use super::plan::{Action, Plan, PlannedRendition, split_pass};
use super::remux::{HlsOutput, RemuxOptions, finish, remux_rendition};
use super::transcode::{PassAudio, TranscodeOptions, encode_rungs};

/// Executes `plan` for `input` into `out_dir`. All files appear together when every rendition is
/// done; on error or cancellation none does. For instant playback, run `plan.remux_only()` first
/// (seconds), then the full plan, which rewrites the directory with every rung.
pub fn run(
    input: &Path,
    out_dir: &Path,
    plan: &Plan,
    opts: &TranscodeOptions,
    control: &Control,
) -> Result<HlsOutput, MediaError> {
    if plan.renditions.is_empty() {
        return Err(MediaError::Unsupported("the plan has no renditions".into()));
    }
    let mut pending = PendingFiles::new(out_dir)?;
    let mut outputs = Vec::new();
    let report = super::probe_with(input, &opts.limits)?;
    if !report
        .streams
        .iter()
        .any(|s| s.kind == super::StreamKind::Video)
    {
        // Audio only: one rendition, a still picture over the Opus audio.
        let rung = plan
            .renditions
            .first()
            .ok_or_else(|| MediaError::Unsupported("the plan has no renditions".into()))?;
        control.check()?;
        outputs.push(super::still::encode(
            input,
            &report,
            &mut pending,
            rung,
            opts,
            control,
        )?);
        return finish(pending, outputs);
    }
    // An AV1 rung replacing the original takes its name; the remux is then skipped.
    let replaced = plan.renditions.iter().any(|r| r.replaces_original);
    if !replaced && plan.remuxes() {
        let remux_opts = RemuxOptions {
            segment_seconds: opts.segment_seconds,
            limits: opts.limits,
            pictures: false,
        };
        outputs.push(remux_rendition(input, &mut pending, &remux_opts, control)?);
    }
    let encodes: Vec<_> = plan
        .renditions
        .iter()
        .filter(|r| matches!(r.action, Action::EncodeAv1 { .. }))
        .cloned()
        .collect();
    let passes = encode_passes(&encodes);
    let mut audio = PassAudio::default();
    for (i, pass) in passes.iter().enumerate() {
        let (encoded, frame, rotation) = encode_rungs(
            input,
            &mut pending,
            pass,
            opts,
            &control.share(i, passes.len()),
            &mut audio,
        )?;
        outputs.extend(encoded);
        if let Some(pic) = frame.filter(|_| i == 0) {
            super::thumbnails::write_images(&pic, rotation, &mut pending)?;
        }
    }
    if opts.pictures_from_keyframes && encodes.is_empty() {
        super::thumbnails::try_from_keyframes(input, &mut pending, &opts.limits);
    }
    finish(pending, outputs)
}

/// The encoded rungs in decoding passes (`split_pass`): rungs up to 720p from one decode, each
/// larger one from a decode of its own, so that no pass holds every encoder of a 1080p ladder
/// at once (446 MB in one decode, 273-277 MB in two passes, docs/BENCHMARKS.md).
fn encode_passes(encodes: &[PlannedRendition]) -> Vec<Vec<PlannedRendition>> {
    let mut left: Vec<u32> = encodes.iter().map(|r| r.resolution).collect();
    let mut passes = Vec::new();
    while !left.is_empty() {
        let (now, later) = split_pass(left);
        passes.push(
            encodes
                .iter()
                .filter(|r| now.contains(&r.resolution))
                .cloned()
                .collect(),
        );
        left = later;
    }
    passes
}
