//! Remote pictures kept under `remote-pictures/`: fetched from their origin on the first
//! request, prepared on a blocking thread (checked, or decoded and re-encoded) and written
//! atomically, then served like our own.

use std::path::PathBuf;

use actix_web::web;

use crate::domain::{DomainError, DomainResult};
use crate::federation::FederationError;
use crate::http::error::{ApiError, ApiResult};

/// Makes sure `path` holds the picture: when missing, awaits `fetched` and writes what
/// `prepare` makes of it. An origin that fails or sends something unusable is a 404.
pub async fn keep(
    path: PathBuf,
    fetched: impl Future<Output = Result<Vec<u8>, FederationError>>,
    prepare: impl FnOnce(Vec<u8>) -> DomainResult<Vec<u8>> + Send + 'static,
) -> ApiResult<()> {
    if path.exists() {
        return Ok(());
    }
    let gone = || ApiError::not_found("The origin did not give this picture");
    let bytes = fetched.await.map_err(|_| gone())?;
    let written = web::block(move || -> DomainResult<Result<(), ()>> {
        let Ok(bytes) = prepare(bytes) else {
            return Ok(Err(()));
        };
        std::fs::create_dir_all(path.parent().unwrap_or(&path))?;
        crate::fsutil::write_atomic(&path, &bytes)?;
        Ok(Ok(()))
    })
    .await
    .map_err(|_| ApiError::from(DomainError::TaskFailed))??;
    written.map_err(|()| gone())
}
