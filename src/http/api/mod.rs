//! The PeerTube-shaped REST API under `/api/v1`, one file per resource.

pub mod abuse_json;
pub mod abuses;
pub mod captions;
pub mod channels;
pub mod comments;
pub mod config;
pub mod config_custom;
pub mod federation;
pub mod history;
pub mod jobs;
pub mod json;
pub mod me;
pub mod notification_json;
pub mod notifications;
pub mod oauth;
pub mod registrations;
pub mod search;
pub mod server_follows;
pub mod server_stats;
pub mod uploads;
pub mod users;
pub mod video_json;
pub mod video_query;
pub mod video_source;
pub mod videos;

use actix_web::web;

/// Routes inside the `/api/v1` scope. `/users/me` and the registration routes are registered
/// before `/users/{id}` so the literal paths win.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Federation first: its literal `/users/me/...` and `/search/videos` paths win.
    cfg.configure(federation::routes)
        .configure(abuses::routes)
        .configure(server_follows::routes)
        .configure(oauth::routes)
        .configure(me::routes)
        .configure(notifications::routes)
        .configure(history::routes)
        .configure(registrations::routes)
        .configure(users::routes)
        .configure(channels::routes)
        .configure(config_custom::routes)
        .configure(config::routes)
        .configure(server_stats::routes)
        .configure(jobs::routes)
        .configure(uploads::routes)
        .configure(search::routes)
        .configure(comments::routes)
        .configure(captions::routes)
        .configure(video_source::routes)
        .configure(videos::routes);
}
