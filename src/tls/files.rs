//! Certificates from PEM files (`tls.cert`, `tls.key`), for sites whose certificates another
//! tool manages. `reload` (on SIGHUP) swaps in the new pair for new connections; a pair that
//! fails to load leaves the old one in service.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::{CertInfo, CertStatus, TlsError};

#[derive(Debug)]
pub struct CertFiles {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
    status: CertStatus,
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads and checks a certificate chain and its key.
pub fn load_pair(
    cert: &Path,
    key: &Path,
    provider: &CryptoProvider,
) -> Result<(CertifiedKey, CertInfo), TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&read(cert)?)
        .collect::<Result<_, _>>()
        .map_err(|_| TlsError::NoCertificate {
            path: cert.to_path_buf(),
        })?;
    let Some(first) = chain.first() else {
        return Err(TlsError::NoCertificate {
            path: cert.to_path_buf(),
        });
    };
    let info = CertInfo::parse(first)?;
    let private = PrivateKeyDer::from_pem_slice(&read(key)?).map_err(|_| TlsError::NoKey {
        path: key.to_path_buf(),
    })?;
    let pair =
        CertifiedKey::from_der(chain, private, provider).map_err(|source| TlsError::Pair {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            source,
        })?;
    Ok((pair, info))
}

impl CertFiles {
    pub fn load(
        cert: PathBuf,
        key: PathBuf,
        provider: Arc<CryptoProvider>,
        status: CertStatus,
    ) -> Result<Arc<CertFiles>, TlsError> {
        let (pair, info) = load_pair(&cert, &key, &provider)?;
        status.set(info);
        Ok(Arc::new(CertFiles {
            cert,
            key,
            provider,
            current: RwLock::new(Arc::new(pair)),
            status,
        }))
    }

    /// Reads the files again; on success new connections get the new certificate.
    pub fn reload(&self) -> Result<CertInfo, TlsError> {
        let (pair, info) = load_pair(&self.cert, &self.key, &self.provider)?;
        if let Ok(mut current) = self.current.write() {
            *current = Arc::new(pair);
        }
        self.status.set(info.clone());
        Ok(info)
    }
}

impl ResolvesServerCert for CertFiles {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current.read().ok().map(|pair| pair.clone())
    }
}
