//! Named crash points for the crash-recovery tests: in debug builds, when `KINORA_CRASH_AT`
//! names a point, the process aborts there (as `kill -9` would, with no cleanup), so a test can
//! stop the pipeline exactly between two stages; `KINORA_HOLD_AT` holds a stage until the job
//! is cancelled. Release builds compile both to nothing.

/// Aborts the process if `KINORA_CRASH_AT` equals `point` (debug builds only).
pub fn hit(point: &str) {
    if cfg!(debug_assertions) && std::env::var("KINORA_CRASH_AT").is_ok_and(|p| p == point) {
        eprintln!("crash point {point}: aborting");
        std::process::abort();
    }
}

/// Blocks while `KINORA_HOLD_AT` equals `point` (debug builds only), until `cancel` is set: a
/// stand-in for a long stage, so a test can stop the server while a job is surely running.
pub fn hold(point: &str, cancel: &std::sync::atomic::AtomicBool) {
    if cfg!(debug_assertions) && std::env::var("KINORA_HOLD_AT").is_ok_and(|p| p == point) {
        eprintln!("hold point {point}: waiting for cancellation");
        while !cancel.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}
