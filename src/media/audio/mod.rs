//! Audio for encoded renditions: the source track decoded (any supported codec), its edit list
//! applied (AAC priming trimmed, a delayed start padded with silence, the end cut), mixed to
//! stereo, resampled to 48 kHz and encoded to Opus once; every rendition then carries the same
//! packets.

pub mod decode;
pub mod opus;
pub mod reread;
pub mod resample;

use decode::AudioDecoder;
use opus::{EncodedAudio, OpusWriter};
use resample::{OUT_RATE, To48k, to_stereo};

use super::MediaError;
use super::control::Control;

/// Where the decoded audio sits on the presentation timeline.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    /// Presentation time (seconds) of the first decoded sample: negative when the edit list
    /// skips encoder priming, positive when the track starts late.
    pub first_sample_seconds: f64,
    /// Presentation end (seconds), when the container says where the audio stops (an edit
    /// list's duration); cuts the codec's end padding.
    pub end_seconds: Option<f64>,
}

/// Decoded packets in, Opus packets out.
pub struct Transcoder {
    decoder: AudioDecoder,
    timing: Timing,
    resampler: Option<To48k>,
    opus: OpusWriter,
    pcm: Vec<f32>,
    stereo: Vec<f32>,
    at48: Vec<f32>,
    /// 48 kHz samples still to drop at the start (priming).
    trim: u64,
    /// Samples given to the encoder, to stop at `end_seconds`.
    emitted: u64,
    started: bool,
}

impl Transcoder {
    pub fn new(decoder: AudioDecoder, timing: Timing) -> Result<Self, MediaError> {
        Ok(Transcoder {
            decoder,
            timing,
            resampler: None,
            opus: OpusWriter::new()?,
            pcm: Vec::new(),
            stereo: Vec::new(),
            at48: Vec::new(),
            trim: 0,
            emitted: 0,
            started: false,
        })
    }

    pub fn push(&mut self, packet: &[u8]) -> Result<(), MediaError> {
        self.pcm.clear();
        let Some(d) = self.decoder.decode(packet, &mut self.pcm)? else {
            return Ok(());
        };
        if !self.started {
            self.started = true;
            let start = self.timing.first_sample_seconds;
            if start < 0.0 {
                self.trim = (-start * f64::from(OUT_RATE)).round() as u64;
            } else if start > 0.0 {
                let pad = (start * f64::from(OUT_RATE)).round() as usize;
                self.emit_silence(pad)?;
            }
            self.resampler = Some(To48k::new(d.rate)?);
        }
        self.stereo.clear();
        to_stereo(&self.pcm, d.channels, &mut self.stereo);
        self.at48.clear();
        if let Some(r) = self.resampler.as_mut() {
            r.push(&self.stereo, &mut self.at48)?;
        }
        self.emit()
    }

    fn emit_silence(&mut self, frames: usize) -> Result<(), MediaError> {
        let zeros = vec![0.0f32; frames * 2];
        self.emitted += frames as u64;
        self.opus.push(&zeros)
    }

    /// Sends `at48` to the encoder after the start trim and up to the end cut.
    fn emit(&mut self) -> Result<(), MediaError> {
        let mut frames = &self.at48[..];
        let drop = (self.trim as usize).min(frames.len() / 2);
        self.trim -= drop as u64;
        frames = &frames[drop * 2..];
        if let Some(end) = self.timing.end_seconds {
            let limit = (end * f64::from(OUT_RATE)).round().max(0.0) as u64;
            let room = limit.saturating_sub(self.emitted) as usize;
            frames = &frames[..frames.len().min(room * 2)];
        }
        self.emitted += (frames.len() / 2) as u64;
        self.opus.push(frames)
    }

    pub fn finish(mut self) -> Result<EncodedAudio, MediaError> {
        self.at48.clear();
        if let Some(r) = self.resampler.as_mut() {
            r.finish(&mut self.at48)?;
        }
        self.emit()?;
        self.opus.finish()
    }
}

/// Runs `packets` through a transcoder, checking for cancellation every few hundred packets.
pub fn encode_all(
    decoder: AudioDecoder,
    timing: Timing,
    mut packets: impl FnMut(&mut Vec<u8>) -> Result<bool, MediaError>,
    control: &Control,
) -> Result<EncodedAudio, MediaError> {
    let mut t = Transcoder::new(decoder, timing)?;
    let mut buf = Vec::new();
    let mut n = 0u64;
    while packets(&mut buf)? {
        n += 1;
        if n.is_multiple_of(256) {
            control.check()?;
        }
        t.push(&buf)?;
    }
    t.finish()
}
