//! Decoding: compressed video samples to pictures (H.264, AV1), behind one trait the transcoder
//! drives, and the reorder buffer that puts pictures in display order.

pub mod av1;
pub mod av1_child;
pub mod av1_pipe;
pub mod av1_worker;
pub mod h264;
pub mod reorder;
pub mod sandbox;
pub mod to420;

use super::MediaError;
use super::codec::Codec;
use super::picture::Picture;

/// A video decoder fed one sample (access unit or temporal unit) at a time, in decode order.
/// Pictures come back tagged with the presentation time their sample was sent with; they may
/// lag behind (frame threads) and may be out of display order (B-frames): the caller reorders.
pub trait VideoDecoder {
    fn send(
        &mut self,
        sample: &[u8],
        keyframe: bool,
        pts: i64,
    ) -> Result<Vec<(i64, Picture)>, MediaError>;

    /// End of stream: the pictures the decoder still holds.
    fn finish(&mut self) -> Result<Vec<(i64, Picture)>, MediaError>;

    /// After a decode error, starts afresh so that decoding can resume at the next keyframe;
    /// `false` when this decoder cannot, and the error ends the job.
    fn restart(&mut self) -> bool {
        false
    }
}

/// A decoder for `codec` from its configuration record (`avcC` or `av1C`), using `threads`
/// worker threads where the decoder has them and refusing frames over `max_pixels`.
pub fn open_video(
    codec: Codec,
    config: &[u8],
    threads: usize,
    max_pixels: u64,
) -> Result<Box<dyn VideoDecoder>, MediaError> {
    match codec {
        Codec::H264 => Ok(Box::new(h264::H264Decoder::new(config)?)),
        Codec::Av1 => match av1::mode() {
            av1::Av1Mode::InProcess => {
                Ok(Box::new(av1::Av1Decoder::new(config, threads, max_pixels)?))
            }
            av1::Av1Mode::ChildProcess(exe) => Ok(Box::new(av1_child::Av1ChildDecoder::new(
                &exe, config, threads, max_pixels,
            )?)),
            av1::Av1Mode::Off => Err(MediaError::Unsupported(
                "AV1 video is not decoded by this process".into(),
            )),
        },
        other => Err(MediaError::Unsupported(format!(
            "{other:?} video is not decoded by this build"
        ))),
    }
}
