//! `kinora backup`, `restore`, `healthcheck`, `doctor` and `admin fsck`: call `crate::ops` and
//! print what they found.

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
    // With TLS the request needs a server name for SNI: the domain, or the public URL's host.
    let name = config.tls.enabled().then(|| {
        config.tls.domain.clone().unwrap_or_else(|| {
            let host = config.public_host();
            host.rsplit_once(':')
                .map_or(host.clone(), |(h, _)| h.to_string())
        })
    });
    let status = crate::ops::healthcheck::check(config.listen, name.as_deref())?;
    println!("{status}");
    Ok(())
}

pub fn fsck(config: &Config, store: &crate::store::Store, repair: bool) -> anyhow::Result<()> {
    use crate::ops::fsck::Problem;
    let report = crate::ops::fsck::run(&config.data_dir, store, repair)?;
    for (i, f) in report.findings.iter().enumerate() {
        let problem = match f.problem {
            Problem::Missing => "missing",
            Problem::Orphan => "orphan",
        };
        let outcome = if report.repaired.contains(&i) {
            "  [repaired]".to_string()
        } else if let Some((_, e)) = report.failed.iter().find(|(j, _)| *j == i) {
            format!("  [repair failed: {e}]")
        } else {
            String::new()
        };
        println!(
            "{problem:<8} {:<10} {}  ({}){outcome}",
            f.what, f.path, f.detail
        );
    }
    let missing = report
        .findings
        .iter()
        .filter(|f| f.problem == Problem::Missing)
        .count();
    let orphans = report.findings.len() - missing;
    println!(
        "checked {} local video(s) in {}: {missing} missing, {orphans} orphaned, {} repaired",
        report.videos,
        config.data_dir.display(),
        report.repaired.len()
    );
    match report.remaining() {
        0 => Ok(()),
        n if !repair && report.findings.iter().all(|f| f.problem == Problem::Orphan) => {
            anyhow::bail!("{n} problem(s); `kinora admin fsck --repair` removes orphans")
        }
        n => anyhow::bail!(
            "{n} problem(s) remain; missing files come back only from a backup (kinora restore) or a new upload"
        ),
    }
}

pub fn doctor(config: &Config) -> anyhow::Result<()> {
    use crate::ops::doctor::Level;
    let checks = crate::ops::doctor::run(config);
    for check in &checks {
        println!(
            "{:<5} {:<11} {}",
            check.level.label(),
            check.area,
            check.message
        );
    }
    let failed = checks.iter().filter(|c| c.level == Level::Fail).count();
    let warned = checks.iter().filter(|c| c.level == Level::Warn).count();
    if failed > 0 {
        anyhow::bail!("{failed} check(s) failed, {warned} warning(s)");
    }
    println!("all checks passed ({warned} warning(s))");
    Ok(())
}
