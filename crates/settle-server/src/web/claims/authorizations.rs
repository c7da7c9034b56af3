//! Authorizations and referrals on file, and the claims waiting on one:
//! the worklist first (what holds claims), then what is on file with what
//! is left, and a form to record a new one.

use crate::web::list::{Key, ListState};
use crate::web::{encode, render, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use settle_store::claims::{AuthorizationGap, AuthorizationView, NewAuthorization, PayerView};

#[derive(Template)]
#[template(path = "claims_authorizations.html")]
pub(super) struct AuthorizationsPage<'a> {
    ctx: Option<&'a Ctx>,
    gaps: Vec<AuthorizationGap>,
    on_file: Vec<AuthorizationView>,
    /// The authorizations on file: sorted by any column, a page at a time.
    list: ListState,
    payers: Vec<PayerView>,
    msg: String,
    errors: Errors,
    form: FormData,
}

/// What the authorizations on file sort by.
const COLUMNS: [&str; 5] = ["ends", "number", "account", "payer", "state"];

async fn page(state: &AppState, ctx: &Ctx, msg: String, errors: Errors, form: FormData, mut list: ListState) -> Response {
    let org = &ctx.principal.org;
    let loaded = async {
        Ok::<_, settle_store::StoreError>((
            state.store.authorization_worklist(org).await?,
            state.store.authorizations(org, None, today()).await?,
            state.store.payers(org).await?,
        ))
    };
    let (gaps, on_file, payers) = match loaded.await {
        Ok(all) => all,
        Err(e) => return store_error_page(Some(ctx), e),
    };
    list.csv = false;
    let on_file = list.sort_page(on_file, |a, column| match column {
        "number" => Key::text(&a.number),
        "account" => Key::text(&a.account_number),
        "payer" => Key::text(&a.payer_code),
        "state" => Key::text(&a.state),
        _ => Key::text(&a.valid_to.to_string()),
    });
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AuthorizationsPage {
        ctx: Some(ctx),
        gaps,
        on_file,
        list,
        payers,
        msg,
        errors,
        form,
    };
    (status, render(&page)).into_response()
}

#[derive(serde::Deserialize, Default)]
pub struct AuthorizationsQuery {
    #[serde(default)]
    msg: String,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<i64>,
}

pub async fn authorizations(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AuthorizationsQuery>) -> Response {
    let list = ListState::read(q.sort.as_deref(), q.dir.as_deref(), q.page, &COLUMNS, false, &[]);
    page(&state, &ctx, q.msg, Errors::default(), FormData(Vec::new()), list).await
}

/// Records an authorization or referral, then shows the list again.
pub async fn add(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let mut errors = Errors::default();
    let date = |name: &str, errors: &mut Errors| match form.get(name).trim().parse() {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(name, "Give the date as YYYY-MM-DD.");
            None
        }
    };
    let (from, to) = (date("valid_from", &mut errors), date("valid_to", &mut errors));
    let allowed = match form.get("allowed").trim() {
        "" => None,
        text => match settle_domain::units::Units::parse(text) {
            Ok(n) => Some(n),
            Err(e) => {
                errors.add(
                    "allowed",
                    format!("Give how many visits or units it allows, such as 12, or leave it empty for no limit: {e}."),
                );
                None
            }
        },
    };
    if let (Some(valid_from), Some(valid_to), false) = (from, to, errors.any()) {
        let cmd = NewAuthorization {
            account_number: form.get("account_number"),
            payer_code: form.get("payer_code"),
            kind: form.get("kind"),
            number: form.get("number"),
            procedures: form.get("procedures"),
            allowed,
            counts: Some(form.get("counts")),
            valid_from,
            valid_to,
            note: form.get("note"),
        };
        match state.store.add_authorization(&ctx.principal.org, &cmd, today()).await {
            Ok(a) => {
                let msg = format!(
                    "{} {} for {} is on file; claims for its services use it and count it.",
                    a.kind.replace('_', " "),
                    a.number,
                    a.account_number
                );
                return Redirect::to(&format!("/claims/authorizations?msg={}", encode(&msg))).into_response();
            }
            Err(e) => {
                let fields = [
                    ("account_number", "account_number"),
                    ("payer_code", "payer_code"),
                    ("kind", "kind"),
                    ("number", "number"),
                    ("procedures", "procedures"),
                    ("allowed", "allowed"),
                    ("counts", "counts"),
                    ("valid_to", "valid_to"),
                    ("account", "account_number"),
                    ("payer", "payer_code"),
                ];
                match Errors::from_store(e, &fields) {
                    Ok(e) => errors = e,
                    Err(e) => return store_error_page(Some(&ctx), e),
                }
            }
        }
    }
    page(
        &state,
        &ctx,
        String::new(),
        errors,
        form,
        ListState::read(None, None, None, &COLUMNS, false, &[]),
    )
    .await
}
