//! Opus encoding with ropus (a pure-Rust port of libopus): 48 kHz stereo in 20 ms frames, and
//! the ISO BMFF `Opus` sample entry with its `dOps` box (Opus in ISOBMFF, section 4).

use ropus::{Application, Bitrate, Channels, Encoder};

use crate::media::MediaError;
use crate::media::mux::boxwriter::BoxWriter;

/// Samples per channel in one packet: 20 ms at 48 kHz, the frame size every player handles.
pub const FRAME: usize = 960;
/// 96 kbit/s stereo: transparent for most listeners, a tenth of a 720p AV1 rung.
pub const BITRATE: u32 = 96_000;

/// A whole audio track encoded once and shared by every rendition: packets back to back in
/// one buffer (no allocation per packet), each `FRAME` samples long.
#[derive(Debug, Default, Clone)]
pub struct EncodedAudio {
    pub data: Vec<u8>,
    /// End offset in `data` of each packet.
    pub ends: Vec<usize>,
    /// Encoder delay at the start (48 kHz samples), trimmed by the edit list.
    pub pre_skip: u32,
    /// Samples of real audio (after pre-skip), for the track duration.
    pub samples: u64,
}

impl EncodedAudio {
    pub fn packet(&self, k: usize) -> &[u8] {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.data[start..self.ends[k]]
    }

    /// Presentation time in seconds of packet `k` (negative for the pre-skip).
    pub fn pts(&self, k: usize) -> f64 {
        (k as f64 * FRAME as f64 - f64::from(self.pre_skip)) / 48_000.0
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// Feeds 48 kHz interleaved stereo in, collects packets.
pub struct OpusWriter {
    encoder: Encoder,
    pending: Vec<f32>,
    out: EncodedAudio,
    packet: Vec<u8>,
}

impl OpusWriter {
    pub fn new() -> Result<Self, MediaError> {
        let encoder = Encoder::builder(48_000, Channels::Stereo, Application::Audio)
            .bitrate(Bitrate::Bits(BITRATE))
            .build()
            .map_err(|e| MediaError::Encode(format!("Opus encoder: {e:?}")))?;
        let pre_skip = encoder.lookahead();
        Ok(OpusWriter {
            encoder,
            pending: Vec::new(),
            out: EncodedAudio {
                pre_skip,
                ..Default::default()
            },
            packet: vec![0; 4000],
        })
    }

    pub fn push(&mut self, stereo: &[f32]) -> Result<(), MediaError> {
        self.out.samples += (stereo.len() / 2) as u64;
        self.pending.extend_from_slice(stereo);
        let mut at = 0;
        while self.pending.len() - at >= FRAME * 2 {
            let end = at + FRAME * 2;
            Self::encode(
                &mut self.encoder,
                &self.pending[at..end],
                &mut self.packet,
                &mut self.out,
            )?;
            at = end;
        }
        self.pending.drain(..at);
        Ok(())
    }

    fn encode(
        encoder: &mut Encoder,
        pcm: &[f32],
        packet: &mut [u8],
        out: &mut EncodedAudio,
    ) -> Result<(), MediaError> {
        let n = encoder
            .encode_float(pcm, packet)
            .map_err(|e| MediaError::Encode(format!("Opus: {e:?}")))?;
        out.data.extend_from_slice(&packet[..n]);
        out.ends.push(out.data.len());
        Ok(())
    }

    /// Pads the last frame with silence, adding frames until the pre-skip is covered too.
    pub fn finish(mut self) -> Result<EncodedAudio, MediaError> {
        let needed = (self.out.samples + u64::from(self.out.pre_skip)).div_ceil(FRAME as u64);
        while (self.out.ends.len() as u64) < needed {
            let mut frame = std::mem::take(&mut self.pending);
            frame.resize(FRAME * 2, 0.0);
            Self::encode(&mut self.encoder, &frame, &mut self.packet, &mut self.out)?;
        }
        Ok(self.out)
    }
}

/// The `Opus` audio sample entry (stereo, 48 kHz) with its `dOps` box.
pub fn opus_entry(pre_skip: u32) -> Vec<u8> {
    opus_entry_with(2, u16::try_from(pre_skip).unwrap_or(u16::MAX), 48_000, 0)
}

/// An `Opus` sample entry for a mono or stereo stream (mapping family 0).
pub fn opus_entry_with(channels: u8, pre_skip: u16, input_rate: u32, gain: i16) -> Vec<u8> {
    let mut w = BoxWriter::new();
    w.begin(b"Opus");
    w.zeros(6);
    w.u16(1); // data reference index
    w.zeros(8);
    w.u16(u16::from(channels.max(1)));
    w.u16(16); // sample size
    w.u32(0);
    w.u32(48_000 << 16);
    w.begin(b"dOps");
    w.u8(0); // version
    w.u8(channels.max(1));
    w.u16(pre_skip);
    w.u32(input_rate);
    w.bytes(&gain.to_be_bytes());
    w.u8(0); // channel mapping family 0: mono or stereo
    w.end();
    w.end();
    w.buf
}
