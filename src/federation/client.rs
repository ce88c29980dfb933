//! The outbound HTTP client of federation: its own small tokio runtime (so blocking job
//! threads and actix workers share one connection pool), a timeout and a body-size cap on every
//! request, and the SSRF guard: no private, loopback or link-local address (checked on IP
//! literals and on every DNS answer, redirects re-checked) unless the testing flag allows it,
//! and https only unless the same flag allows plain http.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::runtime::Handle;

use super::FederationError;

/// The federation runtime, started on first use on a thread of its own that lives as long as
/// the process.
pub fn runtime() -> &'static Handle {
    static HANDLE: OnceLock<Handle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("federation-net".into())
            .spawn(move || {
                // Building a two-thread runtime only fails when the OS refuses threads, and
                // then nothing can work: the error surfaces as a closed channel below.
                let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("federation-io")
                    .enable_all()
                    .build()
                else {
                    return;
                };
                let _ = tx.send(rt.handle().clone());
                rt.block_on(std::future::pending::<()>());
            })
            .ok();
        match rx.recv() {
            Ok(h) => h,
            // No runtime could be made: fall back to the caller's runtime if it has one; this
            // panics only on a system that cannot start threads at all.
            Err(_) => Handle::current(),
        }
    })
}

/// True for addresses a federated server may live at: not loopback, private, link-local,
/// unique-local, shared, documentation, multicast or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0xdb8))
        }
    }
}

/// DNS resolution that drops non-public answers (so a name cannot point us at the inside).
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let ok: Vec<SocketAddr> = found.filter(|a| allow || is_public(a.ip())).collect();
            if ok.is_empty() {
                return Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!("{host} resolves to no public address"),
                ))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(ok.into_iter()) as Addrs)
        })
    }
}

#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub allow_private: bool,
    pub timeout: Duration,
    pub max_body: usize,
}

/// The response of a guarded request: status, content type, the body (capped).
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub final_url: url::Url,
}

/// Gives the headers (signature included) for a request to a URL with an optional body.
pub type Signer =
    Arc<dyn Fn(&url::Url, Option<&[u8]>) -> Vec<(&'static str, String)> + Send + Sync>;

#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    settings: Arc<ClientSettings>,
}

const MAX_REDIRECTS: usize = 3;

impl HttpClient {
    pub fn new(settings: ClientSettings) -> Result<HttpClient, FederationError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(5)))
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(4)
            .user_agent(format!("Kinora/{} (+ActivityPub)", crate::VERSION))
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: settings.allow_private,
            }))
            .build()
            .map_err(|e| FederationError::Network(e.to_string()))?;
        Ok(HttpClient {
            client,
            settings: Arc::new(settings),
        })
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// Refuses URLs the guard forbids before any connection is made.
    pub fn check_url(&self, url: &url::Url) -> Result<(), FederationError> {
        match url.scheme() {
            "https" => {}
            "http" if self.settings.allow_private => {}
            _ => {
                return Err(FederationError::Forbidden(
                    "only https URLs are fetched".into(),
                ));
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FederationError::Forbidden(
                "URLs with credentials are refused".into(),
            ));
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
                Some(IpAddr::from([127, 0, 0, 1]))
            }
            Some(url::Host::Domain(_)) => None,
            None => return Err(FederationError::Forbidden("URL without a host".into())),
        };
        if let Some(ip) = ip
            && !self.settings.allow_private
            && !is_public(ip)
        {
            return Err(FederationError::Forbidden(format!(
                "{ip} is not a public address"
            )));
        }
        Ok(())
    }

    /// Sends one request on the federation runtime; `sign` gives the headers for a URL (a
    /// redirect gets a fresh signature). GETs follow up to three redirects, each re-checked.
    pub async fn send(
        &self,
        method: reqwest::Method,
        url: url::Url,
        accept: &str,
        body: Option<Vec<u8>>,
        sign: Signer,
    ) -> Result<Fetched, FederationError> {
        let this = self.clone();
        let accept = accept.to_string();
        runtime()
            .spawn(async move { this.send_here(method, url, &accept, body, sign).await })
            .await
            .map_err(|_| FederationError::Network("request task failed".into()))?
    }

    async fn send_here(
        &self,
        method: reqwest::Method,
        mut url: url::Url,
        accept: &str,
        body: Option<Vec<u8>>,
        sign: Signer,
    ) -> Result<Fetched, FederationError> {
        for _ in 0..=MAX_REDIRECTS {
            self.check_url(&url)?;
            let mut req = self
                .client
                .request(method.clone(), url.clone())
                .header("Accept", accept);
            for (k, v) in sign(&url, body.as_deref()) {
                if k != "Host" {
                    req = req.header(k, v);
                }
            }
            if let Some(b) = &body {
                req = req
                    .header("Content-Type", "application/activity+json")
                    .body(b.clone());
            }
            let mut res = req
                .send()
                .await
                .map_err(|e| FederationError::Network(describe(&e)))?;
            let status = res.status().as_u16();
            if (300..400).contains(&status) && method == reqwest::Method::GET {
                let location = res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| FederationError::Network("redirect without Location".into()))?;
                url = url
                    .join(location)
                    .map_err(|_| FederationError::Network("bad redirect Location".into()))?;
                continue;
            }
            if let Some(len) = res.content_length()
                && len as usize > self.settings.max_body
            {
                return Err(FederationError::TooLarge);
            }
            let content_type = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let mut out = Vec::new();
            while let Some(chunk) = res
                .chunk()
                .await
                .map_err(|e| FederationError::Network(describe(&e)))?
            {
                if out.len() + chunk.len() > self.settings.max_body {
                    return Err(FederationError::TooLarge);
                }
                out.extend_from_slice(&chunk);
            }
            return Ok(Fetched {
                status,
                content_type,
                body: out,
                final_url: url,
            });
        }
        Err(FederationError::Network("too many redirects".into()))
    }
}

/// The innermost cause of a reqwest error (connection refused, DNS, timeout...).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = s.to_string();
        source = s.source();
    }
    if e.is_timeout() {
        format!("timed out ({text})")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_refuses_inside_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "2606:2800:220:1:248:1893:25c8:1946",
            "8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        let strict = HttpClient::new(ClientSettings {
            allow_private: false,
            timeout: Duration::from_secs(1),
            max_body: 1024,
        })
        .unwrap();
        for u in [
            "http://example.org/",
            "https://127.0.0.1/",
            "https://localhost/x",
            "https://[::1]/",
            "https://user:pw@example.org/",
            "ftp://example.org/",
        ] {
            assert!(
                strict.check_url(&url::Url::parse(u).unwrap()).is_err(),
                "{u}"
            );
        }
        assert!(
            strict
                .check_url(&url::Url::parse("https://example.org/a").unwrap())
                .is_ok()
        );
    }
}
