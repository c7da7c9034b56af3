//! The routes under `/api/v1`, each a thin handler over one store call.

mod billing;
mod claims;
mod collections;
mod follow_up;
mod money_in;
mod platform;

pub use billing::accounts::today;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::Serialize;
use settle_domain::IdempotencyKey;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, Required, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::problem::{ApiError, ApiResult, Problem};
use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Settle API",
        description = "Billing, claims and collections with an exact ledger. Amounts are decimal strings; dates are ISO 8601; errors are RFC 9457 problem details.",
        license(name = "Apache-2.0")
    ),
    modifiers(&Conventions),
    components(schemas(Problem)),
    tags(
        (name = "session", description = "Log in and out; who am I"),
        (name = "accounts", description = "Accounts, their parties, contacts and ledgers"),
        (name = "invoices", description = "Invoices: create, issue, void"),
        (name = "payments", description = "Payments, their allocations, and reversals"),
        (name = "credits", description = "Adjustments, credit notes, applying credit, refunds"),
        (name = "reports", description = "Aging, trial balance and the journal"),
        (name = "admin", description = "Users, API tokens and the audit trail"),
        (name = "claims", description = "Payers, providers and patients' coverages"),
        (name = "collections", description = "The contact gate (Regulation F), the contact log, consumers' requests and disputes, letters"),
        (name = "dunning", description = "Dunning policy and runs, the work queue, payment plans and settlements"),
        (name = "money in", description = "ACH: originating accounts, mandates, debits and autopay, the daily run, returns and changes, return rates"),
        (name = "books out", description = "The books out to a general ledger: the mapping, daily summary journals (QuickBooks Online, QuickBooks Desktop IIF, Xero, CSV), closing a period"),
    )
)]
struct ApiDoc;

/// Every route with its OpenAPI description.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(platform::auth::login))
        .routes(routes!(platform::auth::logout))
        .routes(routes!(platform::auth::me))
        .routes(routes!(platform::auth::change_password))
        .routes(routes!(platform::auth::organisation))
        .routes(routes!(billing::accounts::list, billing::accounts::create))
        .routes(routes!(billing::accounts::show))
        .routes(routes!(billing::imports::accounts))
        .routes(routes!(billing::imports::invoices))
        .routes(routes!(billing::imports::payments))
        .routes(routes!(billing::accounts::change_contact))
        .routes(routes!(billing::accounts::unread_addresses))
        .routes(routes!(billing::accounts::unread_names))
        .routes(routes!(billing::accounts::set_name))
        .routes(routes!(billing::accounts::apply_credit))
        .routes(routes!(billing::events::list_invoices, billing::events::create_invoice))
        .routes(routes!(billing::events::show_invoice))
        .routes(routes!(billing::events::issue_invoice))
        .routes(routes!(billing::events::void_invoice))
        .routes(routes!(billing::events::list_payments, billing::events::post_payment))
        .routes(routes!(billing::events::show_payment))
        .routes(routes!(billing::events::reverse_payment))
        .routes(routes!(billing::events::adjust))
        .routes(routes!(billing::events::adjust_batch))
        .routes(routes!(billing::events::credit_note))
        .routes(routes!(billing::events::refund))
        .routes(routes!(billing::reports::aging))
        .routes(routes!(billing::reports::trial_balance))
        .routes(routes!(billing::reports::journal))
        .routes(routes!(platform::admin::audit))
        .routes(routes!(platform::admin::audit_verify))
        .routes(routes!(platform::admin::audit_anchor))
        .routes(routes!(platform::admin::list_users, platform::admin::add_user))
        .routes(routes!(platform::admin::disable_user))
        .routes(routes!(platform::admin::enable_user))
        .routes(routes!(platform::admin::change_role))
        .routes(routes!(platform::admin::reset_password))
        .routes(routes!(platform::admin::list_tokens, platform::admin::create_token))
        .routes(routes!(platform::admin::revoke_token))
        .routes(routes!(claims::list_payers, claims::add_payer))
        .routes(routes!(claims::payer_rules, claims::set_payer_rules))
        .routes(routes!(claims::list_authorizations, claims::add_authorization))
        .routes(routes!(claims::authorization_worklist))
        .routes(routes!(follow_up::list_follow_up))
        .routes(routes!(follow_up::list_calls, follow_up::log_call))
        .routes(routes!(follow_up::assign))
        .routes(routes!(follow_up::write_off))
        .routes(routes!(follow_up::ask_status))
        .routes(routes!(claims::list_providers, claims::add_provider))
        .routes(routes!(claims::set_provider_pay_to))
        .routes(routes!(claims::list_coverages, claims::add_coverage))
        .routes(routes!(claims::list_claims, claims::create_claim))
        .routes(routes!(claims::check_claim))
        .routes(routes!(claims::import_claims))
        .routes(routes!(claims::ask_eligibility))
        .routes(routes!(claims::list_eligibility))
        .routes(routes!(claims::show_guarantor, claims::set_guarantor))
        .routes(routes!(claims::post_remittance))
        .routes(routes!(claims::list_underpayments))
        .routes(routes!(collections::check))
        .routes(routes!(collections::log))
        .routes(routes!(collections::contacts))
        .routes(routes!(collections::decisions))
        .routes(routes!(collections::profile))
        .routes(routes!(collections::update_profile))
        .routes(routes!(collections::add_dispute))
        .routes(routes!(collections::dispute_verified))
        .routes(routes!(collections::policy, collections::set_policy))
        .routes(routes!(collections::add_promise, collections::list_promises))
        .routes(routes!(collections::review_promises))
        .routes(routes!(collections::send_validation_notice))
        .routes(routes!(collections::letters))
        .routes(routes!(collections::letter_pdf))
        .routes(routes!(collections::dunning_policy, collections::set_dunning_policy))
        .routes(routes!(collections::dunning_run))
        .routes(routes!(collections::account_dunning))
        .routes(routes!(collections::release_hold))
        .routes(routes!(collections::queue))
        .routes(routes!(collections::queue_next))
        .routes(routes!(collections::assign))
        .routes(routes!(collections::rules, collections::set_rules))
        .routes(routes!(collections::supervisor))
        .routes(routes!(collections::verify))
        .routes(routes!(collections::create_plan, collections::list_plans))
        .routes(routes!(collections::cancel_plan))
        .routes(routes!(collections::offer_settlement, collections::list_settlements))
        .routes(routes!(collections::approve_settlement))
        .routes(routes!(collections::decline_settlement))
        .routes(routes!(collections::cancel_settlement))
        .routes(routes!(collections::send_letter))
        .routes(routes!(collections::letters_batch))
        .routes(routes!(collections::outbox))
        .routes(routes!(collections::kpis))
        .routes(routes!(claims::list_remit_exceptions))
        .routes(routes!(claims::resolve_remit_exception))
        .routes(routes!(claims::list_secondaries))
        .routes(routes!(claims::bill_secondary))
        .routes(routes!(claims::list_denials))
        .routes(routes!(claims::denial_groups))
        .routes(routes!(claims::show_denial))
        .routes(routes!(claims::appeal_denial))
        .routes(routes!(claims::appeal_letter))
        .routes(routes!(claims::write_off_denial))
        .routes(routes!(claims::run_statements))
        .routes(routes!(claims::list_statements))
        .routes(routes!(claims::statement_pdf))
        .routes(routes!(claims::statement_preview))
        .routes(routes!(claims::invoice_pdf))
        .routes(routes!(billing::office::letterhead, billing::office::set_letterhead))
        .routes(routes!(claims::show_claim, claims::edit_claim))
        .routes(routes!(claims::scrub_claim))
        .routes(routes!(claims::correct_claim))
        .routes(routes!(claims::void_claim))
        .routes(routes!(claims::export_claims))
        .routes(routes!(claims::import_acknowledgment))
        .routes(routes!(claims::list_x12_files))
        .routes(routes!(claims::show_x12_file))
        .routes(routes!(billing::office::list_approvals))
        .routes(routes!(billing::office::approve))
        .routes(routes!(billing::office::reject))
        .routes(routes!(billing::office::list_notes, billing::office::add_note))
        .routes(routes!(billing::office::settings, billing::office::update_settings))
        .routes(routes!(billing::office::dashboard))
        .routes(routes!(billing::office::search))
        .routes(routes!(money_in::add_originator, money_in::list_originators))
        .routes(routes!(money_in::add_mandate, money_in::list_mandates))
        .routes(routes!(money_in::revoke_mandate))
        .routes(routes!(money_in::mandate_details))
        .routes(routes!(money_in::schedule_debit, money_in::list_debits))
        .routes(routes!(money_in::cancel_debit))
        .routes(routes!(money_in::autopay))
        .routes(routes!(money_in::run))
        .routes(routes!(money_in::returns))
        .routes(routes!(money_in::list_files))
        .routes(routes!(money_in::show_file))
        .routes(routes!(money_in::return_rates))
        .routes(routes!(money_in::verify))
        .routes(routes!(billing::gl_export::mapping, billing::gl_export::set_mapping))
        .routes(routes!(billing::gl_export::due))
        .routes(routes!(billing::gl_export::export, billing::gl_export::exports))
        .routes(routes!(billing::gl_export::file))
        .routes(routes!(billing::gl_export::close))
        .routes(routes!(billing::gl_export::closes))
}

/// Adds what every operation shares: the bearer scheme, the problem
/// answers, and the Idempotency-Key header on POSTs.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token (`settle token create`) or, from a browser, the session cookie"))
                    .build(),
            ),
        );
        for item in doc.paths.paths.values_mut() {
            let item_ops: [(&str, &mut Option<Operation>); 3] = [("get", &mut item.get), ("post", &mut item.post), ("delete", &mut item.delete)];
            for (method, op) in item_ops {
                let Some(op) = op else { continue };
                let public = op.security.as_ref().is_some_and(|s| {
                    serde_json::to_value(s).is_ok_and(|v| {
                        v.as_array()
                            .is_some_and(|a| a.iter().all(|r| r.as_object().is_some_and(serde_json::Map::is_empty)))
                    })
                });
                let mut errors: Vec<(&str, &str)> = vec![
                    ("400", "The request is malformed: bad JSON, query or header"),
                    ("404", "No such record in your organisation"),
                ];
                if !public {
                    errors.push(("401", "Not logged in, or the token or session is unknown, revoked or idle too long"));
                    errors.push(("403", "Your role lacks the permission this needs"));
                }
                if method == "post" {
                    errors.push(("409", "A request with this Idempotency-Key is still running, or the books changed under it"));
                    errors.push(("413", "The body is over 1 MiB"));
                    errors.push(("415", "The body is not JSON"));
                    op.parameters.get_or_insert_with(Vec::new).push(
                        ParameterBuilder::new()
                            .name("Idempotency-Key")
                            .parameter_in(ParameterIn::Header)
                            .required(Required::False)
                            .description(Some(
                                "Repeat a POST safely: the same key and body get the first answer again; another body gets 422; \
                                 a second request while the first runs gets 409. Keys are kept for 7 days.",
                            ))
                            .schema(Some(
                                utoipa::openapi::ObjectBuilder::new()
                                    .schema_type(utoipa::openapi::schema::Type::String)
                                    .min_length(Some(1))
                                    .max_length(Some(128))
                                    .pattern(Some("^[!-~]+$")),
                            ))
                            .build(),
                    );
                }
                errors.push(("503", "The books are busy; retry after the Retry-After seconds"));
                for (status, description) in errors {
                    let response = ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/problem+json",
                            ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
                        )
                        .build();
                    op.responses.responses.entry(status.to_string()).or_insert(RefOr::T(response));
                }
            }
        }
    }
}

/// A page of a list, with the cursor for the next page.
#[derive(Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// A page of `limit` items; if full, the cursor is the last item's key.
    pub fn of(items: Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Page<T> {
        let next_cursor = if items.len() as i64 >= limit { items.last().map(key) } else { None };
        Page { items, next_cursor }
    }
}

/// The page size asked for: 1 to `max`, 50 by default.
pub fn page_size(limit: Option<i64>, max: i64) -> ApiResult<i64> {
    match limit {
        None => Ok(50),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "limit",
            format!("{n} is out of range; use 1 to {max}"),
        )),
    }
}

/// A numeric cursor.
pub fn id_cursor(cursor: Option<&str>) -> ApiResult<Option<i64>> {
    cursor
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| ApiError::field(StatusCode::BAD_REQUEST, "cursor", "is not a cursor this list gave out"))
        })
        .transpose()
}

/// The request's Idempotency-Key, if it sent one (the guard parsed it).
pub struct Key(pub Option<IdempotencyKey>);

impl<S: Send + Sync> FromRequestParts<S> for Key {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Key(parts.extensions.get::<IdempotencyKey>().cloned()))
    }
}
