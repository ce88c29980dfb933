//! Accounts looked up by handle (`name` or `name@host`), with their images.

use super::channels::parse_handle;
use super::{DomainError, DomainResult};
use crate::store::Store;
use crate::store::actors::{self, AccountRow};
use crate::store::images::{self, ImageRow};

pub async fn by_handle(
    store: &Store,
    handle: &str,
    our_host: &str,
) -> DomainResult<(AccountRow, Vec<ImageRow>)> {
    let (name, host) = parse_handle(handle, our_host);
    store
        .read(move |conn| {
            let account = actors::account_by_name(conn, &name, host.as_deref())?
                .ok_or_else(|| DomainError::NotFound("Account not found".into()))?;
            let imgs = images::of_actor(conn, account.actor.id)?;
            Ok((account, imgs))
        })
        .await
}
