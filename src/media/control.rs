//! Run control shared by long media jobs: a cancellation flag checked between units of work, and
//! a progress callback.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::MediaError;

/// Progress of a running job.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    /// What is running, e.g. `remux 720p`.
    pub stage: String,
    /// Media seconds processed and in total.
    pub done_seconds: f64,
    pub total_seconds: f64,
    /// Processing speed in media seconds per wall-clock second.
    pub speed: f64,
    /// Pictures processed per wall-clock second, when pictures are decoded (not for a remux).
    pub frames_per_second: Option<f64>,
}

impl Progress {
    pub fn fraction(&self) -> f64 {
        if self.total_seconds > 0.0 {
            (self.done_seconds / self.total_seconds).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// Estimated seconds left at the current speed.
    pub fn eta_seconds(&self) -> Option<f64> {
        (self.speed > 0.0).then(|| (self.total_seconds - self.done_seconds).max(0.0) / self.speed)
    }
}

pub type ProgressFn = dyn Fn(&Progress) + Send + Sync;

/// Handed to every run: set `cancel` from another thread to stop the job; partial outputs are
/// removed and the run returns `MediaError::Cancelled`.
#[derive(Clone, Default)]
pub struct Control {
    pub cancel: Arc<AtomicBool>,
    pub progress: Option<Arc<ProgressFn>>,
}

impl Control {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Returns `Cancelled` once the flag is set; called between segments and frames.
    pub fn check(&self) -> Result<(), MediaError> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(MediaError::Cancelled)
        } else {
            Ok(())
        }
    }

    pub fn report(&self, p: &Progress) {
        if let Some(f) = &self.progress {
            f(p);
        }
    }
}
