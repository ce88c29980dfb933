//! HTTPS from certificate files (`--tls-cert/--tls-key`): HTTP/2 and HTTP/1.1 by ALPN, HSTS,
//! the plain-HTTP listener that only redirects, SIGHUP reloads (a broken pair keeps the old
//! one), the TLS health check, and the settings that do not fit together.

mod common;
mod tls_support;

use std::time::Duration;

use common::{Options, Server, run_cli};
use tls_support::{DOMAIN, TestCa, https_client, peer_certificate, wait_for_ok, write};

fn port_of(url: &str) -> u16 {
    url.rsplit(':').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn certificate_files_serve_https_redirect_and_reload_on_sighup() {
    let ca = TestCa::new("files test CA");
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let (first_cert, first_key) = ca.leaf(&[DOMAIN], "first");
    write(&cert, &first_cert);
    write(&key, &first_key);
    let (cert_s, key_s) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let args = vec![
        "--domain",
        DOMAIN,
        "--tls-cert",
        cert_s,
        "--tls-key",
        key_s,
        "--redirect-listen",
        "127.0.0.1:0",
    ];
    let server = Server::start_with(Options {
        args: args.clone(),
        ..Default::default()
    });
    let port = port_of(&server.url);
    assert_eq!(server.url, format!("https://{DOMAIN}:{port}"));
    let base = server.url.clone();

    // HTTP/2 by ALPN, with HSTS; HTTP/1.1 for clients that offer only that.
    let h2 = https_client(&ca.cert_pem, port, false);
    let res = wait_for_ok(
        &h2,
        &format!("{base}/api/v1/config"),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let first_der = peer_certificate(&res);
    // OAuth's host check sees the public host over HTTP/2 too (`:authority`, no Host header).
    let res = h2
        .get(format!("{base}/api/v1/oauth-clients/local"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    let h1 = https_client(&ca.cert_pem, port, true);
    let res = h1
        .get(format!("{base}/api/v1/config"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.version(), reqwest::Version::HTTP_11);
    let config: serde_json::Value = res.json().await.unwrap();
    assert_eq!(config["instance"]["name"], "Kinora");

    // The redirect listener: every request goes to the same path on the public HTTPS URL,
    // whatever Host the client sent.
    let redirect = server
        .stdout
        .iter()
        .find_map(|l| l.strip_prefix("Redirecting http://"))
        .and_then(|rest| rest.split(' ').next())
        .expect("redirect listener announced")
        .to_string();
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = plain
        .get(format!("http://{redirect}/videos/watch/abc?start=10"))
        .header("Host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    assert_eq!(
        res.headers()["location"],
        format!("{base}/videos/watch/abc?start=10").as_str()
    );
    assert!(!res.headers().contains_key("strict-transport-security"));
    let res = plain
        .post(format!("http://{redirect}/api/v1/users/token"))
        .body("x=1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 308);
    assert_eq!(
        res.headers()["location"],
        format!("{base}/api/v1/users/token").as_str()
    );

    // The TLS health check.
    let listen = format!("127.0.0.1:{port}");
    let data = server.data_dir.to_str().unwrap().to_string();
    let env = [
        ("KINORA_LISTEN", listen.as_str()),
        ("KINORA_TLS_DOMAIN", DOMAIN),
        ("KINORA_TLS_CERT", cert_s),
        ("KINORA_TLS_KEY", key_s),
    ];
    let (ok, stdout, stderr) = run_cli(&["--data-dir", &data, "healthcheck"], None, &env);
    assert!(ok, "{stdout} {stderr}");
    assert!(stdout.starts_with("HTTP/1.1 200"), "{stdout}");

    // SIGHUP: new connections get the new pair.
    let (second_cert, second_key) = ca.leaf(&[DOMAIN], "second");
    write(&cert, &second_cert);
    write(&key, &second_key);
    hangup(&server);
    let second_der = wait_for_certificate_change(&ca.cert_pem, port, &base, &first_der).await;

    // A pair that does not load (the key of another certificate) leaves the last good one.
    let (_, other_key) = ca.leaf(&[DOMAIN], "third");
    write(&key, &other_key);
    hangup(&server);
    wait_for_log(&server, "cannot reload the TLS certificate").await;
    let res = https_client(&ca.cert_pem, port, false)
        .get(format!("{base}/api/v1/config"))
        .send()
        .await
        .unwrap();
    assert_eq!(peer_certificate(&res), second_der);
    let mut server = server;
    assert!(server.stop().success());
}

fn hangup(server: &Server) {
    let status = std::process::Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

async fn wait_for_certificate_change(root: &str, port: u16, base: &str, old: &[u8]) -> Vec<u8> {
    for _ in 0..100 {
        let res = https_client(root, port, false)
            .get(format!("{base}/api/v1/config"))
            .send()
            .await
            .unwrap();
        let der = peer_certificate(&res);
        if der != old {
            return der;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the certificate did not change after SIGHUP");
}

async fn wait_for_log(server: &Server, text: &str) {
    for _ in 0..100 {
        if server.log().contains(text) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("log never said {text:?}:\n{}", server.log());
}

#[test]
fn tls_settings_that_do_not_fit_together_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for (args, message) in [
        (
            vec!["--tls-cert", "/x/cert.pem", "--domain", DOMAIN],
            "tls.cert (--tls-cert) and tls.key (--tls-key) go together",
        ),
        (
            vec!["--tls-cert", "/x/c.pem", "--tls-key", "/x/k.pem"],
            "tls.cert needs tls.domain",
        ),
        (
            vec!["--acme-email", "me@example.org"],
            "tls.acme_* settings need tls.domain",
        ),
        (
            vec!["--domain", DOMAIN, "--public-url", "http://kinora.test"],
            "public_url must start with https://",
        ),
        (
            vec!["--domain", "https://kinora.test"],
            "expected a DNS name",
        ),
        (
            vec!["--trusted-proxies", "10.0.0.0/40"],
            "expected networks",
        ),
    ] {
        let mut all = vec!["--data-dir", d, "serve", "--print-config"];
        all.extend(args.iter());
        let (ok, _, stderr) = run_cli(&all, None, &[]);
        assert!(!ok, "{args:?} was accepted");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    // With a domain, listen moves to 443 and the redirect listener to 80 (unless set).
    let (ok, stdout, stderr) = run_cli(
        &[
            "--data-dir",
            d,
            "serve",
            "--print-config",
            "--domain",
            DOMAIN,
        ],
        None,
        &[],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("listen = \"0.0.0.0:443\""), "{stdout}");
    assert!(
        stdout.contains(&format!("public_url = \"https://{DOMAIN}\"")),
        "{stdout}"
    );
    assert!(stdout.contains("redirect_listen = \"auto\""), "{stdout}");
}
