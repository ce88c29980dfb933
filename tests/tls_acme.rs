//! Real ACME: Debian's `pebble` CA on loopback (with `pebble-challtestsrv` answering its DNS
//! queries for the test domain with 127.0.0.1) validates by TLS-ALPN-01 against Kinora's HTTPS
//! listener itself. Checks: the certificate is obtained and chains to pebble's root, HTTP/2
//! and HSTS, the redirect listener, the certificate cached with mode 0600, and a restart (with
//! pebble stopped, so no order is possible) serving the cached certificate.
//!
//! Skipped with a message when pebble is not installed, unless `KINORA_REQUIRE_PEBBLE=1`
//! (set by `.ci/run`) makes its absence a failure.

mod common;
mod tls_support;

use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Options, Server};
use tls_support::{
    DOMAIN, TestCa, free_tcp_port, free_udp_port, https_client, peer_certificate, wait_for_ok,
};

/// A child process killed when dropped.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn pebble_installed() -> bool {
    let found = ["pebble", "pebble-challtestsrv"].iter().all(|tool| {
        Command::new(tool)
            .arg("-h")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    });
    if !found {
        assert!(
            std::env::var("KINORA_REQUIRE_PEBBLE").as_deref() != Ok("1"),
            "KINORA_REQUIRE_PEBBLE=1 but pebble is not installed"
        );
        eprintln!(
            "SKIPPED tls_acme: pebble is not installed (apt-get install pebble; .ci/run does)"
        );
    }
    found
}

struct Pebble {
    _dns: Daemon,
    ca: Option<Daemon>,
    directory: String,
    /// Trusts pebble's own HTTPS (API and management), not the certificates it issues.
    api_ca: TestCa,
    management: u16,
}

impl Pebble {
    /// Starts the DNS stub and pebble, validating TLS-ALPN-01 on 127.0.0.1:`tls_port`.
    async fn start(dir: &std::path::Path, tls_port: u16) -> Pebble {
        let dns_port = free_udp_port();
        let dns = Daemon(
            Command::new("pebble-challtestsrv")
                .args(["-dns01", &format!("127.0.0.1:{dns_port}")])
                .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
                .args(["-management", &format!("127.0.0.1:{}", free_tcp_port())])
                .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let api_ca = TestCa::new("pebble API test CA");
        let (cert, key) = api_ca.leaf(&["localhost", "127.0.0.1"], "pebble");
        std::fs::write(dir.join("pebble-cert.pem"), cert).unwrap();
        std::fs::write(dir.join("pebble-key.pem"), key).unwrap();
        let (api, management) = (free_tcp_port(), free_tcp_port());
        let config = serde_json::json!({ "pebble": {
            "listenAddress": format!("127.0.0.1:{api}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": dir.join("pebble-cert.pem"),
            "privateKey": dir.join("pebble-key.pem"),
            "httpPort": free_tcp_port(),
            "tlsPort": tls_port,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false,
        }});
        std::fs::write(dir.join("pebble.json"), config.to_string()).unwrap();
        let log = std::fs::File::create(dir.join("pebble.log")).unwrap();
        let ca = Daemon(
            Command::new("pebble")
                .arg("-config")
                .arg(dir.join("pebble.json"))
                .args(["-dnsserver", &format!("127.0.0.1:{dns_port}")])
                // No random sleeps before validating, and no nonces rejected on purpose.
                .env("PEBBLE_VA_NOSLEEP", "1")
                .env("PEBBLE_WFE_NONCEREJECT", "0")
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap(),
        );
        let pebble = Pebble {
            _dns: dns,
            ca: Some(ca),
            directory: format!("https://127.0.0.1:{api}/dir"),
            api_ca,
            management,
        };
        let client = pebble.api_client();
        wait_for_ok(&client, &pebble.directory, Duration::from_secs(20)).await;
        pebble
    }

    fn api_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(
                reqwest::Certificate::from_pem(self.api_ca.cert_pem.as_bytes()).unwrap(),
            )
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
    }

    /// The root that pebble's certificates chain to (generated at each pebble start).
    async fn root(&self) -> String {
        let url = format!("https://127.0.0.1:{}/roots/0", self.management);
        let res = wait_for_ok(&self.api_client(), &url, Duration::from_secs(10)).await;
        res.text().await.unwrap()
    }
}

#[tokio::test]
async fn certificate_by_tls_alpn_01_from_pebble_then_cached() {
    if !pebble_installed() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let https_port = free_tcp_port();
    let mut pebble = Pebble::start(work.path(), https_port).await;
    let root = pebble.root().await;
    let api_ca_file = work.path().join("pebble-api-ca.pem");
    std::fs::write(&api_ca_file, &pebble.api_ca.cert_pem).unwrap();

    let listen = format!("listen=127.0.0.1:{https_port}");
    let args = vec![
        "--set",
        listen.as_str(),
        "--domain",
        DOMAIN,
        "--acme-email",
        "ops@kinora.test",
        "--acme-directory",
        pebble.directory.as_str(),
        "--acme-ca-root",
        api_ca_file.to_str().unwrap(),
        "--redirect-listen",
        "127.0.0.1:0",
    ];
    let server = Server::start_in(
        data.path(),
        Options {
            args: args.clone(),
            ..Default::default()
        },
    );
    let base = format!("https://{DOMAIN}:{https_port}");
    assert_eq!(server.url, base);

    // The handshake succeeds once the certificate is issued, verified against pebble's root.
    let client = https_client(&root, https_port, false);
    let res = wait_for_ok(
        &client,
        &format!("{base}/api/v1/config"),
        Duration::from_secs(90),
    )
    .await;
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let issued = peer_certificate(&res);
    let log = server.log();
    assert!(log.contains("obtained a new TLS certificate"), "{log}");

    // Port 80's stand-in redirects to the HTTPS URL.
    let redirect = server
        .stdout
        .iter()
        .find_map(|l| l.strip_prefix("Redirecting http://"))
        .and_then(|rest| rest.split(' ').next())
        .expect("redirect listener announced")
        .to_string();
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("http://{redirect}/about?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    assert_eq!(
        res.headers()["location"],
        format!("{base}/about?x=1").as_str()
    );

    // The certificate and its key are cached, readable by the owner only.
    let acme_dir = data.path().join("acme");
    let cached: Vec<_> = std::fs::read_dir(&acme_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("cert-")
        })
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    let mode = std::fs::metadata(&cached[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // Restart with the CA gone: only the cache can provide the certificate.
    drop(pebble.ca.take());
    let server = server.restart(Options {
        args,
        ..Default::default()
    });
    let client = https_client(&root, https_port, true);
    let res = wait_for_ok(
        &client,
        &format!("{base}/api/v1/config"),
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(
        peer_certificate(&res),
        issued,
        "a new certificate after restart"
    );
    let log = server.log();
    let second_start = &log[log.rfind("serving the cached TLS certificate").expect(&log)..];
    assert!(!second_start.contains("obtained a new TLS certificate"));
    let mut server = server;
    assert!(server.stop().success());
}
