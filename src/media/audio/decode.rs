//! Audio decoding to interleaved `f32`: symphonia's decoders for AAC-LC, MP3, FLAC, Vorbis and
//! PCM, ropus for Opus (symphonia 0.5 has no Opus decoder). Third-party decoders fed untrusted
//! bytes run `contained`, so a decoder panic becomes an error for the uploader.

use crate::contained::contained;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{
    CODEC_TYPE_AAC, CODEC_TYPE_FLAC, CODEC_TYPE_MP3, CODEC_TYPE_OPUS, CODEC_TYPE_VORBIS,
    CodecParameters, DecoderOptions,
};
use symphonia::core::formats::Packet;

use crate::media::MediaError;
use crate::media::codec::Codec;

/// Maximum Opus frame: 120 ms at 48 kHz.
const OPUS_MAX: usize = 5760;

pub enum AudioDecoder {
    Symphonia {
        decoder: Box<dyn symphonia::core::codecs::Decoder>,
        buffer: Option<SampleBuffer<f32>>,
    },
    Opus {
        decoder: Box<ropus::Decoder>,
        channels: usize,
        buffer: Vec<f32>,
    },
}

/// What one decoded packet holds.
pub struct Decoded {
    pub rate: u32,
    pub channels: usize,
}

fn failed(what: &str) -> MediaError {
    MediaError::Decode(format!("{what}: the audio decoder failed on this stream"))
}

impl AudioDecoder {
    /// A decoder for codec parameters as a demuxer (symphonia's or ours) describes them.
    pub fn from_params(params: &CodecParameters) -> Result<Self, MediaError> {
        if params.codec == CODEC_TYPE_OPUS {
            let channels = params.channels.map(|c| c.count()).unwrap_or(2);
            return Self::opus(channels);
        }
        let decoder = contained("the audio decoder's setup", || {
            symphonia::default::get_codecs().make(params, &DecoderOptions::default())
        })
        .ok_or_else(|| failed("setup"))?
        .map_err(|e| MediaError::Unsupported(format!("audio decoder: {e}")))?;
        Ok(AudioDecoder::Symphonia {
            decoder,
            buffer: None,
        })
    }

    pub fn opus(channels: usize) -> Result<Self, MediaError> {
        let (ch, n) = if channels >= 2 {
            (ropus::Channels::Stereo, 2)
        } else {
            (ropus::Channels::Mono, 1)
        };
        let decoder = ropus::Decoder::new(48_000, ch)
            .map_err(|e| MediaError::Decode(format!("Opus decoder: {e:?}")))?;
        Ok(AudioDecoder::Opus {
            decoder: Box::new(decoder),
            channels: n,
            buffer: vec![0.0; OPUS_MAX * n],
        })
    }

    /// A decoder for a stream found in a container we demux ourselves (MP4, Matroska):
    /// `config` is the codec configuration (AudioSpecificConfig, FLAC STREAMINFO, Vorbis
    /// headers as identification + setup).
    pub fn for_codec(
        codec: Codec,
        config: Option<&[u8]>,
        rate: u32,
        channels: u16,
    ) -> Result<Self, MediaError> {
        let kind = match codec {
            Codec::Aac => CODEC_TYPE_AAC,
            Codec::Mp3 => CODEC_TYPE_MP3,
            Codec::Flac => CODEC_TYPE_FLAC,
            Codec::Vorbis => CODEC_TYPE_VORBIS,
            Codec::Opus => return Self::opus(usize::from(channels.max(1))),
            other => {
                return Err(MediaError::Unsupported(format!(
                    "{other:?} audio cannot be decoded"
                )));
            }
        };
        let mut params = CodecParameters::new();
        params.for_codec(kind);
        if rate > 0 {
            params.with_sample_rate(rate);
        }
        if let Some(c) = config {
            params.with_extra_data(c.to_vec().into_boxed_slice());
        }
        Self::from_params(&params)
    }

    /// Decodes one packet, appending interleaved samples to `out`. A corrupt packet decodes to
    /// nothing (players conceal it the same way) rather than failing the whole job.
    pub fn decode(
        &mut self,
        data: &[u8],
        out: &mut Vec<f32>,
    ) -> Result<Option<Decoded>, MediaError> {
        match self {
            AudioDecoder::Opus {
                decoder,
                channels,
                buffer,
            } => {
                let n = contained("the Opus decoder", || {
                    decoder.decode_float(data, buffer, ropus::DecodeMode::Normal)
                })
                .ok_or_else(|| failed("Opus"))?;
                match n {
                    Ok(n) => {
                        out.extend_from_slice(&buffer[..n * *channels]);
                        Ok(Some(Decoded {
                            rate: 48_000,
                            channels: *channels,
                        }))
                    }
                    Err(_) => Ok(None),
                }
            }
            AudioDecoder::Symphonia { decoder, buffer } => {
                let packet = Packet::new_from_slice(0, 0, 0, data);
                contained("the audio decoder", || match decoder.decode(&packet) {
                    Ok(decoded) => {
                        let spec = *decoded.spec();
                        let frames = decoded.capacity() as u64;
                        let buf =
                            buffer.get_or_insert_with(|| SampleBuffer::<f32>::new(frames, spec));
                        if buf.capacity() < decoded.capacity() * spec.channels.count() {
                            *buf = SampleBuffer::<f32>::new(frames, spec);
                        }
                        buf.copy_interleaved_ref(decoded);
                        out.extend_from_slice(buf.samples());
                        Ok(Some(Decoded {
                            rate: spec.rate,
                            channels: spec.channels.count(),
                        }))
                    }
                    Err(symphonia::core::errors::Error::DecodeError(_)) => Ok(None),
                    Err(e) => Err(MediaError::Decode(format!("audio: {e}"))),
                })
                .ok_or_else(|| failed("audio"))?
            }
        }
    }
}
