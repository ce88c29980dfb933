//! Benchmark helper: fills a data directory with N users (each with its account and default
//! channel), as `kinora admin create-user` would, but with one password hash computed once so
//! seeding 10,000 users takes seconds instead of minutes of argon2.
//!
//! cargo run --release --example seed_users -- DATA_DIR COUNT

use kinora::domain::auth::hash_password;
use kinora::domain::roles;
use kinora::domain::users::{NewUserRequest, insert_user};
use kinora::store::Store;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: seed_users DATA_DIR COUNT")?);
    let count: usize = args
        .next()
        .ok_or("usage: seed_users DATA_DIR COUNT")?
        .parse()?;
    std::fs::create_dir_all(&dir)?;
    let store = Store::open(&dir.join("kinora.sqlite3"), 1)?;
    let hash = hash_password("bench-password").map_err(|e| e.to_string())?;
    for chunk in (0..count).collect::<Vec<_>>().chunks(1000) {
        store.write_blocking(|tx| {
            for i in chunk {
                let req = NewUserRequest {
                    username: format!("user{i}"),
                    email: Some(format!("user{i}@bench.example")),
                    password: String::new(),
                    role: roles::USER,
                    video_quota: -1,
                    video_quota_daily: -1,
                    display_name: None,
                    channel_name: None,
                    channel_display_name: None,
                };
                insert_user(tx, &req, &hash, false)?;
            }
            Ok::<_, kinora::domain::DomainError>(())
        })?;
    }
    store.close()?;
    println!("seeded {count} users in {}", dir.display());
    Ok(())
}
