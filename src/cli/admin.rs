//! `kinora admin ...`: user management and migrations from the shell. These open the database
//! directly; SQLite's WAL lets them run while the server is serving.

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::config::Config;
use crate::domain::users::{self, NewUserRequest};
use crate::domain::{DomainError, auth, names, roles};
use crate::store::users::{UserChanges, UserFilter};
use crate::store::{Store, tokens, users as user_rows};

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a user with its account and default channel; prints a generated password.
    CreateUser {
        name: String,
        /// admin, moderator or user.
        #[arg(long, default_value = "user")]
        role: String,
        #[arg(long)]
        email: Option<String>,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (generated unless --password-stdin) and end the user's sessions.
    ResetPassword {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users.
    ListUsers,
    /// Apply pending database migrations (the server also does this at start).
    Migrate,
    /// Check the database against the data directory's files: missing originals, renditions
    /// and pictures; orphaned files and directories. Exits 1 when problems remain.
    Fsck {
        /// Remove orphaned files and dead upload sessions (the server must be stopped).
        #[arg(long)]
        repair: bool,
    },
}

fn open(config: &Config) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    Store::open(&config.database_path(), 1)
        .with_context(|| format!("cannot open database {}", config.database_path().display()))
}

fn read_password_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    names::password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(password)
}

fn domain(e: DomainError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

pub fn run(cmd: &AdminCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::CreateUser {
            name,
            role,
            email,
            password_stdin,
        } => {
            let Some(role) = roles::parse(role) else {
                bail!("--role must be admin, moderator or user, not {role:?}");
            };
            let store = open(config)?;
            let password = if *password_stdin {
                read_password_stdin()?
            } else {
                auth::generate_password()
            };
            let created = users::create_blocking(
                &store,
                NewUserRequest {
                    username: name.clone(),
                    email: email.clone(),
                    password: password.clone(),
                    role,
                    video_quota: if role == roles::USER {
                        config.user_video_quota
                    } else {
                        -1
                    },
                    video_quota_daily: if role == roles::USER {
                        config.user_video_quota_daily
                    } else {
                        -1
                    },
                    display_name: None,
                    channel_name: None,
                    channel_display_name: None,
                },
            )
            .map_err(domain)?;
            println!(
                "Created {} {name:?} (user id {}).",
                roles::label(role).to_lowercase(),
                created.user_id
            );
            if !password_stdin {
                println!("password: {password}");
            }
            Ok(())
        }
        AdminCommand::ResetPassword {
            name,
            password_stdin,
        } => {
            let store = open(config)?;
            let password = if *password_stdin {
                read_password_stdin()?
            } else {
                auth::generate_password()
            };
            let hash = auth::hash_password(&password).map_err(domain)?;
            let name = name.clone();
            store
                .write_blocking(|tx| {
                    let user = user_rows::by_username(tx, &name)?
                        .ok_or_else(|| DomainError::NotFound(format!("no user named {name:?}")))?;
                    user_rows::update(
                        tx,
                        user.id,
                        &UserChanges {
                            password_hash: Some(hash),
                            ..Default::default()
                        },
                    )?;
                    tokens::delete_for_user(tx, user.id)?;
                    Ok::<_, DomainError>(())
                })
                .map_err(domain)?;
            println!("New password set for {name:?}; their sessions are ended.");
            if !password_stdin {
                println!("password: {password}");
            }
            Ok(())
        }
        AdminCommand::ListUsers => {
            let store = open(config)?;
            let filter = UserFilter {
                start: 0,
                count: i64::MAX,
                sort: "id".into(),
                search: None,
                blocked: None,
            };
            let (total, rows) = store.read_blocking(|c| user_rows::list(c, &filter))?;
            println!(
                "{:>6}  {:<24} {:<14} {:<8} {:<32} created",
                "id", "username", "role", "blocked", "email"
            );
            for u in rows {
                println!(
                    "{:>6}  {:<24} {:<14} {:<8} {:<32} {}",
                    u.id,
                    u.username,
                    roles::label(u.role),
                    if u.blocked { "yes" } else { "no" },
                    u.email.as_deref().unwrap_or("-"),
                    u.created_at
                );
            }
            println!("{total} user(s)");
            Ok(())
        }
        AdminCommand::Fsck { repair } => {
            // Repair takes the server's lock: a live server's half-made files look orphaned.
            let _lock = if *repair {
                Some(crate::server::lock_data_dir(&config.data_dir).map_err(|e| {
                    e.context("fsck --repair needs the server stopped (systemctl stop kinora)")
                })?)
            } else {
                None
            };
            super::ops::fsck(config, &open(config)?, *repair)
        }
        AdminCommand::Migrate => {
            std::fs::create_dir_all(&config.data_dir)?;
            let applied = Store::migrate(&config.database_path())?;
            println!(
                "{applied} migration(s) applied to {}",
                config.database_path().display()
            );
            Ok(())
        }
    }
}
