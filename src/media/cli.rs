//! `kinora media ...`: probe, remux and transcode from the command line.

use std::path::PathBuf;

use anyhow::Context;

use super::control::{Control, Progress};
use super::plan::LadderConfig;
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
    /// Make the HLS ladder: the remuxed original when browser-playable, AV1 rungs below it.
    Transcode {
        file: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Rung resolutions (the smaller side of the picture), comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = [360u32, 720])]
        resolutions: Vec<u32>,
        /// rav1e speed preset, 0 (slowest) to 10 (fastest).
        #[arg(long, default_value_t = 10)]
        speed: u8,
        /// Encoder threads.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Print the plan as JSON and stop.
        #[arg(long)]
        plan_only: bool,
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
        MediaCommand::Transcode {
            file,
            out,
            resolutions,
            speed,
            threads: _,
            plan_only,
        } => {
            let report =
                super::probe(&file).with_context(|| format!("probing {}", file.display()))?;
            let cfg = LadderConfig {
                resolutions,
                av1_speed: speed.min(10),
                ..Default::default()
            };
            let plan = super::plan(&report, &cfg)?;
            if plan_only {
                println!("{}", serde_json::to_string_pretty(&plan)?);
                return Ok(());
            }
            let control = Control::new().with_progress(print_progress);
            let result = super::run(&file, &out, &plan, &RemuxOptions::default(), &control)
                .with_context(|| format!("transcoding {}", file.display()))?;
            println!("{}", serde_json::to_string_pretty(&result)?);
        }
    }
    Ok(())
}
