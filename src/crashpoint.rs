//! Named crash points for the crash-recovery tests: in debug builds, when `KINORA_CRASH_AT`
//! names a point, the process aborts there (as `kill -9` would, with no cleanup), so a test can
//! stop the pipeline exactly between two stages. Release builds compile this to nothing.

/// Aborts the process if `KINORA_CRASH_AT` equals `point` (debug builds only).
pub fn hit(point: &str) {
    if cfg!(debug_assertions) && std::env::var("KINORA_CRASH_AT").is_ok_and(|p| p == point) {
        eprintln!("crash point {point}: aborting");
        std::process::abort();
    }
}
