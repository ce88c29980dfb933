//! The parent's side: start the worker, hand it the job, relay its progress, honour
//! cancellation, and turn its answer (or its death) into [`super::super::run`]'s result.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use super::{Job, MAX_LINE, Message};
use crate::media::output::remove_partials_of;
use crate::media::remux::HlsOutput;
use crate::media::{Control, MediaError, Plan, TranscodeOptions};

/// How a worker is started: this executable, and the log format its stderr should use (it
/// shares the server's).
#[derive(Debug, Clone)]
pub struct Launcher {
    pub exe: PathBuf,
    pub json_logs: bool,
    /// Bytes a worker may allocate (`transcoding.worker_memory`); `None` for no limit.
    pub memory_limit: Option<u64>,
}

/// How Rust's allocation-failure handler begins its last words before it aborts.
const ALLOCATION_FAILED: &[u8] = b"memory allocation of ";

/// How often the cancellation flag is looked at while the worker runs.
const CANCEL_POLL: Duration = Duration::from_millis(100);

/// [`crate::media::run`] in a worker process: same arguments, same result, same promise that
/// nothing is left under a final name on failure or cancellation.
pub fn run(
    launcher: &Launcher,
    input: &Path,
    out_dir: &Path,
    plan: &Plan,
    opts: &TranscodeOptions,
    control: &Control,
) -> Result<HlsOutput, MediaError> {
    control.check()?;
    let job = Job {
        input: input.to_path_buf(),
        out_dir: out_dir.to_path_buf(),
        plan: plan.clone(),
        opts: opts.clone(),
    };
    let mut line = serde_json::to_vec(&job).map_err(|e| MediaError::Encode(e.to_string()))?;
    line.push(b'\n');
    let mut command = Command::new(&launcher.exe);
    command
        .args(["media", "run-worker", "--parent"])
        .arg(std::process::id().to_string());
    if launcher.json_logs {
        command.arg("--json-logs");
    }
    if let Some(bytes) = launcher.memory_limit {
        command.arg("--memory-limit").arg(bytes.to_string());
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // Relayed to the server's log, and read for the allocation failure.
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            MediaError::WorkerStopped(format!(
                "cannot start the media worker {}: {e}",
                launcher.exe.display()
            ))
        })?;
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(MediaError::WorkerStopped(
            "the media worker has no pipes".into(),
        ));
    };
    let worker_pid = child.id();
    // Written whole before reading: the worker reads the job before it writes anything.
    let sent = stdin.write_all(&line);
    drop(stdin);
    let messages = read_messages(stdout);
    let ran_out_of_memory = relay_stderr(stderr);
    let mut answer = None;
    while answer.is_none() {
        match messages.recv_timeout(CANCEL_POLL) {
            Ok(Message::Progress(p)) => control.report(&p),
            Ok(Message::Done(out)) => answer = Some(Ok(out.into())),
            Ok(Message::Failed { kind, message }) => {
                answer = Some(Err(Message::into_error(kind, message)))
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if answer.is_none() && control.check().is_err() {
            answer = Some(Err(MediaError::Cancelled));
        }
    }
    // Cancelled, or silent (it died, or garbled its output and may still be running): stop
    // it, and remove what it had no chance to clean up itself.
    let answered = !matches!(answer, None | Some(Err(MediaError::Cancelled)));
    if !answered {
        let _ = child.kill();
    }
    let status = child.wait();
    if !answered {
        remove_partials_of(out_dir, worker_pid);
    }
    answer.unwrap_or_else(|| {
        // The relay ends when the worker's stderr closes; a grandchild still holding it (the
        // AV1 decoder, killed with the worker) gets a moment, not a wait.
        if let (Ok(true), Some(limit)) = (
            ran_out_of_memory.recv_timeout(Duration::from_secs(1)),
            launcher.memory_limit,
        ) {
            tracing::warn!(limit, "a media worker ran out of its memory limit");
            return Err(MediaError::OutOfMemory { limit });
        }
        let status = match status {
            Ok(s) => s.to_string(),
            Err(e) => e.to_string(),
        };
        let unsent = sent.err().map(|e| format!(", the job was not sent: {e}"));
        tracing::warn!(%status, "the media worker stopped without an answer");
        Err(MediaError::WorkerStopped(format!(
            "the media worker stopped without finishing ({status}{})",
            unsent.unwrap_or_default()
        )))
    })
}

/// Copies the worker's stderr (its log lines and any last words) to ours, line by line, on a
/// thread of its own; the channel says, once stderr closes, whether an allocation failed.
fn relay_stderr(stderr: impl Read + Send + 'static) -> mpsc::Receiver<bool> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut line = Vec::new();
        let mut allocation_failed = false;
        loop {
            line.clear();
            match (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            allocation_failed |= line.starts_with(ALLOCATION_FAILED);
            // Whole lines, so they do not interleave with the server's own.
            let _ = std::io::stderr().write_all(&line);
        }
        let _ = tx.send(allocation_failed);
    });
    rx
}

/// Reads the worker's lines on a thread of its own (so the cancellation flag is looked at
/// while the worker is silent); the channel closes when stdout does or a line is garbled.
fn read_messages(stdout: impl Read + Send + 'static) -> mpsc::Receiver<Message> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = Vec::new();
        loop {
            line.clear();
            match (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let Ok(message) = serde_json::from_slice::<Message>(&line) else {
                tracing::warn!("the media worker sent a line that is not a message");
                return;
            };
            if tx.send(message).is_err() {
                return;
            }
        }
    });
    rx
}
