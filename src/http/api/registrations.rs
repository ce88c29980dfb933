//! Sign-up (`/users/register`, `/users/registrations/request`) and the moderators' queue of
//! registration requests.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::json;
use crate::app::AppState;
use crate::domain::registrations::{self, SignUp, SignUpOutcome, state_label};
use crate::http::body::{Body, OptionalBody};
use crate::http::error::ApiResult;
use crate::http::extract::{AuthUser, Paging};
use crate::store::registrations::RegistrationRow;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users/register", web::post().to(register))
        .route("/users/registrations/request", web::post().to(request))
        .route("/users/registrations", web::get().to(list))
        .route(
            "/users/registrations/{id:\\d+}/accept",
            web::post().to(accept),
        )
        .route(
            "/users/registrations/{id:\\d+}/reject",
            web::post().to(reject),
        )
        .route("/users/registrations/{id:\\d+}", web::delete().to(delete));
}

#[derive(Deserialize)]
struct ChannelBody {
    name: Option<String>,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterBody {
    username: String,
    password: String,
    email: String,
    display_name: Option<String>,
    channel: Option<ChannelBody>,
    registration_reason: Option<String>,
}

impl From<RegisterBody> for SignUp {
    fn from(b: RegisterBody) -> SignUp {
        SignUp {
            username: b.username,
            password: b.password,
            email: b.email,
            display_name: b.display_name,
            channel_name: b.channel.as_ref().and_then(|c| c.name.clone()),
            channel_display_name: b.channel.and_then(|c| c.display_name),
            reason: b.registration_reason,
        }
    }
}

pub fn registration_json(r: &RegistrationRow) -> Value {
    json!({
        "id": r.id,
        "state": { "id": r.state, "label": state_label(r.state) },
        "registrationReason": r.reason,
        "moderationResponse": r.moderation_response,
        "username": r.username,
        "email": r.email,
        "emailVerified": false,
        "accountDisplayName": r.display_name.clone().unwrap_or_else(|| r.username.clone()),
        "channelHandle": r.channel_name,
        "channelDisplayName": r.channel_display_name,
        "createdAt": r.created_at,
        "updatedAt": r.updated_at,
        "user": r.user_id.map(|id| json!({ "id": id })),
    })
}

/// Open mode: 204 and the user exists. Approval mode: 200 with the queued request.
async fn register(
    state: web::Data<AppState>,
    Body(body): Body<RegisterBody>,
) -> ApiResult<HttpResponse> {
    match registrations::sign_up(&state.store, state.sign_up_policy(), body.into(), false).await? {
        SignUpOutcome::Created(_) => Ok(HttpResponse::NoContent().finish()),
        SignUpOutcome::Queued(row) => Ok(HttpResponse::Ok().json(registration_json(&row))),
    }
}

async fn request(
    state: web::Data<AppState>,
    Body(body): Body<RegisterBody>,
) -> ApiResult<HttpResponse> {
    match registrations::sign_up(&state.store, state.sign_up_policy(), body.into(), true).await? {
        SignUpOutcome::Created(_) => Ok(HttpResponse::NoContent().finish()),
        SignUpOutcome::Queued(row) => Ok(HttpResponse::Ok().json(registration_json(&row))),
    }
}

async fn list(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    q: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    let newest_first = q.sort("-createdAt").starts_with('-');
    let (total, rows) =
        registrations::list(&state.store, &me, q.start()?, q.count()?, newest_first).await?;
    Ok(HttpResponse::Ok().json(json::list(
        total,
        rows.iter().map(registration_json).collect(),
    )))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ModerationBody {
    moderation_response: Option<String>,
}

async fn accept(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<i64>,
    OptionalBody(body): OptionalBody<ModerationBody>,
) -> ApiResult<HttpResponse> {
    let response = body.and_then(|b| b.moderation_response).unwrap_or_default();
    registrations::accept(
        &state.store,
        &me,
        id.into_inner(),
        response,
        state.sign_up_policy(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn reject(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<i64>,
    OptionalBody(body): OptionalBody<ModerationBody>,
) -> ApiResult<HttpResponse> {
    let response = body.and_then(|b| b.moderation_response).unwrap_or_default();
    registrations::reject(&state.store, &me, id.into_inner(), response).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn delete(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    registrations::delete(&state.store, &me, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
