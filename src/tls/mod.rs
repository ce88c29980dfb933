//! TLS on the main listener: a rustls `ServerConfig` whose certificate comes from an ACME CA
//! (TLS-ALPN-01, `acme`) or from PEM files reloaded on SIGHUP (`files`), with ring as the one
//! crypto provider. What certificate is being served is kept in `CertStatus` for logs, metrics
//! and `kinora doctor`.

pub mod acme;
pub mod cache;
pub mod files;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;

use crate::config::{Config, TlsMode};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("{path} holds no usable PEM private key (PKCS#8, PKCS#1 or SEC1)")]
    NoKey { path: PathBuf },
    #[error("cannot use the certificate {cert} with the key {key}")]
    Pair {
        cert: PathBuf,
        key: PathBuf,
        source: rustls::Error,
    },
    #[error("cannot parse the certificate")]
    Parse(#[source] x509_parser::nom::Err<x509_parser::error::X509Error>),
    #[error("TLS configuration")]
    Rustls(#[from] rustls::Error),
}

/// The certificate being served: for logs, `/metrics` and `kinora doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// DNS names the certificate covers.
    pub names: Vec<String>,
    pub issuer: String,
    /// Validity, Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
}

impl CertInfo {
    /// Reads the end-entity certificate (DER).
    pub fn parse(der: &[u8]) -> Result<CertInfo, TlsError> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(TlsError::Parse)?;
        let mut names = Vec::new();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                if let x509_parser::extensions::GeneralName::DNSName(dns) = name {
                    names.push(dns.to_string());
                }
            }
        }
        Ok(CertInfo {
            names,
            issuer: cert.issuer().to_string(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
        })
    }

    /// The first certificate of a PEM bundle (a key may come before it, as in the ACME cache).
    pub fn from_pem(pem: &[u8]) -> Result<CertInfo, TlsError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let first = CertificateDer::pem_slice_iter(pem)
            .find_map(Result::ok)
            .ok_or_else(|| TlsError::NoCertificate {
                path: PathBuf::from("(PEM)"),
            })?;
        CertInfo::parse(&first)
    }
}

/// A Unix time as the store writes dates (RFC 3339, UTC).
pub fn date(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    crate::store::timestamp(t)
}

/// Shared, updated when a certificate is loaded, obtained or renewed.
#[derive(Debug, Clone, Default)]
pub struct CertStatus(Arc<RwLock<Option<CertInfo>>>);

impl CertStatus {
    pub fn set(&self, info: CertInfo) {
        if let Ok(mut slot) = self.0.write() {
            *slot = Some(info);
        }
    }

    pub fn get(&self) -> Option<CertInfo> {
        self.0.read().ok().and_then(|slot| slot.clone())
    }
}

/// What keeps the certificate current while the server runs.
pub enum Renewal {
    /// Drive with `acme::drive` on the server's runtime.
    Acme(Box<acme::AcmeState>),
    /// Call `reload` on SIGHUP.
    Files(Arc<files::CertFiles>),
}

/// TLS for a configured instance, ready for the listener.
pub struct Tls {
    pub server_config: ServerConfig,
    pub renewal: Renewal,
    pub status: CertStatus,
}

pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the listener's TLS from the configuration; `None` when TLS is off.
pub fn setup(config: &Config) -> Result<Option<Tls>, TlsError> {
    let status = CertStatus::default();
    let provider = provider();
    let (resolver, alpn, renewal): (Arc<dyn rustls::server::ResolvesServerCert>, _, _) =
        match config.tls.mode() {
            TlsMode::Off => return Ok(None),
            TlsMode::Acme { domain } => {
                let (state, resolver) =
                    acme::prepare(config, &domain, provider.clone(), status.clone())?;
                (
                    resolver,
                    // Offered besides h2 and http/1.1 (which actix adds): the CA's validation
                    // connection asks for it, and the resolver answers with the challenge.
                    vec![rustls_acme::acme::ACME_TLS_ALPN_NAME.to_vec()],
                    Renewal::Acme(Box::new(state)),
                )
            }
            TlsMode::Files { cert, key } => {
                let files = files::CertFiles::load(cert, key, provider.clone(), status.clone())?;
                (files.clone(), Vec::new(), Renewal::Files(files))
            }
        };
    let mut server_config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    server_config.alpn_protocols = alpn;
    Ok(Some(Tls {
        server_config,
        renewal,
        status,
    }))
}
