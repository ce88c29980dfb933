//! `kinora media ...`: probe, remux and transcode from the command line.

use std::path::PathBuf;

use anyhow::Context;

use super::control::{Control, Progress};
use super::remux::RemuxOptions;

/// The `media` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum MediaCommand {
    /// Print what a file is, as JSON.
    Probe {
        /// The media file to inspect.
        file: PathBuf,
    },
    /// Repackage a browser-playable MP4/MOV as HLS without re-encoding.
    Remux {
        file: PathBuf,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Target segment duration in seconds.
        #[arg(long, default_value_t = 4.0)]
        segment_seconds: f64,
    },
}

fn print_progress(p: &Progress) {
    let eta = p
        .eta_seconds()
        .map(|s| format!(", {s:.0} s left"))
        .unwrap_or_default();
    eprintln!(
        "{}: {:.0}% ({:.1}x real time{eta})",
        p.stage,
        p.fraction() * 100.0,
        p.speed
    );
}

/// Runs one media subcommand; errors are printed by the caller, which exits non-zero.
pub fn run(cmd: MediaCommand) -> anyhow::Result<()> {
    match cmd {
        MediaCommand::Probe { file } => {
            let report =
                super::probe(&file).with_context(|| format!("probing {}", file.display()))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        MediaCommand::Remux {
            file,
            out,
            segment_seconds,
        } => {
            let opts = RemuxOptions {
                segment_seconds,
                ..Default::default()
            };
            let control = Control::new().with_progress(print_progress);
            let result = super::remux(&file, &out, &opts, &control)
                .with_context(|| format!("remuxing {}", file.display()))?;
            println!("{}", serde_json::to_string_pretty(&result)?);
        }
    }
    Ok(())
}
