//! The static binary, built in CI: `packaging/build-static.sh` with the `static-check` profile
//! (the release recipe's static linking with unoptimised code, since CI has no time for a
//! second optimised build) must produce an executable that `file` and `ldd` call static, and
//! that executable must run: print its version, probe a video, decode AV1 in its confined
//! worker, and serve the API.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn the_static_build_links_statically_and_runs() {
    if std::env::consts::ARCH != "x86_64" || std::env::consts::OS != "linux" {
        eprintln!("SKIPPED packaging_static: the script's default target is x86_64 Linux");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg("packaging/build-static.sh")
        .current_dir(root)
        .env("PROFILE", "static-check")
        .env("FEATURES", "")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}", build_failure(&stdout, &stderr));
    // The script's own checks passed; their evidence is in its output.
    assert!(
        stdout.contains("static-pie linked") || stdout.contains("statically linked"),
        "{stdout}"
    );
    assert!(stdout.contains("ldd"), "{stdout}");
    assert!(
        stdout.contains(&format!("kinora {}", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );

    let exe = root.join("target/static/kinora");
    let probe = Command::new(&exe)
        .args(["media", "probe"])
        .arg(root.join("tests/fixtures/media/short.mp4"))
        .output()
        .unwrap();
    assert!(probe.status.success(), "{probe:?}");
    let report: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    assert_eq!(report["streams"][0]["codec"], "h264", "{report}");
    // An AV1 upload is decoded in a worker process under its system-call filter (an allow
    // list of what glibc and rav1d call, which a static glibc must also keep to).
    let rungs = tempfile::tempdir().unwrap();
    let transcode = Command::new(&exe)
        .args(["media", "transcode"])
        .arg(root.join("tests/fixtures/media/av1_opus.webm"))
        .arg("--out")
        .arg(rungs.path())
        .args(["--resolutions", "48"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&transcode.stderr);
    assert!(transcode.status.success(), "{log}");
    assert!(!log.contains("system-call filter"), "{log}");
    assert!(rungs.path().join("48-fragmented.mp4").exists());
    assert!(rungs.path().join("thumbnail.jpg").exists());

    let data = tempfile::tempdir().unwrap();
    let mut server = Command::new(&exe)
        .arg("--data-dir")
        .arg(data.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let url = lines.map_while(Result::ok).find_map(|l| {
        l.split("public URL ")
            .nth(1)
            .map(|u| u.trim_end_matches(')').to_string())
    });
    let answer = url.map(|url| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            reqwest::get(format!("{url}/api/v1/config"))
                .await
                .map(|r| r.status().as_u16())
        })
    });
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        answer.map(|a| a.ok()),
        Some(Some(200)),
        "the static server did not answer"
    );
}

/// What a failed build printed, without cargo's progress lines, and how full the disk was: a
/// CI log keeps only the head and tail of a long message, and the error comes after hundreds
/// of "Compiling" lines.
fn build_failure(stdout: &str, stderr: &str) -> String {
    let progress = [
        "Compiling ",
        "Downloaded ",
        "Downloading ",
        "Blocking ",
        "Updating ",
    ];
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| !progress.iter().any(|p| l.trim_start().starts_with(p)))
        .collect();
    let disk = Command::new("df")
        .args(["-h", env!("CARGO_MANIFEST_DIR"), "/tmp"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    format!(
        "packaging/build-static.sh failed\n{stdout}\n{}\n== free disk\n{disk}",
        errors.join("\n")
    )
}
