//! PCM conditioning for the Opus encoder: any channel layout mixed to stereo, any rate
//! resampled to 48 kHz (rubato's FFT resampler, fixed ratio), streamed chunk by chunk so an hour
//! of audio never sits in memory.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::audioadapter_buffers::owned::InterleavedOwned;
use rubato::{Fft, FixedSync, Indexing, Resampler};

use crate::media::MediaError;

pub const OUT_RATE: u32 = 48_000;
const CHUNK: usize = 1024;

/// Sample rates taken as audio: telephone to studio rates. A damaged header can claim any
/// 32-bit rate, and the FFT resampler's length grows with the rate over its common divisor
/// with 48 kHz: a 24 KB file claiming about a billion hertz held 24 GB before this check.
const RATES: std::ops::RangeInclusive<u32> = 4_000..=384_000;

/// Mixes interleaved `channels`-channel samples to interleaved stereo. Mono is copied to both
/// sides; 3 and more channels use the ITU-R BS.775 downmix of the first six (L R C LFE Ls Rs,
/// the usual order of AAC, Vorbis and FLAC after their decoders' remapping), LFE dropped.
pub fn to_stereo(samples: &[f32], channels: usize, out: &mut Vec<f32>) {
    let channels = channels.max(1);
    for f in samples.chunks_exact(channels) {
        let (l, r) = match channels {
            1 => (f[0], f[0]),
            2 => (f[0], f[1]),
            _ => {
                let g = std::f32::consts::FRAC_1_SQRT_2;
                let c = f.get(2).copied().unwrap_or(0.0) * g;
                let ls = f.get(4).copied().unwrap_or(0.0) * g;
                let rs = f.get(5).copied().unwrap_or(0.0) * g;
                // Normalised so a full-scale centre does not clip.
                let n = 1.0 / (1.0 + 2.0 * g);
                ((f[0] + c + ls) * n, (f[1] + c + rs) * n)
            }
        };
        out.push(l);
        out.push(r);
    }
}

/// Streams stereo samples at any rate out as stereo at 48 kHz.
pub struct To48k {
    resampler: Option<Fft<f32>>,
    /// Input waiting for a whole chunk.
    pending: Vec<f32>,
    /// Output frames still to drop: the resampler's delay.
    skip: usize,
    /// Input frames fed and output frames produced, to cut the flush to the exact length.
    frames_in: u64,
    frames_out: u64,
    rate: u32,
}

impl To48k {
    pub fn new(rate: u32) -> Result<Self, MediaError> {
        if !RATES.contains(&rate) {
            return Err(MediaError::Unsupported(format!(
                "an audio sample rate of {rate} Hz (Kinora takes {} to {} Hz)",
                RATES.start(),
                RATES.end()
            )));
        }
        let resampler = if rate == OUT_RATE {
            None
        } else {
            Some(
                Fft::<f32>::new(rate as usize, OUT_RATE as usize, CHUNK, 2, FixedSync::Input)
                    .map_err(|e| MediaError::Decode(format!("resampler for {rate} Hz: {e}")))?,
            )
        };
        let skip = resampler.as_ref().map_or(0, |r| r.output_delay());
        Ok(To48k {
            resampler,
            pending: Vec::new(),
            skip,
            frames_in: 0,
            frames_out: 0,
            rate,
        })
    }

    /// Adds interleaved stereo input; appends whatever output is ready to `out`.
    pub fn push(&mut self, stereo: &[f32], out: &mut Vec<f32>) -> Result<(), MediaError> {
        self.frames_in += (stereo.len() / 2) as u64;
        if self.resampler.is_none() {
            out.extend_from_slice(stereo);
            self.frames_out += (stereo.len() / 2) as u64;
            return Ok(());
        }
        self.pending.extend_from_slice(stereo);
        while self.pending.len() >= CHUNK * 2 {
            let chunk: Vec<f32> = self.pending.drain(..CHUNK * 2).collect();
            self.run(&chunk, CHUNK, out)?;
        }
        Ok(())
    }

    /// Flushes the resampler: the output has exactly the input's duration at 48 kHz.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<(), MediaError> {
        if self.resampler.is_none() {
            return Ok(());
        }
        let wanted = self.frames_in * u64::from(OUT_RATE) / u64::from(self.rate.max(1));
        let mut rest = std::mem::take(&mut self.pending);
        let mut guard = 0;
        while self.frames_out < wanted && guard < 64 {
            let frames = rest.len() / 2;
            rest.resize(CHUNK * 2, 0.0);
            self.run(&rest, frames, out)?;
            rest.clear();
            guard += 1;
        }
        let extra = self.frames_out.saturating_sub(wanted) as usize;
        out.truncate(out.len().saturating_sub(extra * 2));
        self.frames_out = wanted;
        Ok(())
    }

    fn run(&mut self, chunk: &[f32], frames: usize, out: &mut Vec<f32>) -> Result<(), MediaError> {
        let Some(r) = self.resampler.as_mut() else {
            return Ok(());
        };
        let err = |e: &dyn std::fmt::Display| MediaError::Decode(format!("resampling: {e}"));
        let input = InterleavedSlice::new(chunk, 2, CHUNK).map_err(|e| err(&e))?;
        let mut buf = InterleavedOwned::<f32>::new(0.0, 2, r.output_frames_max());
        let indexing = Indexing {
            partial_len: (frames < CHUNK).then_some(frames),
            ..Default::default()
        };
        let (_, produced) = r
            .process_into_buffer(&input, &mut buf, Some(&indexing))
            .map_err(|e| err(&e))?;
        let data = buf.take_data();
        let drop = self.skip.min(produced);
        self.skip -= drop;
        out.extend_from_slice(&data[drop * 2..produced * 2]);
        self.frames_out += (produced - drop) as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_outside_audio_are_refused_before_any_allocation() {
        for rate in [0, 3, 3_999, 384_001, 3_882_986_564] {
            let e = To48k::new(rate).err().expect("refused");
            assert!(e.to_string().contains(&format!("{rate} Hz")), "{e}");
        }
        for rate in [4_000, 8_000, 44_100, 48_000, 96_000, 384_000] {
            To48k::new(rate).unwrap();
        }
    }

    #[test]
    fn resampled_length_and_pitch() {
        // One second of a 1 kHz tone at 44.1 kHz becomes one second at 48 kHz, same tone.
        let tone: Vec<f32> = (0..44_100)
            .flat_map(|i| {
                let v = (i as f32 * 2.0 * std::f32::consts::PI * 1000.0 / 44_100.0).sin() * 0.5;
                [v, v]
            })
            .collect();
        let mut r = To48k::new(44_100).unwrap();
        let mut out = Vec::new();
        for c in tone.chunks(2 * 333) {
            r.push(c, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        assert_eq!(out.len(), 2 * 48_000);
        // Zero crossings of the left channel away from the edges: 2 per cycle.
        let left: Vec<f32> = out.iter().step_by(2).copied().collect();
        let crossings = left[4800..43_200]
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        assert!((1590..=1610).contains(&crossings), "{crossings}");
        // The delay was removed: the tone starts near the start.
        assert!(left[10..200].iter().any(|v| v.abs() > 0.2));
    }

    #[test]
    fn downmix() {
        let mut out = Vec::new();
        to_stereo(&[0.5], 1, &mut out);
        assert_eq!(out, vec![0.5, 0.5]);
        out.clear();
        to_stereo(&[1.0, 0.0, 0.0, 0.0, 0.0, 0.0], 6, &mut out);
        assert!(out[0] > 0.4 && out[1] == 0.0);
    }
}
