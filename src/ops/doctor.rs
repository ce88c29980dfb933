//! `kinora doctor`: checks that catch the usual operating problems, each ending `ok`, `warn`
//! or `fail` with a sentence saying what was seen: the data directory (ownership, mode,
//! writable), the database (opens, quick check), disk space, the server answering on its
//! listen address, the public URL reachable from this machine (with a certificate the public
//! roots trust when it is https), the clock (not behind what the database recorded, synced),
//! TLS (the certificate being served, its names and expiry), whether the AV1 codecs have
//! their SIMD assembly, and whether folders that files are renamed between share a file system.

use std::net::ToSocketAddrs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

use crate::config::{Config, TlsMode};
use crate::store::{Store, stats};
use crate::tls::{CertInfo, cache, files};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Info,
    Warn,
    Fail,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    pub level: Level,
    pub area: &'static str,
    pub message: String,
}

struct Checks(Vec<Check>);

impl Checks {
    fn add(&mut self, level: Level, area: &'static str, message: impl Into<String>) {
        self.0.push(Check {
            level,
            area,
            message: message.into(),
        });
    }
}

const GIB: u64 = 1 << 30;
/// Warn below this much free space, or below `LOW_PERCENT`; fail below `CRITICAL`.
const LOW_FREE: u64 = 2 * GIB;
const LOW_PERCENT: u64 = 5;
const CRITICAL_FREE: u64 = 256 << 20;
/// Renewal starts with a third of the lifetime left (30 days for Let's Encrypt): a certificate
/// closer to expiry than this means renewals fail.
const RENEWAL_OVERDUE_DAYS: i64 = 20;

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / GIB as f64)
}

/// Runs every check; never fails itself (each problem is a `Fail` line).
pub fn run(config: &Config) -> Vec<Check> {
    let mut c = Checks(Vec::new());
    let data_ok = data_dir(&mut c, &config.data_dir);
    if data_ok {
        database(&mut c, config);
        disk(&mut c, &config.data_dir);
        storage(&mut c, &config.data_dir);
    }
    server(&mut c, config);
    public_url(&mut c, config);
    tls(&mut c, config);
    codecs(&mut c);
    worker_memory(&mut c, config);
    c.0
}

/// What a 1080p upload's default processing pass allocates (docs/BENCHMARKS.md): a limit
/// below it fails such uploads' lower rungs.
const PASS_1080P_BYTES: u64 = 300 << 20;

fn worker_memory(c: &mut Checks, config: &Config) {
    let setting = config.transcoding_worker_memory;
    match setting.limit(config.transcoding_concurrency) {
        None => c.add(
            Level::Info,
            "memory",
            "media workers may allocate without limit (transcoding.worker_memory = unlimited)",
        ),
        Some(bytes) if bytes < PASS_1080P_BYTES => c.add(
            Level::Warn,
            "memory",
            format!(
                "media workers may allocate {} (transcoding.worker_memory = {setting}): the lower \
                 rungs of a 1080p upload need about 280 MB and will fail",
                gib(bytes)
            ),
        ),
        Some(bytes) => c.add(
            Level::Ok,
            "memory",
            format!(
                "media workers may allocate {} each (transcoding.worker_memory = {setting})",
                gib(bytes)
            ),
        ),
    }
}

fn codecs(c: &mut Checks) {
    if crate::media::SIMD_ASSEMBLY {
        c.add(
            Level::Ok,
            "media",
            "AV1 codecs built with their SIMD assembly",
        );
    } else {
        c.add(
            Level::Info,
            "media",
            "AV1 codecs built in pure Rust, without their SIMD assembly: encoding takes about \
             3x the CPU time (build with --features asm, which needs nasm on x86_64)",
        );
    }
}

fn data_dir(c: &mut Checks, dir: &Path) -> bool {
    let meta = match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => m,
        Ok(_) => {
            c.add(
                Level::Fail,
                "data dir",
                format!("{} is not a directory", dir.display()),
            );
            return false;
        }
        Err(e) => {
            c.add(
                Level::Fail,
                "data dir",
                format!("cannot use {}: {e}", dir.display()),
            );
            return false;
        }
    };
    let uid = rustix::process::geteuid().as_raw();
    if meta.uid() != uid {
        c.add(
            Level::Warn,
            "data dir",
            format!(
                "{} belongs to uid {}, not to this user (uid {uid}); run as its owner (sudo -u kinora ...)",
                dir.display(),
                meta.uid()
            ),
        );
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o007 != 0 {
        c.add(
            Level::Warn,
            "data dir",
            format!(
                "{} has mode {mode:o}: other users can read the database and keys (chmod o-rwx)",
                dir.display()
            ),
        );
    }
    let probe = dir.join(format!(".doctor.tmp-{}", std::process::id()));
    match std::fs::write(&probe, b"probe").and_then(|()| std::fs::remove_file(&probe)) {
        Ok(()) => c.add(
            Level::Ok,
            "data dir",
            format!("{} is writable (mode {mode:o})", dir.display()),
        ),
        Err(e) => {
            c.add(
                Level::Fail,
                "data dir",
                format!("cannot write in {}: {e}", dir.display()),
            );
            return false;
        }
    }
    true
}

fn database(c: &mut Checks, config: &Config) {
    let path = config.database_path();
    if !path.exists() {
        c.add(
            Level::Fail,
            "database",
            format!(
                "{} does not exist: has Kinora ever started here?",
                path.display()
            ),
        );
        return;
    }
    let store = match Store::open(&path, 1) {
        Ok(store) => store,
        Err(e) => {
            c.add(
                Level::Fail,
                "database",
                format!("cannot open {}: {e}", path.display()),
            );
            return;
        }
    };
    match store.read_blocking(stats::quick_check) {
        Ok(result) if result == "ok" => c.add(
            Level::Ok,
            "database",
            format!(
                "{} passes SQLite's quick check ({:.1} MiB)",
                path.display(),
                crate::metrics::scrape::database_size(&path) as f64 / (1 << 20) as f64
            ),
        ),
        Ok(result) => c.add(Level::Fail, "database", format!("quick check: {result}")),
        Err(e) => c.add(Level::Fail, "database", format!("quick check failed: {e}")),
    }
    clock(
        c,
        store.read_blocking(stats::newest_timestamp).ok().flatten(),
    );
}

fn disk(c: &mut Checks, dir: &Path) {
    match crate::metrics::scrape::disk_space(dir) {
        Ok((free, total)) => {
            let percent = free.saturating_mul(100).checked_div(total).unwrap_or(0);
            let text = format!("{} free of {} ({percent}%)", gib(free), gib(total));
            let level = if free < CRITICAL_FREE {
                Level::Fail
            } else if free < LOW_FREE || percent < LOW_PERCENT {
                Level::Warn
            } else {
                Level::Ok
            };
            c.add(level, "disk", text);
        }
        Err(e) => c.add(Level::Warn, "disk", format!("cannot read free space: {e}")),
    }
}

/// Folders of the data directory that files are renamed between (an upload into `originals`,
/// a processing pass's pictures out of its work folder beside the HLS folders): a rename
/// cannot cross file systems, so each group must live on one.
const RENAMED_BETWEEN: [&[&str]; 2] = [
    &["uploads", "originals"],
    &["streaming-playlists/hls", "thumbnails", "previews"],
];

/// Why uploads or processing would fail for the folders' layout: a folder of a group that is
/// on another file system (a disk mounted there, or a symbolic link to one) than the group's
/// first. Folders not made yet are created on the data directory's file system.
pub fn split_storage(data_dir: &Path) -> Vec<String> {
    let device = |folder: &str| {
        std::fs::metadata(data_dir.join(folder))
            .ok()
            .map(|m| m.dev())
    };
    let here = device(".");
    let mut problems = Vec::new();
    for group in RENAMED_BETWEEN {
        let first = device(group[0]).or(here);
        for folder in &group[1..] {
            if device(folder).or(here) != first {
                problems.push(format!(
                    "{folder} and {} are on different file systems: files are moved between \
                     them by renaming, which cannot cross file systems; put the whole data \
                     directory on the one disk (mount it at the data directory)",
                    group[0]
                ));
            }
        }
    }
    problems
}

fn storage(c: &mut Checks, dir: &Path) {
    let problems = split_storage(dir);
    if problems.is_empty() {
        c.add(
            Level::Ok,
            "storage",
            "uploads and originals, and the HLS, thumbnail and preview folders, each share a file system",
        );
    }
    for problem in problems {
        c.add(Level::Fail, "storage", problem);
    }
}

fn clock(c: &mut Checks, newest: Option<String>) {
    use time::format_description::well_known::Rfc3339;
    let now = time::OffsetDateTime::now_utc();
    if now.year() < 2025 {
        c.add(
            Level::Fail,
            "clock",
            format!("the system clock says {now}: it is not set"),
        );
        return;
    }
    if let Some(newest) = newest
        && let Ok(recorded) = time::OffsetDateTime::parse(&newest, &Rfc3339)
        && recorded - now > time::Duration::minutes(5)
    {
        c.add(
            Level::Fail,
            "clock",
            format!(
                "the clock ({}) is behind what the database already recorded ({newest}): it went backwards",
                crate::store::timestamp(now)
            ),
        );
        return;
    }
    // systemd-timesyncd leaves this file once it has synchronised the clock.
    if Path::new("/run/systemd/timesync/synchronized").exists() {
        c.add(Level::Ok, "clock", "synchronised by systemd-timesyncd");
    } else {
        c.add(
            Level::Info,
            "clock",
            format!(
                "{} UTC, consistent with the database; synchronisation unknown (no systemd-timesyncd marker)",
                crate::store::timestamp(now)
            ),
        );
    }
}

fn tls_name(config: &Config) -> Option<String> {
    config.tls.enabled().then(|| {
        config.tls.domain.clone().unwrap_or_else(|| {
            let host = config.public_host();
            host.rsplit_once(':')
                .map_or(host.clone(), |(h, _)| h.to_string())
        })
    })
}

fn server(c: &mut Checks, config: &Config) {
    let name = tls_name(config);
    match super::healthcheck::check(config.listen, name.as_deref()) {
        Ok(status) => c.add(
            Level::Ok,
            "server",
            format!("answers on {} ({status})", config.listen),
        ),
        Err(e) => c.add(
            Level::Fail,
            "server",
            format!("{:#}", anyhow::Error::new(e)),
        ),
    }
}

/// Roots for checking the public certificate: the Mozilla roots (what visitors trust).
fn public_roots() -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Ok(Arc::new(
        rustls::ClientConfig::builder_with_provider(crate::tls::provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

fn public_url(c: &mut Checks, config: &Config) {
    let url = config.public_url();
    let https = url.starts_with("https://");
    let host_port = config.public_host();
    let default_port = if https { 443 } else { 80 };
    // `host`, `host:port`, `[v6]` or `[v6]:port`.
    let (host, port) = match host_port.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((h, p)) => (
                h.to_string(),
                p.strip_prefix(':').and_then(|p| p.parse().ok()),
            ),
            None => (rest.to_string(), None),
        },
        None => match host_port.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().ok()),
            None => (host_port.clone(), None),
        },
    };
    let port: u16 = port.unwrap_or(default_port);
    let addrs: Vec<_> = match (host.as_str(), port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => {
            c.add(
                Level::Warn,
                "public URL",
                format!("{host} does not resolve from this machine ({e}); check its DNS record"),
            );
            return;
        }
    };
    let Some(addr) = addrs.first().copied() else {
        c.add(Level::Warn, "public URL", format!("{host} has no address"));
        return;
    };
    let tls = if https {
        match public_roots() {
            Ok(config) => Some((host.as_str(), config)),
            Err(e) => {
                c.add(Level::Warn, "public URL", format!("TLS client: {e}"));
                return;
            }
        }
    } else {
        None
    };
    match super::healthcheck::get_config(addr, &host_port, tls) {
        Ok(_) => c.add(
            Level::Ok,
            "public URL",
            format!(
                "{url} answers from this machine (via {addr}){}",
                if https { " with a publicly trusted certificate" } else { "" }
            ),
        ),
        Err(e) => c.add(
            Level::Warn,
            "public URL",
            format!(
                "{url} (via {addr}) does not answer from this machine: {:#} (check DNS, port forwarding and firewall)",
                anyhow::Error::new(e)
            ),
        ),
    }
}

fn describe(c: &mut Checks, info: &CertInfo, domain: Option<&str>, source: &str) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let days = (info.not_after - now) / 86_400;
    let expires = crate::tls::date(info.not_after);
    let names = info.names.join(", ");
    let level = if info.not_after <= now || info.not_before > now {
        Level::Fail
    } else if days < RENEWAL_OVERDUE_DAYS {
        Level::Warn
    } else {
        Level::Ok
    };
    let mut message = format!(
        "{source}: certificate for {names} from {}, valid until {expires} ({days} days left)",
        info.issuer
    );
    if info.not_before > now {
        message.push_str("; not valid yet: is the clock behind?");
    }
    c.add(level, "TLS", message);
    if let Some(domain) = domain
        && !info.names.iter().any(|n| n.eq_ignore_ascii_case(domain))
    {
        c.add(
            Level::Fail,
            "TLS",
            format!("the certificate does not name {domain}"),
        );
    }
}

fn tls(c: &mut Checks, config: &Config) {
    match config.tls.mode() {
        TlsMode::Off => {
            let message = if config.public_url().starts_with("https://")
                && config.trusted_proxies.is_empty()
            {
                "off: HTTPS is a reverse proxy's job; set trusted_proxies so client addresses come through"
            } else {
                "off: plain HTTP on the listener"
            };
            c.add(Level::Info, "TLS", message);
        }
        TlsMode::Acme { domain } => {
            let path = cache::cert_path(
                &config.data_dir,
                std::slice::from_ref(&domain),
                &config.tls.acme_directory,
            );
            match std::fs::read(&path) {
                Ok(pem) => match CertInfo::from_pem(&pem) {
                    Ok(info) => describe(c, &info, Some(&domain), "ACME"),
                    Err(e) => c.add(
                        Level::Fail,
                        "TLS",
                        format!("{} is damaged: {e}", path.display()),
                    ),
                },
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => c.add(
                    Level::Warn,
                    "TLS",
                    format!(
                        "no certificate for {domain} from {} yet: the server orders one when it starts (port 443 must be reachable from the internet)",
                        config.tls.acme_directory
                    ),
                ),
                Err(e) => c.add(
                    Level::Fail,
                    "TLS",
                    format!("cannot read {}: {e}", path.display()),
                ),
            }
        }
        TlsMode::Files { cert, key } => {
            match files::load_pair(&cert, &key, &crate::tls::provider()) {
                Ok((_, info)) => describe(c, &info, config.tls.domain.as_deref(), "files"),
                Err(e) => c.add(Level::Fail, "TLS", format!("{:#}", anyhow::Error::new(e))),
            }
        }
    }
}
