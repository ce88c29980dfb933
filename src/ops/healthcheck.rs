//! `kinora healthcheck`: asks the server on the configured `listen` address for
//! `/api/v1/config` (over TLS when the listener speaks it) and succeeds on `200`. Container
//! images have no curl; the binary checks itself.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(5);
/// The status line and headers fit in far less; the rest of the body is not needed.
const MAX_READ: usize = 4096;

// Causes are `#[source]`s, not repeated in the messages: the CLI prints the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error("cannot reach Kinora on {addr}")]
    Connect {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("Kinora on {addr} answered {status:?} instead of 200")]
    Status { addr: SocketAddr, status: String },
}

/// The address to connect to for a server bound on `listen`: a wildcard bind is reached on
/// loopback.
pub fn target(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// One HTTP/1.1 GET on the listener, over TLS with this server name when the listener speaks
/// TLS (any certificate accepted: this asks whether the process answers); returns the status
/// line on success.
pub fn check(listen: SocketAddr, tls_name: Option<&str>) -> Result<String, HealthError> {
    let addr = target(listen);
    let tls = match tls_name {
        Some(name) => Some((
            name,
            any_certificate().map_err(|e| HealthError::Connect {
                addr,
                source: std::io::Error::other(e),
            })?,
        )),
        None => None,
    };
    let host = tls_name.map_or_else(|| addr.to_string(), str::to_string);
    get_config(addr, &host, tls)
}

/// A TLS client configuration that accepts any server certificate.
pub fn any_certificate() -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let provider = crate::tls::provider();
    Ok(Arc::new(
        rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth(),
    ))
}

/// `GET /api/v1/config` from `addr` with this Host, over TLS with (server name, client
/// configuration) when given; the status line when it is 200.
pub fn get_config(
    addr: SocketAddr,
    host: &str,
    tls: Option<(&str, Arc<rustls::ClientConfig>)>,
) -> Result<String, HealthError> {
    let connect = |source| HealthError::Connect { addr, source };
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(connect)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(connect)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(connect)?;
    match tls {
        None => exchange(stream, addr, host),
        Some((name, config)) => {
            let server_name = rustls::pki_types::ServerName::try_from(name.to_string())
                .map_err(|e| connect(std::io::Error::other(e)))?;
            let conn = rustls::ClientConnection::new(config, server_name)
                .map_err(|e| connect(std::io::Error::other(e)))?;
            exchange(rustls::StreamOwned::new(conn, stream), addr, host)
        }
    }
}

fn exchange(
    mut stream: impl Read + Write,
    addr: SocketAddr,
    host: &str,
) -> Result<String, HealthError> {
    let connect = |source| HealthError::Connect { addr, source };
    let request = format!(
        "GET /api/v1/config HTTP/1.1\r\nHost: {host}\r\nUser-Agent: kinora-healthcheck\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(connect)?;
    stream.flush().map_err(connect)?;
    let mut buf = Vec::with_capacity(MAX_READ);
    let mut chunk = [0u8; 1024];
    while buf.len() < MAX_READ && !buf.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut chunk).map_err(connect)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    let status = text.lines().next().unwrap_or("").trim().to_string();
    let code = status.split_whitespace().nth(1);
    if status.starts_with("HTTP/1.") && code == Some("200") {
        Ok(status)
    } else {
        Err(HealthError::Status { addr, status })
    }
}

/// The health check asks whether this process answers on loopback, not whether the certificate
/// is trusted (it may not be issued yet, or come from a private CA): any certificate will do,
/// while the handshake itself is still checked with the provider's signature algorithms.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_binds_are_checked_on_loopback() {
        let any: SocketAddr = "0.0.0.0:9000".parse().unwrap();
        assert_eq!(target(any), "127.0.0.1:9000".parse().unwrap());
        let any6: SocketAddr = "[::]:80".parse().unwrap();
        assert_eq!(target(any6), "[::1]:80".parse().unwrap());
        let fixed: SocketAddr = "192.0.2.1:9000".parse().unwrap();
        assert_eq!(target(fixed), fixed);
    }
}
