//! `kinora doctor` against the real binary: a healthy plain-HTTP instance passes; a stopped one
//! fails on the server check; with certificate files it reports the certificate and checks the
//! server over TLS; a data directory others can read is a warning; folders that files are
//! renamed between, on different file systems, fail.

mod common;
mod tls_support;

use std::os::unix::fs::PermissionsExt;

use common::{Options, Server, run_cli};
use tls_support::{DOMAIN, TestCa, write};

fn line<'a>(out: &'a str, level: &str, area: &str) -> Option<&'a str> {
    out.lines()
        .find(|l| l.starts_with(&format!("{level:<5} {area}")))
}

#[tokio::test]
async fn doctor_passes_a_healthy_instance_and_fails_a_stopped_one() {
    let mut server = Server::start();
    server.admin_token().await;
    let listen = server.url.trim_start_matches("http://").to_string();
    let data = server.data_dir.to_str().unwrap().to_string();
    let env = [("KINORA_LISTEN", listen.as_str())];
    let (ok, out, err) = run_cli(&["--data-dir", &data, "doctor"], None, &env);
    assert!(ok, "{out}\n{err}");
    for area in ["data dir", "database", "storage", "server", "public URL"] {
        assert!(line(&out, "ok", area).is_some(), "{area} not ok:\n{out}");
    }
    assert!(line(&out, "info", "TLS").unwrap().contains("off"), "{out}");
    assert!(out.lines().any(|l| l.contains("clock")), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("disk") && l.contains("GiB free of")),
        "{out}"
    );
    assert!(out.contains("passes SQLite's quick check"), "{out}");
    let codecs = if cfg!(feature = "asm") {
        line(&out, "ok", "media")
    } else {
        line(&out, "info", "media")
    };
    assert!(codecs.unwrap().contains("SIMD assembly"), "{out}");
    assert!(
        line(&out, "ok", "memory")
            .unwrap()
            .contains("(transcoding.worker_memory = auto)"),
        "{out}"
    );
    assert!(out.contains("all checks passed"), "{out}");
    // A limit too small for a 1080p upload's lower rungs is a warning.
    let small = [env[0], ("KINORA_TRANSCODING_WORKER_MEMORY", "100MiB")];
    let (_, out, _) = run_cli(&["--data-dir", &data, "doctor"], None, &small);
    assert!(
        line(&out, "warn", "memory")
            .unwrap()
            .contains("0.1 GiB (transcoding.worker_memory = 100MiB)"),
        "{out}"
    );

    assert!(server.stop().success());
    let (ok, out, err) = run_cli(&["--data-dir", &data, "doctor"], None, &env);
    assert!(!ok);
    assert!(
        line(&out, "FAIL", "server")
            .unwrap()
            .contains("cannot reach Kinora"),
        "{out}"
    );
    assert!(err.contains("check(s) failed"), "{err}");
}

/// `originals` on another file system than `uploads` (a disk mounted there, here a symbolic
/// link into /dev/shm's tmpfs): every upload's move into it would fail, so doctor fails and
/// the server says so at start.
#[tokio::test]
async fn doctor_fails_folders_that_files_are_renamed_between_on_two_file_systems() {
    use std::os::unix::fs::MetadataExt;
    let server = Server::start();
    let data = server.data_dir.clone();
    let other = tempfile::tempdir_in("/dev/shm").unwrap();
    let device = |p: &std::path::Path| std::fs::metadata(p).unwrap().dev();
    if device(other.path()) == device(&data) {
        eprintln!("SKIPPED: /dev/shm is on the data directory's file system here");
        return;
    }
    let originals = data.join("originals");
    let _ = std::fs::remove_dir_all(&originals);
    std::os::unix::fs::symlink(other.path(), &originals).unwrap();
    let (ok, out, _) = run_cli(&["--data-dir", data.to_str().unwrap(), "doctor"], None, &[]);
    assert!(!ok, "{out}");
    assert!(
        line(&out, "FAIL", "storage")
            .unwrap()
            .contains("originals and uploads are on different file systems"),
        "{out}"
    );
    let server = server.respawn(Options::default());
    let log = server.log();
    assert!(
        log.contains("originals and uploads are on different file systems"),
        "{log}"
    );
}

#[tokio::test]
async fn doctor_reports_the_tls_certificate_and_loose_permissions() {
    let ca = TestCa::new("doctor test CA");
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = (certs.path().join("c.pem"), certs.path().join("k.pem"));
    let (chain, private) = ca.leaf(&[DOMAIN], "doctor");
    write(&cert, &chain);
    write(&key, &private);
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let mut server = Server::start_with(Options {
        args: vec![
            "--domain",
            DOMAIN,
            "--tls-cert",
            cert,
            "--tls-key",
            key,
            "--redirect-listen",
            "off",
        ],
        ..Default::default()
    });
    let port = server.url.rsplit(':').next().unwrap().to_string();
    let listen = format!("127.0.0.1:{port}");
    let data = server.data_dir.to_str().unwrap().to_string();
    std::fs::set_permissions(&server.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = [
        ("KINORA_LISTEN", listen.as_str()),
        ("KINORA_TLS_DOMAIN", DOMAIN),
        ("KINORA_TLS_CERT", cert),
        ("KINORA_TLS_KEY", key),
        ("KINORA_PUBLIC_URL", server.url.as_str()),
    ];
    let (ok, out, err) = run_cli(&["--data-dir", &data, "doctor"], None, &env);
    assert!(ok, "{out}\n{err}");
    let tls = line(&out, "ok", "TLS").expect("TLS ok");
    assert!(tls.contains(&format!("certificate for {DOMAIN}")), "{out}");
    assert!(tls.contains("days left"), "{out}");
    assert!(line(&out, "ok", "server").is_some(), "{out}");
    assert!(
        line(&out, "warn", "data dir").unwrap().contains("mode 755"),
        "{out}"
    );
    // The test domain resolves nowhere: a warning, not a failure.
    assert!(line(&out, "warn", "public URL").is_some(), "{out}");
    assert!(server.stop().success());
}
