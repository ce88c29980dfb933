//! `kinora backup`, `restore` and `healthcheck`: call `crate::ops` and print a one-line summary.

use std::path::Path;

use crate::config::Config;

pub fn backup(config: &Config, out: &Path) -> anyhow::Result<()> {
    let report = crate::ops::backup::run(&config.data_dir, &config.database_path(), out)?;
    for skipped in &report.skipped {
        eprintln!("warning: not copied (not a regular file): {skipped}");
    }
    println!(
        "backup written to {}: {} files, {} bytes (database {} bytes) in {:.2} s",
        report.out.display(),
        report.files,
        report.bytes,
        report.database_bytes,
        report.elapsed.as_secs_f64()
    );
    Ok(())
}

pub fn restore(data_dir: &Path, input: &Path, force: bool) -> anyhow::Result<()> {
    // The target's own kinora.toml is not read: it may not exist yet, or be about to be replaced.
    let report = crate::ops::restore::run(input, data_dir, force)?;
    println!(
        "restored {} files ({} bytes) into {} from a backup of {} made by Kinora {}",
        report.files,
        report.bytes,
        data_dir.display(),
        report.created_at,
        report.kinora_version
    );
    Ok(())
}

pub fn healthcheck(config: &Config) -> anyhow::Result<()> {
    let status = crate::ops::healthcheck::check(config.listen)?;
    println!("{status}");
    Ok(())
}
