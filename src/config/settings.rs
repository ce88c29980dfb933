//! The table of known settings: key, documentation, how to parse a value and how to show it.

use super::Config;
use super::network::{self, RedirectListen};
use super::values::{ByteSize, LogFormat, RegistrationMode, format_bytes, parse_quota};
use crate::media::PerResolution;

/// One configurable key. `apply` parses the textual value (from TOML, env or a flag) into the
/// config; `show` renders the effective value as a TOML literal.
pub struct Setting {
    pub key: &'static str,
    pub doc: &'static str,
    pub apply: fn(&mut Config, &str) -> Result<(), String>,
    pub show: fn(&Config) -> String,
}

/// `instance.name` -> `KINORA_INSTANCE_NAME`.
pub fn env_name(key: &str) -> String {
    format!("KINORA_{}", key.replace('.', "_").to_ascii_uppercase())
}

pub fn find(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn text(limit: usize, value: &str) -> Result<String, String> {
    if value.chars().count() > limit {
        return Err(format!("at most {limit} characters"));
    }
    Ok(value.to_string())
}

fn optional(value: &Option<String>) -> String {
    quoted(value.as_deref().unwrap_or(""))
}

fn optional_path(value: &Option<std::path::PathBuf>) -> String {
    quoted(
        &value
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    )
}

fn number<T: std::str::FromStr>(value: &str, what: &str) -> Result<T, String> {
    value
        .parse::<T>()
        .map_err(|_| format!("expected {what}, got {value:?}"))
}

/// A bare number when every rung shares a numeric value, a string otherwise.
fn per_resolution_literal<T: Copy + std::fmt::Display>(value: &PerResolution<T>) -> String {
    let text = value.to_string();
    if text.parse::<u64>().is_ok() {
        text
    } else {
        quoted(&text)
    }
}

pub static SETTINGS: &[Setting] = &[
    Setting {
        key: "listen",
        doc: "Address and port the HTTP server listens on.",
        apply: |c, v| {
            c.listen = number(v, "an address such as 127.0.0.1:9000")?;
            Ok(())
        },
        show: |c| quoted(&c.listen.to_string()),
    },
    Setting {
        key: "public_url",
        doc: "Public base URL used in every absolute link, ActivityPub id and the OAuth host check (default: http:// + listen).",
        apply: |c, v| {
            let url = v.trim_end_matches('/');
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"))
                .ok_or("expected an http:// or https:// URL")?;
            if rest.is_empty() || rest.contains('/') || rest.contains(char::is_whitespace) {
                return Err(
                    "expected scheme and host only, such as https://video.example.org".into(),
                );
            }
            c.public_url = Some(url.to_string());
            Ok(())
        },
        show: |c| quoted(&c.public_url()),
    },
    Setting {
        key: "instance.name",
        doc: "Name of this instance, shown on every page and to other servers.",
        apply: |c, v| {
            if v.is_empty() {
                return Err("must not be empty".into());
            }
            c.instance_name = text(120, v)?;
            Ok(())
        },
        show: |c| quoted(&c.instance_name),
    },
    Setting {
        key: "instance.short_description",
        doc: "One-sentence description of the instance.",
        apply: |c, v| {
            c.instance_short_description = text(250, v)?;
            Ok(())
        },
        show: |c| quoted(&c.instance_short_description),
    },
    Setting {
        key: "instance.description",
        doc: "Long description of the instance (Markdown).",
        apply: |c, v| {
            c.instance_description = text(10_000, v)?;
            Ok(())
        },
        show: |c| quoted(&c.instance_description),
    },
    Setting {
        key: "instance.terms",
        doc: "Rules and terms shown on the registration page (Markdown).",
        apply: |c, v| {
            c.instance_terms = text(10_000, v)?;
            Ok(())
        },
        show: |c| quoted(&c.instance_terms),
    },
    Setting {
        key: "instance.robots",
        doc: "The text served as /robots.txt (by default every crawler may index everything).",
        apply: |c, v| {
            c.robots = text(10_000, v)?;
            Ok(())
        },
        show: |c| quoted(&c.robots),
    },
    Setting {
        key: "instance.custom_css",
        doc: "CSS added to every page after Kinora's stylesheet.",
        apply: |c, v| {
            c.custom_css = text(100_000, v)?;
            Ok(())
        },
        show: |c| quoted(&c.custom_css),
    },
    Setting {
        key: "registration",
        doc: "Who may create an account: closed, open or approval.",
        apply: |c, v| {
            c.registration = v.parse::<RegistrationMode>()?;
            Ok(())
        },
        show: |c| quoted(c.registration.as_str()),
    },
    Setting {
        key: "user.video_quota",
        doc: "Default video quota of a new user, bytes or with a unit (10GB, 500MiB); -1 for unlimited.",
        apply: |c, v| {
            c.user_video_quota = parse_quota(v)?;
            Ok(())
        },
        show: |c| c.user_video_quota.to_string(),
    },
    Setting {
        key: "user.video_quota_daily",
        doc: "Default daily video quota of a new user; -1 for unlimited.",
        apply: |c, v| {
            c.user_video_quota_daily = parse_quota(v)?;
            Ok(())
        },
        show: |c| c.user_video_quota_daily.to_string(),
    },
    Setting {
        key: "upload.max_size",
        doc: "Largest accepted video upload.",
        apply: |c, v| {
            c.upload_max_size = v.parse::<ByteSize>()?.0;
            Ok(())
        },
        show: |c| quoted(&format_bytes(c.upload_max_size)),
    },
    Setting {
        key: "upload.chunk_size",
        doc: "Size of the pieces the upload page sends (an interrupted piece is sent again).",
        apply: |c, v| {
            let size = v.parse::<ByteSize>()?.0;
            if !(16 * 1024..=256 * 1024 * 1024).contains(&size) {
                return Err("the chunk size must be between 16KiB and 256MiB".into());
            }
            c.upload_chunk_size = size;
            Ok(())
        },
        show: |c| quoted(&format_bytes(c.upload_chunk_size)),
    },
    Setting {
        key: "transcoding.enabled",
        doc: "Encode the AV1 ladder, and uploads that cannot be remuxed (false: remux only).",
        apply: |c, v| {
            c.transcoding_enabled = number(v, "true or false")?;
            Ok(())
        },
        show: |c| c.transcoding_enabled.to_string(),
    },
    Setting {
        key: "transcoding.resolutions",
        doc: "AV1 rungs to encode, by the picture's smaller side; never above the original's.",
        apply: |c, v| {
            let mut list = Vec::new();
            for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let res: u32 = number(part, "resolutions such as 360,720")?;
                let range = crate::media::plan::RESOLUTIONS;
                if !range.contains(&res) {
                    return Err(format!(
                        "resolution {res} is outside {}..{}",
                        range.start(),
                        range.end()
                    ));
                }
                list.push(res);
            }
            c.ladder.resolutions = list;
            Ok(())
        },
        show: |c| {
            let list: Vec<String> = c.ladder.resolutions.iter().map(u32::to_string).collect();
            format!("[{}]", list.join(", "))
        },
    },
    Setting {
        key: "transcoding.top_rung",
        doc: "keep_original (the remuxed upload stays the top rung) or replace_with_av1.",
        apply: |c, v| {
            c.ladder.top_rung = v.parse()?;
            Ok(())
        },
        show: |c| quoted(c.ladder.top_rung.as_str()),
    },
    Setting {
        key: "transcoding.av1_speed",
        doc: "rav1e speed preset, 0 (smallest files, slowest) to 10 (fastest); \"10, 360:9\" gives the rungs up to 360p their own.",
        apply: |c, v| {
            c.ladder.av1_speed = PerResolution::parse_at_most(v, 10)?;
            Ok(())
        },
        show: |c| per_resolution_literal(&c.ladder.av1_speed),
    },
    Setting {
        key: "transcoding.av1_quantizer",
        doc: "rav1e quantizer, 0 (best quality) to 255 (smallest files); RES:Q entries apply to the rungs up to RES.",
        apply: |c, v| {
            c.ladder.av1_quantizer = PerResolution::parse_at_most(v, 255)?;
            Ok(())
        },
        show: |c| per_resolution_literal(&c.ladder.av1_quantizer),
    },
    Setting {
        key: "transcoding.av1_low_latency",
        doc: "rav1e's low-latency mode (no frame reordering: less memory and CPU, more bits below 1080p), on or off; RES:on|off entries apply to the rungs up to RES.",
        apply: |c, v| {
            c.ladder.av1_low_latency = v.parse()?;
            Ok(())
        },
        show: |c| per_resolution_literal(&c.ladder.av1_low_latency),
    },
    Setting {
        key: "transcoding.max_fps",
        doc: "Frame rate cap of encoded rungs.",
        apply: |c, v| {
            c.ladder.max_fps = number(v, "a frame rate")?;
            let range = crate::media::plan::MAX_FPS;
            if !range.contains(&c.ladder.max_fps) {
                return Err(format!(
                    "must be between {} and {}",
                    range.start(),
                    range.end()
                ));
            }
            Ok(())
        },
        show: |c| c.ladder.max_fps.to_string(),
    },
    Setting {
        key: "transcoding.max_damaged_percent",
        doc: "Share of a video's pictures, in percent, that may be damaged (skipped to the next keyframe) before its processing fails: 0 refuses any damage, 100 keeps whatever decodes.",
        apply: |c, v| {
            c.transcoding_max_damaged_percent = number(v, "a percentage")?;
            if c.transcoding_max_damaged_percent > 100 {
                return Err("must be between 0 and 100".into());
            }
            Ok(())
        },
        show: |c| c.transcoding_max_damaged_percent.to_string(),
    },
    Setting {
        key: "transcoding.threads",
        doc: "Encoder threads per transcoding job (default: the number of cores).",
        apply: |c, v| {
            c.transcoding_threads = number(v, "a positive whole number")?;
            if c.transcoding_threads == 0 {
                return Err("must be at least 1".into());
            }
            Ok(())
        },
        show: |c| c.transcoding_threads.to_string(),
    },
    Setting {
        key: "transcoding.concurrency",
        doc: "Videos processed at once (each uses transcoding.threads threads).",
        apply: |c, v| {
            c.transcoding_concurrency = number(v, "a positive whole number")?;
            if c.transcoding_concurrency == 0 {
                return Err("must be at least 1".into());
            }
            Ok(())
        },
        show: |c| c.transcoding_concurrency.to_string(),
    },
    Setting {
        key: "transcoding.worker_memory",
        doc: "Memory one media worker may allocate: auto (half of the machine's, shared by transcoding.concurrency workers), unlimited, or a size such as 1GiB; a pass that needs more fails with that reason.",
        apply: |c, v| {
            c.transcoding_worker_memory = v.parse()?;
            Ok(())
        },
        show: |c| quoted(&c.transcoding_worker_memory.to_string()),
    },
    Setting {
        key: "avatar.max_size",
        doc: "Largest accepted avatar or banner image.",
        apply: |c, v| {
            c.avatar_max_size = v.parse::<ByteSize>()?.0;
            Ok(())
        },
        show: |c| quoted(&format_bytes(c.avatar_max_size)),
    },
    Setting {
        key: "rate_limits.login_attempts",
        doc: "Login attempts allowed per client IP, and per account, within the login window.",
        apply: |c, v| {
            c.login_rate_limit = number(v, "a positive whole number")?;
            if c.login_rate_limit == 0 {
                return Err("must be at least 1".into());
            }
            Ok(())
        },
        show: |c| c.login_rate_limit.to_string(),
    },
    Setting {
        key: "rate_limits.login_window_secs",
        doc: "Length of the login rate-limit window, seconds.",
        apply: |c, v| {
            c.login_rate_window_secs = number(v, "a number of seconds")?;
            if c.login_rate_window_secs == 0 {
                return Err("must be at least 1".into());
            }
            Ok(())
        },
        show: |c| c.login_rate_window_secs.to_string(),
    },
    Setting {
        key: "rate_limits.abuse_reports_per_hour",
        doc: "Abuse reports one user may file per hour (then 429 + Retry-After).",
        apply: |c, v| {
            c.abuse_reports_per_hour = number(v, "a positive whole number")?;
            if c.abuse_reports_per_hour == 0 {
                return Err("must be at least 1".into());
            }
            Ok(())
        },
        show: |c| c.abuse_reports_per_hour.to_string(),
    },
    Setting {
        key: "log.filter",
        doc: "Log filter in RUST_LOG syntax (info, kinora=debug,actix_web=warn, ...). RUST_LOG overrides it.",
        apply: |c, v| {
            tracing_subscriber::EnvFilter::try_new(v).map_err(|e| e.to_string())?;
            c.log_filter = v.to_string();
            Ok(())
        },
        show: |c| quoted(&c.log_filter),
    },
    Setting {
        key: "log.format",
        doc: "Log format: text or json.",
        apply: |c, v| {
            c.log_format = v.parse::<LogFormat>()?;
            Ok(())
        },
        show: |c| quoted(c.log_format.as_str()),
    },
    Setting {
        key: "database.readers",
        doc: "Number of read-only SQLite connections (one more connection does all writes).",
        apply: |c, v| {
            let n: usize = number(v, "a whole number from 1 to 64")?;
            if !(1..=64).contains(&n) {
                return Err("expected a whole number from 1 to 64".into());
            }
            c.db_readers = n;
            Ok(())
        },
        show: |c| c.db_readers.to_string(),
    },
    Setting {
        key: "tls.domain",
        doc: "Public DNS name served over HTTPS; alone, its certificate comes from the ACME CA by TLS-ALPN-01 (empty: plain HTTP).",
        apply: |c, v| {
            c.tls.domain = network::parse_domain(v)?;
            Ok(())
        },
        show: |c| optional(&c.tls.domain),
    },
    Setting {
        key: "tls.acme_email",
        doc: "Contact e-mail for the ACME account (the CA writes about expiring certificates).",
        apply: |c, v| {
            c.tls.acme_email = network::parse_email(v)?;
            Ok(())
        },
        show: |c| optional(&c.tls.acme_email),
    },
    Setting {
        key: "tls.acme_directory",
        doc: "Directory URL of the ACME CA (default Let's Encrypt production; staging: https://acme-staging-v02.api.letsencrypt.org/directory).",
        apply: |c, v| {
            c.tls.acme_directory = network::parse_https_url(v)?;
            Ok(())
        },
        show: |c| quoted(&c.tls.acme_directory),
    },
    Setting {
        key: "tls.acme_ca_root",
        doc: "PEM file of extra root certificates trusted for the ACME CA's own HTTPS (test CAs).",
        apply: |c, v| {
            c.tls.acme_ca_root = network::parse_path(v);
            Ok(())
        },
        show: |c| optional_path(&c.tls.acme_ca_root),
    },
    Setting {
        key: "tls.cert",
        doc: "PEM certificate chain to serve instead of ACME (with tls.key; reloaded on SIGHUP).",
        apply: |c, v| {
            c.tls.cert = network::parse_path(v);
            Ok(())
        },
        show: |c| optional_path(&c.tls.cert),
    },
    Setting {
        key: "tls.key",
        doc: "PEM private key of tls.cert.",
        apply: |c, v| {
            c.tls.key = network::parse_path(v);
            Ok(())
        },
        show: |c| optional_path(&c.tls.key),
    },
    Setting {
        key: "redirect_listen",
        doc: "Plain-HTTP listener that redirects to HTTPS: auto (0.0.0.0:80 with TLS), off, or an address.",
        apply: |c, v| {
            c.redirect_listen = RedirectListen::parse(v)?;
            Ok(())
        },
        show: |c| quoted(&c.redirect_listen.show()),
    },
    Setting {
        key: "trusted_proxies",
        doc: "Reverse proxies (networks or addresses) whose X-Forwarded-For and X-Forwarded-Proto are believed.",
        apply: |c, v| {
            c.trusted_proxies = network::parse_networks(v)?;
            Ok(())
        },
        show: |c| network::show_networks(&c.trusted_proxies),
    },
    Setting {
        key: "metrics.token",
        doc: "Bearer token that opens /metrics to other hosts (empty: loopback only).",
        apply: |c, v| {
            c.metrics_token = network::parse_token(v)?;
            Ok(())
        },
        show: |c| optional(&c.metrics_token),
    },
    Setting {
        key: "federation.allow_private_addresses",
        doc: "TESTING ONLY: let federation reach loopback and private addresses, over plain http too.",
        apply: |c, v| {
            c.federation.allow_private = number(v, "true or false")?;
            Ok(())
        },
        show: |c| c.federation.allow_private.to_string(),
    },
    Setting {
        key: "federation.delivery_concurrency",
        doc: "Remote hosts delivered to at once (hard cap on concurrent deliveries).",
        apply: |c, v| {
            c.federation.delivery_concurrency = number(v, "a whole number from 1 to 256")?;
            if !(1..=256).contains(&c.federation.delivery_concurrency) {
                return Err("expected a whole number from 1 to 256".into());
            }
            Ok(())
        },
        show: |c| c.federation.delivery_concurrency.to_string(),
    },
    Setting {
        key: "federation.fetch_concurrency",
        doc: "Remote documents fetched at once (hard cap on concurrent fetches).",
        apply: |c, v| {
            c.federation.fetch_concurrency = number(v, "a whole number from 1 to 256")?;
            if !(1..=256).contains(&c.federation.fetch_concurrency) {
                return Err("expected a whole number from 1 to 256".into());
            }
            Ok(())
        },
        show: |c| c.federation.fetch_concurrency.to_string(),
    },
    Setting {
        key: "federation.retry_horizon_secs",
        doc: "How long deliveries to a failing host are retried before it is marked unreachable.",
        apply: |c, v| {
            let secs: u64 = number(v, "a number of seconds")?;
            c.federation.retry_horizon = std::time::Duration::from_secs(secs);
            Ok(())
        },
        show: |c| c.federation.retry_horizon.as_secs().to_string(),
    },
    Setting {
        key: "federation.instance_followers_approval",
        doc: "Instance follows of this server wait for an administrator (GET /api/v1/server/followers).",
        apply: |c, v| {
            c.federation.instance_followers_approval = number(v, "true or false")?;
            Ok(())
        },
        show: |c| c.federation.instance_followers_approval.to_string(),
    },
    Setting {
        key: "federation.inbox_per_minute",
        doc: "Inbox requests accepted per remote host and minute (then 429).",
        apply: |c, v| {
            c.federation.inbox_per_minute = number(v, "a positive whole number")?;
            if c.federation.inbox_per_minute == 0 {
                return Err("must be at least 1".into());
            }
            Ok(())
        },
        show: |c| c.federation.inbox_per_minute.to_string(),
    },
];
