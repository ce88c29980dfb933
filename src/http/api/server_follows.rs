//! Instance follows (`/server/followers`, `/server/following`): who follows this instance
//! (public list; administrators accept, reject or remove followers, as on PeerTube) and which
//! instances or actors it follows.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::json;
use crate::app::AppState;
use crate::domain::roles;
use crate::http::body::Body;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, Paging};
use crate::store::fed_actors::{self, FedActor};
use crate::store::follows;
use crate::store::users::UserRow;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/server/followers", web::get().to(server_followers))
        .route(
            "/server/followers/{handle}/accept",
            web::post().to(accept_follower),
        )
        .route(
            "/server/followers/{handle}/reject",
            web::post().to(reject_follower),
        )
        .route(
            "/server/followers/{handle}",
            web::delete().to(remove_follower),
        )
        .route("/server/following", web::get().to(server_following))
        .route("/server/following", web::post().to(follow_servers))
        .route(
            "/server/following/{target}",
            web::delete().to(unfollow_server),
        );
}

/// Follower and following counts of actors, by actor id.
type Counts = std::collections::HashMap<i64, (i64, i64)>;

async fn counts_of(state: &AppState, ids: Vec<i64>) -> ApiResult<Counts> {
    let rows = state.store.read(move |c| follows::counts(c, &ids)).await?;
    Ok(rows.into_iter().map(|(id, a, b)| (id, (a, b))).collect())
}

/// PeerTube's `Actor` shape inside follow lists.
fn actor_json(state: &AppState, a: &FedActor, counts: &Counts) -> Value {
    let base = state.base_url();
    let (followers, following) = counts.get(&a.id).copied().unwrap_or_default();
    json!({
        "id": a.id,
        "url": crate::federation::objects::actor::local_url(&base, a),
        "name": a.name,
        "host": a.host.clone().unwrap_or_else(|| state.host()),
        "hostRedundancyAllowed": false,
        "followingCount": following,
        "followersCount": followers,
        "createdAt": a.created_at,
        "updatedAt": a.updated_at,
        "avatars": [],
    })
}

fn follow_json(
    state: &AppState,
    f: &follows::FollowRow,
    follower: &FedActor,
    following: &FedActor,
    counts: &Counts,
) -> Value {
    json!({
        "id": f.id,
        "follower": actor_json(state, follower, counts),
        "following": actor_json(state, following, counts),
        "score": 1,
        "state": f.state,
        "createdAt": f.created_at,
        "updatedAt": f.updated_at,
    })
}

/// `?state=&actorType=` of the instance follow lists.
#[derive(Deserialize)]
struct FollowQuery {
    state: Option<String>,
    #[serde(rename = "actorType")]
    actor_type: Option<String>,
}

/// The instance actor's followers (or followed actors): public, as on PeerTube.
async fn instance_follows(
    state: &AppState,
    q: &FollowQuery,
    p: &Paging,
    following: bool,
) -> ApiResult<HttpResponse> {
    let wanted_state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s @ ("pending" | "accepted")) => Some(s.to_string()),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "state",
                "state must be pending or accepted",
            ));
        }
    };
    let actor_type = match q.actor_type.as_deref() {
        None | Some("") => None,
        Some(t @ ("Person" | "Application" | "Group" | "Service" | "Organization")) => {
            Some(t.to_string())
        }
        Some(_) => {
            return Err(ApiError::invalid_field(
                "actorType",
                "actorType must be Person, Application, Group, Service or Organization",
            ));
        }
    };
    let instance = state.federation.instance_actor().await?;
    let (start, count) = (p.start()?, p.count()?);
    let id = instance.id;
    let (total, rows) = state
        .store
        .read(move |c| {
            let filter = follows::ListFilter {
                state: wanted_state.as_deref(),
                actor_type: actor_type.as_deref(),
            };
            follows::list(c, id, following, filter, start, count)
        })
        .await?;
    let mut ids: Vec<i64> = rows.iter().map(|(_, a)| a.id).collect();
    ids.push(instance.id);
    let counts = counts_of(state, ids).await?;
    let data = rows
        .iter()
        .map(|(f, a)| {
            if following {
                follow_json(state, f, &instance, a, &counts)
            } else {
                follow_json(state, f, a, &instance, &counts)
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(json::list(total, data)))
}

async fn server_followers(
    state: web::Data<AppState>,
    q: web::Query<FollowQuery>,
    p: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    instance_follows(&state, &q, &p, false).await
}

/// A remote actor named `name@host` that is already known.
pub(super) async fn known_actor(state: &AppState, handle: &str) -> ApiResult<FedActor> {
    let (name, host) = handle
        .split_once('@')
        .ok_or_else(|| ApiError::bad_request("expected name@host"))?;
    let (name, host) = (name.to_string(), host.to_ascii_lowercase());
    state
        .store
        .read(move |c| fed_actors::remote_by_handle(c, &name, &host))
        .await?
        .ok_or_else(|| ApiError::not_found("Unknown actor"))
}

/// What an administrator does with an instance follower.
#[derive(Clone, Copy, PartialEq)]
enum Answer {
    Accept,
    Reject,
    /// DELETE: removes the follower whatever its state.
    Remove,
}

async fn answer(
    state: &AppState,
    me: &UserRow,
    handle: &str,
    what: Answer,
) -> ApiResult<HttpResponse> {
    roles::require_admin(me)?;
    let follower = known_actor(state, handle).await?;
    let instance = state.federation.instance_actor().await?;
    let (follower_id, instance_id) = (follower.id, instance.id);
    let follow = state
        .store
        .read(move |c| follows::get(c, follower_id, instance_id))
        .await?
        .ok_or_else(|| ApiError::not_found("This actor does not follow the instance"))?;
    // As on PeerTube, accept and reject answer a pending follow only.
    if what != Answer::Remove && follow.state != "pending" {
        return Err(ApiError::bad_request("Follow is not in pending state."));
    }
    if !state
        .federation
        .answer_follower(instance.id, follower, what == Answer::Accept)
        .await?
    {
        return Err(ApiError::not_found(
            "This actor does not follow the instance",
        ));
    }
    state.wake_jobs();
    Ok(HttpResponse::NoContent().finish())
}

async fn accept_follower(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    handle: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&state, &me, &handle, Answer::Accept).await
}

async fn reject_follower(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    handle: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&state, &me, &handle, Answer::Reject).await
}

async fn remove_follower(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    handle: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&state, &me, &handle, Answer::Remove).await
}

async fn server_following(
    state: web::Data<AppState>,
    q: web::Query<FollowQuery>,
    p: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    instance_follows(&state, &q, &p, true).await
}

#[derive(Deserialize)]
struct FollowBody {
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    handles: Vec<String>,
}

async fn follow_servers(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    Body(body): Body<FollowBody>,
) -> ApiResult<HttpResponse> {
    roles::require_admin(&me)?;
    if body.hosts.is_empty() && body.handles.is_empty() {
        return Err(ApiError::invalid_field(
            "hosts",
            "hosts or handles is required",
        ));
    }
    let instance = state.federation.instance_actor().await?;
    for host in body.hosts.iter().take(50) {
        let target = state.federation.instance_of_host(host).await?;
        state.federation.follow(instance.id, target).await?;
    }
    for handle in body.handles.iter().take(50) {
        let target = state.federation.actor_by_handle(handle).await?;
        state.federation.follow(instance.id, target).await?;
    }
    state.wake_jobs();
    Ok(HttpResponse::NoContent().finish())
}

async fn unfollow_server(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    target: web::Path<String>,
) -> ApiResult<HttpResponse> {
    roles::require_admin(&me)?;
    let target = if target.contains('@') {
        known_actor(&state, &target).await?
    } else {
        known_actor(&state, &format!("peertube@{target}")).await?
    };
    let instance = state.federation.instance_actor().await?;
    if !state.federation.unfollow(instance.id, target).await? {
        return Err(ApiError::not_found("This instance is not followed"));
    }
    state.wake_jobs();
    Ok(HttpResponse::NoContent().finish())
}
