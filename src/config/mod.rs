//! The one typed `Config`: documented defaults, overridden by `kinora.toml`, then `KINORA_*`
//! environment variables, then command-line flags, in that order of precedence.

mod network;
mod settings;
mod values;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub use network::{LETS_ENCRYPT, RedirectListen, TlsMode, TlsSettings, parse_networks};
pub use settings::SETTINGS;
pub use values::{ByteSize, LogFormat, RegistrationMode, WorkerMemory, format_bytes};

/// Where a setting's effective value came from; named in errors and in `--print-config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(String),
    Flag(String),
    /// Derived from another setting (the public URL from the listen address).
    Derived,
    /// Changed by an administrator (`PUT /api/v1/config/custom`, stored in the database).
    Admin,
    /// A default that another setting changes (`listen` is port 443 with TLS).
    Implied(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => write!(f, "default"),
            Source::File(p) => write!(f, "file {}", p.display()),
            Source::Env(v) => write!(f, "environment variable {v}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Derived => write!(f, "derived from listen"),
            Source::Admin => write!(f, "administrator settings (database)"),
            Source::Implied(by) => write!(f, "default with {by}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid value for `{key}` from {origin}: {message}")]
    Invalid {
        key: String,
        origin: Source,
        message: String,
    },
    #[error(
        "unknown setting `{key}` in {origin} (see `kinora serve --print-config` for the known keys)"
    )]
    UnknownKey { key: String, origin: Source },
    #[error("cannot read configuration file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("conflicting settings: {0}")]
    Conflict(String),
}

/// The effective configuration of one Kinora instance.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory holding the database, media files and `kinora.toml`.
    pub data_dir: PathBuf,
    /// Address the HTTP server binds (`listen`).
    pub listen: SocketAddr,
    /// Public base URL without a trailing slash (`public_url`). `None` until derived from `listen`.
    pub public_url: Option<String>,
    pub instance_name: String,
    pub instance_short_description: String,
    pub instance_description: String,
    pub instance_terms: String,
    /// The text of `/robots.txt` (`instance.robots`), as PeerTube's admins edit theirs.
    pub robots: String,
    /// Stylesheet added to every page after Kinora's own (`instance.custom_css`).
    pub custom_css: String,
    pub registration: RegistrationMode,
    /// Default quota of new users, bytes; -1 means unlimited.
    pub user_video_quota: i64,
    pub user_video_quota_daily: i64,
    /// Largest accepted upload, bytes.
    pub upload_max_size: u64,
    /// Pieces of a resumable upload sent by the upload page, bytes.
    pub upload_chunk_size: u64,
    /// Largest accepted avatar or banner image, bytes.
    pub avatar_max_size: u64,
    /// Login attempts allowed per client IP and per account within `login_rate_window_secs`.
    pub login_rate_limit: u32,
    pub login_rate_window_secs: u64,
    /// Abuse reports one user may file per hour (each may notify moderators and federate).
    pub abuse_reports_per_hour: u32,
    pub log_filter: String,
    pub log_format: LogFormat,
    /// Number of read-only SQLite connections.
    pub db_readers: usize,
    /// Whether uploads that cannot be remuxed are encoded, and whether the AV1 ladder is built.
    pub transcoding_enabled: bool,
    /// The AV1 ladder (`transcoding.resolutions`, `transcoding.av1_speed`, ...).
    pub ladder: crate::media::LadderConfig,
    /// Encoder threads per transcoding job, and transcoding jobs run at once.
    pub transcoding_threads: usize,
    pub transcoding_concurrency: usize,
    /// Percentage of a video's pictures that may be lost to damage (`transcoding.max_damaged_percent`).
    pub transcoding_max_damaged_percent: u8,
    /// What one media worker process may allocate (`transcoding.worker_memory`).
    pub transcoding_worker_memory: WorkerMemory,
    /// TLS on the main listener (`tls.*`).
    pub tls: TlsSettings,
    /// The plain-HTTP listener that redirects to HTTPS (`redirect_listen`).
    pub redirect_listen: RedirectListen,
    /// Reverse proxies whose `X-Forwarded-For`/`-Proto` are believed (`trusted_proxies`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Bearer token that opens `/metrics` to non-loopback clients (`metrics.token`).
    pub metrics_token: Option<String>,
    /// Federation limits and switches (`federation.*`).
    pub federation: crate::federation::FederationSettings,
    /// Effective source of every key, for `--print-config` and error messages.
    pub sources: BTreeMap<&'static str, Source>,
}

impl Config {
    /// The built-in defaults, before any file, environment variable or flag.
    pub fn defaults(data_dir: PathBuf) -> Config {
        let mut config = Config {
            data_dir,
            listen: SocketAddr::from(([127, 0, 0, 1], 9000)),
            public_url: None,
            instance_name: "Kinora".into(),
            instance_short_description: "A video platform for everyone, federated with PeerTube."
                .into(),
            instance_description: String::new(),
            instance_terms: String::new(),
            robots: "User-agent: *\nDisallow:".into(),
            custom_css: String::new(),
            registration: RegistrationMode::Closed,
            user_video_quota: 10 * 1024 * 1024 * 1024,
            user_video_quota_daily: -1,
            upload_max_size: 8 * 1024 * 1024 * 1024,
            upload_chunk_size: 8 * 1024 * 1024,
            avatar_max_size: 4 * 1024 * 1024,
            login_rate_limit: 15,
            login_rate_window_secs: 300,
            abuse_reports_per_hour: 20,
            log_filter: "info".into(),
            log_format: LogFormat::Text,
            db_readers: 4,
            transcoding_enabled: true,
            ladder: crate::media::LadderConfig::default(),
            // One job using every core finishes each video soonest; small machines have few.
            transcoding_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            transcoding_concurrency: 1,
            transcoding_max_damaged_percent: crate::media::DEFAULT_MAX_DAMAGED_PERCENT,
            transcoding_worker_memory: WorkerMemory::Auto,
            tls: TlsSettings {
                acme_directory: LETS_ENCRYPT.into(),
                ..TlsSettings::default()
            },
            redirect_listen: RedirectListen::Auto,
            trusted_proxies: Vec::new(),
            metrics_token: None,
            federation: crate::federation::FederationSettings::default(),
            sources: BTreeMap::new(),
        };
        for setting in SETTINGS {
            config.sources.insert(setting.key, Source::Default);
        }
        config
    }

    /// Loads the configuration: defaults < `file` (or `<data_dir>/kinora.toml`) < environment < flags.
    /// `flags` are `(key, value, flag name)` triples already picked out by the command line.
    pub fn load(
        data_dir: PathBuf,
        file: Option<&Path>,
        env: &[(String, String)],
        flags: &[(&'static str, String, String)],
    ) -> Result<Config, ConfigError> {
        let mut config = Config::defaults(data_dir);
        let (path, must_exist) = match file {
            Some(p) => (p.to_path_buf(), true),
            None => (config.data_dir.join("kinora.toml"), false),
        };
        config.apply_file(&path, must_exist)?;
        config.apply_env(env)?;
        for (key, value, flag) in flags {
            config.set(key, value, Source::Flag(flag.clone()))?;
        }
        config.check_tls()?;
        Ok(config)
    }

    fn apply_file(&mut self, path: &Path, must_exist: bool) -> Result<(), ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => return Ok(()),
            Err(e) => {
                return Err(ConfigError::File {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                });
            }
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::File {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        let source = Source::File(path.to_path_buf());
        for (key, value) in values::flatten_toml(&table) {
            let raw = values::toml_to_raw(&value).map_err(|message| ConfigError::Invalid {
                key: key.clone(),
                origin: source.clone(),
                message,
            })?;
            match settings::find(&key) {
                Some(setting) => self.set(setting.key, &raw, source.clone())?,
                None => {
                    return Err(ConfigError::UnknownKey {
                        key,
                        origin: source.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    fn apply_env(&mut self, env: &[(String, String)]) -> Result<(), ConfigError> {
        for setting in SETTINGS {
            let name = settings::env_name(setting.key);
            if let Some((_, value)) = env.iter().find(|(k, _)| *k == name) {
                self.set(setting.key, value, Source::Env(name.clone()))?;
            }
        }
        Ok(())
    }

    /// Sets one key from its textual form, recording where it came from.
    pub fn set(&mut self, key: &str, raw: &str, source: Source) -> Result<(), ConfigError> {
        let Some(setting) = settings::find(key) else {
            return Err(ConfigError::UnknownKey {
                key: key.to_string(),
                origin: source,
            });
        };
        (setting.apply)(self, raw.trim()).map_err(|message| ConfigError::Invalid {
            key: setting.key.to_string(),
            origin: source.clone(),
            message,
        })?;
        self.sources.insert(setting.key, source);
        Ok(())
    }

    /// Fills in the public URL from the address actually bound, when none was configured.
    /// Unspecified addresses (0.0.0.0, ::) become `localhost`, the only name that works for them.
    pub fn finalize_public_url(&mut self, bound: SocketAddr) {
        self.listen = bound;
        if self.public_url.is_none()
            && let Some(domain) = self.tls.domain.as_deref()
            && self.tls.enabled()
        {
            self.public_url = Some(match bound.port() {
                443 => format!("https://{domain}"),
                port => format!("https://{domain}:{port}"),
            });
            self.sources
                .insert("public_url", Source::Implied("tls.domain"));
        }
        if self.public_url.is_none() {
            let host = if bound.ip().is_unspecified() {
                "localhost".to_string()
            } else if bound.is_ipv6() {
                format!("[{}]", bound.ip())
            } else {
                bound.ip().to_string()
            };
            self.public_url = Some(format!("http://{host}:{}", bound.port()));
            self.sources.insert("public_url", Source::Derived);
        }
    }

    /// The public base URL (`http://host:port`), without a trailing slash.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// `host[:port]` of the public URL, as clients send it in the `Host` header.
    pub fn public_host(&self) -> String {
        let url = self.public_url();
        let without_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(&url);
        without_scheme
            .split('/')
            .next()
            .unwrap_or(without_scheme)
            .to_string()
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("kinora.sqlite3")
    }

    pub fn avatars_dir(&self) -> PathBuf {
        self.data_dir.join("avatars")
    }

    /// The effective configuration as TOML, each key followed by where its value came from.
    pub fn render(&self) -> String {
        let mut out = String::from("# Effective Kinora configuration\n");
        out.push_str(&format!("# data directory: {}\n", self.data_dir.display()));
        for setting in SETTINGS {
            let value = (setting.show)(self);
            let source = self
                .sources
                .get(setting.key)
                .cloned()
                .unwrap_or(Source::Default);
            out.push_str(&format!("\n# {}\n", setting.doc));
            out.push_str(&format!(
                "# env {}; from {source}\n",
                settings::env_name(setting.key)
            ));
            out.push_str(&format!("{} = {value}\n", setting.key));
        }
        out
    }
}
