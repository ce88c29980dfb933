//! The `kinora` command line (clap): global options, `serve`, `admin`, `backup`, `restore`,
//! `healthcheck` and `doctor`. `main.rs` only calls `cli::main`.

mod admin;
mod ops;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::Config;

#[derive(Parser, Debug)]
#[command(name = "kinora", version = crate::LONG_VERSION, about = "A federated video platform in one executable")]
pub struct Cli {
    /// Directory for the database, media files and kinora.toml.
    #[arg(
        long,
        global = true,
        env = "KINORA_DATA_DIR",
        default_value = "./kinora-data"
    )]
    pub data_dir: PathBuf,
    /// Configuration file to read instead of <data-dir>/kinora.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve(Box<ServeArgs>),
    /// Manage users and the database (works while the server runs).
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Inspect, remux and transcode media files (no server needed).
    #[command(subcommand)]
    Media(crate::media::cli::MediaCommand),
    /// Copy the database (online, while the server runs) and every data file into a new
    /// directory OUT, with a manifest of checksums.
    Backup {
        /// Directory to create; must not exist yet (or be empty).
        out: PathBuf,
    },
    /// Restore a backup made by `kinora backup` into --data-dir, after checking every checksum.
    Restore {
        /// The backup directory (the one holding manifest.json).
        input: PathBuf,
        /// Replace the files of a non-empty data directory (the server must be stopped).
        #[arg(long)]
        force: bool,
    },
    /// Exit 0 if the server on the configured `listen` address answers GET /api/v1/config with
    /// 200, 1 otherwise (for container health checks).
    Healthcheck,
    /// Check the installation: data directory, database, disk space, the server on its listen
    /// address, the public URL from this machine, the clock, and TLS. Exits 1 on a failure.
    Doctor,
}

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Address and port to listen on (setting `listen`).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Public base URL (setting `public_url`).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Registration mode: closed, open or approval (setting `registration`).
    #[arg(long, value_name = "MODE")]
    pub registration: Option<String>,
    /// Serve HTTPS for this DNS name, with a certificate from the ACME CA (setting `tls.domain`).
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// Contact e-mail for the ACME account (setting `tls.acme_email`).
    #[arg(long, value_name = "EMAIL")]
    pub acme_email: Option<String>,
    /// ACME directory URL; Let's Encrypt production by default (setting `tls.acme_directory`).
    #[arg(long, value_name = "URL")]
    pub acme_directory: Option<String>,
    /// PEM roots to trust for the ACME CA's HTTPS, for test CAs (setting `tls.acme_ca_root`).
    #[arg(long, value_name = "FILE")]
    pub acme_ca_root: Option<String>,
    /// PEM certificate chain to serve instead of ACME, reloaded on SIGHUP (setting `tls.cert`).
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<String>,
    /// PEM private key of --tls-cert (setting `tls.key`).
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<String>,
    /// Plain-HTTP listener that redirects to HTTPS: auto (0.0.0.0:80 with TLS), off, or an
    /// address (setting `redirect_listen`).
    #[arg(long, value_name = "ADDR")]
    pub redirect_listen: Option<String>,
    /// Reverse proxies whose X-Forwarded-For/-Proto are believed, as CIDR,... (setting
    /// `trusted_proxies`).
    #[arg(long, value_name = "CIDR,...")]
    pub trusted_proxies: Option<String>,
    /// Any setting, as KEY=VALUE (for example --set instance.name="My videos"); repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Print the effective configuration and where each value comes from, then exit.
    #[arg(long)]
    pub print_config: bool,
    /// TESTING ONLY: federate with loopback and private addresses, over plain http too
    /// (setting `federation.allow_private_addresses`).
    #[arg(long)]
    pub federation_allow_private_addresses: bool,
}

impl ServeArgs {
    /// The flags as (setting key, value, flag as typed) triples.
    fn overrides(&self) -> Result<Vec<(&'static str, String, String)>, String> {
        let mut out = Vec::new();
        for (key, flag, value) in [
            ("listen", "--listen", &self.listen),
            ("public_url", "--public-url", &self.public_url),
            ("registration", "--registration", &self.registration),
            ("tls.domain", "--domain", &self.domain),
            ("tls.acme_email", "--acme-email", &self.acme_email),
            (
                "tls.acme_directory",
                "--acme-directory",
                &self.acme_directory,
            ),
            ("tls.acme_ca_root", "--acme-ca-root", &self.acme_ca_root),
            ("tls.cert", "--tls-cert", &self.tls_cert),
            ("tls.key", "--tls-key", &self.tls_key),
            (
                "redirect_listen",
                "--redirect-listen",
                &self.redirect_listen,
            ),
            (
                "trusted_proxies",
                "--trusted-proxies",
                &self.trusted_proxies,
            ),
        ] {
            if let Some(v) = value {
                out.push((key, v.clone(), flag.to_string()));
            }
        }
        if self.federation_allow_private_addresses {
            out.push((
                "federation.allow_private_addresses",
                "true".to_string(),
                "--federation-allow-private-addresses".to_string(),
            ));
        }
        for pair in &self.set {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("--set expects KEY=VALUE, got {pair:?}"))?;
            let setting = crate::config::SETTINGS
                .iter()
                .find(|s| s.key == key.trim())
                .ok_or_else(|| {
                    format!(
                        "--set: unknown setting `{}` (see `kinora serve --print-config`)",
                        key.trim()
                    )
                })?;
            out.push((
                setting.key,
                value.to_string(),
                format!("--set {}", setting.key),
            ));
        }
        Ok(out)
    }
}

fn kinora_env() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("KINORA_"))
        .collect()
}

/// Loads the configuration for any command; `serve` passes its flags.
pub fn load_config(
    data_dir: &Path,
    file: Option<&Path>,
    serve: Option<&ServeArgs>,
) -> anyhow::Result<Config> {
    let flags = match serve {
        Some(args) => args.overrides().map_err(anyhow::Error::msg)?,
        None => Vec::new(),
    };
    Ok(Config::load(
        data_dir.to_path_buf(),
        file,
        &kinora_env(),
        &flags,
    )?)
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Lets a command that only prints end quietly when its reader goes away (`kinora admin
/// list-users | head`), as Unix tools do, instead of panicking on the broken pipe: Rust
/// ignores SIGPIPE so that servers see write errors, which `serve` and the workers need.
fn quiet_on_closed_stdout() {
    // SAFETY: called before any thread is started; restoring a signal's default disposition
    // installs no handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let Cli {
        data_dir,
        config: file,
        command,
    } = cli;
    match command {
        Command::Serve(args) => {
            let mut config = load_config(&data_dir, file.as_deref(), Some(&*args))?;
            if args.print_config {
                quiet_on_closed_stdout();
                config.finalize_public_url(config.listen);
                print!("{}", config.render());
                return Ok(());
            }
            crate::logging::init(&config);
            crate::malloc::limit_arenas(2);
            crate::server::run(config)
        }
        Command::Admin(cmd) => {
            quiet_on_closed_stdout();
            let config = load_config(&data_dir, file.as_deref(), None)?;
            admin::run(&cmd, &config)
        }
        Command::Media(cmd) => crate::media::cli::run(cmd),
        Command::Backup { out } => {
            let config = load_config(&data_dir, file.as_deref(), None)?;
            ops::backup(&config, &out)
        }
        Command::Restore { input, force } => ops::restore(&data_dir, &input, force),
        Command::Healthcheck => {
            let config = load_config(&data_dir, file.as_deref(), None)?;
            ops::healthcheck(&config)
        }
        Command::Doctor => {
            quiet_on_closed_stdout();
            let mut config = load_config(&data_dir, file.as_deref(), None)?;
            config.finalize_public_url(config.listen);
            ops::doctor(&config)
        }
    }
}
