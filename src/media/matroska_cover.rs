//! Cover art in Matroska/WebM: a JPEG or PNG among the `Attachments`, preferring the names the
//! Matroska specification gives cover art (`cover.jpg`, then `cover_land`, `small_cover`...).
//!
//! Attachments can be large (subtitle fonts), so each attached file is walked by element headers
//! and only the chosen picture's data is read.

use std::io::{Read, Seek, SeekFrom};

use super::matroska::{ATTACHMENTS, MkvInfo, read_header_at, text};

const ATTACHED_FILE: u32 = 0x61A7;
const FILE_NAME: u32 = 0x466E;
const FILE_MIME_TYPE: u32 = 0x4660;
const FILE_DATA: u32 = 0x465C;
/// Larger pictures are not covers we would decode (the still frame is 640x360).
const MAX_COVER: u64 = 16 * 1024 * 1024;
/// Name and MIME type elements longer than this are not read.
const MAX_TEXT: u64 = 4096;

/// One attached picture: its name, and where its bytes are.
struct Picture {
    name: String,
    data_at: u64,
    size: u64,
}

/// Where the cover picture's bytes are (offset, length), or `None` when the file has none. A
/// malformed or unreadable attachment means "no cover", never an error: the audio still plays
/// without one.
pub fn locate<R: Read + Seek>(r: &mut R, info: &MkvInfo, file_len: u64) -> Option<(u64, u64)> {
    let at = info.attachments_at.filter(|&at| at < file_len)?;
    let h = read_header_at(r, at, file_len).ok()?;
    if h.id != ATTACHMENTS {
        return None;
    }
    let start = at + h.len as u64;
    let end = start.saturating_add(h.size?).min(file_len);
    let mut pictures = Vec::new();
    let mut p = start;
    while p < end {
        let h = read_header_at(r, p, file_len).ok()?;
        let body_at = p + h.len as u64;
        let size = h.size?;
        if h.id == ATTACHED_FILE {
            pictures.extend(attached_picture(
                r,
                body_at,
                size.min(end.saturating_sub(body_at)),
                file_len,
            ));
        }
        p = body_at.saturating_add(size);
    }
    let best = pictures.into_iter().min_by_key(|pic| rank(&pic.name))?;
    (best.size <= MAX_COVER && best.data_at.saturating_add(best.size) <= file_len)
        .then_some((best.data_at, best.size))
}

/// The cover picture's bytes (see `locate`).
pub fn find_cover<R: Read + Seek>(r: &mut R, info: &MkvInfo, file_len: u64) -> Option<Vec<u8>> {
    let (at, size) = locate(r, info, file_len)?;
    let mut data = vec![0u8; size as usize];
    r.seek(SeekFrom::Start(at)).ok()?;
    r.read_exact(&mut data).ok()?;
    Some(data)
}

/// The attached file whose body is at `at` when it is a JPEG or PNG picture.
fn attached_picture<R: Read + Seek>(
    r: &mut R,
    at: u64,
    size: u64,
    file_len: u64,
) -> Option<Picture> {
    let (mut name, mut mime, mut data) = (String::new(), String::new(), None);
    let mut p = at;
    while p < at + size {
        let h = read_header_at(r, p, file_len).ok()?;
        let body_at = p + h.len as u64;
        let len = h.size?;
        match h.id {
            FILE_NAME | FILE_MIME_TYPE if len <= MAX_TEXT => {
                let mut buf = vec![0u8; len as usize];
                r.seek(SeekFrom::Start(body_at)).ok()?;
                r.read_exact(&mut buf).ok()?;
                let value = text(&buf);
                if h.id == FILE_NAME {
                    name = value;
                } else {
                    mime = value.to_ascii_lowercase();
                }
            }
            FILE_DATA => data = Some((body_at, len)),
            _ => {}
        }
        p = body_at.saturating_add(len);
    }
    let (data_at, size) = data?;
    matches!(mime.as_str(), "image/jpeg" | "image/jpg" | "image/png").then_some(Picture {
        name,
        data_at,
        size,
    })
}

/// Lower is better: the specification's cover names in its order of preference, then any name
/// with "cover" in it, then other pictures (in file order, `min_by_key` keeping the first).
fn rank(name: &str) -> u8 {
    let lower = name.to_ascii_lowercase();
    let stem = lower.rsplit_once('.').map_or(lower.as_str(), |(s, _)| s);
    match stem {
        "cover" => 0,
        "cover_land" => 1,
        "small_cover" => 2,
        "small_cover_land" => 3,
        _ if stem.contains("cover") => 4,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An EBML element with a one-byte size (bodies under 127 bytes here).
    fn el(id: &[u8], body: &[u8]) -> Vec<u8> {
        assert!(body.len() < 127);
        [id, &[0x80 | body.len() as u8], body].concat()
    }

    fn attached(name: &str, mime: &str, data: &[u8]) -> Vec<u8> {
        let body = [
            el(&[0x46, 0x6E], name.as_bytes()),
            el(&[0x46, 0x60], mime.as_bytes()),
            el(&[0x46, 0x5C], data),
        ]
        .concat();
        el(&[0x61, 0xA7], &body)
    }

    fn cover_of(files: &[Vec<u8>]) -> Option<Vec<u8>> {
        let bytes = el(&[0x19, 0x41, 0xA4, 0x69], &files.concat());
        let info = MkvInfo {
            attachments_at: Some(0),
            ..Default::default()
        };
        find_cover(&mut std::io::Cursor::new(&bytes), &info, bytes.len() as u64)
    }

    #[test]
    fn the_specified_cover_name_wins_and_non_pictures_are_skipped() {
        let files = [
            attached("font.ttf", "application/x-truetype-font", b"FONT"),
            attached("small_cover.png", "image/png", b"SMALL"),
            attached("Cover.JPG", "image/jpeg", b"BIG"),
        ];
        assert_eq!(cover_of(&files).as_deref(), Some(&b"BIG"[..]));
        assert_eq!(
            cover_of(&files[..2]).as_deref(),
            Some(&b"SMALL"[..]),
            "any picture beats none"
        );
        assert_eq!(cover_of(&files[..1]), None, "a font is not a cover");
    }

    #[test]
    fn truncated_attachments_mean_no_cover() {
        let files = [attached("cover.jpg", "image/jpeg", b"JPEG")];
        let mut bytes = el(&[0x19, 0x41, 0xA4, 0x69], &files.concat());
        bytes.truncate(bytes.len() - 2);
        let info = MkvInfo {
            attachments_at: Some(0),
            ..Default::default()
        };
        let len = bytes.len() as u64;
        assert_eq!(
            find_cover(&mut std::io::Cursor::new(&bytes), &info, len),
            None
        );
    }
}
