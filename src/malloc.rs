//! How many arenas glibc's allocator may keep, set by processes that do one media job.
//!
//! glibc gives threads their own arenas (up to eight per core) and keeps freed memory in the
//! arena it came from. A transcode frees megabytes of pictures per frame on half a dozen threads,
//! so each arena kept its own high-water mark: a 1080p ladder's resident memory was 365 MB on a
//! 245 MB heap; one arena brings it to 275 MB with no change in encoding time
//! (docs/BENCHMARKS.md). The server keeps glibc's default: there, with many request threads
//! allocating at once, two arenas cost the signed-in video list a tenth of its requests per
//! second. No crate sets this; it is one libc call.

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
