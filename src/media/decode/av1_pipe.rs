//! The wire format between a process and its AV1 decoder child (`kinora media
//! av1-decode-worker`): the decoder configuration, then one request per sample and one reply per
//! request, all little-endian over the child's stdin and stdout.
//!
//! Written by hand because it is four message shapes moving raw planes: a serialisation crate
//! would add a dependency and a copy of every picture for nothing.

use std::io::{self, Read, Write};

use crate::media::MediaError;
use crate::media::picture::{Picture, chroma_size};

/// The largest configuration record or sample either side accepts: far above any real AV1
/// temporal unit, low enough that a garbled length cannot make the reader allocate gigabytes.
pub const MAX_MESSAGE: usize = 64 << 20;

const SAMPLE: u8 = b'S';
const FINISH: u8 = b'F';
const PICTURES: u8 = b'P';
const ERROR: u8 = b'E';
const ERROR_DECODE: u8 = 0;
const ERROR_UNSUPPORTED: u8 = 1;

/// What the parent asks of the decoder.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    Sample {
        keyframe: bool,
        pts: i64,
        data: Vec<u8>,
    },
    /// End of stream: send the pictures still held.
    Finish,
}

/// The decoder's answer to one request (or to the configuration, with no pictures).
pub type Reply = Result<Vec<(i64, Picture)>, MediaError>;

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

fn read_u8(r: &mut impl Read) -> io::Result<u8> {
    let mut b = [0u8; 1];
    r.read_exact(&mut b)?;
    Ok(b[0])
}

fn read_u32(r: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_i64(r: &mut impl Read) -> io::Result<i64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(i64::from_le_bytes(b))
}

fn read_bytes(r: &mut impl Read, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

/// A length-prefixed byte string, refused past [`MAX_MESSAGE`].
fn read_blob(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let len = read_u32(r)? as usize;
    if len > MAX_MESSAGE {
        return Err(invalid("message longer than the limit"));
    }
    read_bytes(r, len)
}

fn write_blob(w: &mut impl Write, data: &[u8]) -> io::Result<()> {
    let len = u32::try_from(data.len())
        .ok()
        .filter(|&l| l as usize <= MAX_MESSAGE)
        .ok_or_else(|| invalid("message longer than the limit"))?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(data)
}

/// The first message: the `av1C` record the decoder opens with.
pub fn write_config(w: &mut impl Write, config: &[u8]) -> io::Result<()> {
    write_blob(w, config)?;
    w.flush()
}

pub fn read_config(r: &mut impl Read) -> io::Result<Vec<u8>> {
    read_blob(r)
}

pub fn write_request(w: &mut impl Write, request: &Request) -> io::Result<()> {
    match request {
        Request::Sample {
            keyframe,
            pts,
            data,
        } => {
            w.write_all(&[SAMPLE, u8::from(*keyframe)])?;
            w.write_all(&pts.to_le_bytes())?;
            write_blob(w, data)?;
        }
        Request::Finish => w.write_all(&[FINISH])?,
    }
    w.flush()
}

/// The next request, or `None` when the parent closed the pipe between requests.
pub fn read_request(r: &mut impl Read) -> io::Result<Option<Request>> {
    let mut tag = [0u8; 1];
    if r.read(&mut tag)? == 0 {
        return Ok(None);
    }
    match tag[0] {
        SAMPLE => {
            let keyframe = read_u8(r)? != 0;
            let pts = read_i64(r)?;
            let data = read_blob(r)?;
            Ok(Some(Request::Sample {
                keyframe,
                pts,
                data,
            }))
        }
        FINISH => Ok(Some(Request::Finish)),
        _ => Err(invalid("unknown request")),
    }
}

pub fn write_reply(w: &mut impl Write, reply: &Reply) -> io::Result<()> {
    match reply {
        Ok(pictures) => {
            w.write_all(&[PICTURES])?;
            w.write_all(&(pictures.len() as u32).to_le_bytes())?;
            for (pts, p) in pictures {
                w.write_all(&pts.to_le_bytes())?;
                w.write_all(&p.width.to_le_bytes())?;
                w.write_all(&p.height.to_le_bytes())?;
                w.write_all(&p.y)?;
                w.write_all(&p.u)?;
                w.write_all(&p.v)?;
            }
        }
        Err(e) => {
            let (kind, text) = match e {
                MediaError::Unsupported(t) => (ERROR_UNSUPPORTED, t.clone()),
                MediaError::Decode(t) => (ERROR_DECODE, t.clone()),
                other => (ERROR_DECODE, other.to_string()),
            };
            w.write_all(&[ERROR, kind])?;
            write_blob(w, text.as_bytes())?;
        }
    }
    w.flush()
}

/// Reads one reply; pictures over `max_pixels` are refused before their planes are allocated.
pub fn read_reply(r: &mut impl Read, max_pixels: u64) -> io::Result<Reply> {
    match read_u8(r)? {
        PICTURES => {
            let count = read_u32(r)?;
            let mut out = Vec::new();
            for _ in 0..count {
                let pts = read_i64(r)?;
                let (width, height) = (read_u32(r)?, read_u32(r)?);
                if u64::from(width) * u64::from(height) > max_pixels {
                    return Err(invalid("picture larger than the limit"));
                }
                let (cw, ch) = chroma_size(width, height);
                let y = read_bytes(r, (width * height) as usize)?;
                let u = read_bytes(r, (cw * ch) as usize)?;
                let v = read_bytes(r, (cw * ch) as usize)?;
                out.push((
                    pts,
                    Picture {
                        width,
                        height,
                        y,
                        u,
                        v,
                    },
                ));
            }
            Ok(Ok(out))
        }
        ERROR => {
            let kind = read_u8(r)?;
            let text = String::from_utf8_lossy(&read_blob(r)?).into_owned();
            Ok(Err(if kind == ERROR_UNSUPPORTED {
                MediaError::Unsupported(text)
            } else {
                MediaError::Decode(text)
            }))
        }
        _ => Err(invalid("unknown reply")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(w: u32, h: u32, fill: u8) -> Picture {
        let (cw, ch) = chroma_size(w, h);
        Picture {
            width: w,
            height: h,
            y: vec![fill; (w * h) as usize],
            u: vec![fill / 2; (cw * ch) as usize],
            v: vec![fill / 3; (cw * ch) as usize],
        }
    }

    #[test]
    fn requests_and_replies_round_trip() {
        let mut buf = Vec::new();
        write_config(&mut buf, b"\x81cfg").unwrap();
        let sample = Request::Sample {
            keyframe: true,
            pts: -3,
            data: vec![1, 2, 3],
        };
        write_request(&mut buf, &sample).unwrap();
        write_request(&mut buf, &Request::Finish).unwrap();
        let mut r = buf.as_slice();
        assert_eq!(read_config(&mut r).unwrap(), b"\x81cfg");
        assert_eq!(read_request(&mut r).unwrap(), Some(sample));
        assert_eq!(read_request(&mut r).unwrap(), Some(Request::Finish));
        assert_eq!(read_request(&mut r).unwrap(), None);

        let mut buf = Vec::new();
        let pics = vec![(7, picture(5, 3, 90)), (8, picture(2, 2, 30))];
        write_reply(&mut buf, &Ok(pics.clone())).unwrap();
        write_reply(&mut buf, &Err(MediaError::Unsupported("10-bit".into()))).unwrap();
        let mut r = buf.as_slice();
        assert_eq!(read_reply(&mut r, 100).unwrap().unwrap(), pics);
        match read_reply(&mut r, 100).unwrap() {
            Err(MediaError::Unsupported(t)) => assert_eq!(t, "10-bit"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oversized_lengths_and_pictures_are_refused_before_allocating() {
        let mut buf = vec![SAMPLE, 0];
        buf.extend_from_slice(&0i64.to_le_bytes());
        buf.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(read_request(&mut buf.as_slice()).is_err());

        let mut buf = Vec::new();
        write_reply(&mut buf, &Ok(vec![(0, picture(20, 20, 1))])).unwrap();
        assert!(read_reply(&mut buf.as_slice(), 399).is_err());
        // Cut short: an error, not a partial picture.
        assert!(read_reply(&mut &buf[..buf.len() - 1], 400).is_err());
    }
}
