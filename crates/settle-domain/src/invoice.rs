//! Invoices: payment terms, priced lines and totals.
//!
//! A line's amount is quantity x unit price, rounded once to the minor unit
//! (half away from zero); its tax is that amount x the tax rate, rounded once
//! the same way. The invoice total is the sum of the rounded lines and taxes,
//! so what the customer sees adds up to the cent.

use jiff::civil::Date;
use jiff::ToSpan;
use rust_decimal::Decimal;

use crate::money::{Money, MoneyError, RoundingRule, MAX_AMOUNT_MINOR};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    #[error("an invoice needs at least one line")]
    NoLines,
    #[error("an invoice has at most {max} lines")]
    TooManyLines { max: usize },
    #[error("line {line}: quantity must be greater than zero")]
    NonPositiveQuantity { line: usize },
    #[error("line {line}: tax rate {rate}% must be between 0 and 100")]
    TaxRateOutOfRange { line: usize, rate: Decimal },
    #[error("line {line}: description must not be empty")]
    EmptyDescription { line: usize },
    #[error("line {line}: {source}")]
    Amount { line: usize, source: MoneyError },
    #[error("the invoice total must be greater than zero")]
    NonPositiveTotal,
    #[error("the invoice total of {total_minor} minor units is more than the largest amount Settle takes ({max_minor} minor units)")]
    TotalTooLarge { total_minor: i64, max_minor: i64 },
    #[error("due date {due} is before issue date {issue}")]
    DueBeforeIssue { issue: Date, due: Date },
    #[error("payment terms {0:?} not understood: use due-on-receipt, netN (like net30) or a date YYYY-MM-DD")]
    Terms(String),
    #[error("invoice {number} is {status}; only an open invoice can be {action}")]
    WrongStatus {
        number: String,
        status: &'static str,
        action: &'static str,
    },
    #[error("invoice {number} has payments or credits applied ({applied}); reverse them before voiding")]
    HasApplications { number: String, applied: String },
}

/// When an invoice falls due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentTerms {
    DueOnReceipt,
    /// Due N days after the issue date.
    Net(u16),
    /// Due on a fixed date.
    FixedDate(Date),
}

impl PaymentTerms {
    /// Parses "due-on-receipt", "net30" / "net 30" / "net-30", or a date.
    pub fn parse(text: &str) -> Result<PaymentTerms, InvoiceError> {
        let lower = text.trim().to_ascii_lowercase();
        if matches!(lower.as_str(), "due-on-receipt" | "due on receipt" | "receipt" | "dor") {
            return Ok(PaymentTerms::DueOnReceipt);
        }
        if let Some(days) = lower.strip_prefix("net") {
            let days = days.trim_start_matches([' ', '-', '_']);
            return days
                .parse::<u16>()
                .ok()
                .filter(|d| *d <= 3650)
                .map(PaymentTerms::Net)
                .ok_or_else(|| InvoiceError::Terms(text.to_string()));
        }
        lower
            .parse::<Date>()
            .map(PaymentTerms::FixedDate)
            .map_err(|_| InvoiceError::Terms(text.to_string()))
    }

    pub fn due_date(self, issue_date: Date) -> Result<Date, InvoiceError> {
        let due = match self {
            PaymentTerms::DueOnReceipt => issue_date,
            PaymentTerms::Net(days) => issue_date
                .checked_add(i64::from(days).days())
                .map_err(|_| InvoiceError::Terms(format!("net{days}")))?,
            PaymentTerms::FixedDate(date) => date,
        };
        if due < issue_date {
            return Err(InvoiceError::DueBeforeIssue { issue: issue_date, due });
        }
        Ok(due)
    }
}

impl std::fmt::Display for PaymentTerms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaymentTerms::DueOnReceipt => f.write_str("due-on-receipt"),
            PaymentTerms::Net(days) => write!(f, "net{days}"),
            PaymentTerms::FixedDate(date) => write!(f, "{date}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceStatus {
    Draft,
    Open,
    Paid,
    Void,
    WrittenOff,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Open => "open",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Void => "void",
            InvoiceStatus::WrittenOff => "written_off",
        }
    }
    pub fn parse(text: &str) -> Option<InvoiceStatus> {
        match text {
            "draft" => Some(InvoiceStatus::Draft),
            "open" => Some(InvoiceStatus::Open),
            "paid" => Some(InvoiceStatus::Paid),
            "void" => Some(InvoiceStatus::Void),
            "written_off" => Some(InvoiceStatus::WrittenOff),
            _ => None,
        }
    }

    /// The status an issued invoice takes from its balance: open while
    /// anything is owed; once nothing is, written off if a write-off closed
    /// it, otherwise paid.
    pub fn from_balance(balance_minor: i64, written_off: bool) -> InvoiceStatus {
        if balance_minor != 0 {
            InvoiceStatus::Open
        } else if written_off {
            InvoiceStatus::WrittenOff
        } else {
            InvoiceStatus::Paid
        }
    }
}

impl std::fmt::Display for InvoiceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A line as the user enters it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineInput {
    pub item_code: String,
    pub description: String,
    pub quantity: Decimal,
    /// May be negative for a discount line.
    pub unit_price: Money,
    /// A percentage: 8.25 means 8.25%.
    pub tax_rate_percent: Decimal,
}

/// A line with its rounded amount and tax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricedLine {
    pub input: LineInput,
    pub amount_minor: i64,
    pub tax_minor: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct InvoiceTotals {
    pub subtotal_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
}

pub const MAX_INVOICE_LINES: usize = 500;

/// Prices every line and totals the invoice. Line numbers in errors count from 1.
pub fn price_lines(lines: Vec<LineInput>) -> Result<(Vec<PricedLine>, InvoiceTotals), InvoiceError> {
    if lines.is_empty() {
        return Err(InvoiceError::NoLines);
    }
    if lines.len() > MAX_INVOICE_LINES {
        return Err(InvoiceError::TooManyLines { max: MAX_INVOICE_LINES });
    }
    let hundred = Decimal::ONE_HUNDRED;
    let mut totals = InvoiceTotals::default();
    let mut priced = Vec::with_capacity(lines.len());
    for (index, input) in lines.into_iter().enumerate() {
        let line = index + 1;
        if input.quantity <= Decimal::ZERO {
            return Err(InvoiceError::NonPositiveQuantity { line });
        }
        if input.tax_rate_percent < Decimal::ZERO || input.tax_rate_percent > hundred {
            return Err(InvoiceError::TaxRateOutOfRange {
                line,
                rate: input.tax_rate_percent,
            });
        }
        if input.description.trim().is_empty() {
            return Err(InvoiceError::EmptyDescription { line });
        }
        let amount = input
            .unit_price
            .mul_decimal(input.quantity, RoundingRule::HalfAwayFromZero)
            .and_then(Money::within_limit)
            .map_err(|source| InvoiceError::Amount { line, source })?;
        let tax = amount
            .mul_decimal(input.tax_rate_percent / hundred, RoundingRule::HalfAwayFromZero)
            .map_err(|source| InvoiceError::Amount { line, source })?;
        let overflow = |_| InvoiceError::Amount {
            line,
            source: MoneyError::Overflow,
        };
        totals.subtotal_minor = totals
            .subtotal_minor
            .checked_add(amount.amount_minor())
            .ok_or(MoneyError::Overflow)
            .map_err(overflow)?;
        totals.tax_minor = totals.tax_minor.checked_add(tax.amount_minor()).ok_or(MoneyError::Overflow).map_err(overflow)?;
        priced.push(PricedLine {
            input,
            amount_minor: amount.amount_minor(),
            tax_minor: tax.amount_minor(),
        });
    }
    totals.total_minor = totals.subtotal_minor.checked_add(totals.tax_minor).ok_or(InvoiceError::Amount {
        line: 0,
        source: MoneyError::Overflow,
    })?;
    if totals.total_minor <= 0 {
        return Err(InvoiceError::NonPositiveTotal);
    }
    if totals.total_minor > MAX_AMOUNT_MINOR {
        return Err(InvoiceError::TotalTooLarge {
            total_minor: totals.total_minor,
            max_minor: MAX_AMOUNT_MINOR,
        });
    }
    Ok((priced, totals))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use jiff::civil::date;

    fn line(qty: &str, price: &str, tax: &str) -> LineInput {
        LineInput {
            item_code: "SVC".into(),
            description: "Service".into(),
            quantity: qty.parse().unwrap(),
            unit_price: Money::parse(price, Currency::USD).unwrap(),
            tax_rate_percent: tax.parse().unwrap(),
        }
    }

    #[test]
    fn totals_are_sums_of_rounded_lines() {
        let (lines, totals) = price_lines(vec![line("3", "19.99", "8.25"), line("0.5", "0.05", "0"), line("1", "-5.00", "0")]).unwrap();
        assert_eq!(lines[0].amount_minor, 5997);
        assert_eq!(lines[0].tax_minor, 495); // 59.97 * 0.0825 = 4.9475 -> 4.95
        assert_eq!(lines[1].amount_minor, 3); // 0.025 -> 0.03
        assert_eq!(
            totals,
            InvoiceTotals {
                subtotal_minor: 5500,
                tax_minor: 495,
                total_minor: 5995
            }
        );
    }

    #[test]
    fn refuses_bad_lines() {
        assert_eq!(price_lines(vec![]), Err(InvoiceError::NoLines));
        assert_eq!(price_lines(vec![line("0", "1", "0")]), Err(InvoiceError::NonPositiveQuantity { line: 1 }));
        assert!(matches!(
            price_lines(vec![line("1", "1", "0"), line("1", "1", "101")]),
            Err(InvoiceError::TaxRateOutOfRange { line: 2, .. })
        ));
        assert_eq!(price_lines(vec![line("1", "-1", "0")]), Err(InvoiceError::NonPositiveTotal));
    }

    #[test]
    fn terms_give_due_dates() {
        let issue = date(2026, 1, 31);
        assert_eq!(PaymentTerms::parse("net30").unwrap().due_date(issue).unwrap(), date(2026, 3, 2));
        assert_eq!(PaymentTerms::parse("Net 15").unwrap(), PaymentTerms::Net(15));
        assert_eq!(PaymentTerms::parse("due-on-receipt").unwrap().due_date(issue).unwrap(), issue);
        assert_eq!(PaymentTerms::parse("2026-02-15").unwrap().due_date(issue).unwrap(), date(2026, 2, 15));
        assert!(matches!(
            PaymentTerms::parse("2026-01-01").unwrap().due_date(issue),
            Err(InvoiceError::DueBeforeIssue { .. })
        ));
        assert!(PaymentTerms::parse("soon").is_err());
    }
}
