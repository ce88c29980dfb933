//! Box headers: walking children inside a byte slice, and the top level of a file without reading `mdat`.

use std::io::{Read, Seek, SeekFrom};

use crate::media::MediaError;

pub type FourCc = [u8; 4];

const C: &str = "MP4";

/// The `moov` of a real upload is a few MB at most; refuse more so a forged size cannot exhaust memory.
const MAX_MOOV_BYTES: u64 = 16 * 1024 * 1024;

/// One child box inside a parent's body.
#[derive(Clone, Copy)]
pub struct BoxRef<'a> {
    pub kind: FourCc,
    pub body: &'a [u8],
    /// Header and body together, for copying a box verbatim.
    pub raw: &'a [u8],
}

/// Iterates the boxes packed in `data`; stops after the first error.
pub struct Children<'a> {
    data: &'a [u8],
    failed: bool,
}

pub fn children(data: &[u8]) -> Children<'_> {
    Children {
        data,
        failed: false,
    }
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<BoxRef<'a>, MediaError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.data.len() < 8 {
            // Fewer than 8 trailing bytes is padding some muxers leave; ignore it.
            return None;
        }
        let d = self.data;
        let size32 = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as u64;
        let kind = [d[4], d[5], d[6], d[7]];
        let (header, size) = match size32 {
            0 => (8u64, d.len() as u64),
            1 => {
                if d.len() < 16 {
                    self.failed = true;
                    return Some(Err(MediaError::malformed(C, "short 64-bit box header")));
                }
                let mut b = [0u8; 8];
                b.copy_from_slice(&d[8..16]);
                (16, u64::from_be_bytes(b))
            }
            s => (8, s),
        };
        if size < header || size > d.len() as u64 {
            self.failed = true;
            return Some(Err(MediaError::malformed(
                C,
                format!(
                    "box '{}' claims {size} bytes but its parent has {}",
                    fourcc_str(&kind),
                    d.len()
                ),
            )));
        }
        // Both bounds were checked against d.len() just above.
        let raw = &d[..size as usize];
        let body = &raw[header as usize..];
        self.data = &d[size as usize..];
        Some(Ok(BoxRef { kind, body, raw }))
    }
}

/// The first child of `kind`, if any.
pub fn find<'a>(data: &'a [u8], kind: &FourCc) -> Result<Option<BoxRef<'a>>, MediaError> {
    for b in children(data) {
        let b = b?;
        if &b.kind == kind {
            return Ok(Some(b));
        }
    }
    Ok(None)
}

/// Follows a path of box types, e.g. `[b"mdia", b"minf", b"stbl"]`.
pub fn find_path<'a>(data: &'a [u8], path: &[&FourCc]) -> Result<Option<BoxRef<'a>>, MediaError> {
    let mut cur: Option<BoxRef<'a>> = None;
    let mut body = data;
    for kind in path {
        match find(body, kind)? {
            Some(b) => {
                body = b.body;
                cur = Some(b);
            }
            None => return Ok(None),
        }
    }
    Ok(cur)
}

pub fn fourcc_str(k: &FourCc) -> String {
    k.iter()
        .map(|&c| {
            if c.is_ascii_graphic() || c == b' ' {
                c as char
            } else {
                '?'
            }
        })
        .collect()
}

/// What the top level of the file holds: brands, the `moov` body and whether it is fragmented.
pub struct TopLevel {
    pub major_brand: Option<FourCc>,
    pub compatible_brands: Vec<FourCc>,
    pub moov: Vec<u8>,
    pub fragmented: bool,
}

/// Walks top-level boxes by seeking over their bodies; only `ftyp` and `moov` are read into memory.
pub fn read_top_level<R: Read + Seek>(r: &mut R, file_len: u64) -> Result<TopLevel, MediaError> {
    let mut pos = 0u64;
    let mut top = TopLevel {
        major_brand: None,
        compatible_brands: Vec::new(),
        moov: Vec::new(),
        fragmented: false,
    };
    let mut have_moov = false;
    let mut cut_in: Option<FourCc> = None;
    while pos + 8 <= file_len {
        r.seek(SeekFrom::Start(pos))?;
        let mut h = [0u8; 8];
        r.read_exact(&mut h)?;
        let size32 = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as u64;
        let kind: FourCc = [h[4], h[5], h[6], h[7]];
        let (header, size) = match size32 {
            0 => (8, file_len - pos),
            1 => {
                let mut b = [0u8; 8];
                r.read_exact(&mut b)?;
                (16, u64::from_be_bytes(b))
            }
            s => (8, s),
        };
        if size < header {
            return Err(MediaError::malformed(
                C,
                format!("top-level box '{}' has size {size}", fourcc_str(&kind)),
            ));
        }
        let end = pos
            .checked_add(size)
            .ok_or_else(|| MediaError::malformed(C, "box size overflows"))?;
        if end > file_len {
            cut_in = Some(kind);
        }
        match &kind {
            b"moov" => {
                if end > file_len {
                    return Err(MediaError::Truncated(
                        "the file ends inside the 'moov' index".into(),
                    ));
                }
                let len = size - header;
                if len > MAX_MOOV_BYTES {
                    return Err(MediaError::Unsupported(format!(
                        "'moov' index of {len} bytes is too large"
                    )));
                }
                let mut body = vec![0u8; len as usize];
                r.read_exact(&mut body)?;
                top.moov = body;
                have_moov = true;
            }
            b"ftyp" if size - header >= 8 && size - header <= 1024 && end <= file_len => {
                let mut body = vec![0u8; (size - header) as usize];
                r.read_exact(&mut body)?;
                top.major_brand = Some([body[0], body[1], body[2], body[3]]);
                top.compatible_brands = body[8..]
                    .chunks_exact(4)
                    .map(|c| [c[0], c[1], c[2], c[3]])
                    .collect();
            }
            b"moof" => top.fragmented = true,
            _ => {}
        }
        if end > file_len {
            break;
        }
        pos = end;
    }
    if !have_moov {
        return Err(match cut_in {
            Some(k) => MediaError::Truncated(format!(
                "the file ends inside '{}' and has no 'moov' index",
                fourcc_str(&k)
            )),
            None => MediaError::malformed(C, "no 'moov' box (the upload may be incomplete)"),
        });
    }
    Ok(top)
}
