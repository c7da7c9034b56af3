//! The pages billing and collections staff work in: server-rendered HTML
//! (askama templates) with htmx for the parts that update in place, all
//! compiled into the binary.
//!
//! Pages are doors to the same store commands and reports as the API, and
//! declare their access the same way: every page route is listed once in
//! [`PAGES`] with the [`Permission`] it needs, the page guard enforces it
//! (failing closed for a route not listed), and `docs/permissions.md`
//! prints the same table. Pages take the session cookie only (never an API
//! token), and every POST must carry the session's CSRF token.

// Page helpers return a ready error page as their Err: it is built once,
// on the way out, so its size costs nothing worth boxing.
#![allow(clippy::result_large_err)]

mod billing;
mod claims;
mod collections;
mod format;
pub(crate) mod list;
mod money_in;
mod platform;
pub mod routes_table;
pub use format::{day_of, field_words, phone};
pub use routes_table::PAGES;

use std::collections::HashMap;

use askama::Template;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use settle_domain::access::{Permission, Role};
use settle_domain::money::{Currency, Money};
use settle_store::platform::access::Principal;
use settle_store::platform::audit::{Actor, ACTOR};
use settle_store::StoreError;

use crate::guard::{client_address, session_cookie, Access};
use crate::AppState;

use Permission::*;

/// The page routes, guarded.
pub fn routes(state: AppState) -> Router<AppState> {
    let access: HashMap<(String, String), Access> = PAGES.iter().map(|(m, p, a)| ((m.to_string(), p.to_string()), *a)).collect();
    Router::new()
        .route("/login", get(platform::login::login_page).post(platform::login::login))
        .route("/logout", post(platform::login::logout))
        .route(
            "/account/password",
            get(platform::password::password_form).post(platform::password::change_password),
        )
        .route("/static/{file}", get(static_file))
        .route("/favicon.ico", get(favicon))
        .route("/opt-out/{token}", get(collections::opt_out::opt_out_page).post(collections::opt_out::opt_out))
        .route("/", get(billing::pages::dashboard))
        .route("/accounts", get(billing::pages::accounts))
        .route("/accounts/search", get(billing::pages::search))
        .route("/accounts/in-credit", get(billing::pages::accounts_in_credit))
        .route("/import", get(billing::forms::imports::form).post(billing::forms::imports::import))
        .route("/import/template", get(billing::forms::imports::template))
        .route(
            "/accounts/new",
            get(billing::forms::accounts::new_account).post(billing::forms::accounts::create_account),
        )
        .route("/accounts/{number}", get(billing::pages::account))
        .route("/accounts/{number}/notes", post(billing::forms::accounts::add_note))
        .route("/accounts/{number}/contacts", post(billing::forms::accounts::change_contact))
        .route("/accounts/{number}/name", post(billing::forms::accounts::set_name))
        .route(
            "/accounts/{number}/invoices/new",
            get(billing::forms::invoices::new_invoice).post(billing::forms::invoices::create_invoice),
        )
        .route("/invoices", get(billing::invoices_list::invoices))
        .route("/invoices/{number}", get(billing::pages::invoice))
        .route(
            "/invoices/{number}/edit",
            get(billing::forms::invoices::edit_invoice).post(billing::forms::invoices::save_invoice),
        )
        .route("/invoices/{number}/issue", post(billing::forms::invoices::issue_invoice))
        .route("/invoices/{number}/void", post(billing::forms::invoices::void_invoice))
        .route(
            "/accounts/{number}/payments/new",
            get(billing::forms::payments::new_payment).post(billing::forms::payments::post_payment),
        )
        .route("/accounts/{number}/payments/preview", get(billing::forms::payments::payment_preview))
        .route(
            "/accounts/{number}/adjustments/new",
            get(billing::forms::credits::new_adjustment).post(billing::forms::credits::post_adjustment),
        )
        .route(
            "/accounts/{number}/refunds/new",
            get(billing::forms::credits::new_refund).post(billing::forms::credits::post_refund),
        )
        .route(
            "/accounts/{number}/payments/{payment_id}/reverse",
            get(billing::forms::corrections::reverse_form).post(billing::forms::corrections::reverse),
        )
        .route(
            "/accounts/{number}/credit-notes/new",
            get(billing::forms::corrections::credit_note_form).post(billing::forms::corrections::credit_note),
        )
        .route(
            "/accounts/{number}/apply-credit",
            get(billing::forms::corrections::apply_credit_form).post(billing::forms::corrections::apply_credit),
        )
        .route(
            "/write-offs/small-balances",
            get(billing::forms::write_offs::small_balances).post(billing::forms::write_offs::write_off),
        )
        .route("/approvals", get(billing::forms::credits::approvals))
        .route("/approvals/{id}/approve", post(billing::forms::credits::approve))
        .route("/approvals/{id}/reject", post(billing::forms::credits::reject))
        .route("/reports", get(billing::reports::index))
        .route("/reports/aging", get(billing::reports::aging))
        .route("/reports/aging/bucket/{index}", get(billing::reports::aging_bucket))
        .route("/reports/aging/account/{number}", get(billing::reports::aging_account))
        .route("/reports/trial-balance", get(billing::reports::trial_balance))
        .route("/reports/cash-receipts", get(billing::reports::cash_receipts))
        .route("/reports/adjustments", get(billing::reports::adjustments))
        .route("/admin/users", get(platform::admin::users).post(platform::admin::add_user))
        .route("/admin/users/{username}/enable", post(platform::admin::enable_user))
        .route("/admin/users/{username}/disable", post(platform::admin::disable_user))
        .route("/admin/users/{username}/password", post(platform::admin::reset_password))
        .route("/admin/users/{username}/role", post(platform::admin::change_role))
        .route("/admin/tokens", get(platform::tokens::tokens).post(platform::tokens::create_token))
        .route("/admin/tokens/{token_id}/revoke", post(platform::tokens::revoke_token))
        .route("/claims", get(claims::worklist::claims))
        .route("/claims/new", get(claims::entry::new_claim).post(claims::entry::create_claim))
        .route("/claims/patients", get(claims::entry::patients))
        .route("/claims/icd10", get(claims::entry::icd10))
        .route("/claims/send", get(claims::send::send).post(claims::send::export))
        .route("/claims/acknowledgments", get(claims::send::acks).post(claims::send::import_ack))
        .route("/claims/import", get(claims::send::import_form).post(claims::send::import_claims))
        .route("/claims/fees", get(claims::fees::fees).post(claims::fees::import))
        .route("/claims/{number}", get(claims::worklist::claim))
        .route("/claims/{number}/edit", get(claims::entry::edit_claim).post(claims::entry::save_claim))
        .route("/claims/{number}/scrub", post(claims::worklist::rescrub))
        .route("/claims/{number}/correct", post(claims::worklist::correct))
        .route("/claims/{number}/void", post(claims::worklist::void))
        .route("/x12-files/{id}", get(claims::send::x12_file))
        .route("/accounts/{number}/eligibility", post(claims::send::ask_eligibility))
        .route("/accounts/{number}/coverages", post(claims::payers::add_coverage))
        .route("/accounts/{number}/guarantor", post(claims::payers::set_guarantor))
        .route("/claims/setup", get(claims::payers::setup))
        .route("/claims/exceptions", get(claims::remit::exceptions))
        .route("/claims/exceptions/resolve", post(claims::remit::resolve_exception))
        .route("/accounts/{number}/collection-contacts", post(collections::contacts::contact))
        .route("/accounts/{number}/collection-profile", post(collections::contacts::profile))
        .route("/accounts/{number}/disputes", post(collections::contacts::dispute))
        .route("/accounts/{number}/promises", post(collections::contacts::promise))
        .route("/accounts/{number}/validation-notice", post(collections::contacts::validation_notice))
        .route("/letters/{id}/pdf", get(collections::contacts::letter_pdf))
        .route("/collections/queue", get(collections::queue::queue))
        .route("/collections/queue/next", get(collections::queue::next))
        .route("/collections/queue/assign", post(collections::queue::assign_chosen))
        .route("/collections/outbox", get(collections::outbox::outbox))
        .route("/ach", get(money_in::ach::ach))
        .route("/ach/originators", post(money_in::ach::add_originator))
        .route("/ach/mandates", post(money_in::ach::add_mandate))
        .route("/ach/mandates/{id}/revoke", post(money_in::ach::revoke_mandate))
        .route("/ach/debits", post(money_in::ach::schedule_debit))
        .route("/ach/autopay", post(money_in::ach::autopay))
        .route("/ach/run", post(money_in::ach::run))
        .route("/ach/returns", post(money_in::ach::returns))
        .route("/ach/files/{id}", get(money_in::ach::file))
        .route("/books", get(billing::gl_export::books))
        .route("/books/exports", post(billing::gl_export::export))
        .route("/books/exports/{id}/file", get(billing::gl_export::file))
        .route("/books/mapping", post(billing::gl_export::map))
        .route("/books/close", post(billing::gl_export::close))
        .route("/collections/verify", get(collections::dunning::verify))
        .route("/addresses/unread", get(billing::addresses::unread))
        .route("/names/unread", get(billing::addresses::unread_names))
        .route("/collections/supervisor", get(collections::dunning::supervisor))
        .route("/collections/kpis", get(collections::dunning::kpis))
        .route("/collections/dunning/run", post(collections::dunning::run))
        .route("/collections/rules", post(collections::dunning::save_rules))
        .route("/collections/assign", post(collections::dunning::assign))
        .route("/collections/letters/{day}", get(collections::dunning::letters_of_day))
        .route("/settlements/{id}/{verb}", post(collections::dunning::decide_settlement))
        .route("/accounts/{number}/plans", post(collections::dunning::create_plan))
        .route("/plans/{id}/cancel", post(collections::dunning::cancel_plan))
        .route("/accounts/{number}/settlements", post(collections::dunning::offer_settlement))
        .route("/settlement-offers/{id}/cancel", post(collections::dunning::cancel_settlement))
        .route("/accounts/{number}/letters", post(collections::dunning::send_letter))
        .route("/accounts/{number}/dunning/release", post(collections::dunning::release))
        .route("/claims/secondaries", get(claims::remit::secondaries))
        .route(
            "/claims/authorizations",
            get(claims::authorizations::authorizations).post(claims::authorizations::add),
        )
        .route("/claims/follow-up", get(claims::follow_up::follow_up))
        .route("/claims/{number}/calls", post(claims::follow_up::log_call))
        .route("/claims/follow-up/ask-status", post(claims::follow_up::ask_status))
        .route("/claims/follow-up/assign", post(claims::follow_up::assign_chosen))
        .route("/claims/{number}/follow-up-assign", post(claims::follow_up::assign))
        .route("/claims/{number}/write-off", post(claims::follow_up::write_off))
        .route("/claims/{number}/secondary", post(claims::remit::bill_secondary))
        .route("/claims/underpayments", get(claims::remit::underpayments))
        .route("/claims/denials", get(claims::denials::denials))
        .route("/claims/denials/{id}/appeal", post(claims::denials::appeal_denial))
        .route("/claims/denials/{id}/letter", get(claims::denials::appeal_letter))
        .route("/claims/denials/{id}/write-off", post(claims::denials::write_off_denial))
        .route("/statements", get(claims::statements::statements).post(claims::statements::statements_run))
        .route("/statements/{id}/pdf", get(claims::statements::statement_pdf))
        .route("/statements/day/{day}", get(claims::statements::statements_of_day))
        .route("/accounts/{number}/statement/preview", get(claims::statements::account_statement_preview))
        .route("/accounts/{number}/statement", post(claims::statements::account_statement_send))
        .route("/invoices/{number}/pdf", get(claims::statements::invoice_pdf))
        .route("/claims/era", get(claims::remit::era).post(claims::remit::era_post))
        .route("/claims/setup/payers", post(claims::payers::add_payer))
        .route("/claims/setup/providers", post(claims::payers::add_provider))
        .route("/claims/setup/providers/pay-to", post(claims::payers::set_pay_to))
        .route("/claims/setup/payer-rules", post(claims::payers::set_payer_rules))
        .route("/admin/settings", get(platform::admin::settings).post(platform::admin::save_settings))
        .route("/admin/settings/letterhead", post(platform::admin::save_letterhead))
        .route("/audit", get(platform::audit::audit))
        .route("/audit/export.csv", get(platform::audit::export))
        .route_layer(axum::middleware::from_fn_with_state((state, std::sync::Arc::new(access)), page_guard))
}

const CSS: &str = include_str!("../../static/settle.css");
const JS: &str = include_str!("../../static/settle.js");
const HTMX: &str = include_str!("../../static/htmx-2.0.11.min.js");

const FAVICON: &str = include_str!("../../static/favicon.svg");

/// Browsers ask for /favicon.ico on every first load: the icon, not a 404.
async fn favicon() -> Response {
    static_file(axum::extract::Path("favicon.svg".to_string())).await
}

async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "settle.css" => (CSS, "text/css; charset=utf-8"),
        "settle.js" => (JS, "text/javascript; charset=utf-8"),
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// The dashboard's figures per organisation, computed off the request path.
///
/// On a large book the dashboard's scans take longer than a page should
/// (see BENCHMARKS.md), so a page shows the latest snapshot with its time and,
/// when it is older than [`DASHBOARD_FRESH`], starts a refresh in the
/// background for the next visitor. With no snapshot yet, the first visitor
/// waits for it.
#[derive(Default)]
pub struct DashboardCache {
    entries: std::sync::Mutex<HashMap<i64, Snapshot>>,
}

#[derive(Clone)]
pub struct Snapshot {
    pub dashboard: settle_store::billing::Dashboard,
    pub computed_at: jiff::Timestamp,
    pub computed_in: std::time::Duration,
    at: std::time::Instant,
    refreshing: bool,
    /// A write happened since: the figures may be out of date.
    dirty: bool,
}

/// A snapshot made faster than this is remade on the request when out of date.
pub const CHEAP_DASHBOARD: std::time::Duration = std::time::Duration::from_millis(100);

/// How long a dashboard snapshot is served before a refresh starts.
pub const DASHBOARD_FRESH: std::time::Duration = std::time::Duration::from_secs(60);

impl DashboardCache {
    async fn compute(state: &AppState, org: &settle_store::platform::Organisation, as_of: settle_domain::Date) -> Result<Snapshot, StoreError> {
        let buckets = settle_domain::aging::AgingBuckets::parse(&org.aging_buckets).unwrap_or_default();
        let started = std::time::Instant::now();
        let dashboard = state.store.dashboard(org, as_of, &buckets).await?;
        if dashboard.follow_up.is_none() {
            rank_follow_up_later(state, org, as_of);
        }
        Ok(Snapshot {
            dashboard,
            computed_at: jiff::Timestamp::now(),
            computed_in: started.elapsed(),
            at: std::time::Instant::now(),
            refreshing: false,
            dirty: false,
        })
    }

    /// Marks an organisation's snapshot out of date after a write.
    pub fn touch(&self, org_id: i64) {
        if let Some(s) = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_mut(&org_id) {
            s.dirty = true;
        }
    }

    /// The organisation's snapshot for `as_of`, refreshing it as described above.
    pub async fn get(state: &AppState, org: &settle_store::platform::Organisation, as_of: settle_domain::Date) -> Result<Snapshot, StoreError> {
        let cache = &state.dashboards;
        let found = {
            let mut entries = cache.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match entries.get_mut(&org.org_id) {
                // A snapshot that was quick to make is simply made again
                // when out of date: small books always show exact figures.
                Some(s) if (s.dirty || s.at.elapsed() > DASHBOARD_FRESH) && s.computed_in < CHEAP_DASHBOARD => None,
                Some(s) if s.dashboard.as_of == as_of && s.dashboard.labels_match(&org.aging_buckets) => {
                    let stale = (s.dirty || s.at.elapsed() > DASHBOARD_FRESH) && !s.refreshing;
                    if stale {
                        s.refreshing = true;
                    }
                    Some((s.clone(), stale))
                }
                _ => None,
            }
        };
        match found {
            Some((snapshot, stale)) => {
                if stale {
                    let state = state.clone();
                    let org = org.clone();
                    tokio::spawn(async move {
                        let fresh = Self::compute(&state, &org, as_of).await;
                        let mut entries = state.dashboards.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        match fresh {
                            Ok(fresh) => {
                                entries.insert(org.org_id, fresh);
                            }
                            Err(error) => {
                                tracing::error!(error = %error, "refreshing the dashboard failed");
                                if let Some(s) = entries.get_mut(&org.org_id) {
                                    s.refreshing = false;
                                }
                            }
                        }
                    });
                }
                Ok(snapshot)
            }
            None => {
                let fresh = Self::compute(state, org, as_of).await?;
                cache
                    .entries
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(org.org_id, fresh.clone());
                Ok(fresh)
            }
        }
    }
}

/// The CSRF token of a session: derived from its secret, so it needs no
/// storage and dies with the session.
pub fn csrf_token(session_secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(format!("settle-csrf\n{session_secret}").as_bytes()))
}

/// The logged-in person and what the layout needs to draw for them.
#[derive(Clone)]
pub struct Ctx {
    pub principal: Principal,
    pub csrf: String,
    pub idle_seconds: u64,
    pub path: String,
}

impl Ctx {
    pub fn can(&self, permission: Permission) -> bool {
        self.principal.role.allows(permission)
    }
    pub fn user(&self) -> &str {
        self.principal.actor.strip_prefix("user:").unwrap_or(&self.principal.actor)
    }
    pub fn role_name(&self) -> String {
        role_label(self.principal.role)
    }
    pub fn org_name(&self) -> &str {
        &self.principal.org.name
    }
    /// Whether a navigation link is the current section.
    pub fn here(&self, prefix: &str) -> bool {
        if prefix == "/" {
            self.path == "/"
        } else {
            self.path.starts_with(prefix)
        }
    }
    // Named checks for templates.
    pub fn can_invoice(&self) -> bool {
        self.can(InvoicesWrite)
    }
    pub fn can_void(&self) -> bool {
        self.can(InvoicesVoid)
    }
    pub fn can_post(&self) -> bool {
        self.can(PaymentsPost)
    }
    pub fn can_adjust(&self) -> bool {
        self.can(AdjustmentsPost)
    }
    pub fn can_approve(&self) -> bool {
        self.can(AdjustmentsApprove)
    }
    pub fn can_reverse(&self) -> bool {
        self.can(PaymentsReverse)
    }
    pub fn can_credit_note(&self) -> bool {
        self.can(CreditNotesIssue)
    }
    pub fn can_apply_credit(&self) -> bool {
        self.can(CreditsApply)
    }
    /// Whether the organisation bills insurance: its claims are shown.
    pub fn bills_insurance(&self) -> bool {
        self.principal.org.bills_insurance
    }
    pub fn can_refund(&self) -> bool {
        self.can(RefundsIssue)
    }
    pub fn can_note(&self) -> bool {
        self.can(NotesWrite)
    }
    pub fn can_contact(&self) -> bool {
        self.can(ContactsWrite)
    }
    pub fn can_open_accounts(&self) -> bool {
        self.can(AccountsWrite)
    }
    pub fn can_reports(&self) -> bool {
        self.can(ReportsRead)
    }
    pub fn can_books(&self) -> bool {
        self.can(JournalRead)
    }
    pub fn can_users(&self) -> bool {
        self.can(UsersManage)
    }
    pub fn can_settings(&self) -> bool {
        self.can(SettingsManage)
    }
    pub fn can_audit(&self) -> bool {
        self.can(AuditRead)
    }
    pub fn can_claims(&self) -> bool {
        self.can(ClaimsWrite)
    }
    pub fn can_collect(&self) -> bool {
        self.can(CollectionsWork)
    }
    pub fn can_see_clinical(&self) -> bool {
        self.can(ClinicalRead)
    }
    pub fn can_manage_collections(&self) -> bool {
        self.can(CollectionsManage)
    }
    pub fn can_post_payments(&self) -> bool {
        self.can(PaymentsPost)
    }
    pub fn can_payers(&self) -> bool {
        self.can(PayersManage)
    }
    pub fn can_open_coverage(&self) -> bool {
        self.can(AccountsWrite)
    }
}

pub fn role_label(role: impl std::borrow::Borrow<Role>) -> String {
    role.borrow().as_str().replace('_', " ")
}

/// A submitted form's fields, in order (repeated names allowed).
#[derive(Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

/// No form sent: a page's blank form fields.
pub fn no_form() -> FormData {
    FormData(Vec::new())
}

impl FormData {
    /// The postal address of `templates/_address.html`'s fields, when any
    /// was filled in.
    pub fn address(&self) -> Option<settle_store::address::AddressInput> {
        let fields = settle_store::address::AddressFields {
            line1: self.get("street"),
            line2: self.get("street2"),
            city: self.get("city"),
            state: self.get("state"),
            postal_code: self.get("zip"),
            country: self.get("country"),
        };
        let input = settle_store::address::AddressInput::from(fields);
        (!input.is_blank()).then_some(input)
    }

    /// A person's name by its parts (last_name, first_name, middle_name,
    /// name_suffix), if any part was filled in.
    pub fn name_parts(&self) -> Option<settle_store::names::NameParts> {
        let parts = settle_store::names::NameParts {
            last: self.get("last_name"),
            first: self.get("first_name"),
            middle: self.get("middle_name"),
            suffix: self.get("name_suffix"),
        };
        (parts != settle_store::names::NameParts::default()).then_some(parts)
    }

    pub fn get(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).collect()
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Ctx {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or_else(|| Redirect::to("/login").into_response())
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for FormData {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<FormData>().cloned().unwrap_or_default())
    }
}

fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some()
}

/// Sends the browser to the login page (htmx follows `HX-Redirect`).
fn to_login(headers: &HeaderMap, path: &str, expired: bool) -> Response {
    let mut target = String::from("/login?next=");
    target.push_str(&form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>());
    if expired {
        target.push_str("&expired=1");
    }
    if is_htmx(headers) {
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        if let Ok(value) = HeaderValue::from_str(&target) {
            response.headers_mut().insert("hx-redirect", value);
        }
        return response;
    }
    Redirect::to(&target).into_response()
}

type GuardState = (AppState, std::sync::Arc<HashMap<(String, String), Access>>);

/// The page guard: session, permission, CSRF, and the audit actor.
async fn page_guard(State((state, access)): State<GuardState>, matched: MatchedPath, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    // HEAD is answered like GET, so it needs what GET needs.
    let method = if req.method() == Method::HEAD { "GET" } else { req.method().as_str() };
    let key = (method.to_string(), matched.as_str().to_string());
    let Some(need) = access.get(&key).copied() else {
        tracing::error!(method = %key.0, page = %key.1, "the page declares no access; refused");
        return error_page(
            None,
            StatusCode::INTERNAL_SERVER_ERROR,
            "This page is closed",
            "It declares no permission, so Settle refuses it.",
        );
    };
    let address = client_address(&req);
    if need == Access::Public {
        let actor = Actor {
            name: "anonymous".into(),
            address,
            clinical: false,
            approves: false,
        };
        return ACTOR.scope(actor, next.run(req)).await;
    }
    let path = crate::reads::path_and_query(&req);
    let Some(secret) = session_cookie(req.headers()) else {
        return to_login(req.headers(), &path, false);
    };
    let principal = match state.store.session_principal(&secret, state.config.idle_timeout).await {
        Ok(Some(principal)) => principal,
        Ok(None) => return to_login(req.headers(), &path, true),
        Err(error) => return store_error_page(None, error),
    };
    let ctx = Ctx {
        csrf: csrf_token(&secret),
        idle_seconds: state.config.idle_timeout.as_secs(),
        path: req.uri().path().to_string(),
        principal,
    };
    // A one-time password (set by someone else) opens one page: the one to
    // choose your own. Everything else leads there until it is done.
    if ctx.principal.must_change_password && !matches!(ctx.path.as_str(), "/account/password" | "/logout") {
        return axum::response::Redirect::to("/account/password").into_response();
    }
    if let Access::Needs(permission) = need {
        if !ctx.can(permission) {
            let message = format!(
                "You are logged in as {} ({}). This page needs the {} permission, which that role does not have. An administrator can change your role.",
                ctx.user(),
                ctx.role_name(),
                permission.as_str()
            );
            return error_page(Some(&ctx), StatusCode::FORBIDDEN, "Not open to your role", &message);
        }
    }
    crate::logging::record_principal(&ctx.principal.org.slug, &ctx.principal.actor);
    let actor = Actor::of(&ctx.principal, address);
    let mut req = req;
    if req.method() == Method::POST {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, crate::BODY_LIMIT).await else {
            return error_page(
                Some(&ctx),
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too much",
                "The form was larger than Settle accepts.",
            );
        };
        let form = FormData(form_urlencoded::parse(&bytes).map(|(k, v)| (k.into_owned(), v.into_owned())).collect());
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| form.get("csrf"));
        if !constant_time_eq(sent.as_bytes(), ctx.csrf.as_bytes()) || crate::guard::cross_site(&parts.headers) {
            return error_page(
                Some(&ctx),
                StatusCode::FORBIDDEN,
                "The form had expired",
                "This form did not carry your session's security token (it may be from before you last logged in). Go back, reload the page, and send it again.",
            );
        }
        req = Request::from_parts(parts, axum::body::Body::empty());
        req.extensions_mut().insert(form);
    }
    let org_id = ctx.principal.org.org_id;
    let is_post = req.method() == Method::POST;
    req.extensions_mut().insert(ctx);
    let line = crate::reads::RequestLine::of(&req);
    let mut response = ACTOR
        .scope(actor, crate::reads::audited(&state.store, org_id, line, &key.1, next.run(req)))
        .await;
    if is_post && (response.status().is_success() || response.status().is_redirection()) {
        state.dashboards.touch(org_id);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The server's own time for the page, for `settle bench pages` and the
    // browser's developer tools.
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={:.1}", started.elapsed().as_secs_f64() * 1000.0)) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: Option<&'a Ctx>,
    title: &'a str,
    message: &'a str,
}

pub fn error_page(ctx: Option<&Ctx>, status: StatusCode, title: &str, message: &str) -> Response {
    let page = ErrorPage { ctx, title, message };
    (status, render(&page)).into_response()
}

/// A store error as a page: not found, not allowed by the books, or broken.
pub fn store_error_page(ctx: Option<&Ctx>, error: StoreError) -> Response {
    match &error {
        StoreError::NotFound { what, key } => error_page(
            ctx,
            StatusCode::NOT_FOUND,
            "Not found",
            &format!("There is no {what} {key} in your organisation."),
        ),
        StoreError::Invalid { message, .. } => error_page(ctx, StatusCode::UNPROCESSABLE_ENTITY, "That could not be done", message),
        StoreError::TotalTooLarge(_) => error_page(ctx, StatusCode::UNPROCESSABLE_ENTITY, "A total is too large", &error.to_string()),
        StoreError::Contention => error_page(
            ctx,
            StatusCode::SERVICE_UNAVAILABLE,
            "Busy",
            "The books were busy and nothing was changed. Try again.",
        ),
        StoreError::Unavailable(_) => error_page(
            ctx,
            StatusCode::SERVICE_UNAVAILABLE,
            "The books cannot be reached",
            "The database did not answer and nothing was changed. Try again in a moment.",
        ),
        StoreError::OutcomeUnknown => error_page(ctx, StatusCode::INTERNAL_SERVER_ERROR, "Kept or not?", &error.to_string()),
        _ => {
            tracing::error!(error = %error, "page error");
            error_page(
                ctx,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Settle could not do that, and nothing was changed.",
            )
        }
    }
}

pub fn render<T: Template>(template: &T) -> Html<String> {
    match template.render() {
        Ok(html) => Html(html),
        Err(error) => {
            tracing::error!(error = %error, "template error");
            Html("<!doctype html><title>Error</title><p>This page could not be drawn.</p>".into())
        }
    }
}

/// "$1,234.50" for a decimal string in USD; other currencies get their code.
pub fn money(decimal: &str, currency: &str) -> String {
    let (negative, digits) = match decimal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, decimal),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let number = if fraction.is_empty() { grouped } else { format!("{grouped}.{fraction}") };
    let sign = if negative { "-" } else { "" };
    match currency {
        "USD" => format!("{sign}${number}"),
        "EUR" => format!("{sign}€{number}"),
        "GBP" => format!("{sign}£{number}"),
        other => format!("{sign}{number} {other}"),
    }
}

/// An amount in minor units however a template holds it.
pub trait Minor {
    fn minor(&self) -> i64;
}

impl Minor for i64 {
    fn minor(&self) -> i64 {
        *self
    }
}

impl<T: Minor + ?Sized> Minor for &T {
    fn minor(&self) -> i64 {
        (**self).minor()
    }
}

/// Minor units shown as [`money`].
pub fn money_minor(minor: impl Minor, currency: &str) -> String {
    let minor = minor.minor();
    match Currency::from_code(currency) {
        Ok(cur) => money(&Money::from_minor(minor, cur).to_decimal_string(), currency),
        Err(_) => minor.to_string(),
    }
}

/// An instant as people read it: "2026-11-24 03:45 UTC"; a date stays a date.
pub fn when(text: &str) -> String {
    match text.split_once('T') {
        Some((date, time)) => format!("{date} {} UTC", time.get(..5).unwrap_or(time)),
        None => text.to_string(),
    }
}

/// "small_balance_write_off" as "small balance write off".
pub fn words(code: &str) -> String {
    code.replace('_', " ")
}

/// Whether a decimal amount is negative (for styling credits).
pub fn negative(decimal: &str) -> bool {
    decimal.starts_with('-')
}

/// A form's errors by field, shown next to each field.
#[derive(Default, Clone)]
pub struct Errors(pub Vec<(String, String)>);

impl Errors {
    pub fn of(&self, field: &str) -> String {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| f == field)
    }
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_string(), message.into()));
    }
    /// A store refusal as a message beside its field (or the form's top).
    pub fn from_store(error: StoreError, fields: &[(&str, &str)]) -> Result<Errors, StoreError> {
        let mut errors = Errors::default();
        match error {
            StoreError::Invalid { field, message } => {
                let target = fields.iter().find(|(store, _)| *store == field).map_or("form", |(_, form)| *form);
                errors.add(target, sentence(&message));
            }
            StoreError::NotFound { what, key } => errors.add("form", format!("There is no {what} {key}.")),
            StoreError::IdempotencyMismatch { .. } => errors.add("form", "This form was already sent with other values. Reload the page and try again."),
            StoreError::Contention => errors.add("form", "The books were busy and nothing was changed. Send the form again."),
            StoreError::Unavailable(_) => errors.add("form", "The database did not answer and nothing was changed. Send the form again in a moment."),
            other => return Err(other),
        }
        Ok(errors)
    }
}

/// A message as a sentence: capital first letter, full stop, and any
/// place in a claim it names in words counted from 1 ("line 2, charge",
/// not `lines[1].charge`).
pub fn sentence(message: &str) -> String {
    let message = format::in_words(message);
    let mut chars = message.trim().chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    // A closing parenthesis ends a sentence only after its own stop:
    // "paid (status 65)" takes one, "(paid in full.)" does not.
    let ended = out.ends_with(['.', '!', '?']) || [".)", "!)", "?)"].iter().any(|e| out.ends_with(e));
    if !ended {
        out.push('.');
    }
    out
}

/// Today in the server's local time zone.
/// Text for a URL query value.
pub(crate) fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub fn today() -> settle_domain::Date {
    crate::api::today()
}

/// Makes the day's follow-up ranking in the background (a dashboard that
/// found it missing), then lets the dashboard show its counts.
pub fn rank_follow_up_later(state: &AppState, org: &settle_store::platform::Organisation, today: settle_domain::Date) {
    let state = state.clone();
    let org = org.clone();
    // One ranking per organisation at a time in this process.
    static RANKING: std::sync::Mutex<std::collections::BTreeSet<i64>> = std::sync::Mutex::new(std::collections::BTreeSet::new());
    if !RANKING.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(org.org_id) {
        return;
    }
    tokio::spawn(async move {
        match state.store.rank_follow_up(&org, today).await {
            Ok(_) => state.dashboards.touch(org.org_id),
            Err(error) => tracing::error!(error = %error, "ranking the follow-up list failed"),
        }
        RANKING.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&org.org_id);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_with_its_symbol() {
        assert_eq!(money("1234567.50", "USD"), "$1,234,567.50");
        assert_eq!(money("-0.01", "USD"), "-$0.01");
        assert_eq!(money("100", "JPY"), "100 JPY");
        assert_eq!(money("999.00", "EUR"), "€999.00");
    }

    #[test]
    fn messages_become_sentences() {
        assert_eq!(sentence("\"0\" must be greater than zero"), "\"0\" must be greater than zero.");
        assert_eq!(sentence("amount is too large."), "Amount is too large.");
        assert_eq!(
            sentence("paid: the claim has been paid (status 65)"),
            "Paid: the claim has been paid (status 65)."
        );
        assert_eq!(sentence("(paid in full.)"), "(paid in full.)");
    }

    #[test]
    fn every_page_route_is_declared_once() {
        let mut seen = std::collections::HashSet::new();
        for (method, path, _) in PAGES {
            assert!(seen.insert((method, path)), "{method} {path} declared twice");
            assert!(!path.starts_with("/api/"), "{path} belongs to the API");
        }
    }
}
