//! The demo's books out: Settle's chart mapped to a QuickBooks Online
//! chart (names and account ids as a real company file has them), and the
//! days through yesterday sent as QuickBooks Online journal entries, so the
//! Books page opens on an export and the next day's journal is due.

use anyhow::Result;
use settle_domain::Date;
use settle_store::gl_export::{NewGlExport, SetMapping};
use settle_store::platform::Organisation;
use settle_store::Store;

/// Settle's code, the QuickBooks account, its id.
const CHART: [(&str, &str, &str); 23] = [
    ("1000", "Undeposited Funds", "4"),
    ("1010", "Client Trust Account", "91"),
    ("1100", "Accounts Receivable (A/R)", "84"),
    ("1110", "Accounts Receivable (A/R):Patients", "85"),
    ("1120", "Accounts Receivable (A/R):Insurance", "86"),
    ("1130", "Payer Offsets", "87"),
    ("2100", "Customer Credits", "92"),
    ("2150", "ERA Suspense", "93"),
    ("2200", "Refunds Payable", "94"),
    ("2300", "Sales Tax Payable", "95"),
    ("2400", "Due to Clients", "96"),
    ("4000", "Services", "1"),
    ("4100", "Late Fee Income", "41"),
    ("4200", "Commission Income", "42"),
    ("4300", "Interest Earned", "43"),
    ("4900", "Discounts given:Credit Notes", "49"),
    ("5000", "Contractual Adjustments", "50"),
    ("5100", "Discounts given:Courtesy", "51"),
    ("5150", "Discounts given:Settlements", "52"),
    ("5200", "Bad Debts:Small Balances", "53"),
    ("5300", "Bad Debts", "54"),
    ("5400", "Charity Care", "55"),
    ("5500", "Billing Corrections", "56"),
];

pub async fn build(store: &Store, org: &Organisation, as_of: Date) -> Result<String> {
    let rows: Vec<SetMapping> = CHART
        .iter()
        .map(|(code, name, id)| SetMapping {
            gl_code: code.to_string(),
            target_account: name.to_string(),
            target_id: Some(id.to_string()),
        })
        .collect();
    store.set_gl_mappings(org, &rows).await?;
    let through = as_of.yesterday()?;
    let sent = store
        .export_gl(
            org,
            &NewGlExport {
                through,
                from: None,
                format: "qbo-json".into(),
            },
        )
        .await?;
    Ok(match sent {
        Some((view, _)) => format!(
            "the chart mapped to QuickBooks Online; {} daily journals through {through} sent as export {}",
            view.journals.len(),
            view.export_id
        ),
        None => "the chart mapped to QuickBooks Online; nothing to send".into(),
    })
}
