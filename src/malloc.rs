//! How many arenas glibc's allocator may keep, set once per process by its role.
//!
//! glibc gives threads their own arenas (up to eight per core) and keeps freed memory in the
//! arena it came from, so each arena keeps its own high-water mark. Measured in
//! docs/BENCHMARKS.md: a transcode frees megabytes of pictures per frame on half a dozen
//! threads, and a 1080p ladder's resident memory was 365 MB on a 245 MB heap; one arena brings
//! it to 275 MB with no change in encoding time. A server answering segments (1 MiB reads on
//! many threads) grew to 206 MB, 85 MB with two arenas; two cost a video list built afresh
//! (a page-cache miss) a tenth of its requests per second, but cached lists, segments and the
//! rest nothing measurable. No crate sets this; it is one libc call.

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
