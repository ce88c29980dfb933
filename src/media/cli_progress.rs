//! Progress display for `kinora media ...`: a bar redrawn in place on a terminal (percent,
//! frames per second, speed, time left), plain lines when stderr is a pipe or a log file.
//!
//! Hand-written rather than indicatif: one line of text redrawn with `\r`, where the job's own
//! callback already says when to draw; a dependency would add more than it saves.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::control::Progress;

const BAR: usize = 28;

/// Draws progress reports on stderr.
pub struct ProgressDisplay {
    terminal: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    stage: String,
    last_line: Option<Instant>,
    drawn: bool,
}

fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// The bar line for a terminal, without the leading `\r`.
pub fn bar_line(p: &Progress) -> String {
    let f = p.fraction();
    let filled = ((f * BAR as f64).round() as usize).min(BAR);
    let mut line = format!(
        "{} [{}{}] {:>3.0}%",
        p.stage,
        "#".repeat(filled),
        "-".repeat(BAR - filled),
        f * 100.0
    );
    if let Some(fps) = p.frames_per_second {
        line.push_str(&format!("  {fps:.1} fps"));
    }
    line.push_str(&format!("  {:.2}x", p.speed));
    if let Some(eta) = p.eta_seconds() {
        line.push_str(&format!("  {} left", clock(eta)));
    }
    line
}

/// The plain line for logs.
pub fn plain_line(p: &Progress) -> String {
    let fps = p
        .frames_per_second
        .map(|f| format!(", {f:.1} fps"))
        .unwrap_or_default();
    let eta = p
        .eta_seconds()
        .map(|s| format!(", {s:.0} s left"))
        .unwrap_or_default();
    format!(
        "{}: {:.0}% ({:.2}x real time{fps}{eta})",
        p.stage,
        p.fraction() * 100.0,
        p.speed
    )
}

impl ProgressDisplay {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub fn for_stderr() -> Self {
        ProgressDisplay {
            terminal: std::io::stderr().is_terminal(),
            state: Mutex::new(State::default()),
        }
    }

    pub fn show(&self, p: &Progress) {
        // A poisoned lock only means an earlier draw panicked; drawing on is harmless.
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut err = std::io::stderr().lock();
        let new_stage = st.stage != p.stage;
        if self.terminal {
            if new_stage && st.drawn {
                let _ = writeln!(err);
            }
            // Pad so a shorter line erases the end of the previous one.
            let _ = write!(err, "\r{:<78}", bar_line(p));
            let _ = err.flush();
            st.drawn = true;
        } else {
            // A line every 5 s at most (and at each stage change and the end) keeps logs short.
            let due = st
                .last_line
                .is_none_or(|t| t.elapsed() >= Duration::from_secs(5));
            if new_stage || due || p.fraction() >= 1.0 {
                let _ = writeln!(err, "{}", plain_line(p));
                st.last_line = Some(Instant::now());
            }
        }
        st.stage = p.stage.clone();
    }

    /// Ends the bar's line so what follows starts on a fresh one.
    pub fn finish(&self) {
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if self.terminal && st.drawn {
            eprintln!();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_and_plain_lines() {
        let p = Progress {
            stage: "transcode".into(),
            done_seconds: 5.0,
            total_seconds: 20.0,
            speed: 0.5,
            frames_per_second: Some(15.0),
        };
        assert_eq!(
            bar_line(&p),
            "transcode [#######---------------------]  25%  15.0 fps  0.50x  0:30 left"
        );
        assert_eq!(
            plain_line(&p),
            "transcode: 25% (0.50x real time, 15.0 fps, 30 s left)"
        );
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
