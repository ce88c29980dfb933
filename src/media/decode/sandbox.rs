//! The AV1 decode worker's system-call filter. Once the worker has its pipes, nothing it does
//! needs a file, a program or the network: the filter refuses those system calls (`EPERM`), so
//! a decoder taken over by a hostile stream cannot read the instance's data, write anywhere or
//! reach out. Everything else (memory, threads, the pipes, `abort`) stays allowed: a deny list,
//! because an allow list would have to follow every system call rav1d and glibc may come to
//! make, and a missing one would kill honest decodes.

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
    use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};
    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(|e| e.to_string())?;
    let filter = SeccompFilter::new(
        DENIED.iter().map(|&call| (call, Vec::new())).collect(),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
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

/// Files, programs, sockets, other processes and the kernel's extension points. (`open` and
/// `creat` have no number on aarch64, which has only the `*at` forms.)
#[cfg(target_os = "linux")]
const DENIED: &[i64] = &[
    #[cfg(target_arch = "x86_64")]
    libc::SYS_open,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_creat,
    libc::SYS_openat,
    libc::SYS_openat2,
    libc::SYS_open_by_handle_at,
    libc::SYS_execve,
    libc::SYS_execveat,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_fork,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_vfork,
    libc::SYS_socket,
    libc::SYS_socketpair,
    libc::SYS_connect,
    libc::SYS_bind,
    libc::SYS_listen,
    libc::SYS_accept4,
    libc::SYS_sendto,
    libc::SYS_sendmsg,
    libc::SYS_recvfrom,
    libc::SYS_recvmsg,
    libc::SYS_unlinkat,
    libc::SYS_renameat2,
    libc::SYS_mkdirat,
    libc::SYS_linkat,
    libc::SYS_symlinkat,
    libc::SYS_fchmodat,
    libc::SYS_fchownat,
    libc::SYS_truncate,
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_chroot,
    libc::SYS_pivot_root,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_memfd_create,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_unlink,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_rename,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_mkdir,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_rmdir,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_link,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_symlink,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_chmod,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_chown,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_renameat,
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
}
