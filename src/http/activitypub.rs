//! ActivityPub endpoints: actors, videos and comments on the same URLs as their HTML pages
//! (content negotiation on `Accept`), outboxes, followers and following collections, video
//! collections (likes, dislikes, announces, comments), and the inboxes.

use actix_web::guard::{Guard, GuardContext};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::federation::objects::{self, actor, collection, note, video};
use crate::federation::{AP_CONTENT_TYPE, FederationError, PUBLIC, inbox::Received, keys};
use crate::http::error::{ApiError, ApiResult};
use crate::store::fed_actors::{self, FedActor};
use crate::store::videos::{self, VideoFilter};
use crate::store::{comments, follows, remote};

/// Matches requests whose `Accept` asks for ActivityPub JSON.
struct WantsActivityPub;

impl Guard for WantsActivityPub {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        ctx.head()
            .headers()
            .get("accept")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| {
                a.contains("application/activity+json") || a.contains("application/ld+json")
            })
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    for path in [
        "/accounts/{name}",
        "/a/{name}",
        "/video-channels/{name}",
        "/c/{name}",
    ] {
        cfg.service(
            web::resource(path)
                .guard(WantsActivityPub)
                .route(web::get().to(actor_doc)),
        );
    }
    for path in ["/videos/watch/{id}", "/w/{id}"] {
        cfg.service(
            web::resource(path)
                .guard(WantsActivityPub)
                .route(web::get().to(video_doc)),
        );
    }
    for prefix in ["/accounts/{name}", "/video-channels/{name}"] {
        cfg.route(&format!("{prefix}/outbox"), web::get().to(outbox))
            .route(&format!("{prefix}/playlists"), web::get().to(playlists))
            .route(&format!("{prefix}/followers"), web::get().to(followers))
            .route(&format!("{prefix}/following"), web::get().to(following))
            .route(&format!("{prefix}/inbox"), web::post().to(inbox));
    }
    cfg.route("/inbox", web::post().to(inbox))
        .route("/videos/watch/{id}/activity", web::get().to(video_activity))
        .route("/videos/watch/{id}/likes", web::get().to(video_likes))
        .route("/videos/watch/{id}/dislikes", web::get().to(video_dislikes))
        .route("/videos/watch/{id}/announces", web::get().to(video_shares))
        .route("/videos/watch/{id}/comments", web::get().to(video_comments))
        .route("/videos/watch/{id}/chapters", web::get().to(video_chapters))
        .route(
            "/videos/watch/{id}/comments/{comment}",
            web::get().to(comment_doc),
        );
}

pub fn ap_json(doc: &Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(AP_CONTENT_TYPE)
        .insert_header(("Vary", "Accept"))
        .body(doc.to_string())
}

#[derive(serde::Deserialize)]
struct Page {
    page: Option<i64>,
}

/// A local actor by name, with its keys (generated on first use); `peertube` is the
/// instance actor.
async fn local_actor(state: &AppState, name: &str) -> ApiResult<FedActor> {
    let (name, instance) = (name.to_string(), state.config.instance_name.clone());
    let found = state
        .store
        .write(move |tx| {
            if name == "peertube" {
                return fed_actors::ensure_instance_actor(tx, &instance).map(Some);
            }
            fed_actors::local_by_name(tx, &name)
        })
        .await?
        .ok_or_else(|| ApiError::not_found("No such actor"))?;
    let store = state.store.clone();
    let id = found.id;
    web::block(move || keys::ensure_local_keys(&store, id))
        .await
        .map_err(|_| ApiError::from(crate::domain::DomainError::TaskFailed))?
        .map_err(ApiError::from)
}

async fn actor_doc(state: web::Data<AppState>, name: web::Path<String>) -> ApiResult<HttpResponse> {
    let a = local_actor(&state, &name).await?;
    let base = state.base_url();
    let doc = state
        .store
        .read(move |c| actor::document(c, &base, &a))
        .await?;
    Ok(ap_json(&doc))
}

/// A local, federated video by UUID or shortUUID.
async fn federated_video(state: &AppState, id: &str) -> ApiResult<video::LocalVideo> {
    let reference = crate::domain::video_ids::parse(id)
        .ok_or_else(|| ApiError::not_found("Video not found"))?;
    let found = state
        .store
        .read(move |c| {
            let row = match reference {
                crate::domain::video_ids::VideoRef::Id(i) => videos::by_id(c, i)?,
                crate::domain::video_ids::VideoRef::Uuid(u) => videos::by_uuid(c, &u)?,
            };
            match row {
                Some(v) => video::load(c, v.id),
                None => Ok(None),
            }
        })
        .await?;
    found
        .filter(|l| video::federates(&l.video))
        .ok_or_else(|| ApiError::not_found("Video not found"))
}

/// The video a comment URL names: a federated video of ours, or a remote one we have cached
/// (our users' comments on it live under our URL, and other servers fetch them from here).
async fn commented_video(state: &AppState, id: &str) -> ApiResult<i64> {
    let reference = crate::domain::video_ids::parse(id)
        .ok_or_else(|| ApiError::not_found("Video not found"))?;
    let row = state
        .store
        .read(move |c| match reference {
            crate::domain::video_ids::VideoRef::Id(i) => videos::by_id(c, i),
            crate::domain::video_ids::VideoRef::Uuid(u) => videos::by_uuid(c, &u),
        })
        .await?;
    row.filter(|v| v.url.is_some() || video::federates(v))
        .map(|v| v.id)
        .ok_or_else(|| ApiError::not_found("Video not found"))
}

async fn video_doc(state: web::Data<AppState>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let l = federated_video(&state, &id).await?;
    Ok(ap_json(&objects::with_context(video::object(
        &state.base_url(),
        &l,
    ))))
}

async fn video_activity(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let l = federated_video(&state, &id).await?;
    let base = state.base_url();
    let object = video::object(&base, &l);
    Ok(ap_json(&objects::with_context(json!({
        "type": "Create", "id": format!("{}/activity", object["id"].as_str().unwrap_or_default()),
        "actor": format!("{base}/accounts/{}", l.account_name),
        "to": object["to"], "cc": object["cc"], "object": object,
    }))))
}

/// Create activities of the account's videos (Announce for a channel), newest first.
async fn outbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    q: web::Query<Page>,
) -> ApiResult<HttpResponse> {
    let a = local_actor(&state, &name).await?;
    let base = state.base_url();
    let me = actor::local_url(&base, &a);
    let id = format!("{me}/outbox");
    let (start, count) = collection::window(q.page);
    let is_channel = req.path().starts_with("/video-channels/");
    let page = q.page;
    let counted = state.store.clone();
    let doc = state
        .store
        .read(move |c| -> Result<Value, crate::store::StoreError> {
            let mut filter = VideoFilter { is_local: Some(true), sort: "-publishedAt".into(), start, count, ..Default::default() };
            match a.kind.as_str() {
                "Group" => filter.channel_id = fed_actors::channel_id_of_actor(c, a.id)?.or(Some(-1)),
                "Person" => filter.account_id = fed_actors::account_id_of_actor(c, a.id)?.or(Some(-1)),
                _ => {}
            }
            let (total, rows) = videos::list(c, &filter, counted.counts())?;
            let mut items = Vec::new();
            for v in rows {
                let Some(l) = video::load(c, v.id)? else { continue };
                let object = video::object(&base, &l);
                let vid = object["id"].as_str().unwrap_or_default().to_string();
                items.push(if a.kind == "Person" && !is_channel {
                    json!({ "type": "Create", "id": format!("{vid}/activity"), "actor": me, "to": object["to"], "cc": object["cc"], "object": object })
                } else {
                    json!({ "type": "Announce", "id": format!("{me}/announces/{}", v.id), "actor": me, "to": [PUBLIC], "cc": [], "object": vid })
                });
            }
            Ok(collection::collection(&id, total, page, items))
        })
        .await?;
    Ok(ap_json(&doc))
}

async fn follow_collection(
    state: &AppState,
    name: &str,
    page: Option<i64>,
    following: bool,
) -> ApiResult<HttpResponse> {
    let a = local_actor(state, name).await?;
    let base = state.base_url();
    let id = format!(
        "{}/{}",
        actor::local_url(&base, &a),
        if following { "following" } else { "followers" }
    );
    let (start, count) = collection::window(page);
    let doc = state
        .store
        .read(move |c| -> Result<Value, crate::store::StoreError> {
            let (total, rows) = follows::list(
                c,
                a.id,
                following,
                follows::ListFilter::ACCEPTED,
                start,
                count,
            )?;
            let items = rows
                .iter()
                .map(|(_, other)| json!(actor::local_url(&base, other)))
                .collect();
            Ok(collection::collection(&id, total, page, items))
        })
        .await?;
    Ok(ap_json(&doc))
}

async fn followers(
    state: web::Data<AppState>,
    name: web::Path<String>,
    q: web::Query<Page>,
) -> ApiResult<HttpResponse> {
    follow_collection(&state, &name, q.page, false).await
}

async fn following(
    state: web::Data<AppState>,
    name: web::Path<String>,
    q: web::Query<Page>,
) -> ApiResult<HttpResponse> {
    follow_collection(&state, &name, q.page, true).await
}

async fn counted(
    state: &AppState,
    id: &str,
    suffix: &str,
    count: impl Fn(&videos::VideoRow, &rusqlite::Connection) -> Result<i64, crate::store::StoreError>
    + Send
    + 'static,
) -> ApiResult<HttpResponse> {
    let l = federated_video(state, id).await?;
    let url = format!(
        "{}/{suffix}",
        video::watch_url(&state.base_url(), &l.video.uuid)
    );
    let v = l.video.clone();
    let total = state.store.read(move |c| count(&v, c)).await?;
    Ok(ap_json(&collection::collection(&url, total, None, vec![])))
}

/// The chapters PeerTube fetches from a Video's `hasParts`. Kinora has no chapters, so none;
/// but an answer, since PeerTube fails the whole video when this fetch fails (a 404 on its
/// refresh deletes the video there).
async fn video_chapters(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let l = federated_video(&state, &id).await?;
    let url = format!(
        "{}/chapters",
        video::watch_url(&state.base_url(), &l.video.uuid)
    );
    Ok(ap_json(&objects::with_context(
        json!({ "id": url, "hasPart": [] }),
    )))
}

/// An actor's `playlists` collection, which PeerTube crawls when it first meets the actor:
/// Kinora has no playlists, so it is empty.
async fn playlists(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
    q: web::Query<Page>,
) -> ApiResult<HttpResponse> {
    local_actor(&state, &name).await?;
    let url = format!("{}{}", state.base_url(), req.path());
    Ok(ap_json(&collection::collection(
        &url,
        0,
        q.page.map(|p| p.max(1)),
        vec![],
    )))
}

async fn video_likes(state: web::Data<AppState>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    counted(&state, &id, "likes", |v, _| Ok(v.likes)).await
}

async fn video_dislikes(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    counted(&state, &id, "dislikes", |v, _| Ok(v.dislikes)).await
}

async fn video_shares(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    counted(&state, &id, "announces", |v, c| {
        remote::count_shares(c, v.id)
    })
    .await
}

async fn video_comments(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    counted(&state, &id, "comments", |v, c| {
        comments::count_for_video(c, v.id)
    })
    .await
}

async fn comment_doc(
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, comment) = path.into_inner();
    let video_id = commented_video(&state, &id).await?;
    let base = state.base_url();
    let doc = state
        .store
        .read(move |c| note::object(c, &base, video_id, comment))
        .await?;
    match doc {
        Some((doc, _)) => Ok(ap_json(&objects::with_context(doc))),
        None => Err(ApiError::not_found("Comment not found")),
    }
}

/// Every inbox (shared and per actor) takes the same path: verify, then process.
async fn inbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let max = state.federation.settings.max_body;
    if req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > max)
    {
        return Err(FederationError::TooLarge.into());
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::bad_request("The request body could not be read"))?;
        if body.len() + chunk.len() > max {
            return Err(FederationError::TooLarge.into());
        }
        body.extend_from_slice(&chunk);
    }
    let headers = req
        .headers()
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect();
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.path().to_string());
    let received = Received {
        method: "POST".into(),
        target,
        headers,
        body,
    };
    match state.federation.receive(received).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(e) => {
            tracing::info!(error = %e, "inbox refused an activity");
            Err(match e {
                // A server this activity needs (its actor's, its parent's) did not answer now:
                // the sender should try again. Mastodon and PeerTube retry a 5xx, and give up
                // for good on a 400.
                FederationError::Network(_) => try_again_later(),
                FederationError::RemoteStatus(s) if s >= 500 || s == 408 || s == 429 => {
                    try_again_later()
                }
                other => other.into(),
            })
        }
    }
}

fn try_again_later() -> ApiError {
    ApiError {
        retry_after: Some(300),
        ..ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "A server this activity depends on could not be reached; try again later",
        )
    }
}

impl From<FederationError> for ApiError {
    fn from(e: FederationError) -> ApiError {
        match e {
            FederationError::BadSignature(m) => {
                ApiError::new(StatusCode::UNAUTHORIZED, format!("Signature refused: {m}"))
            }
            FederationError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            FederationError::BadRequest(m) => ApiError::bad_request(m),
            FederationError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            FederationError::Replay => {
                ApiError::new(StatusCode::CONFLICT, "This activity was already received")
            }
            FederationError::TooLarge => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The body is too large")
            }
            FederationError::RateLimited => ApiError {
                retry_after: Some(60),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many requests from this server",
                )
            },
            FederationError::Network(m) => {
                ApiError::bad_request(format!("The remote server could not be reached: {m}"))
            }
            FederationError::RemoteStatus(s) => {
                ApiError::bad_request(format!("The remote server answered {s}"))
            }
            FederationError::Store(s) => ApiError::from(s),
            other @ (FederationError::Crypto(_) | FederationError::TaskFailed) => {
                tracing::error!(error = %other, "federation internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "An internal error occurred; it has been logged.",
                )
            }
        }
    }
}
