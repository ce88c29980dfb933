//! How many arenas glibc's allocator may keep, set once per process by its role.
//!
//! glibc gives threads their own arenas (up to eight per core) and keeps freed memory in the
//! arena it came from. A transcode frees megabytes of pictures per frame on half a dozen threads,
//! so each arena kept its own high-water mark: a 1080p ladder's resident memory was 365 MB on a
//! 245 MB heap, and a server that had answered segments (1 MiB reads on many threads) sat at
//! 175 MB. Measured in docs/BENCHMARKS.md: one arena brings the ladder to 275 MB with no change in
//! encoding time, two bring the server to 80 MB with no change in throughput (one arena cost the
//! video list a tenth of its requests per second). No crate sets this; it is one libc call.

/// Caps the arenas. Call before the process starts its threads: an arena, once given to a
/// thread, stays its.
pub fn limit_arenas(arenas: i32) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is thread-safe and takes no pointers.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas.max(1));
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = arenas;
}
