//! AV1 decoding in a child process: the [`VideoDecoder`] the server and `kinora media` use.
//! rav1d 1.1.0 can abort its process on a corrupted stream (a panic inside its C-style API
//! cannot unwind), so the decoder runs in `kinora media av1-decode-worker` and a crash there
//! becomes a clear [`MediaError`] here.

use std::io::{self, BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::thread::JoinHandle;

use super::VideoDecoder;
use super::av1_pipe::{Reply, Request, read_reply, write_config, write_request};
use crate::media::MediaError;
use crate::media::picture::Picture;

/// How much of the worker's stderr is kept for the log (a panic message is a few lines).
const STDERR_TAIL: usize = 4096;

pub struct Av1ChildDecoder {
    child: Child,
    to_child: BufWriter<ChildStdin>,
    from_child: BufReader<ChildStdout>,
    stderr: Option<JoinHandle<String>>,
    /// How the worker was started, to start another one (`restart`).
    exe: PathBuf,
    av1c: Vec<u8>,
    threads: usize,
    max_pixels: u64,
    /// Set once the worker failed: every later call repeats the error without touching it.
    failed: Option<String>,
}

/// Reads the worker's stderr until it closes, keeping the last [`STDERR_TAIL`] bytes. A thread
/// of its own, so a chatty worker can never block on a full pipe while we wait for stdout.
fn collect_tail(mut stderr: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut tail = Vec::new();
        let mut chunk = [0u8; 1024];
        while let Ok(n) = stderr.read(&mut chunk) {
            if n == 0 {
                break;
            }
            tail.extend_from_slice(&chunk[..n]);
            if tail.len() > STDERR_TAIL {
                tail.drain(..tail.len() - STDERR_TAIL);
            }
        }
        String::from_utf8_lossy(&tail).trim().to_string()
    })
}

impl Av1ChildDecoder {
    /// Starts `exe media av1-decode-worker` and opens its decoder with `av1c` (see
    /// [`super::av1::Av1Decoder::new`] for the arguments).
    pub fn new(
        exe: &Path,
        av1c: &[u8],
        threads: usize,
        max_pixels: u64,
    ) -> Result<Self, MediaError> {
        let mut child = Command::new(exe)
            .args(["media", "av1-decode-worker", "--threads"])
            .arg(threads.to_string())
            .arg("--max-pixels")
            .arg(max_pixels.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                MediaError::Decode(format!(
                    "cannot start the AV1 decoder process {}: {e}",
                    exe.display()
                ))
            })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(MediaError::Decode(
                "the AV1 decoder process has no pipes".into(),
            ));
        };
        let mut decoder = Av1ChildDecoder {
            child,
            to_child: BufWriter::new(stdin),
            from_child: BufReader::new(stdout),
            stderr: Some(collect_tail(stderr)),
            exe: exe.to_path_buf(),
            av1c: av1c.to_vec(),
            threads,
            max_pixels,
            failed: None,
        };
        let opened = write_config(&mut decoder.to_child, av1c)
            .and_then(|()| read_reply(&mut decoder.from_child, max_pixels));
        decoder.settle(opened)?;
        Ok(decoder)
    }

    fn exchange(&mut self, request: &Request) -> Reply {
        if let Some(why) = &self.failed {
            return Err(MediaError::Decode(why.clone()));
        }
        let reply = write_request(&mut self.to_child, request)
            .and_then(|()| read_reply(&mut self.from_child, self.max_pixels));
        self.settle(reply)
    }

    /// Turns the worker's answer into ours; a broken pipe or garbled reply means it died or
    /// went astray, so it is stopped and the reason recorded.
    fn settle(&mut self, reply: io::Result<Reply>) -> Reply {
        match reply {
            Ok(reply) => reply,
            Err(e) => {
                let why = self.stop(&e);
                self.failed = Some(why.clone());
                Err(MediaError::Decode(why))
            }
        }
    }

    fn stop(&mut self, e: &io::Error) -> String {
        let _ = self.child.kill();
        let status = match self.child.wait() {
            Ok(s) => s.to_string(),
            Err(_) => "unknown exit status".into(),
        };
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        tracing::warn!(%status, error = %e, stderr = %stderr, "the AV1 decoder process failed");
        format!(
            "the AV1 decoder stopped on this stream ({status}); the video data is probably corrupted"
        )
    }
}

impl VideoDecoder for Av1ChildDecoder {
    fn send(
        &mut self,
        sample: &[u8],
        keyframe: bool,
        pts: i64,
    ) -> Result<Vec<(i64, Picture)>, MediaError> {
        self.exchange(&Request::Sample {
            keyframe,
            pts,
            data: sample.to_vec(),
        })
    }

    fn finish(&mut self) -> Result<Vec<(i64, Picture)>, MediaError> {
        self.exchange(&Request::Finish)
    }

    /// A new worker (the old one, failed or crashed, is stopped when replaced): after damage
    /// decoding resumes at the next keyframe, which needs nothing the old worker held.
    fn restart(&mut self) -> bool {
        match Av1ChildDecoder::new(&self.exe, &self.av1c, self.threads, self.max_pixels) {
            Ok(fresh) => {
                *self = fresh;
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot start another AV1 decoder process");
                false
            }
        }
    }
}

impl Drop for Av1ChildDecoder {
    fn drop(&mut self) {
        // Done or abandoned (a cancelled job): the worker has nothing left to do either way.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(h) = self.stderr.take() {
            let _ = h.join();
        }
    }
}
