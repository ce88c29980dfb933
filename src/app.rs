//! `AppState`: the services of one running instance, built once and handed to every handler.

use std::sync::Arc;

use anyhow::Context;
use std::time::Duration;

use crate::config::Config;
use crate::domain::auth::LoginLimiter;
use crate::domain::instance_settings::LiveConfig;
use crate::domain::registrations::SignUpPolicy;
use crate::domain::video_tokens::VideoTokens;
use crate::domain::videos::VideoPaths;
use crate::http::api::uploads::ActiveUploads;
use crate::http::pages::templates::Templates;
use crate::jobs::PoolHandle;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub templates: Arc<Templates>,
    pub login_limiter: LoginLimiter,
    /// The job worker pool, once started (absent in commands that do not run jobs).
    pub jobs: Option<PoolHandle>,
    pub active_uploads: ActiveUploads,
    /// The certificate being served, when the main listener speaks TLS.
    pub tls_status: Option<crate::tls::CertStatus>,
    /// Signs and checks the tokens that open private video files.
    pub video_tokens: VideoTokens,
    pub federation: crate::federation::Federation,
    /// The configuration with the administrators' run-time settings (`settings()`).
    pub live: LiveConfig,
}

impl AppState {
    pub fn new(config: Config, store: Store) -> anyhow::Result<AppState> {
        let login_limiter = LoginLimiter::new(
            config.login_rate_limit,
            Duration::from_secs(config.login_rate_window_secs),
        );
        let video_tokens = VideoTokens::load(&store)?;
        let federation = crate::federation::Federation::new(
            store.clone(),
            config.public_url(),
            config.public_host(),
            config.instance_name.clone(),
            config.federation.clone(),
        )?;
        Ok(AppState {
            federation,
            templates: Arc::new(Templates::load().context("cannot load the page templates")?),
            video_tokens,
            live: LiveConfig::new(config.clone(), config.clone()),
            config: Arc::new(config),
            store,
            login_limiter,
            jobs: None,
            active_uploads: ActiveUploads::default(),
            tls_status: None,
        })
    }

    /// `https://host:port` without a trailing slash.
    pub fn base_url(&self) -> String {
        self.config.public_url()
    }

    pub fn video_paths(&self) -> VideoPaths {
        VideoPaths {
            data_dir: self.config.data_dir.clone(),
        }
    }

    /// Tells the worker pool a job was queued, so it starts without waiting for its next poll.
    pub fn wake_jobs(&self) {
        if let Some(pool) = &self.jobs {
            pool.wake();
        }
    }

    pub fn host(&self) -> String {
        self.config.public_host()
    }

    /// The effective configuration now: `config` with what administrators changed since the
    /// start (instance texts, registration, quotas, custom CSS). Read the editable settings
    /// (`domain::instance_settings::EDITABLE`) here, not from `config`.
    pub fn settings(&self) -> Arc<Config> {
        self.live.get()
    }

    pub fn sign_up_policy(&self) -> SignUpPolicy {
        let settings = self.settings();
        SignUpPolicy {
            mode: settings.registration,
            video_quota: settings.user_video_quota,
            video_quota_daily: settings.user_video_quota_daily,
        }
    }
}
