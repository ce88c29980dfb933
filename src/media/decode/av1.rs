//! AV1 decoding with rav1d (the Rust port of dav1d, built without assembly), behind a safe
//! wrapper: rav1d exposes dav1d's C-style API, so every `unsafe` call of this crate into it lives
//! here. Samples are fed one temporal unit at a time; pictures come back as 8-bit 4:2:0
//! [`Picture`]s with the presentation time they were sent with.

use std::mem::MaybeUninit;
use std::path::PathBuf;
use std::ptr::NonNull;
use std::sync::RwLock;

use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dLogger, Dav1dSettings};
use rav1d::include::dav1d::headers::{
    DAV1D_PIXEL_LAYOUT_I400, DAV1D_PIXEL_LAYOUT_I420, DAV1D_PIXEL_LAYOUT_I422,
    DAV1D_PIXEL_LAYOUT_I444,
};
use rav1d::include::dav1d::picture::Dav1dPicture;
use rav1d::src::lib::{
    dav1d_close, dav1d_data_create, dav1d_data_unref, dav1d_default_settings, dav1d_get_picture,
    dav1d_open, dav1d_picture_unref, dav1d_send_data,
};

use super::VideoDecoder;
use super::to420::{self, Layout, Planes};
use crate::media::MediaError;
use crate::media::picture::Picture;

/// Where AV1 is decoded in this process. rav1d 1.1.0 can abort the whole process on a
/// corrupted stream (a panic inside its `extern "C"` API cannot unwind, so it cannot be
/// caught; see docs/MEDIA.md), so the server and `kinora media` decode in a child process
/// ([`super::av1_child`]); only the worker itself, and tests, decode in process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Av1Mode {
    /// AV1 is not decoded: sources are remuxed as they are, with no lower rungs.
    Off,
    InProcess,
    /// In `kinora media av1-decode-worker` started from this executable.
    ChildProcess(PathBuf),
}

static MODE: RwLock<Av1Mode> = RwLock::new(Av1Mode::Off);

pub fn set_mode(mode: Av1Mode) {
    *MODE.write().unwrap_or_else(|e| e.into_inner()) = mode;
}

pub fn mode() -> Av1Mode {
    MODE.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Decodes AV1 in this process (`true`) or not at all (`false`).
pub fn set_enabled(on: bool) {
    set_mode(if on { Av1Mode::InProcess } else { Av1Mode::Off });
}

/// Decodes AV1 in worker processes of the running executable, or not at all when the
/// executable cannot be found (the caller is told why).
pub fn decode_in_child_processes() -> std::io::Result<()> {
    match std::env::current_exe() {
        Ok(exe) => {
            set_mode(Av1Mode::ChildProcess(exe));
            Ok(())
        }
        Err(e) => {
            set_mode(Av1Mode::Off);
            Err(e)
        }
    }
}

/// Whether AV1 sources count as decodable (probe reports them so, plans add lower rungs).
pub fn enabled() -> bool {
    mode() != Av1Mode::Off
}

/// Frames decoded in parallel at most (frame threads). Each one in flight holds a picture and
/// its reference state, so this bounds memory; more gained little on two cores.
const MAX_FRAME_DELAY: i32 = 2;

/// dav1d's "try again" result: the decoder wants its pictures taken before more data.
fn eagain() -> i32 {
    -rustix::io::Errno::AGAIN.raw_os_error()
}

fn failed(what: &str, code: i32) -> MediaError {
    MediaError::Decode(format!("AV1: {what} failed (error {code})"))
}

pub struct Av1Decoder {
    ctx: Dav1dContext,
    /// The `av1C` configuration OBUs (the sequence header), sent in front of the first sample:
    /// MP4 and Matroska may keep it only there.
    config_obus: Vec<u8>,
    sent_any: bool,
}

impl Av1Decoder {
    /// Opens a decoder. `av1c` is the AV1CodecConfigurationRecord (MP4 `av1C`, Matroska
    /// CodecPrivate; may be empty), `threads` the worker threads to use, `max_pixels` the
    /// largest frame accepted (a forged header cannot make it allocate more).
    pub fn new(av1c: &[u8], threads: usize, max_pixels: u64) -> Result<Self, MediaError> {
        let mut settings = MaybeUninit::<Dav1dSettings>::uninit();
        // SAFETY: `dav1d_default_settings` writes a whole `Dav1dSettings` through the pointer,
        // which points at writable, properly aligned storage for one; it reads nothing from it.
        unsafe { dav1d_default_settings(NonNull::from(&mut settings).cast()) };
        // SAFETY: fully initialised by the call just above.
        let mut s = unsafe { settings.assume_init() };
        let threads = threads.clamp(1, 64);
        s.n_threads = threads as i32;
        s.max_frame_delay = MAX_FRAME_DELAY.min(threads as i32);
        // One picture per temporal unit: the highest spatial layer only.
        s.all_layers = 0;
        s.frame_size_limit = u32::try_from(max_pixels).unwrap_or(u32::MAX);
        // SAFETY: a logger without a callback is valid (rav1d then logs nothing); decode errors
        // reach us as return codes, and its default writes to our stderr.
        s.logger = unsafe { Dav1dLogger::new(None, None) };
        let mut ctx: Option<Dav1dContext> = None;
        // SAFETY: both pointers come from live locals of the right types; `dav1d_open` reads the
        // settings and writes the new context (or `None`) into `ctx`.
        let r = unsafe { dav1d_open(Some(NonNull::from(&mut ctx)), Some(NonNull::from(&mut s))) };
        let ctx = match (r.0, ctx) {
            (0, Some(c)) => c,
            (code, _) => return Err(failed("opening the decoder", code)),
        };
        let config_obus = if av1c.len() > 4 && av1c[0] & 0x7f == 1 {
            av1c[4..].to_vec()
        } else {
            Vec::new()
        };
        Ok(Av1Decoder {
            ctx,
            config_obus,
            sent_any: false,
        })
    }

    /// Takes one decoded picture if the decoder has one ready.
    fn take_picture(&mut self) -> Result<Option<(i64, Picture)>, MediaError> {
        let mut pic = Dav1dPicture::default();
        // SAFETY: `self.ctx` came from `dav1d_open` and is closed only in `drop`; `pic` is a
        // live local that `dav1d_get_picture` overwrites.
        let r = unsafe { dav1d_get_picture(Some(self.ctx), Some(NonNull::from(&mut pic))) };
        if r.0 == eagain() {
            return Ok(None);
        }
        if r.0 != 0 {
            return Err(failed("decoding", r.0));
        }
        let copied = copy_picture(&pic);
        // Read before the release below, which resets every field of `pic`.
        let pts = pic.m.timestamp;
        // SAFETY: `pic` holds the references `dav1d_get_picture` gave us; this releases them
        // once, after the planes were copied out and before `pic` goes out of scope.
        unsafe { dav1d_picture_unref(Some(NonNull::from(&mut pic))) };
        Ok(Some((pts, copied?)))
    }
}

/// Copies the planes of a decoded picture into a tightly packed 8-bit 4:2:0 [`Picture`]:
/// directly when it is one already, else through [`to420::convert`].
fn copy_picture(pic: &Dav1dPicture) -> Result<Picture, MediaError> {
    let layout = match pic.p.layout {
        DAV1D_PIXEL_LAYOUT_I400 => Layout::Yuv400,
        DAV1D_PIXEL_LAYOUT_I420 => Layout::Yuv420,
        DAV1D_PIXEL_LAYOUT_I422 => Layout::Yuv422,
        DAV1D_PIXEL_LAYOUT_I444 => Layout::Yuv444,
        _ => return Err(MediaError::Decode("AV1: unknown pixel layout".into())),
    };
    let bits = u32::try_from(pic.p.bpc).unwrap_or(0);
    if !(8..=12).contains(&bits) {
        return Err(MediaError::Decode(format!("AV1: {bits}-bit samples")));
    }
    // rav1d keeps samples over 8 bits in 16-bit words.
    let sample_bytes = if bits > 8 { 2 } else { 1 };
    let (Ok(w), Ok(h)) = (u32::try_from(pic.p.w), u32::try_from(pic.p.h)) else {
        return Err(MediaError::Decode(
            "AV1: picture with a negative size".into(),
        ));
    };
    // Calls `row` with each row's bytes of plane `i` (`pw` x `ph` samples).
    let rows = |i: usize,
                stride: isize,
                pw: u32,
                ph: u32,
                row: &mut dyn FnMut(&[u8])|
     -> Result<(), MediaError> {
        let base =
            pic.data[i].ok_or_else(|| MediaError::Decode("AV1: picture without pixels".into()))?;
        let line_bytes = pw as usize * sample_bytes;
        if stride < line_bytes as isize {
            return Err(MediaError::Decode("AV1: picture stride too small".into()));
        }
        for y in 0..ph as isize {
            // SAFETY: rav1d allocates every plane with `stride` bytes per row for each of the
            // picture's rows (`ph` is the plane's height for this layout) and at least `pw`
            // samples of `sample_bytes` in a row (checked against the stride above); the buffer
            // stays alive until `dav1d_picture_unref`, which runs after this copy.
            let line = unsafe {
                std::slice::from_raw_parts(
                    base.as_ptr().cast::<u8>().offset(y * stride),
                    line_bytes,
                )
            };
            row(line);
        }
        Ok(())
    };
    let (cw, ch) = layout.chroma_size(w, h);
    if bits == 8 && layout == Layout::Yuv420 {
        // The common case: rows copied as they are.
        let mut planes = [Vec::new(), Vec::new(), Vec::new()];
        for (i, (pw, ph)) in [(w, h), (cw, ch), (cw, ch)].into_iter().enumerate() {
            let out = &mut planes[i];
            out.reserve((pw * ph) as usize);
            rows(i, pic.stride[i.min(1)], pw, ph, &mut |line| {
                out.extend_from_slice(line)
            })?;
        }
        let [y, u, v] = planes;
        return Ok(Picture {
            width: w,
            height: h,
            y,
            u,
            v,
        });
    }
    let mut planes = [Vec::new(), Vec::new(), Vec::new()];
    let count = if layout == Layout::Yuv400 { 1 } else { 3 };
    for (i, (pw, ph)) in [(w, h), (cw, ch), (cw, ch)]
        .into_iter()
        .enumerate()
        .take(count)
    {
        let out = &mut planes[i];
        out.reserve((pw * ph) as usize);
        rows(i, pic.stride[i.min(1)], pw, ph, &mut |line| {
            if sample_bytes == 2 {
                out.extend(
                    line.chunks_exact(2)
                        .map(|b| u16::from_ne_bytes([b[0], b[1]])),
                );
            } else {
                out.extend(line.iter().map(|&b| u16::from(b)));
            }
        })?;
    }
    let [y, u, v] = planes;
    Ok(to420::convert(&Planes {
        width: w,
        height: h,
        bits,
        layout,
        y,
        u,
        v,
    }))
}

impl VideoDecoder for Av1Decoder {
    fn send(
        &mut self,
        sample: &[u8],
        _keyframe: bool,
        pts: i64,
    ) -> Result<Vec<(i64, Picture)>, MediaError> {
        let prefix: &[u8] = if self.sent_any {
            &[]
        } else {
            &self.config_obus
        };
        self.sent_any = true;
        let len = prefix.len() + sample.len();
        if len == 0 {
            return Ok(Vec::new());
        }
        let mut data = Dav1dData::default();
        // SAFETY: `data` is a live local; `dav1d_data_create` gives it a fresh reference-counted
        // buffer of `len` bytes and returns its start (null on allocation failure).
        let buf = unsafe { dav1d_data_create(Some(NonNull::from(&mut data)), len) };
        if buf.is_null() {
            return Err(MediaError::Decode("AV1: out of memory for a sample".into()));
        }
        // SAFETY: `buf` points at `len` writable bytes owned by `data`, which nothing else
        // references yet.
        let dst = unsafe { std::slice::from_raw_parts_mut(buf, len) };
        dst[..prefix.len()].copy_from_slice(prefix);
        dst[prefix.len()..].copy_from_slice(sample);
        data.m.timestamp = pts;
        let mut out = Vec::new();
        let result = loop {
            // SAFETY: `self.ctx` is open; `data` holds its own buffer, which the decoder takes
            // (wholly or in part, shrinking `data.sz`) by reference.
            let r = unsafe { dav1d_send_data(Some(self.ctx), Some(NonNull::from(&mut data))) };
            if r.0 != 0 && r.0 != eagain() {
                break Err(failed("reading a sample", r.0));
            }
            match self.take_picture() {
                Ok(Some(p)) => out.push(p),
                Ok(None) => {}
                Err(e) => break Err(e),
            }
            if data.sz == 0 {
                break Ok(out);
            }
        };
        if data.sz > 0 {
            // SAFETY: releases our reference to the part of the buffer the decoder did not take
            // (after an error); `data` is not used afterwards.
            unsafe { dav1d_data_unref(Some(NonNull::from(&mut data))) };
        }
        result
    }

    fn finish(&mut self) -> Result<Vec<(i64, Picture)>, MediaError> {
        let mut out = Vec::new();
        while let Some(p) = self.take_picture()? {
            out.push(p);
        }
        Ok(out)
    }
}

impl Drop for Av1Decoder {
    fn drop(&mut self) {
        let mut ctx = Some(self.ctx);
        // SAFETY: the context came from `dav1d_open` and is closed exactly once, here; it joins
        // the worker threads and frees the decoder. `self.ctx` is not used after this.
        unsafe { dav1d_close(Some(NonNull::from(&mut ctx))) };
    }
}
