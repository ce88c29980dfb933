//! `kinora media ...`: probe, remux and transcode from the command line.

use std::path::PathBuf;

use anyhow::Context;

use std::sync::Arc;

use super::cli_progress::ProgressDisplay;
use super::control::Control;
use super::encode::av1::Av1Tuning;
use super::per_resolution::{OnOff, PerResolution};
use super::plan::{LadderConfig, TopRung};
use super::remux::RemuxOptions;
use super::transcode::TranscodeOptions;

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
        /// The media file to repackage.
        file: PathBuf,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Target segment duration in seconds, 0.5 to 60 (segments start on keyframes).
        #[arg(long, default_value_t = 4.0, value_parser = |v: &str| in_range(v, 0.5..=60.0))]
        segment_seconds: f64,
    },
    /// Make the HLS ladder: the remuxed original when browser-playable, AV1 rungs below it.
    Transcode {
        /// The media file to transcode.
        file: PathBuf,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Rung resolutions (the smaller side of the picture, 16 to 4320), comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = [360u32, 720],
              value_parser = |v: &str| in_range(v, super::plan::RESOLUTIONS))]
        resolutions: Vec<u32>,
        /// rav1e speed preset, 0 (slowest) to 10 (fastest); `10,360:9` gives the rungs up to
        /// 360p their own [default: 10].
        #[arg(long, value_parser = |v: &str| PerResolution::parse_at_most(v, 10))]
        speed: Option<PerResolution<u8>>,
        /// rav1e quantizer, 0 (best) to 255; `RES:Q` entries apply to the rungs up to RES
        /// [default: 140,720:130,360:135].
        #[arg(long, value_parser = |v: &str| PerResolution::parse_at_most(v, 255))]
        quantizer: Option<PerResolution<u8>>,
        /// rav1e's low-latency mode (no frame reordering) per rung, `on` or `off`, with
        /// `RES:on|off` entries for the rungs up to RES [default: on,720:off].
        #[arg(long, value_parser = |v: &str| v.parse::<PerResolution<OnOff>>())]
        low_latency: Option<PerResolution<OnOff>>,
        /// Encoder threads per rendition, 1 to 256.
        #[arg(long, default_value_t = 2, value_parser = |v: &str| in_range(v, 1..=256usize))]
        threads: usize,
        /// `keep_original` (the remuxed upload is the top rung) or `replace_with_av1`.
        #[arg(long, default_value = "keep_original", value_parser = |v: &str| v.parse::<TopRung>())]
        top_rung: TopRung,
        /// Frame rate cap for encoded renditions, 1 to 120.
        #[arg(long, default_value_t = 60.0, value_parser = |v: &str| in_range(v, super::plan::MAX_FPS))]
        max_fps: f64,
        /// Percentage of the pictures that may be damaged (skipped to the next keyframe)
        /// before the transcode fails: 0 refuses any damage, 100 keeps whatever decodes.
        #[arg(long, value_name = "PERCENT", default_value_t = super::DEFAULT_MAX_DAMAGED_PERCENT,
              value_parser = |v: &str| in_range(v, 0..=100u8))]
        max_damaged: u8,
        /// rav1e settings beyond the preset, for measuring them: `tune=psnr|psychovisual`,
        /// `lookahead=N`, `scene_detection=on|off`, `cdef=on|off`, `tiles=N`,
        /// `partition=MIN-MAX` (log2 block sides, 3..6), `low_latency=on|off`,
        /// `tx_domain_rate=on|off`, `inter_tx_split=on|off`, `segmentation=on|off`,
        /// `fine_intra=on|off`. Repeatable.
        #[arg(long = "av1", value_name = "KEY=VALUE")]
        av1_options: Vec<String>,
        /// Print the plan as JSON and stop.
        #[arg(long)]
        plan_only: bool,
    },
    /// Internal: runs one processing pass for a parent kinora server: the job on stdin,
    /// progress and the result on stdout (see `media::worker`).
    #[command(hide = true)]
    RunWorker {
        /// The server's process id: the worker ends with it.
        #[arg(long)]
        parent: u32,
        /// Log as JSON lines, like the server.
        #[arg(long)]
        json_logs: bool,
        /// Bytes the worker may allocate (its data segment limit); none when absent.
        #[arg(long)]
        memory_limit: Option<u64>,
    },
    /// Internal: decodes one AV1 stream for a parent kinora process over stdin and stdout.
    #[command(hide = true)]
    Av1DecodeWorker {
        #[arg(long)]
        threads: usize,
        #[arg(long)]
        max_pixels: u64,
    },
}

/// A number within `range` (NaN is in no range), or why not, for clap to show.
fn in_range<T>(value: &str, range: std::ops::RangeInclusive<T>) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let number: T = value
        .trim()
        .parse()
        .map_err(|_| format!("expected a number, got {value:?}"))?;
    if range.contains(&number) {
        return Ok(number);
    }
    Err(format!(
        "{value} is outside {} to {}",
        range.start(),
        range.end()
    ))
}

/// Prints JSON to stdout; a closed pipe (`| head`) is an error to report, not a panic.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Runs one media subcommand; errors are printed by the caller, which exits non-zero.
pub fn run(cmd: MediaCommand) -> anyhow::Result<()> {
    use crate::media::decode::av1;
    // One job per process, most of its memory in pictures freed on several threads: one arena
    // keeps the least (see crate::malloc).
    crate::malloc::limit_arenas(1);
    if !matches!(cmd, MediaCommand::Av1DecodeWorker { .. }) {
        // In a child process, so a stream that crashes rav1d ends in an error, not an abort.
        if let Err(e) = av1::decode_in_child_processes() {
            eprintln!(
                "warning: AV1 sources will not be decoded (cannot find this executable: {e})"
            );
        }
    }
    if matches!(
        cmd,
        MediaCommand::Probe { .. } | MediaCommand::Remux { .. } | MediaCommand::Transcode { .. }
    ) {
        // Warnings (damaged pictures skipped, a decoder's panic contained) to standard error,
        // where the user sees them next to the result; RUST_LOG asks for more.
        crate::logging::init_with("warn", crate::config::LogFormat::Text);
    }
    match cmd {
        MediaCommand::RunWorker {
            parent,
            json_logs,
            memory_limit,
        } => {
            let format = if json_logs {
                crate::config::LogFormat::Json
            } else {
                crate::config::LogFormat::Text
            };
            crate::logging::init_with("info", format);
            let (input, output) = (std::io::stdin().lock(), std::io::stdout());
            super::worker::serve(parent, memory_limit, input, output).context("media worker")?;
        }
        MediaCommand::Av1DecodeWorker {
            threads,
            max_pixels,
        } => {
            av1::set_enabled(true);
            let (input, output) = (std::io::stdin().lock(), std::io::stdout().lock());
            super::decode::av1_worker::serve(threads, max_pixels, input, output)
                .context("AV1 decode worker")?;
        }
        MediaCommand::Probe { file } => {
            let report =
                super::probe(&file).with_context(|| format!("probing {}", file.display()))?;
            print_json(&report)?;
        }
        MediaCommand::Remux {
            file,
            out,
            segment_seconds,
        } => {
            let opts = RemuxOptions {
                segment_seconds,
                pictures: true,
                ..Default::default()
            };
            let display = Arc::new(ProgressDisplay::for_stderr());
            let d = display.clone();
            let control = Control::new().with_progress(move |p| d.show(p));
            let result = super::remux(&file, &out, &opts, &control);
            display.finish();
            let result = result.with_context(|| format!("remuxing {}", file.display()))?;
            print_json(&result)?;
        }
        MediaCommand::Transcode {
            file,
            out,
            resolutions,
            speed,
            quantizer,
            low_latency,
            threads,
            top_rung,
            max_fps,
            max_damaged,
            av1_options,
            plan_only,
        } => {
            let mut av1 = Av1Tuning::default();
            for o in &av1_options {
                apply_av1_option(&mut av1, o)?;
            }
            let report =
                super::probe(&file).with_context(|| format!("probing {}", file.display()))?;
            let defaults = LadderConfig::default();
            let cfg = LadderConfig {
                resolutions,
                av1_speed: speed.unwrap_or(defaults.av1_speed),
                av1_quantizer: quantizer.unwrap_or(defaults.av1_quantizer),
                av1_low_latency: low_latency.unwrap_or(defaults.av1_low_latency),
                top_rung,
                max_fps,
            };
            let plan = super::plan(&report, &cfg)?;
            if plan_only {
                print_json(&plan)?;
                return Ok(());
            }
            let display = Arc::new(ProgressDisplay::for_stderr());
            let d = display.clone();
            let control = Control::new().with_progress(move |p| d.show(p));
            let opts = TranscodeOptions {
                threads,
                max_fps,
                av1,
                max_damaged_percent: max_damaged,
                ..Default::default()
            };
            let result = super::run(&file, &out, &plan, &opts, &control);
            display.finish();
            let result = result.with_context(|| format!("transcoding {}", file.display()))?;
            print_json(&result)?;
        }
    }
    Ok(())
}

/// Applies one `--av1 key=value` option.
fn apply_av1_option(t: &mut Av1Tuning, option: &str) -> anyhow::Result<()> {
    let (key, value) = option
        .split_once('=')
        .ok_or_else(|| anyhow::anyhow!("--av1 {option}: expected KEY=VALUE"))?;
    let on = || match value {
        "on" | "true" | "1" => Ok(true),
        "off" | "false" | "0" => Ok(false),
        _ => Err(anyhow::anyhow!("--av1 {key}: expected on or off")),
    };
    let number = || {
        value
            .parse::<usize>()
            .map_err(|_| anyhow::anyhow!("--av1 {key}: expected a number"))
    };
    match key {
        "tune" => {
            t.tune_psnr = match value {
                "psnr" => true,
                "psychovisual" => false,
                _ => anyhow::bail!("--av1 tune: expected psnr or psychovisual"),
            }
        }
        "lookahead" => t.rdo_lookahead_frames = number()?.clamp(1, 100),
        "scene_detection" => t.scene_detection = on()?,
        "cdef" => t.cdef = on()?,
        "tiles" => t.tiles = Some(number()?.clamp(1, 64)),
        "low_latency" => t.low_latency = on()?,
        "tx_domain_rate" => t.tx_domain_rate = on()?,
        "inter_tx_split" => t.inter_tx_split = Some(on()?),
        "segmentation" => t.segmentation = Some(on()?),
        "fine_intra" => t.fine_directional_intra = Some(on()?),
        "partition" => {
            let (lo, hi) = value
                .split_once('-')
                .and_then(|(a, b)| Some((a.parse::<u8>().ok()?, b.parse::<u8>().ok()?)))
                .ok_or_else(|| anyhow::anyhow!("--av1 partition: expected MIN-MAX, e.g. 4-5"))?;
            t.partition_log2 = Some((lo.clamp(2, 6), hi.clamp(2, 6)));
        }
        _ => anyhow::bail!("--av1 {key}: unknown setting"),
    }
    Ok(())
}
