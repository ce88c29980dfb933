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

    /// The control of part `index` of `count` equal parts of a job (decoding passes over the
    /// same input): the same cancellation flag, progress counted over the whole job.
    pub fn share(&self, index: usize, count: usize) -> Control {
        let (Some(report), true) = (self.progress.clone(), count > 1) else {
            return self.clone();
        };
        let (index, count) = (index as f64, count as f64);
        Control {
            cancel: self.cancel.clone(),
            progress: Some(Arc::new(move |p: &Progress| {
                report(&Progress {
                    done_seconds: index * p.total_seconds + p.done_seconds,
                    total_seconds: count * p.total_seconds,
                    ..p.clone()
                })
            })),
        }
    }

    pub fn report(&self, p: &Progress) {
        if let Some(f) = &self.progress {
            f(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn a_share_reports_progress_over_the_whole_job() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let into = seen.clone();
        let control =
            Control::new().with_progress(move |p| into.lock().unwrap().push(p.fraction()));
        let at = |done| Progress {
            stage: "transcode".into(),
            done_seconds: done,
            total_seconds: 10.0,
            speed: 1.0,
            frames_per_second: None,
        };
        control.share(0, 2).report(&at(5.0));
        control.share(1, 2).report(&at(5.0));
        control.share(1, 2).report(&at(10.0));
        control.share(0, 1).report(&at(5.0));
        assert_eq!(*seen.lock().unwrap(), vec![0.25, 0.75, 1.0, 0.5]);
        control.cancel.store(true, Ordering::Relaxed);
        assert!(
            control.share(1, 2).check().is_err(),
            "one cancellation flag"
        );
    }
}
