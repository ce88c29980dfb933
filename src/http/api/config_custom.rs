//! PeerTube's `GET|PUT|DELETE /config/custom` (administrators): the run-time instance settings
//! in PeerTube's `CustomConfig` shape (the parts Kinora has: instance texts, custom CSS and
//! robots.txt, sign-up mode, default quotas, transcoding resolutions). PUT changes the fields
//! sent; DELETE returns to the file configuration. Stored in SQLite, effective at once.

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::config::Config;
use crate::config::RegistrationMode;
use crate::domain::{instance_settings, roles};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::AuthUser;

/// PeerTube's resolution keys in `transcoding.resolutions`.
const RESOLUTIONS: [u32; 9] = [144, 240, 360, 480, 720, 1080, 1440, 2160, 4320];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/config/custom", web::get().to(get))
        .route("/config/custom", web::put().to(put))
        .route("/config/custom", web::delete().to(delete));
}

pub fn custom_json(c: &Config) -> Value {
    let resolutions: serde_json::Map<String, Value> = RESOLUTIONS
        .iter()
        .map(|r| (format!("{r}p"), json!(c.ladder.resolutions.contains(r))))
        .collect();
    json!({
        "instance": {
            "name": c.instance_name,
            "shortDescription": c.instance_short_description,
            "description": c.instance_description,
            "terms": c.instance_terms,
            "customizations": { "css": c.custom_css, "javascript": "" },
            "robots": c.robots,
        },
        "signup": {
            "enabled": c.registration != RegistrationMode::Closed,
            "requiresApproval": c.registration == RegistrationMode::Approval,
            "limit": -1,
            "requiresEmailVerification": false,
            "minimumAge": 16,
        },
        "user": { "videoQuota": c.user_video_quota, "videoQuotaDaily": c.user_video_quota_daily },
        "transcoding": {
            "enabled": c.transcoding_enabled,
            "resolutions": resolutions,
            "hls": { "enabled": true },
            "webVideos": { "enabled": false },
        },
    })
}

/// The configuration keys and raw values a `CustomConfig` body asks for.
pub fn changes_from(body: &Value) -> ApiResult<Vec<(String, String)>> {
    if !body.is_object() {
        return Err(ApiError::invalid_field(
            "body",
            "the body must be a CustomConfig object",
        ));
    }
    let mut out = Vec::new();
    let text = |v: &Value, field: &str| -> ApiResult<String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Null => Ok(String::new()),
            _ => Err(ApiError::invalid_field(
                "body",
                format!("{field} must be a string"),
            )),
        }
    };
    let instance = &body["instance"];
    for (field, key) in [
        ("name", "instance.name"),
        ("shortDescription", "instance.short_description"),
        ("description", "instance.description"),
        ("terms", "instance.terms"),
        ("robots", "instance.robots"),
    ] {
        if let Some(v) = instance.get(field) {
            out.push((key.to_string(), text(v, field)?));
        }
    }
    if let Some(css) = instance.get("customizations").and_then(|c| c.get("css")) {
        out.push(("instance.custom_css".into(), text(css, "css")?));
    }
    if let Some(signup) = body.get("signup") {
        let enabled = signup.get("enabled").and_then(Value::as_bool);
        let approval = signup.get("requiresApproval").and_then(Value::as_bool);
        if enabled.is_some() || approval.is_some() {
            let mode = match (enabled.unwrap_or(true), approval.unwrap_or(false)) {
                (false, _) => "closed",
                (true, true) => "approval",
                (true, false) => "open",
            };
            out.push(("registration".into(), mode.into()));
        }
    }
    for (field, key) in [
        ("videoQuota", "user.video_quota"),
        ("videoQuotaDaily", "user.video_quota_daily"),
    ] {
        if let Some(v) = body["user"].get(field) {
            let n = v.as_i64().ok_or_else(|| {
                ApiError::invalid_field(field, format!("{field} must be a number"))
            })?;
            out.push((key.to_string(), n.to_string()));
        }
    }
    if let Some(map) = body["transcoding"]
        .get("resolutions")
        .and_then(Value::as_object)
    {
        let list: Vec<String> = RESOLUTIONS
            .iter()
            .filter(|r| map.get(&format!("{r}p")).and_then(Value::as_bool) == Some(true))
            .map(u32::to_string)
            .collect();
        out.push(("transcoding.resolutions".into(), list.join(",")));
    }
    Ok(out)
}

async fn get(state: web::Data<AppState>, AuthUser(me): AuthUser) -> ApiResult<HttpResponse> {
    roles::require_admin(&me)?;
    Ok(HttpResponse::Ok().json(custom_json(&state.settings())))
}

async fn put(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    body: web::Json<Value>,
) -> ApiResult<HttpResponse> {
    roles::require_admin(&me)?;
    let changes = changes_from(&body)?;
    let config = instance_settings::update(&state.store, &state.live, changes).await?;
    Ok(HttpResponse::Ok().json(custom_json(&config)))
}

async fn delete(state: web::Data<AppState>, AuthUser(me): AuthUser) -> ApiResult<HttpResponse> {
    roles::require_admin(&me)?;
    let config = instance_settings::reset(&state.store, &state.live).await?;
    Ok(HttpResponse::Ok().json(custom_json(&config)))
}
