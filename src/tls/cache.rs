//! The ACME cache in `<data>/acme/`: the certificate with its key, and the account key, one
//! file each per (domains, CA directory). rustls-acme's own `DirCache` writes in place; this
//! one writes atomically (`fsutil::write_atomic_mode`, mode 0600), so a crash never leaves a
//! truncated key that would force a new order, and it records what it loads or stores in
//! `CertStatus`.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::{CertInfo, CertStatus};

pub struct AcmeCache {
    dir: PathBuf,
    status: CertStatus,
}

/// The cache directory of a data directory.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("acme")
}

fn key(parts: &[String], directory_url: &str) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(directory_url.as_bytes());
    hex::encode(&hash.finalize()[..16])
}

/// Where the certificate for `domains` from the CA at `directory_url` is cached.
pub fn cert_path(data_dir: &Path, domains: &[String], directory_url: &str) -> PathBuf {
    cert_file(&dir(data_dir), domains, directory_url)
}

fn cert_file(acme_dir: &Path, domains: &[String], directory_url: &str) -> PathBuf {
    acme_dir.join(format!("cert-{}.pem", key(domains, directory_url)))
}

fn account_path(data_dir_acme: &Path, contact: &[String], directory_url: &str) -> PathBuf {
    data_dir_acme.join(format!("account-{}.key", key(contact, directory_url)))
}

impl AcmeCache {
    pub fn new(data_dir: &Path, status: CertStatus) -> AcmeCache {
        AcmeCache {
            dir: dir(data_dir),
            status,
        }
    }

    fn note(&self, pem: &[u8]) {
        match CertInfo::from_pem(pem) {
            Ok(info) => self.status.set(info),
            Err(e) => tracing::warn!(error = %e, "cannot read the ACME certificate's dates"),
        }
    }
}

async fn read(path: PathBuf) -> std::io::Result<Option<Vec<u8>>> {
    tokio::task::spawn_blocking(move || match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    })
    .await
    .map_err(std::io::Error::other)?
}

async fn write(path: PathBuf, bytes: Vec<u8>) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || crate::fsutil::write_atomic_mode(&path, &bytes, 0o600))
        .await
        .map_err(std::io::Error::other)?
}

#[async_trait]
impl rustls_acme::CertCache for AcmeCache {
    type EC = std::io::Error;

    async fn load_cert(
        &self,
        domains: &[String],
        directory_url: &str,
    ) -> Result<Option<Vec<u8>>, std::io::Error> {
        let found = read(cert_file(&self.dir, domains, directory_url)).await?;
        if let Some(pem) = &found {
            self.note(pem);
        }
        Ok(found)
    }

    async fn store_cert(
        &self,
        domains: &[String],
        directory_url: &str,
        cert: &[u8],
    ) -> Result<(), std::io::Error> {
        self.note(cert);
        write(cert_file(&self.dir, domains, directory_url), cert.to_vec()).await
    }
}

#[async_trait]
impl rustls_acme::AccountCache for AcmeCache {
    type EA = std::io::Error;

    async fn load_account(
        &self,
        contact: &[String],
        directory_url: &str,
    ) -> Result<Option<Vec<u8>>, std::io::Error> {
        read(account_path(&self.dir, contact, directory_url)).await
    }

    async fn store_account(
        &self,
        contact: &[String],
        directory_url: &str,
        account: &[u8],
    ) -> Result<(), std::io::Error> {
        write(
            account_path(&self.dir, contact, directory_url),
            account.to_vec(),
        )
        .await
    }
}
