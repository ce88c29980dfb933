//! Multi-range requests (`Range: bytes=0-99,200-299`) answered as `multipart/byteranges`, which
//! actix-files does not do (it serves the first range only). The parts are streamed from the
//! file in bounded reads, never loaded whole. Single ranges, conditional requests and whole files
//! keep actix-files' headers, with the body read in larger pieces (`with_large_reads`).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use actix_files::HttpRange;
use actix_web::body::{MessageBody, SizedStream};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::stream::{self, StreamExt};

/// More parts than this after merging are not worth a multipart answer (and could be a way to
/// make us do many tiny reads): the whole file is sent instead, as RFC 9110 allows.
const MAX_PARTS: usize = 64;
/// Bytes per read. actix-files reads 64 KiB per blocking task; an HLS segment range is about
/// 1.3 MB, so 1 MiB pieces answer most in two hand-offs to a blocking thread (a profile of
/// segment serving showed the hand-offs' context switches as a fifth of the CPU) while one
/// answer in flight still holds a bounded 1 MiB.
const READ_CHUNK: u64 = 1024 * 1024;

/// The requested ranges of a file of `len` bytes when there are several, sorted and merged
/// where they overlap or touch. `None` for a single range, no range, an `If-Range` (left to
/// actix-files), or too many parts.
pub fn multiple(req: &HttpRequest, len: u64) -> Option<Vec<(u64, u64)>> {
    if req.headers().contains_key(header::IF_RANGE) {
        return None;
    }
    let value = req.headers().get(header::RANGE)?.to_str().ok()?;
    if !value.contains(',') {
        return None;
    }
    let mut ranges: Vec<(u64, u64)> = HttpRange::parse(value, len)
        .ok()?
        .into_iter()
        .filter(|r| r.length > 0)
        .map(|r| (r.start, r.start + r.length))
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    (merged.len() > 1 && merged.len() <= MAX_PARTS).then_some(merged)
}

/// What goes before one part's bytes.
fn part_head(boundary: &str, content_type: &str, (start, end): (u64, u64), len: u64) -> String {
    format!(
        "\r\n--{boundary}\r\nContent-Type: {content_type}\r\nContent-Range: bytes {start}-{}/{len}\r\n\r\n",
        end - 1
    )
}

/// A 206 `multipart/byteranges` answer with the parts of `path`.
pub fn respond(
    path: &Path,
    len: u64,
    content_type: &str,
    parts: Vec<(u64, u64)>,
) -> std::io::Result<HttpResponse> {
    let file = Arc::new(File::open(path)?);
    let boundary = uuid::Uuid::new_v4().simple().to_string();
    let tail = format!("\r\n--{boundary}--\r\n");
    let heads: Vec<String> = parts
        .iter()
        .map(|&p| part_head(&boundary, content_type, p, len))
        .collect();
    let total: u64 = heads.iter().map(|h| h.len() as u64).sum::<u64>()
        + parts.iter().map(|(s, e)| e - s).sum::<u64>()
        + tail.len() as u64;
    // Each part: its head, then its bytes in chunks read on a blocking thread.
    let body = stream::iter(parts.into_iter().zip(heads))
        .flat_map(move |((start, end), head)| {
            let head = stream::once(async move { Ok(Bytes::from(head)) });
            head.chain(file_chunks(file.clone(), start, end))
        })
        .chain(stream::once(async move { Ok(Bytes::from(tail)) }));
    Ok(HttpResponse::PartialContent()
        .content_type(format!("multipart/byteranges; boundary={boundary}"))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .body(SizedStream::new(total, body.boxed_local())))
}

/// The bytes `start..end` of `file`, in `READ_CHUNK` pieces: taken straight from the page
/// cache when they are there (`read_cached`), else read on a blocking thread.
pub fn file_chunks(
    file: Arc<File>,
    start: u64,
    end: u64,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> {
    chunks(file, start, end, true)
}

/// `file_chunks`, trying the page cache first or not.
fn chunks(
    file: Arc<File>,
    start: u64,
    end: u64,
    try_cached: bool,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> {
    stream::unfold((start, try_cached), move |(at, try_cached)| {
        let file = file.clone();
        async move {
            if at >= end {
                return None;
            }
            let want = (end - at).min(READ_CHUNK) as usize;
            let (cached, try_cached) = if try_cached {
                match read_cached(&file, at, want) {
                    Cached::Read(buf) => (Some(buf), true),
                    Cached::NotNow => (None, true),
                    Cached::Unsupported => (None, false),
                }
            } else {
                (None, false)
            };
            let read = match cached {
                Some(buf) => Ok(buf),
                None => match actix_web::web::block(move || read_piece(&file, at, want)).await {
                    Ok(read) => read,
                    Err(_) => Err(std::io::Error::other("file read task failed")),
                },
            };
            Some(match read {
                Ok(buf) => {
                    let next = at + buf.len() as u64;
                    (Ok(Bytes::from(buf)), (next, try_cached))
                }
                // After an error the body ends (an empty span yields nothing more).
                Err(e) => (Err(e), (end, false)),
            })
        }
    })
}

/// What a read from the page cache alone gave.
enum Cached {
    /// Some bytes (at least one, at most those asked for).
    Read(Vec<u8>),
    /// The bytes are not all in memory (or the file ended): read on a blocking thread.
    NotNow,
    /// This file system or kernel cannot read without waiting: do not ask again.
    Unsupported,
}

/// Up to `want` bytes of `file` from `at`, but only as far as they are in the page cache
/// (`preadv2` with `RWF_NOWAIT`, Linux 4.14 and later): such a read is a memory copy that never
/// waits for the disk, so it runs on the async worker and spares the hand-off to a blocking
/// thread and back, which a profile of segment serving put at a fifth of the CPU. Neither std
/// nor actix-files nor tokio offers a non-blocking buffered read, hence libc.
fn read_cached(file: &File, at: u64, want: usize) -> Cached {
    use std::os::fd::AsRawFd;
    let Ok(offset) = libc::off_t::try_from(at) else {
        return Cached::Unsupported;
    };
    let mut buf: Vec<u8> = Vec::with_capacity(want);
    let iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: want,
    };
    // SAFETY: the one iovec points at `want` bytes of `buf`'s spare capacity, which nothing
    // else touches during the call; the kernel writes at most `iov_len` bytes there, and the
    // descriptor stays open because `file` is borrowed for the call.
    let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, offset, libc::RWF_NOWAIT) };
    if n > 0 {
        // SAFETY: the kernel initialised the first `n` (<= `want`) bytes.
        unsafe { buf.set_len(n as usize) };
        return Cached::Read(buf);
    }
    if n == 0 {
        return Cached::NotNow;
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::EINTR) => Cached::NotNow,
        // EOPNOTSUPP (no RWF_NOWAIT here), ENOSYS (no preadv2), EINVAL (unknown flag).
        _ => Cached::Unsupported,
    }
}

/// `want` bytes of `file` from `at`, into a buffer that is not zeroed first (zeroing 1 MiB
/// costs as much as reading it from the page cache). Seeking is safe: each answer reads its
/// own handle, one piece after the other.
fn read_piece(file: &File, at: u64, want: usize) -> std::io::Result<Vec<u8>> {
    let mut reader = file;
    reader.seek(SeekFrom::Start(at))?;
    let mut buf = Vec::with_capacity(want);
    reader.take(want as u64).read_to_end(&mut buf)?;
    if buf.len() < want {
        // The file shrank under us: end the body rather than send fewer bytes than announced
        // without an error.
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(buf)
}

/// Replaces the body of actix-files' answer (which keeps its status and headers: validators,
/// conditional requests, `If-Range`) with `file_chunks` over the same bytes.
/// `file` is a handle on the very file actix-files opened (not the path again: a rung replaced
/// under the same name in between must not mix new bytes into an answer with the old headers).
pub fn with_large_reads(res: HttpResponse, file: File, len: u64) -> HttpResponse {
    let span = match res.status() {
        actix_web::http::StatusCode::OK => Some((0, len)),
        actix_web::http::StatusCode::PARTIAL_CONTENT => res
            .headers()
            .get(header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(content_range_span),
        _ => None,
    };
    let Some((start, end)) = span else {
        return res;
    };
    // A 304 or similar answer has no body to replace.
    if matches!(res.body().size(), actix_web::body::BodySize::None) {
        return res;
    }
    let body = SizedStream::new(
        end - start,
        file_chunks(Arc::new(file), start, end).boxed_local(),
    );
    res.set_body(body).map_into_boxed_body()
}

/// `bytes START-END/LEN` as the half-open span `START..END+1`.
fn content_range_span(value: &str) -> Option<(u64, u64)> {
    let (start, rest) = value.strip_prefix("bytes ")?.split_once('-')?;
    let (end, _) = rest.split_once('/')?;
    Some((start.parse().ok()?, end.parse::<u64>().ok()? + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn ranges(value: &str, len: u64) -> Option<Vec<(u64, u64)>> {
        multiple(
            &TestRequest::default()
                .insert_header((header::RANGE, value))
                .to_http_request(),
            len,
        )
    }

    /// Both ways of reading (page cache first, blocking threads only) give exactly the bytes
    /// asked for, across several pieces and an unaligned span.
    #[actix_web::test]
    async fn chunks_are_the_files_bytes_either_way() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("segment");
        let bytes: Vec<u8> = (0..3 * READ_CHUNK as usize + 123)
            .map(|i| (i * 7 + i / 251) as u8)
            .collect();
        std::fs::write(&path, &bytes).unwrap();
        let (start, end) = (5u64, bytes.len() as u64 - 7);
        for try_cached in [true, false] {
            let file = Arc::new(File::open(&path).unwrap());
            let read: Vec<u8> = chunks(file, start, end, try_cached)
                .map(|c| c.unwrap())
                .collect::<Vec<_>>()
                .await
                .concat();
            assert_eq!(read, &bytes[start as usize..end as usize], "{try_cached}");
        }
        // A file just written is in the page cache: the cached read gives its bytes.
        let file = File::open(&path).unwrap();
        match read_cached(&file, 1000, 4096) {
            Cached::Read(buf) => assert_eq!(buf, &bytes[1000..1000 + buf.len()]),
            Cached::NotNow | Cached::Unsupported => {
                eprintln!("no RWF_NOWAIT reads on this file system: blocking reads only")
            }
        }
        assert!(matches!(
            read_cached(&file, bytes.len() as u64, 10),
            Cached::NotNow
        ));
    }

    /// A file that is shorter than the span asked for ends the body with an error instead of
    /// sending fewer bytes than announced.
    #[actix_web::test]
    async fn a_shrunk_file_ends_in_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("segment");
        std::fs::write(&path, vec![1u8; 1000]).unwrap();
        for try_cached in [true, false] {
            let file = Arc::new(File::open(&path).unwrap());
            let read: Vec<_> = chunks(file, 0, 2000, try_cached).collect().await;
            let (last, before) = read.split_last().unwrap();
            assert!(last.is_err(), "{try_cached}");
            assert!(
                before
                    .iter()
                    .all(|c| c.as_ref().is_ok_and(|b| b == &vec![1u8; 1000]))
            );
        }
    }

    #[test]
    fn several_ranges_are_sorted_and_merged() {
        assert_eq!(
            ranges("bytes=200-299,0-99", 1000),
            Some(vec![(0, 100), (200, 300)])
        );
        assert_eq!(
            ranges("bytes=0-99,50-149,900-", 1000),
            Some(vec![(0, 150), (900, 1000)])
        );
        assert_eq!(ranges("bytes=0-99,100-199", 1000), None, "merged into one");
        assert_eq!(ranges("bytes=0-99", 1000), None, "single range");
        assert_eq!(ranges("bytes=x-y,1-2", 1000), None, "malformed");
        let many: Vec<String> = (0..100).map(|i| format!("{}-{}", i * 10, i * 10)).collect();
        assert_eq!(ranges(&format!("bytes={}", many.join(",")), 1000), None);
    }
}
