//! `kinora healthcheck` against the real binary: success on a running server, a clear failure
//! with a non-zero exit when nothing listens.

mod common;

use common::{Server, run_cli};

#[tokio::test]
async fn healthcheck_follows_the_server() {
    let mut server = Server::start();
    // Answering a request proves the server is fully up.
    server.admin_token().await;
    let listen = server.url.trim_start_matches("http://").to_string();
    let data_dir = server.data_dir.to_str().unwrap().to_string();
    let args = ["--data-dir", data_dir.as_str(), "healthcheck"];

    let (ok, stdout, stderr) = run_cli(&args, None, &[("KINORA_LISTEN", listen.as_str())]);
    assert!(ok, "{stdout} {stderr}");
    assert!(stdout.starts_with("HTTP/1.1 200"), "{stdout}");

    // A wildcard listen address is checked on loopback.
    let port = listen.rsplit(':').next().unwrap();
    let any = format!("0.0.0.0:{port}");
    let (ok, _, stderr) = run_cli(&args, None, &[("KINORA_LISTEN", any.as_str())]);
    assert!(ok, "{stderr}");

    assert!(server.stop().success());
    let (ok, _, stderr) = run_cli(&args, None, &[("KINORA_LISTEN", listen.as_str())]);
    assert!(!ok);
    assert!(
        stderr.starts_with("error: cannot reach Kinora on"),
        "{stderr}"
    );
}
