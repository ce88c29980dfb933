//! Running a plan: produce each planned rendition in order into one output directory, with
//! progress and cancellation, and describe every file written.

use std::path::Path;

use super::MediaError;
use super::control::Control;
use super::output::PendingFiles;
use super::plan::{Action, Plan};
use super::remux::{HlsOutput, RemuxOptions, finish, remux_rendition};

/// Executes `plan` for `input` into `out_dir`. All files appear together when every rendition is
/// done; on error or cancellation none does. For instant playback, run `plan.remux_only()` first
/// (seconds), then the full plan, which rewrites the directory with every rung.
pub fn run(
    input: &Path,
    out_dir: &Path,
    plan: &Plan,
    opts: &RemuxOptions,
    control: &Control,
) -> Result<HlsOutput, MediaError> {
    if plan.renditions.is_empty() {
        return Err(MediaError::Unsupported("the plan has no renditions".into()));
    }
    let mut pending = PendingFiles::new(out_dir)?;
    let mut outputs = Vec::new();
    for r in &plan.renditions {
        control.check()?;
        match r.action {
            Action::Remux => outputs.push(remux_rendition(input, &mut pending, opts, control)?),
            Action::EncodeAv1 { .. } => {
                return Err(MediaError::Unsupported(
                    "AV1 encoding is not implemented in this build; run plan.remux_only()".into(),
                ));
            }
        }
    }
    finish(pending, outputs)
}
