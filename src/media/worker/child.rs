//! The worker's side: read the job, run it, report progress and the result on stdout.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex};

use super::{Job, MAX_LINE, Message};
use crate::media::Control;

/// Nice value of the worker's threads: encoding takes whatever CPU is idle, but a page, an API
/// answer or a segment for a viewer comes first.
const WORKER_NICENESS: i32 = 10;

/// Runs the one job its parent (process `parent_pid`) writes on `input`, reporting on `output`,
/// allocating at most `memory_limit` bytes. An I/O error means the parent went away; there is
/// nobody left to tell.
pub fn serve(
    parent_pid: u32,
    memory_limit: Option<u64>,
    input: impl Read,
    output: impl Write + Send + 'static,
) -> io::Result<()> {
    settle_in(parent_pid, memory_limit)?;
    let mut line = Vec::new();
    io::BufReader::new(input)
        .take(MAX_LINE)
        .read_until(b'\n', &mut line)?;
    let job: Job = serde_json::from_slice(&line)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("job: {e}")))?;
    // Crash-recovery tests stop a worker here (`worker:remux` or `worker:encode`). Nothing in
    // the worker sets its cancellation flag: a held worker waits until it is killed.
    let stage = if job.plan.remuxes() {
        "worker:remux"
    } else {
        "worker:encode"
    };
    crate::crashpoint::hit(stage);
    let output = Arc::new(Mutex::new(output));
    let progress_out = output.clone();
    let control = Control::new().with_progress(move |p| {
        // A parent that stopped listening is noticed at the result.
        let _ = send(&progress_out, &Message::Progress(p.clone()));
    });
    crate::crashpoint::hold(stage, &control.cancel);
    let message = match crate::media::run(&job.input, &job.out_dir, &job.plan, &job.opts, &control)
    {
        Ok(out) => Message::Done(out.into()),
        Err(e) => Message::failure(&e),
    };
    send(&output, &message)
}

fn send(output: &Mutex<impl Write>, message: &Message) -> io::Result<()> {
    let mut line = serde_json::to_vec(message).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut out = output.lock().map_err(|_| io::Error::other("output lock"))?;
    out.write_all(&line)?;
    out.flush()
}

/// Ties the worker to its parent, limits its memory and lowers its priority, before any thread
/// starts (threads inherit the niceness; the death signal and the limit are the process's).
fn settle_in(parent_pid: u32, memory_limit: Option<u64>) -> io::Result<()> {
    use rustix::process;
    // If the server dies (even by SIGKILL) the worker must not go on writing into a work
    // directory that the restarted server's next attempt reuses.
    process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))?;
    // The parent may have died before the line above: then we were re-parented already.
    let parent = process::getppid().map(|p| p.as_raw_nonzero().get());
    if parent != i32::try_from(parent_pid).ok() {
        return Err(io::Error::other("the parent process is gone"));
    }
    disable_core_dumps();
    if let Some(bytes) = memory_limit {
        limit_memory(bytes)?;
    }
    let lowered = process::getpriority_process(None)
        .and_then(|now| process::setpriority_process(None, (now + WORKER_NICENESS).min(19)));
    if let Err(e) = lowered {
        tracing::warn!(error = %e, "cannot lower the media worker's priority");
    }
    Ok(())
}

/// Caps the data segment: the heap, anonymous mappings and thread stacks, which is what a
/// codec's pictures and tables take (1-2% below the resident size in a 1080p ladder), and not
/// the executable's pages or address space merely reserved, as RLIMIT_AS would count. An
/// allocation past it fails, and Rust aborts with "memory allocation of N bytes failed", which
/// the parent recognises (`parent::run`). The AV1 decoder's process inherits the limit.
fn limit_memory(bytes: u64) -> io::Result<()> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    // A hard limit already lower stays (only root may raise one); say so, since failures will
    // name the configured limit.
    let hard = getrlimit(Resource::Data).maximum;
    let bytes = match hard {
        Some(hard) if hard < bytes => {
            tracing::warn!(
                configured = bytes,
                hard,
                "the media worker's data limit is lower than transcoding.worker_memory"
            );
            hard
        }
        _ => bytes,
    };
    setrlimit(
        Resource::Data,
        Rlimit {
            current: Some(bytes),
            maximum: Some(bytes),
        },
    )?;
    Ok(())
}

/// For worker processes: a crash there is a codec failing on hostile input, reported by the
/// parent; a core file of each would only fill the disk.
pub(crate) fn disable_core_dumps() {
    let _ = rustix::process::setrlimit(
        rustix::process::Resource::Core,
        rustix::process::Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    );
}
