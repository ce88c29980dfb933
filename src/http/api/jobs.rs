//! The administrators' view of the job queue in PeerTube's shape: `GET /jobs/{state}` with
//! state `active`, `waiting`, `delayed`, `completed` or `failed`, and (a Kinora addition)
//! `POST /jobs/{id}/retry` for a failed job.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::json;
use crate::app::AppState;
use crate::domain::roles;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, Paging};
use crate::store::jobs::{self, JobRow};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/jobs/{id:\\d+}/retry", web::post().to(retry))
        .route("/jobs/{state}", web::get().to(list));
}

/// PeerTube's job type names for Kinora's kinds where they match.
fn peertube_state(row: &JobRow, now: &str) -> &'static str {
    match row.state.as_str() {
        "running" => "active",
        "completed" => "completed",
        "failed" => "failed",
        "cancelled" => "failed",
        _ if row.run_after.as_str() > now => "delayed",
        _ => "waiting",
    }
}

fn job_json(row: &JobRow, now: &str) -> Value {
    json!({
        "id": row.id,
        "state": peertube_state(row, now),
        "type": row.kind,
        "data": serde_json::from_str::<Value>(&row.payload).unwrap_or(Value::Null),
        "priority": row.priority,
        "progress": row.progress,
        "attempts": row.attempts,
        "error": row.error,
        "createdAt": row.created_at,
        "processedOn": row.started_at,
        "finishedOn": row.finished_at,
    })
}

#[derive(Deserialize)]
/// Filters beside the paging; parsed as a second extractor from the same query string because
/// `serde(flatten)` turns numbers into strings with urlencoded input and breaks `count=`.
struct ListQuery {
    #[serde(rename = "jobType")]
    job_type: Option<String>,
}

async fn list(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    path: web::Path<String>,
    q: web::Query<ListQuery>,
    paging: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    roles::require_admin(&me)?;
    let (states, delayed): (&[&str], Option<bool>) = match path.as_str() {
        "active" => (&["running"], None),
        "waiting" => (&["queued"], Some(false)),
        "delayed" => (&["queued"], Some(true)),
        "completed" => (&["completed"], None),
        "failed" => (&["failed", "cancelled"], None),
        other => {
            return Err(ApiError::invalid_field(
                "state",
                format!(
                    "Unknown job state {other:?}: use active, waiting, delayed, completed or failed"
                ),
            ));
        }
    };
    let (start, count) = (paging.start()?, paging.count()?);
    let job_type = q.job_type.clone();
    let (total, rows) = state
        .store
        .read(move |conn| jobs::list(conn, states, delayed, job_type.as_deref(), start, count))
        .await?;
    let now = crate::store::now();
    Ok(HttpResponse::Ok().json(json::list(
        total,
        rows.iter().map(|r| job_json(r, &now)).collect(),
    )))
}

async fn retry(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    roles::require_admin(&me)?;
    let id = id.into_inner();
    let retried = state.store.write(move |tx| jobs::retry(tx, id)).await?;
    if !retried {
        return Err(ApiError::not_found("No failed job with this id"));
    }
    state.wake_jobs();
    Ok(HttpResponse::NoContent().finish())
}
