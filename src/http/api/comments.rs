//! Comments in PeerTube's shapes: `GET|POST /videos/{id}/comment-threads`,
//! `GET /videos/{id}/comment-threads/{threadId}`, `POST|DELETE /videos/{id}/comments/{commentId}`,
//! `POST /videos/{id}/comments/{commentId}/approve`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::json::{self, Urls};
use super::users::urls;
use crate::app::AppState;
use crate::domain::comments::{self, CommentView};
use crate::http::body::Body;
use crate::http::error::ApiResult;
use crate::http::extract::{AuthUser, MaybeUser, Paging};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/videos/{id}/comment-threads", web::get().to(list_threads))
        .route(
            "/videos/{id}/comment-threads",
            web::post().to(create_thread),
        )
        .route(
            "/videos/{id}/comment-threads/{thread:\\d+}",
            web::get().to(get_thread),
        )
        .route(
            "/videos/{id}/comments/{comment:\\d+}",
            web::post().to(reply),
        )
        .route(
            "/videos/{id}/comments/{comment:\\d+}",
            web::delete().to(delete),
        )
        .route(
            "/videos/{id}/comments/{comment:\\d+}/approve",
            web::post().to(approve),
        );
}

pub fn comment_json(urls: &Urls, c: &CommentView) -> Value {
    let video_uuid = &c.video_uuid;
    let row = &c.comment;
    let deleted = row.deleted_at.is_some();
    json!({
        "id": row.id,
        "url": format!("{}/videos/watch/{video_uuid}/comments/{}", urls.base, row.id),
        "text": row.text,
        "threadId": row.thread_id.unwrap_or(row.id),
        "inReplyToCommentId": row.in_reply_to,
        "videoId": row.video_id,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
        "deletedAt": row.deleted_at,
        "isDeleted": deleted,
        "heldForReview": row.held_for_review,
        "totalReplies": row.total_replies,
        "totalRepliesFromVideoAuthor": 0,
        "account": match (&c.author, deleted) {
            (Some((account, images)), false) => json!(json::account_summary(urls, account, images)),
            _ => Value::Null,
        },
    })
}

async fn list_threads(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
    q: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    let newest_first = q.sort("-createdAt").starts_with('-');
    let (total, not_deleted, list) = comments::threads(
        &state.store,
        user.as_ref(),
        &id,
        newest_first,
        q.start()?,
        q.count()?,
    )
    .await?;
    let urls = urls(&state);
    Ok(HttpResponse::Ok().json(json!({
        "total": total,
        "totalNotDeletedComments": not_deleted,
        "data": list.iter().map(|c| comment_json(&urls, c)).collect::<Vec<_>>(),
    })))
}

async fn get_thread(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    path: web::Path<(String, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, thread_id) = path.into_inner();
    let thread = comments::thread(&state.store, user.as_ref(), &id, thread_id).await?;
    let urls = urls(&state);
    // PeerTube nests replies under the comment they answer.
    fn children(urls: &Urls, parent: i64, all: &[CommentView]) -> Vec<Value> {
        all.iter()
            .filter(|c| c.comment.in_reply_to == Some(parent))
            .map(|c| json!({ "comment": comment_json(urls, c), "children": children(urls, c.comment.id, all) }))
            .collect()
    }
    Ok(HttpResponse::Ok().json(json!({
        "comment": comment_json(&urls, &thread.root),
        "children": children(&urls, thread.root.comment.id, &thread.replies),
    })))
}

#[derive(Deserialize)]
struct CommentBody {
    text: String,
}

async fn create_thread(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
    Body(body): Body<CommentBody>,
) -> ApiResult<HttpResponse> {
    let posted = comments::post(&state.store, &me, &id, None, body.text).await?;
    Ok(HttpResponse::Ok().json(json!({ "comment": comment_json(&urls(&state), &posted) })))
}

async fn reply(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    path: web::Path<(String, i64)>,
    Body(body): Body<CommentBody>,
) -> ApiResult<HttpResponse> {
    let (id, parent) = path.into_inner();
    let posted = comments::post(&state.store, &me, &id, Some(parent), body.text).await?;
    Ok(HttpResponse::Ok().json(json!({ "comment": comment_json(&urls(&state), &posted) })))
}

async fn delete(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    path: web::Path<(String, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, comment) = path.into_inner();
    comments::delete(&state.store, &me, &id, comment).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn approve(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    path: web::Path<(String, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, comment) = path.into_inner();
    comments::approve(&state.store, &me, &id, comment).await?;
    Ok(HttpResponse::NoContent().finish())
}
