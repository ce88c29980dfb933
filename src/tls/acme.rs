//! Certificates from an ACME CA (Let's Encrypt production by default) by TLS-ALPN-01 on the
//! HTTPS listener itself. rustls-acme runs the protocol: it deploys the cached certificate at
//! start, orders one when there is none, and renews when a third of the lifetime is left, with
//! backoff after failures. `drive` runs that state machine and logs what it does.

use std::sync::Arc;

use futures_util::StreamExt;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::server::ResolvesServerCert;
use rustls_acme::{AcmeConfig, EventOk};

use super::cache::AcmeCache;
use super::{CertStatus, TlsError};
use crate::config::Config;

pub type AcmeState = rustls_acme::AcmeState<std::io::Error, std::io::Error>;

/// The ACME state machine and the certificate resolver it feeds.
pub fn prepare(
    config: &Config,
    domain: &str,
    provider: Arc<CryptoProvider>,
    status: CertStatus,
) -> Result<(AcmeState, Arc<dyn ResolvesServerCert>), TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = &config.tls.acme_ca_root {
        let read = |source| TlsError::Read {
            path: path.clone(),
            source,
        };
        let pem = std::fs::read(path).map_err(read)?;
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|_| TlsError::NoCertificate { path: path.clone() })?;
            roots.add(cert)?;
            added += 1;
        }
        if added == 0 {
            return Err(TlsError::NoCertificate { path: path.clone() });
        }
    }
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let contact: Vec<String> = config
        .tls
        .acme_email
        .iter()
        .map(|email| format!("mailto:{email}"))
        .collect();
    let state = AcmeConfig::new_with_client_config([domain], Arc::new(client))
        .directory(&config.tls.acme_directory)
        .contact(contact)
        .cache(AcmeCache::new(&config.data_dir, status))
        .state();
    let resolver = state.resolver();
    Ok((state, resolver))
}

/// Runs the ACME state machine for the life of the server (it never ends by itself).
pub async fn drive(mut state: Box<AcmeState>, domain: String, status: CertStatus) {
    while let Some(event) = state.next().await {
        let not_after = status.get().map(|c| c.not_after).unwrap_or_default();
        let expires = super::date(not_after);
        match event {
            Ok(EventOk::DeployedCachedCert) => {
                tracing::info!(%domain, %expires, "serving the cached TLS certificate")
            }
            Ok(EventOk::DeployedNewCert) => {
                tracing::info!(%domain, "obtained a new TLS certificate from the ACME CA")
            }
            Ok(EventOk::CertCacheStore) => {
                tracing::info!(%domain, %expires, "stored the new TLS certificate")
            }
            Ok(EventOk::AccountCacheStore) => tracing::debug!("stored the ACME account key"),
            Err(e) => {
                tracing::warn!(%domain, error = %e, "ACME certificate management failed; will retry")
            }
        }
    }
}
