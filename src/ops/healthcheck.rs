//! `kinora healthcheck`: asks the server on the configured `listen` address for
//! `/api/v1/config` and succeeds on `200`. Container images have no curl; the binary checks itself.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
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

/// One plain HTTP/1.1 GET; returns the status line on success.
pub fn check(listen: SocketAddr) -> Result<String, HealthError> {
    let addr = target(listen);
    let connect = |source| HealthError::Connect { addr, source };
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(connect)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(connect)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(connect)?;
    let request = format!(
        "GET /api/v1/config HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: kinora-healthcheck\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(connect)?;
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
