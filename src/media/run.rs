//! Running a plan: produce each planned rendition into one output directory (remux first, then
//! every AV1 rung from a single decode), plus thumbnails, with progress and cancellation, and
//! describe every file written.

use std::path::Path;

use super::MediaError;
use super::control::Control;
use super::output::PendingFiles;
use super::plan::{Action, Plan};
use super::remux::{HlsOutput, RemuxOptions, finish, remux_rendition};
use super::transcode::{TranscodeOptions, encode_rungs};

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
    if !encodes.is_empty() {
        let (encoded, frame, rotation) =
            encode_rungs(input, &mut pending, &encodes, opts, control)?;
        outputs.extend(encoded);
        if let Some(pic) = frame {
            super::thumbnails::write_images(&pic, rotation, &mut pending)?;
        }
    }
    if opts.pictures_from_keyframes && encodes.is_empty() {
        super::thumbnails::try_from_keyframes(input, &mut pending, &opts.limits);
    }
    finish(pending, outputs)
}
