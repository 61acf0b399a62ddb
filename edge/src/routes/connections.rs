//! `/api/v1/connections`: list (search, provider and status filters, cursor paging), detail,
//! create, edit, delete, and the invited roles. `connections.view` reads; `connections.manage`
//! writes. The client secret is sealed before it reaches D1 and never leaves in a response.

use domain::api::{ConnectionAccessView, InviteRequest};
use domain::audit::{AuditAction, TargetKind};
use domain::connection::{self, ConnectionInput, ConnectionStatus, GrantType, StatusEvent, ValidConnection};
use domain::connection_edit::{EditEffect, effect_of_edit};
use domain::endpoint::EndpointPolicy;
use domain::error::ErrorCode;
use domain::list_memory::PageQuery;
use domain::list_order::{ConnectionSort, ListCursor, SortDirection};
use domain::notification::NotificationKind;
use domain::permission::SystemRole;
use domain::provider_revocation::DropReason;
use domain::webhook::WebhookEvent;
use serde_json::json;
use worker::{D1Database, D1PreparedStatement, Env, Request, Response};

use crate::envelope::{KeyRing, Place};
use crate::error::{ApiError, ApiResult};
use crate::revocation::{self, Departure};
use crate::routes::Ctx;
use crate::store::audit;
use crate::store::connections::{self as rows, ConnectionRecord, ConnectionRow};
use crate::store::{self, access, json_list, key_vaults, notifications, roles, tokens, transactions};
use crate::{auth, courier, crypto, list_memory, provider_revocation, request, settings};

pub async fn list(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let request::ListParams { q, cursor, limit } = request::list_params(&req)?;
    let given = |name: &str| -> ApiResult<Option<String>> { Ok(request::query(&req, name)?.filter(|v| !v.is_empty())) };
    let provider = given("provider")?.map(|p| p.parse::<domain::provider::ProviderKind>()).transpose();
    let status = given("status")?.map(|s| s.parse::<ConnectionStatus>()).transpose();
    let sort = given("sort")?.map_or(Ok(ConnectionSort::Name), |s| s.parse::<ConnectionSort>());
    let direction = given("dir")?.map(|d| d.parse::<SortDirection>()).transpose();
    let wrong = match (&provider, &status, &sort, &direction) {
        (Err(_), ..) => Some(ApiError::validation("provider", "unknown provider")),
        (_, Err(_), ..) => Some(ApiError::validation("status", "unknown status")),
        (_, _, Err(_), _) => Some(ApiError::validation("sort", "sort is name, provider, status or updated")),
        (.., Err(_)) => Some(ApiError::validation("dir", "dir is asc or desc")),
        (_, _, Ok(sort), _) if !cursor.is_empty() && ListCursor::decode(*sort, &cursor).is_none() => {
            Some(ApiError::validation("cursor", "this cursor is not from a page in this order"))
        }
        _ => None,
    };
    if let Some(error) = wrong {
        // Strangers learn they must sign in, not what the parameters accept.
        auth::require_connection_viewer(&req, &db, ctx.data.now).await?;
        return Err(error);
    }
    let sort = sort.unwrap_or(ConnectionSort::Name);
    let direction = direction.ok().flatten().unwrap_or_else(|| sort.first_direction());
    let query = PageQuery::new(&q, provider.ok().flatten(), status.ok().flatten(), sort, direction, &cursor, limit);
    // A browser's session is checked by the list's memory, with the page: one object call, no
    // D1 while both are warm. A bot key is checked here (its scope too), then served the same page.
    let session = match auth::bearer_key(&req)? {
        Some(_) => {
            auth::require_connection_viewer(&req, &db, ctx.data.now).await?;
            None
        }
        None => Some(crypto::sha256_hex(auth::session_id(&req)?.ok_or_else(auth::unauthenticated)?.as_bytes())),
    };
    let viewer = session.is_some();
    let (user_id, page) = list_memory::page(&ctx.env, &list_memory::PageRequest { session, query }).await?;
    if viewer {
        crate::request_log::note_actor(&req, &audit::Actor { kind: audit::ActorKind::User, id: Some(user_id) });
    }
    let mut response = Response::ok(page)?;
    response.headers_mut().set("content-type", "application/json")?;
    Ok(response)
}

pub async fn get(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    auth::require_connection_viewer(&req, &db, ctx.data.now).await?;
    Ok(Response::from_json(&find(&db, &ctx).await?.view(ctx.data.now)?)?)
}

/// Whether I may use this connection; if not, why and whom to ask.
pub async fn access(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_connection_viewer(&req, &db, ctx.data.now).await?;
    let row = find(&db, &ctx).await?;
    let member = access::is_invited_member(&db, &row.id, &me.user_id).await?;
    let refusal = domain::access::use_refusal(json_list::<String>(&row.invited_role_ids).len(), member);
    let contacts = if refusal.is_some() { access::connection_managers(&db).await? } else { Vec::new() };
    Ok(Response::from_json(&ConnectionAccessView { can_use: refusal.is_none(), refusal, contacts })?)
}

pub async fn create(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_connection_manager(&req, &db, ctx.data.now).await?;
    let input: ConnectionInput = request::json(&mut req).await?;
    let policy = settings::endpoint_policy(&ctx.env);
    let valid = connection::validate(&input, false, policy).map_err(ApiError::from_field)?;
    whatwg_agrees(&valid)?;
    let id = crypto::new_id()?;
    let sealed = seal_secret(&ctx.env, &id, &valid)?;
    let record = ConnectionRecord {
        id: &id,
        valid: &valid,
        sealed_secret: sealed.as_deref(),
        status: ConnectionStatus::Draft,
        tokens_stale: false,
        now: ctx.data.now,
        destination_version: 0,
    };
    let detail = json!({"name": valid.name, "provider": valid.provider, "grant_type": valid.grant_type});
    let mut batch = vec![
        rows::save(&db, &record, &me.user_id)?,
        audit::by(
            &db,
            &me,
            AuditAction::ConnectionCreate,
            (TargetKind::Connection, &id),
            detail.clone(),
            ctx.data.now,
        )?,
    ];
    let event = courier::occurrence(
        WebhookEvent::ConnectionCreated,
        Some((&id, &valid.name)),
        &me.actor(),
        ctx.data.now,
        json!({"provider": valid.provider, "grant_type": valid.grant_type}),
    );
    let enqueued = courier::enqueue(&db, &mut batch, &event)?;
    let written = db.batch(batch).await.map_err(|e| {
        store::unique_or_internal(e, ErrorCode::NameTaken, "name", "A connection with this name exists already.")
    })?;
    enqueued.kick(&ctx.env, &written).await;
    let row = rows::by_id(&db, &id).await?.ok_or_else(|| ApiError::internal("new connection vanished"))?;
    Ok(Response::from_json(&row.view(ctx.data.now)?)?.with_status(201))
}

pub async fn update(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_connection_manager(&req, &db, ctx.data.now).await?;
    let patch: serde_json::Value = request::json(&mut req).await?;
    let row = find(&db, &ctx).await?;
    // The stored connection is read under the permissive rule: it passed the rule in force
    // when it was saved; the edit itself must pass today's.
    let before =
        connection::validate(&input_of(&row), true, EndpointPolicy::AllowPrivate).map_err(ApiError::from_field)?;
    let merged = merge(&row, &patch)?;
    let policy = settings::endpoint_policy(&ctx.env);
    let after = connection::validate(&merged, row.client_secret.is_some(), policy).map_err(ApiError::from_field)?;
    whatwg_agrees(&after)?;
    let effect = effect_of_edit(&before, &after, row.client_secret.is_some()).map_err(ApiError::from_field)?;
    let redirected = matches!(effect, EditEffect::Redirected { .. });
    // A client-credentials token is a cache the worker refills from the token URL without a
    // person: one issued for the earlier scopes or secret is dropped, never kept stale.
    let refill = effect == EditEffect::TokensStale && after.grant_type == GrantType::ClientCredentials;
    // A public client (no secret) has no secret to bring; its client id is what users consent
    // to, so pointing it elsewhere is an admin's decision, not any manager's.
    if redirected && row.client_secret.is_none() && !me.grants.is_admin {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only an admin may change where a connection without a client secret sends its users' grants",
        ));
    }
    let now = ctx.data.now;
    let status = match effect {
        EditEffect::Unchanged => row.status,
        _ => connection::next_status(row.status, StatusEvent::CredentialsChanged),
    };
    let sealed = seal_secret(&ctx.env, &row.id, &after)?;
    let record = ConnectionRecord {
        id: &row.id,
        valid: &after,
        sealed_secret: sealed.as_deref(),
        status,
        // Dropped tokens cannot be stale; kept ones are once anything they were issued for moved.
        tokens_stale: match effect {
            EditEffect::Unchanged => row.tokens_stale != 0,
            EditEffect::TokensStale => !refill,
            EditEffect::Redirected { .. } => false,
        },
        now,
        destination_version: row.destination_version + i64::from(redirected),
    };
    let fields: Vec<&String> = patch.as_object().map(|o| o.keys().collect()).unwrap_or_default();
    // A redirect drops every token: who could use it and which tokens it had are read first.
    let departure = if redirected || refill { Some(Departure::before(&db, &row.id).await?) } else { None };
    // Dropped tokens are revoked where they were issued, with the old client's credentials:
    // every token after a redirect, a client-credentials token after a new secret or scopes.
    let dropped_because = match (redirected, refill) {
        (true, _) => Some(DropReason::DestinationChanged),
        (false, true) => Some(DropReason::CredentialsChanged),
        (false, false) => None,
    };
    let revocations = match dropped_because {
        Some(reason) => {
            let dropped = tokens::of_connection(&db, &row.id).await?;
            provider_revocation::prepare(&ctx.env, &row, &dropped, reason, now)?
        }
        None => Vec::new(),
    };
    // Nothing is written unless the row is still what this edit was computed from.
    let mut batch = vec![rows::expect_version(&db, &row.id, row.version)?, rows::save(&db, &record, &me.user_id)?];
    let mut events = vec![];
    let detail = match (&effect, &departure) {
        (EditEffect::Redirected { fields: moved }, Some(departure)) => {
            // Credentials go only where they were entered for: every token issued for the old
            // destination goes, in the same batch, and so do consents started against it.
            batch.push(notifications::to_users_of(&db, NotificationKind::ConnectionNeedsReauth, &row.id, &row.name)?);
            batch.push(tokens::delete_of_connection(&db, &row.id)?);
            batch.extend(provider_revocation::statements(&db, &revocations)?);
            batch.push(transactions::delete_of_connection(&db, &row.id)?);
            events.push((WebhookEvent::ConnectionNeedsReauth, json!({"reason": "destination_changed"})));
            json!({"fields": fields, "credentials_changed": true, "destination_changed": moved,
                   "tokens_dropped": departure.stored_tokens()})
        }
        (EditEffect::TokensStale, Some(departure)) => {
            batch.push(tokens::delete_of_connection(&db, &row.id)?);
            batch.extend(provider_revocation::statements(&db, &revocations)?);
            json!({"fields": fields, "credentials_changed": true, "tokens_dropped": departure.stored_tokens()})
        }
        (other, _) => json!({"fields": fields, "credentials_changed": *other != EditEffect::Unchanged}),
    };
    events.insert(0, (WebhookEvent::ConnectionUpdated, detail.clone()));
    batch.push(audit::by(
        &db,
        &me,
        AuditAction::ConnectionUpdate,
        (TargetKind::Connection, &row.id),
        detail,
        ctx.data.now,
    )?);
    let mut enqueued = Vec::new();
    for (event, detail) in events {
        let event = courier::occurrence(event, Some((&row.id, &after.name)), &me.actor(), now, detail);
        enqueued.push(courier::enqueue(&db, &mut batch, &event)?);
    }
    let written = db.batch(batch).await.map_err(|e| {
        if rows::is_conflict(&e) {
            return ApiError::new(ErrorCode::Conflict, "the connection changed meanwhile: reload it and edit again");
        }
        store::unique_or_internal(e, ErrorCode::NameTaken, "name", "A connection with this name exists already.")
    })?;
    for e in enqueued {
        e.kick(&ctx.env, &written).await;
    }
    // The vaults forget the dropped tokens and the gates the old grant type, before we answer.
    if let Some(departure) = departure {
        departure.after(&ctx.env, &db, now).await?;
        if !revocations.is_empty() {
            provider_revocation::soon(&ctx);
        }
    }
    let row = rows::by_id(&db, &row.id).await?.ok_or_else(|| ApiError::not_found("no such connection"))?;
    Ok(Response::from_json(&row.view(ctx.data.now)?)?)
}

pub async fn delete(req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_connection_manager(&req, &db, ctx.data.now).await?;
    let row = find(&db, &ctx).await?;
    let now = ctx.data.now;
    let departure = Departure::before(&db, &row.id).await?;
    let dropped = tokens::of_connection(&db, &row.id).await?;
    let revocations = provider_revocation::prepare(&ctx.env, &row, &dropped, DropReason::ConnectionDeleted, now)?;
    // Secrets go with the row (and its invites by cascade) in one batch; audit rows stay; the
    // tokens' revocations at the provider are queued in the same batch.
    let mut batch = provider_revocation::statements(&db, &revocations)?;
    batch.extend([
        notifications::to_users_of(&db, NotificationKind::ConnectionDeleted, &row.id, &row.name)?,
        rows::delete(&db, &row.id)?,
        key_vaults::forget_vault(&db, &domain::token::token_id(&row.id, domain::token::TokenKind::Shared, None))?,
        audit::by(
            &db,
            &me,
            AuditAction::ConnectionDelete,
            (TargetKind::Connection, &row.id),
            json!({"name": row.name}),
            ctx.data.now,
        )?,
    ]);
    let event = courier::occurrence(
        WebhookEvent::ConnectionDeleted,
        Some((&row.id, &row.name)),
        &me.actor(),
        now,
        json!({"tokens_dropped": departure.stored_tokens()}),
    );
    let enqueued = courier::enqueue(&db, &mut batch, &event)?;
    let written = db.batch(batch).await?;
    enqueued.kick(&ctx.env, &written).await;
    departure.after(&ctx.env, &db, now).await?;
    if !revocations.is_empty() {
        provider_revocation::soon(&ctx);
    }
    Ok(Response::empty()?.with_status(204))
}

/// `PUT /api/v1/connections/{id}/roles`: the custom roles whose members may use it.
pub async fn set_roles(mut req: Request, ctx: Ctx) -> ApiResult<Response> {
    let db = store::database(&ctx.env)?;
    let me = auth::require_connection_manager(&req, &db, ctx.data.now).await?;
    let body: InviteRequest = request::json(&mut req).await?;
    let row = find(&db, &ctx).await?;
    let role_ids = domain::user::dedup(&body.role_ids);
    if role_ids.iter().any(|id| SystemRole::from_id(id).is_some()) {
        return Err(ApiError::validation("role_ids", "only custom roles can be invited"));
    }
    roles::require_known(&db, roles::IdTable::Roles, "role_ids", &role_ids).await?;
    // Newly reached members are notified in the same batch, before the invites change.
    let role_ids_json = store::json_ids(&role_ids);
    let mut batch: Vec<D1PreparedStatement> =
        vec![notifications::shared_with_new_members(&db, &row.id, &row.name, &role_ids_json)?];
    batch.extend(rows::set_invited_roles(&db, &row.id, &role_ids)?);
    batch.push(audit::by(
        &db,
        &me,
        AuditAction::ConnectionInvite,
        (TargetKind::Connection, &row.id),
        json!({"role_ids": role_ids}),
        ctx.data.now,
    )?);
    let before: Vec<String> = json_list(&row.invited_role_ids);
    let invited: Vec<&String> = role_ids.iter().filter(|r| !before.contains(r)).collect();
    let withdrawn: Vec<&String> = before.iter().filter(|r| !role_ids.contains(r)).collect();
    let enqueued = if invited.is_empty() && withdrawn.is_empty() {
        None
    } else {
        let event = courier::occurrence(
            WebhookEvent::AccessInvited,
            Some((&row.id, &row.name)),
            &me.actor(),
            ctx.data.now,
            json!({"role_ids": role_ids, "invited": invited, "withdrawn": withdrawn}),
        );
        Some(courier::enqueue(&db, &mut batch, &event)?)
    };
    let written = db.batch(batch).await?;
    if let Some(enqueued) = enqueued {
        enqueued.kick(&ctx.env, &written).await;
    }
    // Only the members of roles invited or withdrawn now may have gained or lost the connection.
    let roles_touched: Vec<String> = invited.into_iter().chain(withdrawn).cloned().collect();
    let users = access::members_of_roles(&db, &roles_touched).await?;
    if revocation::people(&ctx.env, &db, &users, ctx.data.now).await? {
        provider_revocation::soon(&ctx);
    }
    let row = rows::by_id(&db, &row.id).await?.ok_or_else(|| ApiError::not_found("no such connection"))?;
    Ok(Response::from_json(&row.view(ctx.data.now)?)?)
}

async fn find(db: &D1Database, ctx: &Ctx) -> ApiResult<ConnectionRow> {
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    rows::by_id(db, id).await?.ok_or_else(|| ApiError::not_found("no such connection"))
}

/// The endpoint rule in `domain` takes IDNA A-labels (`xn--…`) as written (checking them needs
/// tables kept out of the SPA); here, where `url` is linked anyway, a stored URL must also be one
/// the WHATWG parser reads to the very same text, or it is refused as invalid.
fn whatwg_agrees(valid: &ValidConnection) -> ApiResult<()> {
    let api_base = valid.api_base_url.clone().filter(|b| !b.starts_with(domain::api_base::INSTANCE_URL));
    let api_base = api_base.unwrap_or_default();
    for (field, value) in [
        ("authorization_url", &valid.authorization_url),
        ("token_url", &valid.token_url),
        ("revocation_url", &valid.revocation_url),
        ("api_base_url", &api_base),
    ] {
        if !value.is_empty() && url::Url::parse(value).map(|u| u.as_str() != value.as_str()).unwrap_or(true) {
            return Err(ApiError::from_field(domain::validate::FieldError::new(
                field,
                "invalid_url",
                "This host name is not a valid internationalised name.",
            )));
        }
    }
    Ok(())
}

/// Seal a new secret for this row, if the input carries one.
fn seal_secret(env: &Env, id: &str, valid: &ValidConnection) -> ApiResult<Option<String>> {
    let Some(secret) = &valid.client_secret else { return Ok(None) };
    let ring = KeyRing::from_env(env)?;
    let place = Place { table: "connections", row: id, column: "client_secret" };
    Ok(Some(ring.seal(secret.expose(), &place, crypto::random_bytes::<12>()?)?))
}

/// The stored connection as wizard input (without the secret).
fn input_of(row: &ConnectionRow) -> ConnectionInput {
    ConnectionInput {
        provider: row.provider.as_str().into(),
        name: row.name.clone(),
        description: row.description.clone(),
        grant_type: row.grant_type.as_str().into(),
        client_id: row.client_id.clone(),
        client_secret: None,
        authorization_url: row.authorization_url.clone(),
        token_url: row.token_url.clone(),
        scopes: row.scopes(),
        placeholders: row.placeholders(),
        client_auth_method: Some(row.client_auth_method.as_str().into()),
        save_credentials: row.save_credentials != 0,
        api_base_url: row.api_base_url.clone().unwrap_or_default(),
        issuer: row.issuer.clone(),
        revocation_url: row.revocation_url.clone(),
        iss_required: row.iss_required != 0,
    }
}

/// PATCH semantics: the fields present replace the stored ones.
fn merge(row: &ConnectionRow, patch: &serde_json::Value) -> ApiResult<ConnectionInput> {
    let serde_json::Value::Object(changes) = patch else {
        return Err(ApiError::new(ErrorCode::InvalidBody, "send a JSON object of the fields to change"));
    };
    let mut base = serde_json::to_value(input_of(row)).map_err(ApiError::internal)?;
    if let serde_json::Value::Object(fields) = &mut base {
        for (key, value) in changes {
            fields.insert(key.clone(), value.clone());
        }
    }
    serde_json::from_value(base)
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, format!("the body is not a connection change: {e}")))
}
