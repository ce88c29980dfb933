//! Benchmark helper: fills a data directory with one user and COUNT published public videos
//! (tags, category, language, one HLS file row each), written straight through the store so the
//! list benchmark can measure `GET /api/v1/videos` over a large table without 10,000 uploads.
//!
//! cargo run --release --example seed_videos -- DATA_DIR COUNT

use kinora::domain::auth::hash_password;
use kinora::domain::roles;
use kinora::domain::users::{NewUserRequest, insert_user};
use kinora::store::Store;
use kinora::store::videos::{self, FileRow, VideoMetadata};

const USAGE: &str = "usage: seed_videos DATA_DIR COUNT";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or(USAGE)?);
    let count: usize = args.next().ok_or(USAGE)?.parse()?;
    std::fs::create_dir_all(&dir)?;
    let store = Store::open(&dir.join("kinora.sqlite3"), 1)?;
    let hash = hash_password("bench-password").map_err(|e| e.to_string())?;
    let channel_id = store.write_blocking(|tx| {
        let req = NewUserRequest {
            username: "bench".into(),
            email: Some("bench@bench.example".into()),
            password: String::new(),
            role: roles::USER,
            video_quota: -1,
            video_quota_daily: -1,
            display_name: None,
            channel_name: None,
            channel_display_name: None,
        };
        Ok::<_, kinora::domain::DomainError>(insert_user(tx, &req, &hash, false)?.channel_id)
    })?;
    for chunk in (0..count).collect::<Vec<_>>().chunks(1000) {
        store.write_blocking(|tx| {
            for &i in chunk {
                let meta = VideoMetadata {
                    name: format!("Benchmark video number {i}"),
                    channel_id,
                    description: Some(format!("Seeded video {i} for the list benchmark.")),
                    category: Some((i % 18) as i64 + 1),
                    licence: Some(1),
                    language: Some(["en", "fr", "de"][i % 3].into()),
                    privacy: 1,
                    comments_policy: 1,
                    download_enabled: true,
                    tags: vec![format!("tag{}", i % 50), "bench".into()],
                    ..Default::default()
                };
                let uuid = uuid::Uuid::new_v4().to_string();
                let hls = uuid::Uuid::new_v4().to_string();
                let id = videos::insert(tx, &uuid, &hls, &meta, "seed.mp4", 1_000_000)?;
                videos::replace_file(
                    tx,
                    id,
                    &FileRow {
                        resolution: 720,
                        width: 1280,
                        height: 720,
                        fps: 30.0,
                        size: 1_000_000,
                        bitrate: 2_000_000,
                        codecs: "avc1.64001f,mp4a.40.2".into(),
                        has_audio: true,
                        has_video: true,
                        infohash: None,
                    },
                )?;
                videos::publish(tx, id, 60 + (i % 600) as i64)?;
            }
            Ok::<_, kinora::store::StoreError>(())
        })?;
    }
    store.close()?;
    println!("seeded {count} videos in {}", dir.display());
    Ok(())
}
