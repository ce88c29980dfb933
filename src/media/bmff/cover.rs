//! iTunes cover art in MP4/M4A: `moov/udta/meta/ilst/covr`, whose `data` boxes hold a JPEG or
//! PNG picture (well-known types 13 and 14; a few taggers write 0 or BMP's 27, so the picture
//! is recognised by its own signature rather than trusted by its type).

use super::boxes::{children, find};

/// The first JPEG or PNG picture in the `covr` atom of `moov`'s body, if any. Malformed tag
/// boxes mean "no cover", never an error: the audio still plays without one.
pub fn find_cover(moov: &[u8]) -> Option<Vec<u8>> {
    for udta in children(moov).map_while(Result::ok) {
        if &udta.kind != b"udta" {
            continue;
        }
        let Ok(Some(meta)) = find(udta.body, b"meta") else {
            continue;
        };
        // ISO `meta` is a full box (4 bytes of version and flags before its children);
        // QuickTime's is a plain one. A plain one starts straight with the `hdlr` child.
        let body = meta.body;
        let inner = if body.get(4..8) == Some(&b"hdlr"[..]) {
            body
        } else {
            body.get(4..).unwrap_or_default()
        };
        let Ok(Some(ilst)) = find(inner, b"ilst") else {
            continue;
        };
        let Ok(Some(covr)) = find(ilst.body, b"covr") else {
            continue;
        };
        for data in children(covr.body).map_while(Result::ok) {
            // `data`: 4 bytes of type indicator, 4 of locale, then the picture.
            if &data.kind != b"data" {
                continue;
            }
            if let Some(picture) = data.body.get(8..)
                && is_picture(picture)
            {
                return Some(picture.to_vec());
            }
        }
    }
    None
}

fn is_picture(b: &[u8]) -> bool {
    b.starts_with(&[0xff, 0xd8, 0xff]) || b.starts_with(b"\x89PNG\r\n\x1a\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn finds_the_picture_under_a_full_or_plain_meta() {
        let png = b"\x89PNG\r\n\x1a\nrest-of-picture";
        let data = boxed(b"data", &[&[0, 0, 0, 14, 0, 0, 0, 0][..], png].concat());
        let ilst = boxed(b"ilst", &boxed(b"covr", &data));
        let hdlr = boxed(b"hdlr", &[0; 25]);
        let full = boxed(b"meta", &[&[0, 0, 0, 0][..], &hdlr, &ilst].concat());
        let plain = boxed(b"meta", &[&hdlr[..], &ilst].concat());
        for meta in [full, plain] {
            let moov = [boxed(b"mvhd", &[0; 100]), boxed(b"udta", &meta)].concat();
            assert_eq!(find_cover(&moov).as_deref(), Some(&png[..]));
        }
        // Not a picture: no cover rather than garbage.
        let text = boxed(b"data", b"\0\0\0\x01\0\0\0\0hello");
        let ilst = boxed(b"ilst", &boxed(b"covr", &text));
        let moov = boxed(b"udta", &boxed(b"meta", &[&[0u8; 4][..], &ilst].concat()));
        assert_eq!(find_cover(&moov), None);
    }
}
