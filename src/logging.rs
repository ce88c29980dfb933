//! Logging through `tracing`: a `RUST_LOG`-style filter (RUST_LOG wins over the configuration),
//! human-readable text or JSON lines, on standard error.

use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

pub fn init(config: &Config) {
    init_with(&config.log_filter, config.log_format);
}

/// Logging with a filter and a format of the caller's (a worker process follows its server's).
pub fn init_with(log_filter: &str, log_format: LogFormat) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(log_filter));
    // Colours only for a terminal: journald, files and `docker logs` get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    // A second init (tests that start several servers in one process) is harmless.
    let _ = match log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
