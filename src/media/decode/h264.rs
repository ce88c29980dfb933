//! H.264 decoding of MP4 samples with rusty_h264-decoder: samples arrive length-prefixed (AVCC)
//! and are rewritten as Annex B access units, with the parameter sets from `avcC` in front of
//! every keyframe (the decoder keeps state only from what it is fed).

use crate::media::MediaError;
use crate::media::picture::{Picture, chroma_size};

pub struct H264Decoder {
    decoder: rusty_h264_decoder::Decoder,
    length_size: usize,
    parameter_sets: Vec<u8>,
    annex_b: Vec<u8>,
}

const START: [u8; 4] = [0, 0, 0, 1];

impl H264Decoder {
    /// Builds a decoder from the `avcC` record.
    pub fn new(avcc: &[u8]) -> Result<Self, MediaError> {
        let bad = || MediaError::malformed("avcC", "truncated H.264 configuration");
        if avcc.len() < 7 {
            return Err(bad());
        }
        let length_size = usize::from(avcc[4] & 3) + 1;
        let mut ps = Vec::new();
        let mut p = 5;
        for count_mask in [0x1f, 0xff] {
            let count = avcc.get(p).ok_or_else(bad)? & count_mask;
            p += 1;
            for _ in 0..count {
                let len = usize::from(u16::from_be_bytes([
                    *avcc.get(p).ok_or_else(bad)?,
                    *avcc.get(p + 1).ok_or_else(bad)?,
                ]));
                let nal = avcc.get(p + 2..p + 2 + len).ok_or_else(bad)?;
                ps.extend_from_slice(&START);
                ps.extend_from_slice(nal);
                p += 2 + len;
            }
        }
        Ok(H264Decoder {
            decoder: rusty_h264_decoder::Decoder::new(),
            length_size,
            parameter_sets: ps,
            annex_b: Vec::new(),
        })
    }

    /// Decodes one sample (one access unit); returns its picture in decode order.
    pub fn decode(&mut self, sample: &[u8], keyframe: bool) -> Result<Option<Picture>, MediaError> {
        self.annex_b.clear();
        if keyframe {
            self.annex_b.extend_from_slice(&self.parameter_sets);
        }
        let mut p = 0;
        while p + self.length_size <= sample.len() {
            let len = sample[p..p + self.length_size]
                .iter()
                .fold(0usize, |v, &b| (v << 8) | usize::from(b));
            p += self.length_size;
            let Some(nal) = sample.get(p..p + len) else {
                return Err(MediaError::malformed(
                    "H.264",
                    "NAL unit runs past its sample",
                ));
            };
            self.annex_b.extend_from_slice(&START);
            self.annex_b.extend_from_slice(nal);
            p += len;
        }
        // A third-party decoder fed untrusted bytes: a panic in it is a decode error.
        let (decoder, annex_b) = (&mut self.decoder, &self.annex_b);
        let frame =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decoder.decode(annex_b)))
                .map_err(|_| MediaError::Decode("H.264: the decoder failed on this stream".into()))?
                .map_err(|e| MediaError::Decode(format!("H.264: {e}")))?;
        Ok(frame.and_then(|f| {
            let (w, h) = (u32::try_from(f.width).ok()?, u32::try_from(f.height).ok()?);
            let pic = Picture {
                width: w,
                height: h,
                y: f.y,
                u: f.u,
                v: f.v,
            };
            let (cw, ch) = chroma_size(w, h);
            // Odd sizes: the decoder's chroma planes are floor-sized; pad rather than reject.
            if pic.is_consistent() {
                Some(pic)
            } else if pic.y.len() == (w * h) as usize {
                let pad = |mut p: Vec<u8>| {
                    p.resize((cw * ch) as usize, 128);
                    p
                };
                Some(Picture {
                    u: pad(pic.u),
                    v: pad(pic.v),
                    ..pic
                })
            } else {
                None
            }
        }))
    }
}

impl super::VideoDecoder for H264Decoder {
    /// rusty_h264 returns each access unit's picture as it is decoded, so nothing lags.
    fn send(
        &mut self,
        sample: &[u8],
        keyframe: bool,
        pts: i64,
    ) -> Result<Vec<(i64, Picture)>, MediaError> {
        Ok(self
            .decode(sample, keyframe)?
            .map(|p| (pts, p))
            .into_iter()
            .collect())
    }

    fn finish(&mut self) -> Result<Vec<(i64, Picture)>, MediaError> {
        Ok(Vec::new())
    }

    /// A new decoder: after an error (or a panic caught mid-picture) the old one's reference
    /// pictures cannot be trusted, and the next keyframe needs none of them.
    fn restart(&mut self) -> bool {
        self.decoder = rusty_h264_decoder::Decoder::new();
        true
    }
}
