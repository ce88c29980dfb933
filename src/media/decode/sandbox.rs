//! The AV1 decode worker's system-call filter. Once the worker has its pipes, it needs memory,
//! threads, its pipes and a way to die: the filter allows exactly those system calls and
//! refuses every other one (`EPERM`), so a decoder taken over by a hostile stream cannot read
//! the instance's data, write anywhere, reach out, signal or trace the server, or borrow its
//! file descriptors (`pidfd_getfd`). An allow list, not a deny list: a deny list misses what it
//! did not think of. The list is what rav1d, Rust's standard library and glibc were seen to call
//! under `strace -f` while decoding (threads, allocation, an abort on a corrupted stream), plus
//! their exits; `tests/media_av1_decode.rs` decodes, and aborts, under it.

/// Installs the filter on every thread of the process (threads started later inherit it).
#[cfg(target_os = "linux")]
pub fn confine() -> Result<(), String> {
    apply(seccompiler::apply_filter_all_threads)
}

/// Installs the filter on the calling thread only (the tests confine one thread of theirs).
#[cfg(target_os = "linux")]
pub fn confine_this_thread() -> Result<(), String> {
    apply(seccompiler::apply_filter)
}

#[cfg(target_os = "linux")]
fn apply(install: fn(seccompiler::BpfProgramRef) -> seccompiler::Result<()>) -> Result<(), String> {
    use seccompiler::{
        BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
        SeccompRule, TargetArch,
    };
    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(|e| e.to_string())?;
    let first_argument_is = |value: u64| {
        SeccompCondition::new(0, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, value)
            .and_then(|condition| SeccompRule::new(vec![condition]))
            .map_err(|e| e.to_string())
    };
    let mut rules: std::collections::BTreeMap<i64, Vec<SeccompRule>> =
        ALLOWED.iter().map(|&call| (call, Vec::new())).collect();
    // abort() signals its own process (glibc's raise); any other process is out of reach.
    rules.insert(
        libc::SYS_tgkill,
        vec![first_argument_is(u64::from(std::process::id()))?],
    );
    // Threads name themselves ("rav1d-worker-1"); other prctl operations are refused.
    rules.insert(
        libc::SYS_prctl,
        vec![first_argument_is(libc::PR_SET_NAME as u64)?],
    );
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Errno(libc::EPERM as u32),
        SeccompAction::Allow,
        arch,
    )
    .map_err(|e| e.to_string())?;
    let program: BpfProgram = filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| e.to_string())?;
    install(&program).map_err(|e| e.to_string())
}

#[cfg(not(target_os = "linux"))]
pub fn confine() -> Result<(), String> {
    Err("system-call filters exist on Linux only".into())
}

/// Allowed with any arguments. Reading and writing reach only the worker's own descriptors
/// (its pipes and stderr: the parent passes nothing else), and a new thread or memory mapping
/// only the worker itself.
#[cfg(target_os = "linux")]
const ALLOWED: &[i64] = &[
    // The pipes and stderr.
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_readv,
    libc::SYS_writev,
    libc::SYS_close,
    // Memory.
    libc::SYS_brk,
    libc::SYS_mmap,
    libc::SYS_munmap,
    libc::SYS_mremap,
    libc::SYS_mprotect,
    libc::SYS_madvise,
    // Threads and their synchronisation.
    libc::SYS_clone,
    libc::SYS_clone3,
    libc::SYS_set_robust_list,
    libc::SYS_rseq,
    libc::SYS_futex,
    libc::SYS_sched_yield,
    libc::SYS_sched_getaffinity,
    libc::SYS_gettid,
    libc::SYS_getpid,
    // Signals of its own, for abort() and thread start-up.
    libc::SYS_rt_sigaction,
    libc::SYS_rt_sigprocmask,
    libc::SYS_rt_sigreturn,
    libc::SYS_sigaltstack,
    // Time, sleeping and randomness (std's hash maps ask for random keys).
    libc::SYS_clock_gettime,
    libc::SYS_clock_nanosleep,
    libc::SYS_nanosleep,
    libc::SYS_getrandom,
    libc::SYS_restart_syscall,
    // The end.
    libc::SYS_exit,
    libc::SYS_exit_group,
];

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::{Read, Write};

    #[test]
    fn a_confined_thread_keeps_its_pipes_but_opens_nothing() {
        // A thread of its own: the filter stays with it, not with the other tests.
        let (mut reader, mut writer) = std::io::pipe().unwrap();
        let outcome = std::thread::spawn(move || {
            super::confine_this_thread().unwrap();
            let denied = |r: std::io::Result<()>| {
                r.err().and_then(|e| e.raw_os_error()) == Some(libc::EPERM)
            };
            let file = denied(std::fs::File::open("/etc/hostname").map(drop));
            let created = denied(std::fs::File::create("/tmp/kinora-sandbox-probe").map(drop));
            let network = denied(std::net::TcpStream::connect("127.0.0.1:9").map(drop));
            let program = denied(std::process::Command::new("/bin/true").status().map(drop));
            // What the worker needs still works: memory and its pipes.
            let memory = vec![7u8; 1 << 20]
                .iter()
                .map(|&b| u64::from(b))
                .sum::<u64>();
            writer.write_all(b"picture").unwrap();
            let mut back = [0u8; 7];
            reader.read_exact(&mut back).unwrap();
            (file, created, network, program, memory, back)
        })
        .join()
        .unwrap();
        assert_eq!(
            outcome,
            (true, true, true, true, 7 << 20, *b"picture"),
            "(open, create, connect, exec refused; memory and pipes kept)"
        );
    }

    #[test]
    fn a_confined_thread_keeps_threads_memory_and_time_but_reaches_no_other_process() {
        let mut other = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let other_pid = other.id() as libc::pid_t;
        let outcome = std::thread::spawn(move || {
            super::confine_this_thread().unwrap();
            let refused = |r: libc::c_long| {
                r == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
            };
            // SAFETY: plain system calls with integer arguments; signal 0 only checks.
            let (signal_other, tgkill_other, pidfd, tgkill_self) = unsafe {
                (
                    refused(libc::syscall(libc::SYS_kill, other_pid, 0)),
                    refused(libc::syscall(libc::SYS_tgkill, other_pid, other_pid, 0)),
                    refused(libc::syscall(libc::SYS_pidfd_open, other_pid, 0)),
                    libc::syscall(libc::SYS_tgkill, libc::getpid(), libc::gettid(), 0) == 0,
                )
            };
            // What a decode does: threads (which inherit the filter) that name themselves,
            // allocate and free large buffers, build hash maps and sleep.
            let worked = std::thread::Builder::new()
                .name("confined-helper".into())
                .spawn(|| {
                    let big = vec![1u8; 64 << 20];
                    let keys: std::collections::HashMap<u8, u8> = [(1, 2)].into();
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    big.len() == 64 << 20 && keys[&1] == 2
                })
                .unwrap()
                .join()
                .unwrap();
            (signal_other, tgkill_other, pidfd, tgkill_self, worked)
        })
        .join()
        .unwrap();
        other.kill().unwrap();
        other.wait().unwrap();
        assert_eq!(
            outcome,
            (true, true, true, true, true),
            "(kill, tgkill and pidfd_open of another process refused; its own tgkill, \
             threads, memory, hash maps and sleep kept)"
        );
    }
}
