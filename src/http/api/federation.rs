//! The API over federation: subscriptions (`/users/me/subscriptions`), remote search by handle
//! or URL (`/search/video-channels`, `/search/videos`), and block lists (`/server/blocklist`,
//! `/users/me/blocklist`). Instance follows are in `server_follows`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::json;
use super::server_follows::known_actor;
use super::users::urls;
use super::{video_json, video_query};
use crate::app::AppState;
use crate::domain::{channels, roles, videos};
use crate::federation::FederationError;
use crate::http::body::Body;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, MAX_COUNT, Paging};
use crate::store::fed_actors::{self, FedActor};
use crate::store::users::UserRow;
use crate::store::videos::VideoFilter;
use crate::store::{StoreError, actors, blocklist, follows};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users/me/subscriptions", web::get().to(subscriptions))
        .route("/users/me/subscriptions", web::post().to(subscribe))
        .route(
            "/users/me/subscriptions/videos",
            web::get().to(subscription_videos),
        )
        .route(
            "/users/me/subscriptions/exist",
            web::get().to(subscriptions_exist),
        )
        .route(
            "/users/me/subscriptions/{handle}",
            web::delete().to(unsubscribe),
        )
        .route("/search/video-channels", web::get().to(search_channels))
        .route("/search/videos", web::get().to(search_videos))
        .route(
            "/server/blocklist/servers",
            web::get().to(blocked_hosts::<true>),
        )
        .route(
            "/server/blocklist/servers",
            web::post().to(block_host_route::<true>),
        )
        .route(
            "/server/blocklist/servers/{host}",
            web::delete().to(unblock_host_route::<true>),
        )
        .route(
            "/users/me/blocklist/servers",
            web::get().to(blocked_hosts::<false>),
        )
        .route(
            "/users/me/blocklist/servers",
            web::post().to(block_host_route::<false>),
        )
        .route(
            "/users/me/blocklist/servers/{host}",
            web::delete().to(unblock_host_route::<false>),
        )
        .route(
            "/server/blocklist/accounts",
            web::get().to(blocked_accounts::<true>),
        )
        .route(
            "/server/blocklist/accounts",
            web::post().to(block_account_route::<true>),
        )
        .route(
            "/server/blocklist/accounts/{name}",
            web::delete().to(unblock_account_route::<true>),
        )
        .route(
            "/users/me/blocklist/accounts",
            web::get().to(blocked_accounts::<false>),
        )
        .route(
            "/users/me/blocklist/accounts",
            web::post().to(block_account_route::<false>),
        )
        .route(
            "/users/me/blocklist/accounts/{name}",
            web::delete().to(unblock_account_route::<false>),
        );
}

async fn my_actor(state: &AppState, me: &UserRow) -> ApiResult<(i64, i64)> {
    let id = me.id;
    let account = state
        .store
        .read(move |c| actors::account_by_user(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("Account not found"))?;
    Ok((account.id, account.actor.id))
}

async fn subscriptions(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    q: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    let (_, actor) = my_actor(&state, &me).await?;
    let (start, count) = (q.start()?, q.count()?);
    let (total, rows) = state
        .store
        .read(move |c| follows::list(c, actor, true, follows::ListFilter::default(), start, count))
        .await?;
    let urls = urls(&state);
    let mut data = Vec::new();
    for (_, a) in rows.iter().filter(|(_, a)| a.kind == "Group") {
        let handle = match &a.host {
            Some(h) => format!("{}@{h}", a.name),
            None => a.name.clone(),
        };
        if let Ok(d) = channels::by_handle(&state.store, &handle, &state.host()).await {
            data.push(json::channel(&urls, &d));
        }
    }
    Ok(HttpResponse::Ok().json(json::list(total, data)))
}

#[derive(Deserialize)]
struct SubscribeBody {
    uri: String,
}

/// A channel by handle: local by name, remote resolved (WebFinger) and cached.
async fn resolve_channel(state: &AppState, handle: &str) -> ApiResult<FedActor> {
    let (name, host) = channels::parse_handle(handle.trim().trim_start_matches('@'), &state.host());
    let actor = match host {
        None => {
            let n = name.clone();
            state
                .store
                .read(move |c| fed_actors::local_by_name(c, &n))
                .await?
                .ok_or_else(|| ApiError::not_found("Video channel not found"))?
        }
        Some(host) => {
            state
                .federation
                .actor_by_handle(&format!("{name}@{host}"))
                .await?
        }
    };
    if actor.kind != "Group" {
        return Err(ApiError::not_found("Video channel not found"));
    }
    Ok(actor)
}

async fn subscribe(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    Body(body): Body<SubscribeBody>,
) -> ApiResult<HttpResponse> {
    let (_, actor) = my_actor(&state, &me).await?;
    let uri = body.uri.trim();
    let target = if uri.starts_with("https://") || uri.starts_with("http://") {
        state.federation.actor(uri, false).await?
    } else {
        resolve_channel(&state, uri).await?
    };
    state.federation.follow(actor, target).await?;
    state.wake_jobs();
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /users/me/subscriptions/exist?uris=h1&uris=h2`: for each channel handle (`name` or
/// `name@host`), whether the user follows it (PeerTube's answer: `{ "h1": true, ... }`). Only
/// what this instance knows: nothing is fetched.
async fn subscriptions_exist(
    req: HttpRequest,
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
) -> ApiResult<HttpResponse> {
    let (_, actor) = my_actor(&state, &me).await?;
    let uris: Vec<String> = form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == "uris" || k == "uris[]")
        .map(|(_, v)| v.into_owned())
        .take(MAX_COUNT as usize)
        .collect();
    if uris.is_empty() {
        return Err(ApiError::invalid_field(
            "uris",
            "uris must name at least one channel",
        ));
    }
    let our_host = state.host();
    let answer = state
        .store
        .read(
            move |c| -> Result<serde_json::Map<String, Value>, StoreError> {
                let mut answer = serde_json::Map::new();
                for uri in uris {
                    let (name, host) =
                        channels::parse_handle(uri.trim_start_matches('@'), &our_host);
                    let target = match host {
                        Some(h) => fed_actors::remote_by_handle(c, &name, &h)?,
                        None => fed_actors::local_by_name(c, &name)?,
                    };
                    let followed = match target {
                        Some(t) => follows::get(c, actor, t.id)?.is_some(),
                        None => false,
                    };
                    answer.insert(uri, Value::Bool(followed));
                }
                Ok(answer)
            },
        )
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

async fn unsubscribe(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    handle: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (_, actor) = my_actor(&state, &me).await?;
    let (name, host) = channels::parse_handle(&handle, &state.host());
    let target = match host {
        Some(h) => known_actor(&state, &format!("{name}@{h}")).await?,
        None => state
            .store
            .read(move |c| fed_actors::local_by_name(c, &name))
            .await?
            .ok_or_else(|| ApiError::not_found("Video channel not found"))?,
    };
    if !state.federation.unfollow(actor, target).await? {
        return Err(ApiError::not_found(
            "You are not subscribed to this channel",
        ));
    }
    state.wake_jobs();
    Ok(HttpResponse::NoContent().finish())
}

async fn subscription_videos(
    req: HttpRequest,
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
) -> ApiResult<HttpResponse> {
    let (_, actor) = my_actor(&state, &me).await?;
    let filter = VideoFilter {
        followed_by_actor: Some(actor),
        ..video_query::parse(&req)?
    };
    super::videos::respond_list(&state, filter).await
}

#[derive(Deserialize)]
struct Search {
    search: Option<String>,
}

fn is_handle(s: &str) -> bool {
    let s = s.trim().trim_start_matches('@');
    s.split_once('@')
        .is_some_and(|(n, h)| !n.is_empty() && h.contains(['.', ':']) && !s.contains(' '))
}

async fn search_channels(
    state: web::Data<AppState>,
    q: web::Query<Search>,
    p: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    let search = q.search.clone().unwrap_or_default();
    let urls = urls(&state);
    let search = search.trim();
    if is_handle(search) || search.starts_with("https://") || search.starts_with("http://") {
        let actor = if search.contains("://") {
            state
                .federation
                .actor(search, false)
                .await
                .map_err(ApiError::from)
        } else {
            resolve_channel(&state, search).await
        };
        let found = match actor {
            Ok(a) if a.kind == "Group" => {
                let handle = match &a.host {
                    Some(h) => format!("{}@{h}", a.name),
                    None => a.name.clone(),
                };
                channels::by_handle(&state.store, &handle, &state.host())
                    .await
                    .ok()
            }
            _ => None,
        };
        let data: Vec<Value> = found.iter().map(|d| json::channel(&urls, d)).collect();
        return Ok(HttpResponse::Ok().json(json::list(data.len() as i64, data)));
    }
    // A plain search: channels whose name or display name contain the words.
    let (_, list) = channels::list(&state.store, None, 0, 500, "createdAt".into()).await?;
    let needle = search.to_lowercase();
    let matching: Vec<Value> = list
        .iter()
        .filter(|d| {
            needle.is_empty()
                || d.channel.actor.name.to_lowercase().contains(&needle)
                || d.channel
                    .actor
                    .display_name
                    .to_lowercase()
                    .contains(&needle)
        })
        .map(|d| json::channel(&urls, d))
        .collect();
    let (start, count) = (p.start()? as usize, p.count()? as usize);
    let total = matching.len() as i64;
    Ok(HttpResponse::Ok().json(json::list(
        total,
        matching.into_iter().skip(start).take(count).collect(),
    )))
}

/// A URL search resolves the video (fetched from its origin); anything else searches locally.
async fn search_videos(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<Search>,
) -> ApiResult<HttpResponse> {
    let search = q.search.clone().unwrap_or_default();
    let search = search.trim();
    if search.starts_with("https://") || search.starts_with("http://") {
        let urls = urls(&state);
        let reference = if state.federation.is_local_url(search) {
            search.rsplit('/').next().unwrap_or_default().to_string()
        } else {
            match state.federation.video(search, false).await {
                Ok(id) => id.to_string(),
                Err(e @ (FederationError::Store(_) | FederationError::TaskFailed)) => {
                    return Err(e.into());
                }
                Err(e) => {
                    tracing::info!(error = %e, url = search, "remote video search found nothing");
                    return Ok(HttpResponse::Ok().json(json::list::<Value>(0, vec![])));
                }
            }
        };
        let data: Vec<Value> = videos::get(&state.store, &reference, None)
            .await
            .ok()
            .iter()
            .map(|d| video_json::video(&urls, d))
            .collect();
        return Ok(HttpResponse::Ok().json(json::list(data.len() as i64, data)));
    }
    super::videos::respond_list(&state, video_query::parse(&req)?).await
}

#[derive(Deserialize)]
struct HostBody {
    host: String,
}

#[derive(Deserialize)]
struct AccountBody {
    #[serde(rename = "accountName")]
    account_name: String,
}

/// A host as PeerTube's `isHostValid` takes it: a domain name (an internationalised one in its
/// ASCII form) or an IP address, with an optional port; lower-cased.
fn clean_host(host: &str) -> ApiResult<String> {
    let invalid = || {
        ApiError::invalid_field(
            "host",
            "host must be a domain name or an IP address, with an optional port",
        )
    };
    let h = host.trim();
    if h.is_empty()
        || h.len() > 253
        || h.ends_with(':')
        || h.contains(['/', '@', '?', '#', '%', '\\'])
    {
        return Err(invalid());
    }
    let url = url::Url::parse(&format!("http://{h}/")).map_err(|_| invalid())?;
    let name = match url.host() {
        Some(url::Host::Domain(d)) => {
            let labels_ok = d.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
            if !labels_ok {
                return Err(invalid());
            }
            d.to_string()
        }
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        None => return Err(invalid()),
    };
    // The port as written: the URL parser drops 80, the default of the scheme it was given.
    Ok(match h.rsplit_once(':') {
        Some((_, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            let port: u16 = port.parse().map_err(|_| invalid())?;
            format!("{name}:{port}")
        }
        _ => name,
    })
}

async fn owner_of(state: &AppState, me: &UserRow, server: bool) -> ApiResult<Option<i64>> {
    if server {
        roles::require_user_manager(me)?;
        Ok(None)
    } else {
        Ok(Some(my_actor(state, me).await?.0))
    }
}

async fn list_hosts(state: &AppState, me: &UserRow, server: bool) -> ApiResult<HttpResponse> {
    let owner = owner_of(state, me, server).await?;
    let rows = state
        .store
        .read(move |c| blocklist::hosts(c, owner))
        .await?;
    let data: Vec<Value> = rows
        .iter()
        .map(|(h, at)| json!({ "blockedServer": { "id": 0, "host": h, "createdAt": at }, "createdAt": at }))
        .collect();
    Ok(HttpResponse::Ok().json(json::list(data.len() as i64, data)))
}

async fn block_host(
    state: &AppState,
    me: &UserRow,
    server: bool,
    host: &str,
) -> ApiResult<HttpResponse> {
    let owner = owner_of(state, me, server).await?;
    let host = clean_host(host)?;
    if host == state.host() {
        return Err(ApiError::new(
            actix_web::http::StatusCode::CONFLICT,
            "You cannot block your own instance",
        ));
    }
    state
        .store
        .write(move |tx| blocklist::add_host(tx, owner, &host))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn unblock_host(
    state: &AppState,
    me: &UserRow,
    server: bool,
    host: &str,
) -> ApiResult<HttpResponse> {
    let owner = owner_of(state, me, server).await?;
    let host = host.to_ascii_lowercase();
    if !state
        .store
        .write(move |tx| blocklist::remove_host(tx, owner, &host))
        .await?
    {
        return Err(ApiError::not_found("This server is not blocked"));
    }
    Ok(HttpResponse::NoContent().finish())
}

async fn account_by_name(state: &AppState, name: &str) -> ApiResult<i64> {
    let (n, host) = channels::parse_handle(name, &state.host());
    let found = state
        .store
        .read(move |c| actors::account_by_name(c, &n, host.as_deref()))
        .await?;
    found
        .map(|a| a.id)
        .ok_or_else(|| ApiError::not_found("Account not found"))
}

async fn list_accounts(state: &AppState, me: &UserRow, server: bool) -> ApiResult<HttpResponse> {
    let owner = owner_of(state, me, server).await?;
    let rows = state
        .store
        .read(move |c| blocklist::accounts(c, owner))
        .await?;
    let urls = urls(state);
    let mut data = Vec::new();
    for (target, at) in rows {
        if let Some(a) = state
            .store
            .read(move |c| actors::account_by_id(c, target))
            .await?
        {
            data.push(json!({ "blockedAccount": json::account(&urls, &a, &[]), "createdAt": at }));
        }
    }
    Ok(HttpResponse::Ok().json(json::list(data.len() as i64, data)))
}

async fn block_account(
    state: &AppState,
    me: &UserRow,
    server: bool,
    name: &str,
) -> ApiResult<HttpResponse> {
    let owner = owner_of(state, me, server).await?;
    let target = account_by_name(state, name).await?;
    if Some(target) == owner {
        return Err(ApiError::new(
            actix_web::http::StatusCode::CONFLICT,
            "You cannot block yourself",
        ));
    }
    state
        .store
        .write(move |tx| blocklist::add_account(tx, owner, target))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn unblock_account(
    state: &AppState,
    me: &UserRow,
    server: bool,
    name: &str,
) -> ApiResult<HttpResponse> {
    let owner = owner_of(state, me, server).await?;
    let target = account_by_name(state, name).await?;
    if !state
        .store
        .write(move |tx| blocklist::remove_account(tx, owner, target))
        .await?
    {
        return Err(ApiError::not_found("This account is not blocked"));
    }
    Ok(HttpResponse::NoContent().finish())
}

// The block lists of the instance (`SERVER` true) and of the signed-in account (false) share
// one handler each, chosen per route.
async fn blocked_hosts<const SERVER: bool>(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
) -> ApiResult<HttpResponse> {
    list_hosts(&state, &me, SERVER).await
}
async fn block_host_route<const SERVER: bool>(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    Body(b): Body<HostBody>,
) -> ApiResult<HttpResponse> {
    block_host(&state, &me, SERVER, &b.host).await
}
async fn unblock_host_route<const SERVER: bool>(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    h: web::Path<String>,
) -> ApiResult<HttpResponse> {
    unblock_host(&state, &me, SERVER, &h).await
}
async fn blocked_accounts<const SERVER: bool>(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
) -> ApiResult<HttpResponse> {
    list_accounts(&state, &me, SERVER).await
}
async fn block_account_route<const SERVER: bool>(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    Body(b): Body<AccountBody>,
) -> ApiResult<HttpResponse> {
    block_account(&state, &me, SERVER, &b.account_name).await
}
async fn unblock_account_route<const SERVER: bool>(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    n: web::Path<String>,
) -> ApiResult<HttpResponse> {
    unblock_account(&state, &me, SERVER, &n).await
}

#[cfg(test)]
mod tests {
    use super::clean_host;

    #[test]
    fn hosts_are_checked_as_peertube_checks_them() {
        for (given, kept) in [
            ("Videos.Example.org", "videos.example.org"),
            ("peertube.example:8443", "peertube.example:8443"),
            ("example.net:80", "example.net:80"),
            ("192.0.2.7", "192.0.2.7"),
            ("[2001:db8::1]:9000", "[2001:db8::1]:9000"),
            ("bücher.example", "xn--bcher-kva.example"),
            ("localhost", "localhost"),
        ] {
            assert_eq!(clean_host(given).unwrap(), kept, "{given}");
        }
        for bad in [
            "",
            "exa mple.org",
            "a/b",
            "user@host",
            "-bad.example",
            "bad-.example",
            "a..b",
            "under_score.example",
            "host:99999",
            "host:",
            "x.example?q",
            "%41.example",
            "::1",
        ] {
            assert!(clean_host(bad).is_err(), "{bad:?}");
        }
    }
}
