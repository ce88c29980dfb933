//! iTunes cover art written into an M4A for the tests: `moov/udta/meta/ilst/covr/data`, as
//! iTunes and ffmpeg lay it out (ISO full-box `meta` with an `mdir` handler).

use super::{child_boxes, top_boxes};

fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

/// `m4a` (whose `moov` must come after `mdat`, so no chunk offset moves) with its `udta`
/// replaced by one holding `picture` as the cover; `png` selects the data type (14, else 13).
pub fn with_cover(m4a: &[u8], picture: &[u8], png: bool) -> Vec<u8> {
    let boxes = top_boxes(m4a);
    let (_, off, size) = *boxes.last().unwrap();
    assert_eq!(&m4a[off + 4..off + 8], b"moov", "moov must be the last box");
    let mut moov_body = Vec::new();
    for (kind, body) in child_boxes(&m4a[off + 8..off + size]) {
        if &kind != b"udta" {
            moov_body.extend_from_slice(&boxed(&kind, body));
        }
    }
    let kind: u32 = if png { 14 } else { 13 };
    let data = boxed(
        b"data",
        &[&kind.to_be_bytes()[..], &[0; 4], picture].concat(),
    );
    let hdlr = boxed(b"hdlr", &[&[0u8; 8][..], b"mdirappl", &[0; 9]].concat());
    let ilst = boxed(b"ilst", &boxed(b"covr", &data));
    let meta = boxed(b"meta", &[&[0u8; 4][..], &hdlr, &ilst].concat());
    moov_body.extend_from_slice(&boxed(b"udta", &meta));
    [&m4a[..off], &boxed(b"moov", &moov_body)].concat()
}
