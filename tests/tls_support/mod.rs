//! Helpers of the TLS tests: a throw-away CA and certificates (rcgen), free loopback ports,
//! and HTTPS clients that trust one root and resolve the test domain to 127.0.0.1.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

/// The DNS name the tests serve; `.test` is reserved (RFC 2606), so it never reaches a real site.
pub const DOMAIN: &str = "kinora.test";

/// A CA that signs leaf certificates, all in PEM.
pub struct TestCa {
    pub cert_pem: String,
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        TestCa {
            cert_pem: cert.pem(),
            cert,
            key,
        }
    }

    /// A leaf for `names` (DNS names or IP addresses): (certificate chain PEM, key PEM).
    pub fn leaf(&self, names: &[&str], common_name: &str) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

/// A TCP port free on 127.0.0.1 right now (for programs that must be told their port).
pub fn free_tcp_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An HTTPS client trusting only `root_pem`, sending `DOMAIN` to 127.0.0.1:`port`, without
/// connection reuse (each request is a new handshake) and without following redirects.
pub fn https_client(root_pem: &str, port: u16, http1_only: bool) -> reqwest::Client {
    let root = reqwest::Certificate::from_pem(root_pem.as_bytes()).unwrap();
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(root)
        .resolve(DOMAIN, SocketAddr::from(([127, 0, 0, 1], port)))
        .pool_max_idle_per_host(0)
        .tls_info(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10));
    if http1_only {
        builder = builder.http1_only();
    }
    builder.build().unwrap()
}

/// The DER certificate the server presented.
pub fn peer_certificate(res: &reqwest::Response) -> Vec<u8> {
    res.extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .expect("TLS info with the peer certificate")
        .to_vec()
}

/// Polls `url` until it answers 200 (TLS handshakes fail until a certificate is there).
pub async fn wait_for_ok(
    client: &reqwest::Client,
    url: &str,
    within: Duration,
) -> reqwest::Response {
    let deadline = Instant::now() + within;
    loop {
        match client.get(url).send().await {
            Ok(res) if res.status() == 200 => return res,
            other => {
                if Instant::now() > deadline {
                    panic!("{url} did not answer 200 within {within:?}: {other:?}");
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

pub fn write(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}
