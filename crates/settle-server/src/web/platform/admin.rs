//! Administration pages: users and roles, and the organisation's settings.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use settle_domain::access::Role;
use settle_store::billing::{LetterheadSettings, OrgSettings, SettingsUpdate};
use settle_store::platform::access::UserView;

use crate::web::billing::pages::MsgQuery;
use crate::web::{render, role_label, store_error_page, Ctx, Errors, FormData};
use crate::AppState;

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage<'a> {
    ctx: Option<&'a Ctx>,
    users: Vec<UserView>,
    roles: Vec<(String, String)>,
    msg: String,
    secret: String,
    errors: Errors,
    username: String,
    display_name: String,
    role: String,
}

fn roles() -> Vec<(String, String)> {
    Role::ALL.iter().map(|r| (r.as_str().to_string(), role_label(*r))).collect()
}

async fn users_page<'a>(state: &AppState, ctx: &'a Ctx, msg: String) -> Result<UsersPage<'a>, Response> {
    let users = state.store.users(&ctx.principal.org).await.map_err(|e| store_error_page(Some(ctx), e))?;
    Ok(UsersPage {
        ctx: Some(ctx),
        users,
        roles: roles(),
        msg,
        secret: String::new(),
        errors: Errors::default(),
        username: String::new(),
        display_name: String::new(),
        role: "billing_specialist".into(),
    })
}

pub async fn users(State(state): State<AppState>, ctx: Ctx, Query(q): Query<MsgQuery>) -> Response {
    match users_page(&state, &ctx, q.msg).await {
        Ok(page) => render(&page).into_response(),
        Err(r) => r,
    }
}

pub async fn add_user(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let mut page = match users_page(&state, &ctx, String::new()).await {
        Ok(page) => page,
        Err(r) => return r,
    };
    page.username = form.get("username");
    page.display_name = form.get("display_name");
    page.role = form.get("role");
    let role = match Role::parse(&page.role) {
        Ok(role) => role,
        Err(e) => {
            page.errors.add("role", crate::web::sentence(&e.to_string()));
            return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
        }
    };
    let password = form.0.iter().find(|(k, _)| k == "password").map(|(_, v)| v.clone()).filter(|p| !p.is_empty());
    let added = match settle_store::platform::access::username_in(&ctx.principal.org, &page.username) {
        Ok(username) => {
            state
                .store
                .add_user(
                    &ctx.principal.org,
                    &username,
                    &page.display_name,
                    role,
                    settle_store::platform::access::FirstPassword::set_by_admin(password.as_deref()),
                )
                .await
        }
        Err(error) => Err(error),
    };
    match added {
        Ok((user, generated)) => {
            let mut page = match users_page(&state, &ctx, format!("{} can now log in as {}.", user.display_name, user.username)).await {
                Ok(page) => page,
                Err(r) => return r,
            };
            if let Some(secret) = generated {
                page.secret = secret;
            }
            render(&page).into_response()
        }
        Err(error) => match Errors::from_store(error, &[("username", "username"), ("display_name", "display_name"), ("password", "password")]) {
            Ok(errors) => {
                page.errors = errors;
                (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
            }
            Err(e) => store_error_page(Some(&ctx), e),
        },
    }
}

async fn set_enabled(state: AppState, ctx: Ctx, username: String, enabled: bool) -> Response {
    if !enabled && ctx.user() == username {
        return crate::web::error_page(
            Some(&ctx),
            StatusCode::CONFLICT,
            "Not yourself",
            "You cannot disable your own login; ask another administrator.",
        );
    }
    match state.store.set_user_enabled(&ctx.principal.org, &username, enabled).await {
        Ok(user) => {
            let msg = format!("{} is {}.", user.username, user.status);
            Redirect::to(&format!(
                "/admin/users?msg={}",
                form_urlencoded::byte_serialize(msg.as_bytes()).collect::<String>()
            ))
            .into_response()
        }
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

pub async fn enable_user(State(state): State<AppState>, ctx: Ctx, Path(username): Path<String>) -> Response {
    set_enabled(state, ctx, username, true).await
}

pub async fn disable_user(State(state): State<AppState>, ctx: Ctx, Path(username): Path<String>) -> Response {
    set_enabled(state, ctx, username, false).await
}

pub async fn change_role(State(state): State<AppState>, ctx: Ctx, Path(username): Path<String>, form: FormData) -> Response {
    let role = match Role::parse(&form.get("role")) {
        Ok(role) => role,
        Err(e) => {
            return crate::web::error_page(
                Some(&ctx),
                StatusCode::UNPROCESSABLE_ENTITY,
                "Not a role",
                &crate::web::sentence(&e.to_string()),
            )
        }
    };
    match state.store.set_user_role(&ctx.principal.org, &username, role).await {
        Ok(user) => {
            let msg = format!("{} is now {}; it applies from their next click.", user.username, role_label(user.role));
            Redirect::to(&format!(
                "/admin/users?msg={}",
                form_urlencoded::byte_serialize(msg.as_bytes()).collect::<String>()
            ))
            .into_response()
        }
        Err(settle_store::StoreError::Invalid { message, .. }) => match users_page(&state, &ctx, String::new()).await {
            Ok(mut page) => {
                page.errors.add("form", crate::web::sentence(&message));
                (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
            }
            Err(r) => r,
        },
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// Gives a user a new one-time password, shown once here.
pub async fn reset_password(State(state): State<AppState>, ctx: Ctx, Path(username): Path<String>) -> Response {
    let secret = settle_store::platform::access::generate_password();
    let change = settle_store::platform::access::PasswordChange::Reset { new: &secret };
    match state.store.set_password(&ctx.principal.org, &username, change).await {
        Ok(()) => match users_page(
            &state,
            &ctx,
            format!("{username} has a new one-time password; give it to them: they choose their own when they next log in."),
        )
        .await
        {
            Ok(mut page) => {
                page.secret = secret;
                render(&page).into_response()
            }
            Err(r) => r,
        },
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

#[derive(Template)]
#[template(path = "admin_settings.html")]
struct SettingsPage<'a> {
    ctx: Option<&'a Ctx>,
    s: OrgSettings,
    msg: String,
    errors: Errors,
    /// What customers' paper says about the organisation.
    l: LetterheadSettings,
    l_errors: Errors,
}

impl SettingsPage<'_> {
    /// The letterhead's one-line fields: id, label, value, hint.
    fn letterhead_fields(&self) -> Vec<(&'static str, &'static str, String, &'static str)> {
        vec![
            (
                "letterhead_name",
                "Name at the top",
                self.l.name.clone(),
                "As customers know you, such as Riverside Family Practice.",
            ),
            (
                "letterhead_address",
                "Address",
                self.l.address.clone(),
                "Street, city, state and ZIP: 1200 Lincoln Ave, Springfield, IL 62704.",
            ),
            (
                "remit_to",
                "Where payments are mailed (remit-to)",
                self.l.remit_to.clone(),
                "A lockbox or PO box, if payments do not go to the address above.",
            ),
            ("billing_phone", "Phone for billing questions", self.l.phone.clone(), "Ten digits."),
        ]
    }

    /// The scrubber's rules: id, what it checks, whether it can be turned off, whether it is on.
    fn rules(&self) -> Vec<(&'static str, &'static str, bool, bool)> {
        settle_domain::claims::RULES
            .iter()
            .map(|r| (r.id, r.checks, r.optional, !self.s.scrub_rules_off.iter().any(|o| o == r.id)))
            .collect()
    }
}

pub async fn settings(State(state): State<AppState>, ctx: Ctx, Query(q): Query<MsgQuery>) -> Response {
    let org = &ctx.principal.org;
    match (state.store.settings(org).await, state.store.letterhead_settings(org).await) {
        (Ok(s), Ok(l)) => render(&SettingsPage {
            ctx: Some(&ctx),
            s,
            msg: q.msg,
            errors: Errors::default(),
            l,
            l_errors: Errors::default(),
        })
        .into_response(),
        (Err(e), _) | (_, Err(e)) => store_error_page(Some(&ctx), e),
    }
}

/// The letterhead, remit-to, billing phone and payment instructions that
/// statements and invoices print.
pub async fn save_letterhead(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let org = &ctx.principal.org;
    let set = LetterheadSettings {
        name: form.get("letterhead_name"),
        address: form.get("letterhead_address"),
        remit_to: form.get("remit_to"),
        phone: form.get("billing_phone"),
        payment_instructions: form.get("payment_instructions"),
    };
    match state.store.set_letterhead(org, &set).await {
        Ok(_) => Redirect::to("/admin/settings?msg=Letterhead+saved:+statements+and+invoices+print+it+from+now+on.").into_response(),
        Err(error) => match Errors::from_store(
            error,
            &[
                ("name", "letterhead_name"),
                ("address", "letterhead_address"),
                ("remit_to", "remit_to"),
                ("phone", "billing_phone"),
                ("payment_instructions", "payment_instructions"),
            ],
        ) {
            Ok(l_errors) => match state.store.settings(org).await {
                Ok(s) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    render(&SettingsPage {
                        ctx: Some(&ctx),
                        s,
                        msg: String::new(),
                        errors: Errors::default(),
                        l: set,
                        l_errors,
                    }),
                )
                    .into_response(),
                Err(e) => store_error_page(Some(&ctx), e),
            },
            Err(e) => store_error_page(Some(&ctx), e),
        },
    }
}

pub async fn save_settings(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let update = SettingsUpdate {
        default_terms: form.get("default_terms"),
        aging_buckets: form.get("aging_buckets"),
        writeoff_approval_limit: form.get("writeoff_approval_limit").replace([',', '$'], ""),
        refund_approval_limit: Some(form.get("refund_approval_limit").replace([',', '$'], "")),
        bills_insurance: Some(form.get("bills_insurance") == "on"),
        x12_submitter_id: Some(form.get("x12_submitter_id")),
        x12_contact_phone: Some(form.get("x12_contact_phone")),
        // Every optional rule has a box; an unticked box turns the rule off.
        scrub_rules_off: Some(
            settle_domain::claims::RULES
                .iter()
                .filter(|r| r.optional && !form.all("rule_on").iter().any(|on| on == r.id))
                .map(|r| r.id.to_string())
                .collect(),
        ),
    };
    match state.store.update_settings(&ctx.principal.org, &update).await {
        Ok(_) => Redirect::to("/admin/settings?msg=Settings+saved.").into_response(),
        Err(error) => match Errors::from_store(
            error,
            &[
                ("default_terms", "default_terms"),
                ("aging_buckets", "aging_buckets"),
                ("writeoff_approval_limit", "writeoff_approval_limit"),
                ("refund_approval_limit", "refund_approval_limit"),
                ("x12_submitter_id", "x12_submitter_id"),
                ("x12_contact_phone", "x12_contact_phone"),
                ("scrub_rules_off", "form"),
            ],
        ) {
            Ok(errors) => {
                let currency = ctx.principal.org.base_currency.clone();
                let page = SettingsPage {
                    ctx: Some(&ctx),
                    s: OrgSettings {
                        default_terms: update.default_terms,
                        aging_buckets: update.aging_buckets,
                        writeoff_approval_limit: update.writeoff_approval_limit,
                        refund_approval_limit: update.refund_approval_limit.unwrap_or_default(),
                        bills_insurance: update.bills_insurance.unwrap_or(true),
                        currency,
                        x12_submitter_id: update.x12_submitter_id.unwrap_or_default(),
                        x12_contact_phone: update.x12_contact_phone.unwrap_or_default(),
                        scrub_rules_off: update.scrub_rules_off.unwrap_or_default(),
                    },
                    msg: String::new(),
                    errors,
                    l: state.store.letterhead_settings(&ctx.principal.org).await.unwrap_or_default(),
                    l_errors: Errors::default(),
                };
                (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
            }
            Err(e) => store_error_page(Some(&ctx), e),
        },
    }
}
