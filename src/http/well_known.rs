//! Discovery: WebFinger (`acct:` for accounts, channels and the instance actor `peertube`),
//! NodeInfo 2.0 with the link to the instance actor, host-meta, and `/robots.txt` (the
//! administrators' `instance.robots`).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store::{fed_actors, remote, users};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/.well-known/webfinger", web::get().to(webfinger))
        .route("/.well-known/nodeinfo", web::get().to(nodeinfo_links))
        .route("/nodeinfo/2.0.json", web::get().to(nodeinfo))
        .route("/nodeinfo/2.0", web::get().to(nodeinfo))
        .route("/.well-known/host-meta", web::get().to(host_meta))
        .route("/robots.txt", web::get().to(robots));
}

async fn robots(state: web::Data<AppState>) -> HttpResponse {
    // Settings are stored trimmed; a text file ends with a line break.
    let text = format!("{}\n", state.settings().robots.trim_end());
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(text)
}

#[derive(serde::Deserialize)]
struct Resource {
    resource: Option<String>,
}

/// The local name a resource designates: `acct:name@host`, `name@host`, or an actor URL.
fn local_name(state: &AppState, resource: &str) -> Option<String> {
    let base = state.base_url();
    if let Some(path) = resource.strip_prefix(&base) {
        return ["/accounts/", "/video-channels/", "/a/", "/c/"]
            .iter()
            .find_map(|p| path.strip_prefix(p))
            .map(str::to_string);
    }
    let acct = resource.strip_prefix("acct:").unwrap_or(resource);
    let (name, host) = acct.rsplit_once('@')?;
    host.eq_ignore_ascii_case(&state.host())
        .then(|| name.to_string())
}

async fn webfinger(state: web::Data<AppState>, q: web::Query<Resource>) -> ApiResult<HttpResponse> {
    let resource = q
        .resource
        .clone()
        .ok_or_else(|| ApiError::bad_request("resource is required"))?;
    let name = local_name(&state, &resource)
        .ok_or_else(|| ApiError::not_found("No such actor on this instance"))?;
    let instance_name = state.config.instance_name.clone();
    let actor = state
        .store
        .write(move |tx| {
            if name == "peertube" {
                return fed_actors::ensure_instance_actor(tx, &instance_name).map(Some);
            }
            fed_actors::local_by_name(tx, &name)
        })
        .await?
        .ok_or_else(|| ApiError::not_found("No such actor on this instance"))?;
    let base = state.base_url();
    let href = crate::federation::objects::actor::local_url(&base, &actor);
    let body = json!({
        "subject": format!("acct:{}@{}", actor.name, state.host()),
        "aliases": [href],
        "links": [
            { "rel": "self", "type": "application/activity+json", "href": href },
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": href },
            { "rel": "http://ostatus.org/schema/1.0/subscribe", "template": format!("{base}/remote-interaction?uri={{uri}}") },
        ],
    });
    Ok(HttpResponse::Ok()
        .content_type("application/jrd+json; charset=utf-8")
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .body(body.to_string()))
}

async fn nodeinfo_links(state: web::Data<AppState>) -> HttpResponse {
    let base = state.base_url();
    HttpResponse::Ok()
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .json(json!({
            "links": [
                { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base}/nodeinfo/2.0.json") },
                { "rel": "https://www.w3.org/ns/activitystreams#Application", "href": format!("{base}/accounts/peertube") },
            ]
        }))
}

async fn nodeinfo(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let (users, (videos, comments)) = state
        .store
        .read(|c| Ok::<_, crate::store::StoreError>((users::count(c)?, remote::local_stats(c)?)))
        .await?;
    let body = json!({
        "version": "2.0",
        "software": { "name": "kinora", "version": crate::VERSION },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": ["atom1.0", "rss2.0"] },
        "openRegistrations": state.config.registration.as_str() != "closed",
        "usage": {
            "users": { "total": users, "activeMonth": users, "activeHalfyear": users },
            "localPosts": videos,
            "localComments": comments,
        },
        "metadata": {
            "nodeName": state.config.instance_name,
            "nodeDescription": state.config.instance_short_description,
            "taxonomy": { "postsName": "Videos" },
        },
    });
    Ok(HttpResponse::Ok()
        .content_type("application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.0#\"; charset=utf-8")
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .body(body.to_string()))
}

async fn host_meta(state: web::Data<AppState>, _req: HttpRequest) -> HttpResponse {
    let base = state.base_url();
    HttpResponse::Ok()
        .content_type("application/xrd+xml; charset=utf-8")
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .body(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
             <Link rel=\"lrdd\" type=\"application/xrd+xml\" template=\"{base}/.well-known/webfinger?resource={{uri}}\"/>\n</XRD>\n"
        ))
}
