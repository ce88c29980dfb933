//! Network settings beyond `listen`: TLS (ACME or certificate files), the HTTP-to-HTTPS redirect
//! listener, trusted reverse proxies, and the metrics token; their parsing and consistency rules.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use ipnet::IpNet;

use super::{Config, ConfigError, Source};

/// Let's Encrypt's production directory, the default ACME CA.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// How the main listener speaks TLS, and where its certificates come from.
#[derive(Debug, Clone, Default)]
pub struct TlsSettings {
    /// `tls.domain`: the public DNS name. Alone it means ACME; with `cert`/`key`, files.
    pub domain: Option<String>,
    /// `tls.acme_email`: contact address given to the ACME CA (expiry warnings).
    pub acme_email: Option<String>,
    /// `tls.acme_directory`: the ACME CA's directory URL (Let's Encrypt production by default).
    pub acme_directory: String,
    /// `tls.acme_ca_root`: extra PEM root certificates trusted when talking to the ACME CA.
    pub acme_ca_root: Option<PathBuf>,
    /// `tls.cert` and `tls.key`: PEM certificate chain and private key, reloaded on SIGHUP.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// Where TLS certificates come from, once the settings are known to be consistent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain HTTP (local use, or behind a reverse proxy).
    Off,
    /// Certificates from an ACME CA by TLS-ALPN-01 on the main listener.
    Acme { domain: String },
    /// Certificate files.
    Files { cert: PathBuf, key: PathBuf },
}

impl TlsSettings {
    pub fn mode(&self) -> TlsMode {
        match (&self.cert, &self.key, &self.domain) {
            (Some(cert), Some(key), _) => TlsMode::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            (None, None, Some(domain)) => TlsMode::Acme {
                domain: domain.clone(),
            },
            _ => TlsMode::Off,
        }
    }

    pub fn enabled(&self) -> bool {
        self.mode() != TlsMode::Off
    }
}

impl Config {
    /// Checks that the TLS settings fit together, and moves `listen` to `0.0.0.0:443` when TLS
    /// is on and `listen` was left at its default.
    pub(super) fn check_tls(&mut self) -> Result<(), ConfigError> {
        let conflict = |m: &str| Err(ConfigError::Conflict(m.to_string()));
        let t = &self.tls;
        if t.cert.is_some() != t.key.is_some() {
            return conflict("tls.cert (--tls-cert) and tls.key (--tls-key) go together");
        }
        let acme_options =
            t.acme_email.is_some() || t.acme_ca_root.is_some() || t.acme_directory != LETS_ENCRYPT;
        let https_url = self
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"));
        if t.cert.is_some() {
            if t.domain.is_none() && !https_url {
                return conflict(
                    "tls.cert needs tls.domain (--domain) or an https:// public_url to name the site",
                );
            }
            if acme_options {
                return conflict(
                    "tls.acme_* settings are for certificates from an ACME CA; they do nothing with tls.cert/tls.key",
                );
            }
        } else if t.domain.is_none() && acme_options {
            return conflict("tls.acme_* settings need tls.domain (--domain)");
        }
        if !self.tls.enabled() {
            return Ok(());
        }
        if self.public_url.is_some() && !https_url {
            return conflict("with TLS on, public_url must start with https://");
        }
        if self.sources.get("listen") == Some(&Source::Default) {
            self.listen = SocketAddr::from(([0, 0, 0, 0], 443));
            self.sources.insert("listen", Source::Implied("TLS"));
        }
        Ok(())
    }
}

/// `redirect_listen`: the plain-HTTP listener that only redirects to HTTPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedirectListen {
    /// `0.0.0.0:80` when TLS is on, none otherwise.
    #[default]
    Auto,
    Off,
    At(SocketAddr),
}

impl RedirectListen {
    pub fn parse(v: &str) -> Result<RedirectListen, String> {
        match v {
            "" | "auto" => Ok(RedirectListen::Auto),
            "off" | "none" => Ok(RedirectListen::Off),
            addr => addr.parse().map(RedirectListen::At).map_err(|_| {
                format!("expected an address such as 0.0.0.0:80, or off; got {addr:?}")
            }),
        }
    }

    pub fn show(self) -> String {
        match self {
            RedirectListen::Auto => "auto".into(),
            RedirectListen::Off => "off".into(),
            RedirectListen::At(a) => a.to_string(),
        }
    }

    /// The address to bind, given whether the main listener speaks TLS.
    pub fn resolve(self, tls: bool) -> Option<SocketAddr> {
        match self {
            RedirectListen::Auto if tls => Some(SocketAddr::from(([0, 0, 0, 0], 80))),
            RedirectListen::At(a) if tls => Some(a),
            _ => None,
        }
    }
}

/// A DNS name for a certificate: letters, digits, hyphens and dots, no scheme, port or IP.
pub fn parse_domain(v: &str) -> Result<Option<String>, String> {
    let v = v.trim().trim_end_matches('.').to_ascii_lowercase();
    if v.is_empty() {
        return Ok(None);
    }
    if v.parse::<IpAddr>().is_ok() {
        return Err(
            "an IP address cannot get a certificate from an ACME CA; use a DNS name".into(),
        );
    }
    let labels_ok = v.len() <= 253
        && v.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !labels_ok || !v.contains('.') {
        return Err(format!(
            "expected a DNS name such as video.example.org (no scheme or port), got {v:?}"
        ));
    }
    Ok(Some(v))
}

/// An e-mail address for the ACME account; only a sanity check, the CA checks the rest.
pub fn parse_email(v: &str) -> Result<Option<String>, String> {
    let v = v.trim().trim_start_matches("mailto:");
    if v.is_empty() {
        return Ok(None);
    }
    match v.split_once('@') {
        Some((user, host))
            if !user.is_empty() && host.contains('.') && !v.contains(char::is_whitespace) =>
        {
            Ok(Some(v.to_string()))
        }
        _ => Err(format!("expected an e-mail address, got {v:?}")),
    }
}

pub fn parse_https_url(v: &str) -> Result<String, String> {
    let v = v.trim();
    match v.strip_prefix("https://") {
        Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace) => Ok(v.to_string()),
        _ => Err(format!(
            "expected an https:// URL of an ACME directory, got {v:?}"
        )),
    }
}

pub fn parse_path(v: &str) -> Option<PathBuf> {
    let v = v.trim();
    (!v.is_empty()).then(|| PathBuf::from(v))
}

/// `trusted_proxies`: comma-separated networks (`10.0.0.0/8`) or single addresses (`::1`).
pub fn parse_networks(v: &str) -> Result<Vec<IpNet>, String> {
    let mut out = Vec::new();
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let net = match part.parse::<IpNet>() {
            Ok(net) => net.trunc(),
            Err(_) => match part.parse::<IpAddr>() {
                Ok(ip) => IpNet::from(ip),
                Err(_) => {
                    return Err(format!(
                        "expected networks such as 127.0.0.1/32,10.0.0.0/8 or addresses; got {part:?}"
                    ));
                }
            },
        };
        out.push(net);
    }
    Ok(out)
}

pub fn show_networks(nets: &[IpNet]) -> String {
    let list: Vec<String> = nets.iter().map(|n| format!("\"{n}\"")).collect();
    format!("[{}]", list.join(", "))
}

/// `metrics.token`: a bearer token of at least 16 characters, or empty for loopback-only.
pub fn parse_token(v: &str) -> Result<Option<String>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.len() < 16 || !v.chars().all(|c| c.is_ascii_graphic()) {
        return Err("expected at least 16 printable characters without spaces".into());
    }
    Ok(Some(v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_dns_names() {
        assert_eq!(
            parse_domain("Video.Example.org.").unwrap().as_deref(),
            Some("video.example.org")
        );
        assert_eq!(parse_domain("").unwrap(), None);
        assert!(parse_domain("https://video.example.org").is_err());
        assert!(parse_domain("video.example.org:443").is_err());
        assert!(parse_domain("192.0.2.1").is_err());
        assert!(parse_domain("localhost").is_err());
        assert!(parse_domain("-bad.example.org").is_err());
    }

    #[test]
    fn networks_accept_cidrs_and_addresses() {
        let nets = parse_networks("10.1.2.3/8, ::1,192.0.2.7").unwrap();
        assert_eq!(
            show_networks(&nets),
            "[\"10.0.0.0/8\", \"::1/128\", \"192.0.2.7/32\"]"
        );
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert!(parse_networks("proxy.example.org").is_err());
        assert!(parse_networks("").unwrap().is_empty());
    }

    #[test]
    fn redirect_listener_exists_only_with_tls() {
        let auto = RedirectListen::parse("auto").unwrap();
        assert_eq!(auto.resolve(true), Some("0.0.0.0:80".parse().unwrap()));
        assert_eq!(auto.resolve(false), None);
        assert_eq!(RedirectListen::parse("off").unwrap().resolve(true), None);
        let at = RedirectListen::parse("127.0.0.1:8080").unwrap();
        assert_eq!(at.resolve(true), Some("127.0.0.1:8080".parse().unwrap()));
        assert!(RedirectListen::parse("port 80").is_err());
    }
}
