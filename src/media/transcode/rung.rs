//! One encoded rendition: its AV1 encoder, the packets of the segment being assembled, and the
//! fragmented MP4 it appends to as each segment completes (with the job's Opus audio). Each
//! rung runs on its own thread, fed decoded pictures through a bounded channel, so rungs encode
//! concurrently with each other and with the decoder.

use std::fs::File;
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use crate::media::MediaError;
use crate::media::audio::opus::{EncodedAudio, FRAME};
use crate::media::codec::{Codec, details};
use crate::media::control::Control;
use crate::media::encode::av1::{Av1Encoder, Av1Settings, EncodedFrame};
use crate::media::mux::entries::av01_entry;
use crate::media::mux::fmp4::{FragSample, OutKind, TrackRun, TrackSpec, init_segment};
use crate::media::mux::hls::SegmentEntry;
use crate::media::mux::writer::FragmentedFile;
use crate::media::picture::Picture;
use crate::media::plan::PlannedRendition;

/// Presentation time (video timescale) of each frame sent to the encoders, and whether it was
/// forced to be a keyframe (a segment boundary). Shared by every rung.
#[derive(Debug, Clone, Copy)]
pub struct FrameTiming {
    pub pts: i64,
    pub key: bool,
}

/// One decoded picture in display order, as every rung receives it.
pub struct SourceFrame {
    pub pic: Picture,
    pub timing: FrameTiming,
}

/// What every rung reads but none owns: the source video track's header and the encoded audio.
pub struct Shared<'a> {
    pub video_spec: &'a TrackSpec,
    /// Duration of the source's last frame (video ticks), used for the rung's last frame.
    pub last_duration: u32,
    /// The Opus track: its header and its packets.
    pub audio: Option<(&'a TrackSpec, &'a EncodedAudio)>,
}

/// A finished rung: its file's init length, segments and size.
pub struct RungDone {
    pub planned: PlannedRendition,
    pub codec_string: String,
    pub init_len: u64,
    pub segments: Vec<SegmentEntry>,
    pub size: u64,
}

pub struct Rung {
    pub planned: PlannedRendition,
    frames: Vec<FrameTiming>,
    /// Encoded size (before the display matrix).
    pub coded_width: u32,
    pub coded_height: u32,
    encoder: Av1Encoder,
    file: Option<File>,
    writer: Option<FragmentedFile>,
    current: Vec<EncodedFrame>,
    audio_next: usize,
    pub codec_string: String,
    buf: Vec<u8>,
}

impl Rung {
    pub fn new(
        planned: PlannedRendition,
        coded: (u32, u32),
        settings: &Av1Settings,
        file: File,
    ) -> Result<Self, MediaError> {
        let encoder = Av1Encoder::new(&Av1Settings {
            width: coded.0,
            height: coded.1,
            ..settings.clone()
        })?;
        Ok(Rung {
            planned,
            frames: Vec::new(),
            coded_width: coded.0,
            coded_height: coded.1,
            encoder,
            file: Some(file),
            writer: None,
            current: Vec::new(),
            audio_next: 0,
            codec_string: String::new(),
            buf: Vec::new(),
        })
    }

    /// Encodes every frame the channel delivers until it closes, then finishes the file. The
    /// cancellation flag is checked between frames.
    pub fn run(
        mut self,
        frames: Receiver<Arc<SourceFrame>>,
        shared: &Shared<'_>,
        control: &Control,
    ) -> Result<RungDone, MediaError> {
        for f in frames {
            control.check()?;
            self.send(&f.pic, f.timing, shared)?;
        }
        control.check()?;
        let (init_len, segments, size) = self.finish(shared)?;
        Ok(RungDone {
            planned: self.planned,
            codec_string: self.codec_string,
            init_len,
            segments,
            size,
        })
    }

    /// Scales and queues one picture, then files whatever packets are ready.
    fn send(
        &mut self,
        pic: &Picture,
        timing: FrameTiming,
        shared: &Shared<'_>,
    ) -> Result<(), MediaError> {
        self.frames.push(timing);
        let scaled = pic.scaled(self.coded_width, self.coded_height);
        self.encoder.send(&scaled, timing.key)?;
        self.pump(shared, false)
    }

    /// Drains the encoder at end of input and writes the last segment.
    fn finish(&mut self, shared: &Shared<'_>) -> Result<(u64, Vec<SegmentEntry>, u64), MediaError> {
        self.encoder.flush();
        self.pump(shared, true)?;
        if !self.current.is_empty() {
            self.close_segment(shared, None)?;
        }
        match self.writer.take() {
            Some(w) => w.finish(),
            None => Err(MediaError::Encode("the encoder produced no frames".into())),
        }
    }

    fn pump(&mut self, shared: &Shared<'_>, flushing: bool) -> Result<(), MediaError> {
        let mut ready = Vec::new();
        loop {
            let done = self.encoder.receive(&mut ready)?;
            if done || !flushing {
                break;
            }
            if ready.is_empty() {
                // Flushing and nothing yet: rav1e needs more receive calls to drain lookahead.
                continue;
            }
            self.file_packets(std::mem::take(&mut ready), shared)?;
        }
        self.file_packets(ready, shared)
    }

    fn file_packets(
        &mut self,
        packets: Vec<EncodedFrame>,
        shared: &Shared<'_>,
    ) -> Result<(), MediaError> {
        for p in packets {
            let timing = self.frames.get(p.input_frameno as usize).copied();
            if let Some(t) = timing.filter(|t| t.key)
                && !self.current.is_empty()
            {
                self.close_segment(shared, Some(t.pts))?;
            }
            self.current.push(p);
        }
        Ok(())
    }

    fn open_writer(&mut self, shared: &Shared<'_>) -> Result<(), MediaError> {
        let av1c = self.encoder.av1c();
        self.codec_string = details(Codec::Av1, Some(&av1c))
            .codec_string
            .unwrap_or_else(|| "av01".into());
        let v = shared.video_spec;
        let mut tracks = vec![TrackSpec {
            id: 1,
            kind: OutKind::Video,
            timescale: v.timescale,
            sample_entry: av01_entry(self.coded_width, self.coded_height, &av1c),
            width: self.coded_width,
            height: self.coded_height,
            // Pictures arrive upright (see transcode::decode_all).
            matrix: crate::media::mux::fmp4::IDENTITY,
            language: v.language,
            edit_media_time: None,
            duration: v.duration,
        }];
        if let Some((spec, _)) = shared.audio {
            tracks.push(spec.clone());
        }
        let file = self
            .file
            .take()
            .ok_or_else(|| MediaError::Encode("output file already used".into()))?;
        self.writer = Some(FragmentedFile::new(file, &init_segment(&tracks))?);
        Ok(())
    }

    /// Writes the pending packets as one segment ending at `end` (video ticks), or at the end
    /// of the stream when `None`, with the audio that plays in that span.
    fn close_segment(&mut self, shared: &Shared<'_>, end: Option<i64>) -> Result<(), MediaError> {
        if self.writer.is_none() {
            self.open_writer(shared)?;
        }
        let ts = f64::from(shared.video_spec.timescale);
        let packets = std::mem::take(&mut self.current);
        let frames = &self.frames;
        let first = packets[0].input_frameno as usize;
        let last_duration = shared.last_duration.max(1);
        let samples: Vec<FragSample> = packets
            .iter()
            .map(|p| {
                let i = p.input_frameno as usize;
                let duration = match (frames.get(i), frames.get(i + 1)) {
                    (Some(a), Some(b)) => u32::try_from(b.pts - a.pts).unwrap_or(last_duration),
                    _ => last_duration,
                };
                FragSample {
                    size: p.data.len() as u32,
                    duration,
                    cts_offset: 0,
                    sync: p.keyframe,
                }
            })
            .collect();
        let video_payload: Vec<u8> = packets
            .iter()
            .flat_map(|p| p.data.iter().copied())
            .collect();
        let start_pts = frames.get(first).map(|f| f.pts).unwrap_or(0);
        let end_pts = end.unwrap_or_else(|| {
            start_pts + samples.iter().map(|s| i64::from(s.duration)).sum::<i64>()
        });
        let start_s = if self.writer.as_ref().is_some_and(|w| w.segments.is_empty()) {
            0.0
        } else {
            start_pts as f64 / ts
        };
        let end_s = end_pts as f64 / ts;

        let mut runs = vec![TrackRun {
            track_id: 1,
            base_decode_time: start_pts.max(0) as u64,
            samples: &samples,
            kind: OutKind::Video,
        }];
        let mut audio_samples = Vec::new();
        let a_first = self.audio_next;
        let mut payloads: Vec<&[u8]> = vec![&video_payload];
        let mut audio_payload = std::mem::take(&mut self.buf);
        audio_payload.clear();
        if let Some((spec, a)) = shared.audio {
            let mut j = self.audio_next;
            while j < a.len() && (end.is_none() || a.pts(j) < end_s) {
                audio_payload.extend_from_slice(a.packet(j));
                audio_samples.push(FragSample {
                    size: a.packet(j).len() as u32,
                    duration: FRAME as u32,
                    cts_offset: 0,
                    sync: true,
                });
                j += 1;
            }
            self.audio_next = j;
            if !audio_samples.is_empty() {
                runs.push(TrackRun {
                    track_id: spec.id,
                    base_decode_time: (a_first * FRAME) as u64,
                    samples: &audio_samples,
                    kind: OutKind::Audio,
                });
                payloads.push(&audio_payload);
            }
        }
        let writer = self
            .writer
            .as_mut()
            .ok_or_else(|| MediaError::Encode("no output writer".into()))?;
        writer.write_segment(&runs, &payloads, end_s - start_s)?;
        drop(payloads);
        self.buf = audio_payload;
        Ok(())
    }
}
