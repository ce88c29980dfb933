//! Writing a fragmented MP4 whose sample data is in memory (encoded renditions): the init
//! segment, then one hashed `moof` + `mdat` per segment, appended as segments complete.

use std::fs::File;
use std::io::{BufWriter, Write};

use sha2::{Digest, Sha256};

use super::fmp4::{TrackRun, fragment_header};
use super::hls::SegmentEntry;
use crate::media::MediaError;

pub struct FragmentedFile {
    w: BufWriter<File>,
    pos: u64,
    init_len: u64,
    seq: u32,
    pub segments: Vec<SegmentEntry>,
}

impl FragmentedFile {
    pub fn new(file: File, init: &[u8]) -> Result<Self, MediaError> {
        let mut w = BufWriter::with_capacity(1 << 20, file);
        w.write_all(init).map_err(MediaError::Io)?;
        Ok(FragmentedFile {
            w,
            pos: init.len() as u64,
            init_len: init.len() as u64,
            seq: 0,
            segments: Vec::new(),
        })
    }

    pub fn init_len(&self) -> u64 {
        self.init_len
    }

    pub fn size(&self) -> u64 {
        self.pos
    }

    /// Appends one segment; `payloads[i]` holds run `i`'s samples back to back.
    pub fn write_segment(
        &mut self,
        runs: &[TrackRun<'_>],
        payloads: &[&[u8]],
        duration: f64,
    ) -> Result<(), MediaError> {
        let total: u64 = payloads.iter().map(|p| p.len() as u64).sum();
        if total > u64::from(u32::MAX) - 8 {
            return Err(MediaError::Unsupported("a segment over 4 GiB".into()));
        }
        self.seq += 1;
        let header = fragment_header(self.seq, runs);
        let mut h = Sha256::new();
        h.update(&header);
        self.w.write_all(&header).map_err(MediaError::Io)?;
        for p in payloads {
            h.update(p);
            self.w.write_all(p).map_err(MediaError::Io)?;
        }
        let length = header.len() as u64 + total;
        self.segments.push(SegmentEntry {
            offset: self.pos,
            length,
            duration,
            sha256: hex::encode(h.finalize()),
        });
        self.pos += length;
        Ok(())
    }

    /// Flushes and syncs the file.
    pub fn finish(self) -> Result<(u64, Vec<SegmentEntry>, u64), MediaError> {
        let file = self
            .w
            .into_inner()
            .map_err(|e| MediaError::Io(e.into_error()))?;
        file.sync_all().map_err(MediaError::Io)?;
        Ok((self.init_len, self.segments, self.pos))
    }
}
