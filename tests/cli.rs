//! The command line: version, admin commands (also while the server runs), configuration
//! precedence and bad configuration errors, and graceful shutdown.

mod common;

use common::{Options, Server, http, run_cli};
use serde_json::Value;

#[test]
fn version_prints_version_and_commit() {
    let (ok, out, _) = run_cli(&["--version"], None, &[]);
    assert!(ok);
    assert!(out.starts_with("kinora 0.1.0 (commit "), "{out}");
    // The build says whether the codecs' SIMD assembly is in (the `asm` feature).
    let codecs = if cfg!(feature = "asm") {
        ", codecs with SIMD assembly)"
    } else {
        ", codecs in pure Rust)"
    };
    assert!(out.trim_end().ends_with(codecs), "{out}");
}

#[tokio::test]
async fn admin_commands_work_while_the_server_runs() {
    let mut server = Server::start();
    let dir = server.data_dir.to_str().unwrap().to_string();
    let (ok, out, err) = run_cli(
        &[
            "--data-dir",
            &dir,
            "admin",
            "create-user",
            "carol",
            "--role",
            "moderator",
            "--email",
            "carol@example.org",
        ],
        None,
        &[],
    );
    assert!(ok, "{err}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("generated password printed")
        .to_string();
    let token = server.token("carol", &password).await;
    let me: Value = http()
        .get(server.api("/users/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"]["id"], 1);
    assert_eq!(me["email"], "carol@example.org");

    let (ok, out, err) = run_cli(
        &[
            "--data-dir",
            &dir,
            "admin",
            "create-user",
            "dave",
            "--password-stdin",
        ],
        Some("dave-password-1\n"),
        &[],
    );
    assert!(ok, "{err}");
    assert!(
        !out.contains("password:"),
        "a password read from stdin is not echoed"
    );
    server.token("dave", "dave-password-1").await;

    // Errors: duplicate, invalid name, bad role, short stdin password, unknown user.
    let (ok, _, err) = run_cli(
        &["--data-dir", &dir, "admin", "create-user", "dave"],
        None,
        &[],
    );
    assert!(!ok && err.contains("already taken"), "{err}");
    let (ok, _, err) = run_cli(
        &["--data-dir", &dir, "admin", "create-user", "Bad Name"],
        None,
        &[],
    );
    assert!(!ok && err.contains("Username"), "{err}");
    let (ok, _, err) = run_cli(
        &[
            "--data-dir",
            &dir,
            "admin",
            "create-user",
            "erin",
            "--role",
            "king",
        ],
        None,
        &[],
    );
    assert!(!ok && err.contains("--role"), "{err}");
    let (ok, _, err) = run_cli(
        &[
            "--data-dir",
            &dir,
            "admin",
            "create-user",
            "erin",
            "--password-stdin",
        ],
        Some("123\n"),
        &[],
    );
    assert!(!ok && err.contains("Password"), "{err}");
    let (ok, _, err) = run_cli(
        &["--data-dir", &dir, "admin", "reset-password", "nobody"],
        None,
        &[],
    );
    assert!(!ok && err.contains("no user"), "{err}");

    // Reset ends the old sessions and sets the new password.
    let (ok, out, err) = run_cli(
        &["--data-dir", &dir, "admin", "reset-password", "carol"],
        None,
        &[],
    );
    assert!(ok, "{err}");
    let new_password = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap()
        .to_string();
    assert_eq!(
        http()
            .get(server.api("/users/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    server.token("carol", &new_password).await;

    let (ok, out, _) = run_cli(&["--data-dir", &dir, "admin", "list-users"], None, &[]);
    assert!(ok);
    assert!(
        out.contains("root")
            && out.contains("carol")
            && out.contains("Moderator")
            && out.contains("3 user(s)"),
        "{out}"
    );

    let (ok, out, _) = run_cli(&["--data-dir", &dir, "admin", "migrate"], None, &[]);
    assert!(ok && out.contains("0 migration(s) applied"), "{out}");

    // SIGTERM: the server finishes cleanly.
    let status = server.stop();
    assert!(status.success(), "exit status {status:?}");
    assert!(server.log().contains("closing the database"));
}

#[test]
fn configuration_precedence_is_file_then_env_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    std::fs::write(
        dir.path().join("kinora.toml"),
        "listen = \"127.0.0.1:9100\"\nregistration = \"open\"\n[instance]\nname = \"From file\"\nshort_description = \"file\"\n[user]\nvideo_quota = \"1GiB\"\n",
    )
    .unwrap();
    let print = |env: &[(&str, &str)], extra: &[&str]| {
        let mut args = vec!["--data-dir", d, "serve", "--print-config"];
        args.extend_from_slice(extra);
        let (ok, out, err) = run_cli(&args, None, env);
        assert!(ok, "{err}");
        out
    };
    let out = print(&[], &[]);
    assert!(out.contains("listen = \"127.0.0.1:9100\""), "{out}");
    assert!(
        out.contains("public_url = \"http://127.0.0.1:9100\""),
        "public URL derives from listen: {out}"
    );
    assert!(
        out.contains("name = \"From file\"") || out.contains("instance.name = \"From file\""),
        "{out}"
    );
    assert!(out.contains("user.video_quota = 1073741824"), "{out}");
    assert!(out.contains("from file"), "sources are shown: {out}");

    let out = print(
        &[
            ("KINORA_INSTANCE_NAME", "From env"),
            ("KINORA_LISTEN", "127.0.0.1:9200"),
        ],
        &[],
    );
    assert!(out.contains("instance.name = \"From env\""), "{out}");
    assert!(
        out.contains("environment variable KINORA_INSTANCE_NAME"),
        "{out}"
    );
    assert!(out.contains("listen = \"127.0.0.1:9200\""));

    let out = print(
        &[
            ("KINORA_INSTANCE_NAME", "From env"),
            ("KINORA_LISTEN", "127.0.0.1:9200"),
        ],
        &[
            "--listen",
            "127.0.0.1:9300",
            "--set",
            "instance.name=From flag",
            "--public-url",
            "https://video.example.org/",
        ],
    );
    assert!(out.contains("instance.name = \"From flag\""), "{out}");
    assert!(out.contains("listen = \"127.0.0.1:9300\""));
    assert!(
        out.contains("public_url = \"https://video.example.org\""),
        "{out}"
    );
    assert!(
        out.contains("registration = \"open\""),
        "file values stay when not overridden"
    );

    // Ladder settings per rung: a number for all, or entries for the rungs up to a resolution.
    assert!(out.contains("transcoding.av1_speed = 10\n"), "{out}");
    assert!(
        out.contains("transcoding.worker_memory = \"auto\""),
        "{out}"
    );
    assert!(
        out.contains("transcoding.av1_low_latency = \"on, 720:off\""),
        "{out}"
    );
    assert!(
        out.contains("transcoding.av1_quantizer = \"140, 360:135, 720:130\""),
        "{out}"
    );
    let ladder = print(
        &[
            ("KINORA_TRANSCODING_AV1_SPEED", "10, 240:9"),
            ("KINORA_TRANSCODING_AV1_LOW_LATENCY", "off"),
        ],
        &["--set", "transcoding.av1_quantizer=100"],
    );
    assert!(
        ladder.contains("transcoding.av1_speed = \"10, 240:9\""),
        "{ladder}"
    );
    assert!(
        ladder.contains("transcoding.av1_quantizer = 100\n"),
        "{ladder}"
    );

    // What --print-config prints is itself a valid kinora.toml.
    std::fs::write(dir.path().join("kinora.toml"), &out).unwrap();
    let again = print(&[], &[]);
    assert!(again.contains("instance.name = \"From flag\""), "{again}");
}

#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let server = Server::start_with(Options {
        args: vec!["--set", "log.format=json"],
        env: vec![],
    });
    http().get(server.api("/config")).send().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = server.log();
    let request_line = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["fields"]["path"] == "/api/v1/config")
        .unwrap_or_else(|| panic!("no JSON request line in {log}"));
    assert_eq!(request_line["fields"]["status"], 200);
}

#[test]
fn bad_configuration_names_the_key_and_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    // (kinora.toml, environment, flags, expected message)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<&'a str>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "registration = \"sometimes\"\n",
            vec![],
            vec![],
            "`registration` from file",
        ),
        (
            "[user]\nvideo_quota = \"lots\"\n",
            vec![],
            vec![],
            "`user.video_quota` from file",
        ),
        (
            "colour = \"blue\"\n",
            vec![],
            vec![],
            "unknown setting `colour`",
        ),
        (
            "listen = [\n",
            vec![],
            vec![],
            "cannot read configuration file",
        ),
        (
            "",
            vec![("KINORA_LISTEN", "not-an-address")],
            vec![],
            "`listen` from environment variable KINORA_LISTEN",
        ),
        (
            "",
            vec![],
            vec!["--public-url", "ftp://x"],
            "`public_url` from flag --public-url",
        ),
        (
            "",
            vec![],
            vec!["--set", "nope=1"],
            "unknown setting `nope`",
        ),
        (
            "[transcoding]\nav1_quantizer = \"120, 360\"\n",
            vec![],
            vec![],
            "`transcoding.av1_quantizer` from file",
        ),
        (
            "",
            vec![],
            vec!["--set", "transcoding.worker_memory=512"],
            "must be at least 16MiB",
        ),
        (
            "",
            vec![],
            vec!["--set", "transcoding.max_damaged_percent=101"],
            "must be between 0 and 100",
        ),
        (
            "",
            vec![("KINORA_TRANSCODING_AV1_SPEED", "10, 360:11")],
            vec![],
            "11 is above the highest value, 10",
        ),
        (
            "",
            vec![],
            vec!["--set", "database.readers=0"],
            "`database.readers` from flag --set database.readers",
        ),
    ];
    for (file, env, flags, expected) in cases {
        std::fs::write(dir.path().join("kinora.toml"), file).unwrap();
        let mut args = vec!["--data-dir", d, "serve", "--print-config"];
        args.extend(flags.iter());
        let (ok, out, err) = run_cli(&args, None, &env);
        assert!(!ok, "{file:?} {env:?} {flags:?} should fail, printed {out}");
        assert!(err.contains(expected), "expected {expected:?} in {err:?}");
        assert!(err.starts_with("error: "), "{err}");
    }
    // An explicit --config file that does not exist is an error, a missing default is not.
    std::fs::remove_file(dir.path().join("kinora.toml")).unwrap();
    let (ok, _, err) = run_cli(
        &[
            "--data-dir",
            d,
            "--config",
            "/nonexistent/kinora.toml",
            "serve",
            "--print-config",
        ],
        None,
        &[],
    );
    assert!(!ok && err.contains("/nonexistent/kinora.toml"), "{err}");
    let (ok, _, _) = run_cli(&["--data-dir", d, "serve", "--print-config"], None, &[]);
    assert!(ok);
}

#[tokio::test]
async fn configured_values_reach_the_api() {
    let server = Server::start_with(Options {
        args: vec![
            "--set",
            "instance.name=Pi Videos",
            "--set",
            "user.video_quota=2GiB",
        ],
        env: vec![(
            "KINORA_INSTANCE_SHORT_DESCRIPTION",
            "Videos from a Raspberry Pi",
        )],
    });
    let config: Value = http()
        .get(server.api("/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["instance"]["name"], "Pi Videos");
    assert_eq!(
        config["instance"]["shortDescription"],
        "Videos from a Raspberry Pi"
    );
    assert_eq!(config["user"]["videoQuota"], 2147483648i64);
    let about: Value = http()
        .get(server.api("/config/about"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(about["instance"]["name"], "Pi Videos");
    let cats: Value = http()
        .get(server.api("/videos/categories"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cats["1"], "Music");
    assert_eq!(cats["18"], "Food");
    let lic: Value = http()
        .get(server.api("/videos/licences"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(lic["7"], "Public Domain Dedication");
    let langs: Value = http()
        .get(server.api("/videos/languages"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(langs["fr"], "French");
    assert!(langs.as_object().unwrap().len() > 150);
    let privacies: Value = http()
        .get(server.api("/videos/privacies"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(privacies["3"], "Private");
}

#[test]
fn serve_refuses_a_port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = run_cli(
        &[
            "--data-dir",
            dir.path().to_str().unwrap(),
            "serve",
            "--listen",
            &addr,
        ],
        None,
        &[],
    );
    assert!(!ok && err.contains("cannot listen on"), "{err}");
}

#[test]
fn sigterm_right_after_start_is_a_clean_stop() {
    for _ in 0..3 {
        let mut server = Server::start();
        let status = server.stop();
        assert!(
            status.success(),
            "exit status {status:?}; log:\n{}",
            server.log()
        );
    }
}

/// A closed standard output (a supervisor that read only the first line and closed its end)
/// neither stops the starting server nor its graceful stop: the banner's write error is a
/// warning in the log, with the way to set the password that could not be shown.
#[tokio::test]
async fn a_closed_standard_output_does_not_stop_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
    let mut child = std::process::Command::new(common::BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let url = format!("http://127.0.0.1:{port}/api/v1/config");
    let mut answered = None;
    for _ in 0..300 {
        if let Ok(res) = http().get(&url).send().await {
            answered = Some(res.status().as_u16());
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let stderr = || std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
    assert_eq!(answered, Some(200), "{}", stderr());
    let killed = std::process::Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}: {}", stderr());
    let log = stderr();
    assert!(log.contains("cannot print the start banner"), "{log}");
    assert!(log.contains("kinora admin reset-password root"), "{log}");
}

/// `kinora admin list-users | head -0`: a listing whose reader is gone ends as Unix tools end
/// (by SIGPIPE, quietly), not with a panic and a backtrace on stderr.
#[test]
fn a_listing_into_a_closed_pipe_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    for args in [vec!["admin", "list-users"], vec!["serve", "--print-config"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(common::BIN)
            .arg("--data-dir")
            .arg(dir.path())
            .args(&args)
            .stdout(writer)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.signal(), Some(13), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
