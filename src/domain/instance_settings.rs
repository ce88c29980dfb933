//! Instance settings changed by administrators at run time (name, descriptions, rules,
//! registration mode, default quotas, transcoding resolutions, custom CSS, robots.txt):
//! validated by the configuration's own rules, stored in SQLite, and layered over the file,
//! environment and flag configuration: at start-up and at once when changed.

use std::sync::{Arc, RwLock};

use super::{DomainError, DomainResult};
use crate::config::{Config, Source};
use crate::store::{Store, StoreError, instance_settings};

/// The configuration keys administrators may change here.
pub const EDITABLE: &[&str] = &[
    "instance.name",
    "instance.short_description",
    "instance.description",
    "instance.terms",
    "instance.custom_css",
    "instance.robots",
    "registration",
    "user.video_quota",
    "user.video_quota_daily",
    "transcoding.resolutions",
];

/// The configuration before and after the administrators' settings, shared by all handlers.
#[derive(Clone)]
pub struct LiveConfig {
    base: Arc<Config>,
    current: Arc<RwLock<Arc<Config>>>,
}

impl LiveConfig {
    pub fn new(base: Config, effective: Config) -> LiveConfig {
        LiveConfig {
            base: Arc::new(base),
            current: Arc::new(RwLock::new(Arc::new(effective))),
        }
    }

    /// The effective configuration now.
    pub fn get(&self) -> Arc<Config> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn replace(&self, config: Config) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
    }
}

/// `base` with `settings` applied; the first invalid one is refused with its key.
pub fn apply(base: &Config, settings: &[(String, String)]) -> DomainResult<Config> {
    let mut config = base.clone();
    for (key, value) in settings {
        if !EDITABLE.contains(&key.as_str()) {
            return Err(DomainError::Invalid {
                field: "key",
                message: format!("{key} cannot be changed here"),
            });
        }
        config
            .set(key, value, Source::Admin)
            .map_err(|e| DomainError::Invalid {
                field: "value",
                message: e.to_string(),
            })?;
    }
    Ok(config)
}

/// At start-up: the stored settings over `base`. A stored value that no longer validates (after
/// an upgrade that tightened a rule) is skipped with a warning rather than stopping the server.
pub fn load_blocking(store: &Store, base: &Config) -> Result<Config, StoreError> {
    let stored = store.read_blocking(instance_settings::all)?;
    let mut config = base.clone();
    for (key, value) in stored {
        if let Err(e) = apply(&config, &[(key.clone(), value)]).map(|c| config = c) {
            tracing::warn!(%key, error = %e, "ignoring a stored instance setting");
        }
    }
    Ok(config)
}

/// The stored settings, as (key, value).
pub async fn stored(store: &Store) -> DomainResult<Vec<(String, String)>> {
    Ok(store.read(instance_settings::all).await?)
}

/// Merges `changes` into the stored settings, validates the result over the base configuration,
/// stores it and makes it effective at once.
pub async fn update(
    store: &Store,
    live: &LiveConfig,
    changes: Vec<(String, String)>,
) -> DomainResult<Arc<Config>> {
    let mut merged = stored(store).await?;
    for (key, value) in changes {
        merged.retain(|(k, _)| *k != key);
        merged.push((key, value));
    }
    let config = apply(&live.base, &merged)?;
    store
        .write(move |tx| instance_settings::replace_all(tx, &merged))
        .await?;
    live.replace(config);
    Ok(live.get())
}

/// Forgets every stored setting: the file, environment and flags rule again.
pub async fn reset(store: &Store, live: &LiveConfig) -> DomainResult<Arc<Config>> {
    store
        .write(move |tx| instance_settings::replace_all(tx, &[]))
        .await?;
    live.replace((*live.base).clone());
    Ok(live.get())
}
