//! Money: an integer count of minor units plus an ISO 4217 currency.
//!
//! There are no floats here. Amounts are parsed from and written as decimal
//! strings with exactly as many decimals as the currency has, and arithmetic
//! is checked: an overflow is an error, never a wrap.

use std::fmt;
use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// The largest amount, in minor units either way, that enters the books in
/// one value: 99,999,999,999.99 in a two-decimal currency. Every door that
/// takes money (API, pages, CLI, CSV, X12) parses through [`Money::parse`]
/// or [`Money::parse_x12`], which refuse more, and a journal entry refuses a
/// posting past it, so no single value can carry the books near `i64`'s end.
pub const MAX_AMOUNT_MINOR: i64 = 9_999_999_999_999;

/// The largest balance or credit one account may carry, in minor units:
/// a hundred maximum amounts. The store refuses a write that would take an
/// account past it, naming the account, so sums over an account never
/// overflow.
pub const MAX_ACCOUNT_BALANCE_MINOR: i64 = 100 * MAX_AMOUNT_MINOR;

/// Why an amount or a currency was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency {code:?}: expected an ISO 4217 code such as USD")]
    UnknownCurrency { code: String },
    #[error("{text:?} is not an amount: expected digits with an optional sign and decimal point, like 1234.50")]
    Malformed { text: String },
    #[error("{text:?} has {decimals} decimals but {currency} has {exponent}")]
    TooManyDecimals {
        text: String,
        decimals: usize,
        currency: Currency,
        exponent: u8,
    },
    #[error("{text:?} is more than the largest amount Settle takes, {max} (9,999,999,999,999 minor units)")]
    TooLarge { text: String, max: String },
    #[error("amounts in {left} and {right} cannot be combined")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("arithmetic overflow")]
    Overflow,
    #[error("cannot split into zero parts")]
    ZeroParts,
    #[error("ratios must not all be zero")]
    ZeroRatios,
}

/// An ISO 4217 currency with its minor-unit exponent (USD 2, JPY 0, KWD 3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

/// Active ISO 4217 codes and their exponents (the standard's "minor unit").
/// Precious metals and testing codes, which have no minor unit, are left out.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BOV", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHE", 2),
    ("CHF", 2),
    ("CHW", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("COU", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MXV", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("USN", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

impl Currency {
    pub const USD: Currency = Currency { code: *b"USD", exponent: 2 };

    /// Looks up an ISO 4217 code (case-insensitive).
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == upper)
            .map(|(c, e)| {
                let b = c.as_bytes();
                Currency {
                    code: [b[0], b[1], b[2]],
                    exponent: *e,
                }
            })
            .ok_or(MoneyError::UnknownCurrency { code: code.to_string() })
    }

    pub fn code(&self) -> &str {
        // The code bytes come only from the ASCII table above.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// How many decimals the currency's minor unit has.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

/// An exact amount of one currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    amount_minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(amount_minor: i64, currency: Currency) -> Money {
        Money { amount_minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { amount_minor: 0, currency }
    }

    pub fn amount_minor(&self) -> i64 {
        self.amount_minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.amount_minor == 0
    }

    pub fn is_negative(&self) -> bool {
        self.amount_minor < 0
    }

    /// Parses an amount exactly as the API's schema writes it:
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, with no more decimals than the currency
    /// has, and at most [`MAX_AMOUNT_MINOR`] minor units either way. No
    /// whitespace, plus sign, leading zeros, bare point (`5.`, `.5`),
    /// thousands separators or exponents: what a person or a program sends
    /// is either exactly an amount or refused, naming why.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let malformed = || MoneyError::Malformed { text: text.to_string() };
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (unsigned, None),
        };
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (whole.len() > 1 && whole.starts_with('0')) || fraction.is_some_and(|f| !digits(f)) {
            return Err(malformed());
        }
        Money::from_parts(text, text.starts_with('-'), whole, fraction.unwrap_or(""), currency)
    }

    /// Parses an X12 decimal (data element type R): an optional sign, digits
    /// with an optional point anywhere (`.5`, `5.`, `007.50` are all valid
    /// X12), within the same limit as [`Money::parse`].
    pub fn parse_x12(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let malformed = || MoneyError::Malformed { text: text.to_string() };
        let (negative, unsigned) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            _ => (false, text),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((w, f)) => (w, f),
            None => (unsigned, ""),
        };
        if whole.is_empty() && fraction.is_empty() {
            return Err(malformed());
        }
        if !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        Money::from_parts(text, negative, whole, fraction, currency)
    }

    /// The checked amount of already split digits.
    fn from_parts(text: &str, negative: bool, whole: &str, fraction: &str, currency: Currency) -> Result<Money, MoneyError> {
        let exponent = currency.exponent as usize;
        if fraction.len() > exponent {
            return Err(MoneyError::TooManyDecimals {
                text: text.to_string(),
                decimals: fraction.len(),
                currency,
                exponent: currency.exponent,
            });
        }
        let too_large = || MoneyError::TooLarge {
            text: text.to_string(),
            max: format_minor(MAX_AMOUNT_MINOR, currency.exponent),
        };
        let mut minor: i64 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            minor = minor.checked_mul(10).and_then(|m| m.checked_add(i64::from(b - b'0'))).ok_or_else(too_large)?;
        }
        for _ in fraction.len()..exponent {
            minor = minor.checked_mul(10).ok_or_else(too_large)?;
        }
        if minor > MAX_AMOUNT_MINOR {
            return Err(too_large());
        }
        Ok(Money {
            amount_minor: if negative { -minor } else { minor },
            currency,
        })
    }

    /// This amount if it is within [`MAX_AMOUNT_MINOR`] either way.
    pub fn within_limit(self) -> Result<Money, MoneyError> {
        if self.amount_minor.unsigned_abs() > MAX_AMOUNT_MINOR.unsigned_abs() {
            return Err(MoneyError::TooLarge {
                text: self.to_decimal_string(),
                max: format_minor(MAX_AMOUNT_MINOR, self.currency.exponent),
            });
        }
        Ok(self)
    }

    /// The amount as a plain decimal string with the currency's decimals,
    /// without the code: "1234.50", "-0.01", "12" for JPY.
    pub fn to_decimal_string(&self) -> String {
        format_minor(self.amount_minor, self.currency.exponent)
    }

    /// The amount as an exact decimal, for rates and ratios.
    pub fn to_decimal(&self) -> Decimal {
        Decimal::new(self.amount_minor, u32::from(self.currency.exponent))
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    pub fn checked_add(&self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let amount_minor = self.amount_minor.checked_add(other.amount_minor).ok_or(MoneyError::Overflow)?;
        Ok(Money {
            amount_minor,
            currency: self.currency,
        })
    }

    pub fn checked_sub(&self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let amount_minor = self.amount_minor.checked_sub(other.amount_minor).ok_or(MoneyError::Overflow)?;
        Ok(Money {
            amount_minor,
            currency: self.currency,
        })
    }

    pub fn checked_neg(&self) -> Result<Money, MoneyError> {
        let amount_minor = self.amount_minor.checked_neg().ok_or(MoneyError::Overflow)?;
        Ok(Money {
            amount_minor,
            currency: self.currency,
        })
    }

    /// Splits into `parts` amounts that differ by at most one minor unit and
    /// sum to exactly this amount; the earlier parts take the extra units.
    pub fn split_even(&self, parts: usize) -> Result<Vec<Money>, MoneyError> {
        if parts == 0 {
            return Err(MoneyError::ZeroParts);
        }
        let ratios = vec![1u64; parts];
        self.split_by_ratios(&ratios)
    }

    /// Splits in proportion to `ratios` by the largest-remainder method: each
    /// part is the floor of its exact share, and the units left over go one at
    /// a time to the parts with the largest remainders (earlier parts first on
    /// ties). The parts always sum to exactly this amount.
    pub fn split_by_ratios(&self, ratios: &[u64]) -> Result<Vec<Money>, MoneyError> {
        if ratios.is_empty() {
            return Err(MoneyError::ZeroParts);
        }
        let total_ratio: u128 = ratios.iter().map(|r| u128::from(*r)).sum();
        if total_ratio == 0 {
            return Err(MoneyError::ZeroRatios);
        }
        let negative = self.amount_minor < 0;
        let magnitude = u128::from(self.amount_minor.unsigned_abs());
        let mut shares: Vec<u128> = Vec::with_capacity(ratios.len());
        let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(ratios.len());
        for (index, ratio) in ratios.iter().enumerate() {
            let exact = magnitude * u128::from(*ratio);
            shares.push(exact / total_ratio);
            remainders.push((exact % total_ratio, index));
        }
        let assigned: u128 = shares.iter().sum();
        let mut left_over = magnitude - assigned;
        // Largest remainder first; the stable sort keeps earlier parts first on ties.
        remainders.sort_by_key(|r| std::cmp::Reverse(r.0));
        for (_, index) in remainders {
            if left_over == 0 {
                break;
            }
            shares[index] += 1;
            left_over -= 1;
        }
        shares
            .into_iter()
            .map(|share| {
                let share = i64::try_from(share).map_err(|_| MoneyError::Overflow)?;
                Ok(Money {
                    amount_minor: if negative { -share } else { share },
                    currency: self.currency,
                })
            })
            .collect()
    }

    /// Multiplies by an exact decimal (a quantity or a rate) and rounds once
    /// to the currency's minor unit with `rule`.
    pub fn mul_decimal(&self, factor: Decimal, rule: RoundingRule) -> Result<Money, MoneyError> {
        let product = Decimal::from(self.amount_minor).checked_mul(factor).ok_or(MoneyError::Overflow)?;
        let rounded = product.round_dp_with_strategy(0, rule.strategy());
        let amount_minor = rounded.to_i64().ok_or(MoneyError::Overflow)?;
        Ok(Money {
            amount_minor,
            currency: self.currency,
        })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

/// The total of many minor-unit amounts for a report, saturating at `i64`'s
/// ends instead of wrapping: the money limits keep real books far from
/// them, and a total pinned at the end is visibly wrong where a wrapped one
/// would look plausible. `settle verify` names the rows behind such a total.
pub fn report_total(amounts: impl IntoIterator<Item = i64>) -> i64 {
    amounts.into_iter().fold(0i64, i64::saturating_add)
}

/// Formats a minor-unit count with `exponent` decimals.
pub fn format_minor(amount_minor: i64, exponent: u8) -> String {
    let sign = if amount_minor < 0 { "-" } else { "" };
    let magnitude = amount_minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{magnitude}");
    }
    let scale = 10u64.pow(u32::from(exponent));
    format!("{sign}{}.{:0width$}", magnitude / scale, magnitude % scale, width = exponent as usize)
}

/// The named rounding rules Settle uses. Every computed amount (a line total,
/// a tax, an interest charge) rounds exactly once, with one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundingRule {
    /// Half a minor unit rounds away from zero (0.005 -> 0.01, -0.005 -> -0.01):
    /// the commercial rule used for invoice lines and sales tax.
    HalfAwayFromZero,
    /// Half a minor unit rounds to the even neighbour (banker's rounding).
    HalfEven,
}

impl RoundingRule {
    fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingRule::HalfAwayFromZero => RoundingStrategy::MidpointAwayFromZero,
            RoundingRule::HalfEven => RoundingStrategy::MidpointNearestEven,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usd(text: &str) -> Result<Money, MoneyError> {
        Money::parse(text, Currency::USD)
    }

    #[test]
    fn parses_and_formats_common_amounts() {
        assert_eq!(usd("1234.50").unwrap().amount_minor(), 123_450);
        assert_eq!(usd("-0.01").unwrap().amount_minor(), -1);
        assert_eq!(usd("12").unwrap().amount_minor(), 1200);
        assert_eq!(usd("0.5").unwrap().to_decimal_string(), "0.50");
        assert_eq!(Money::parse_x12(".5", Currency::USD).unwrap().amount_minor(), 50);
        assert_eq!(Money::parse_x12("007.", Currency::USD).unwrap().amount_minor(), 700);
        assert_eq!(Money::from_minor(-1, Currency::USD).to_decimal_string(), "-0.01");
        let jpy = Currency::from_code("jpy").unwrap();
        assert_eq!(Money::parse("1500", jpy).unwrap().to_decimal_string(), "1500");
        let kwd = Currency::from_code("KWD").unwrap();
        assert_eq!(Money::parse("1.234", kwd).unwrap().amount_minor(), 1234);
    }

    #[test]
    fn refuses_bad_amounts() {
        assert!(matches!(usd("1.234"), Err(MoneyError::TooManyDecimals { decimals: 3, .. })));
        assert!(matches!(
            Money::parse("1.5", Currency::from_code("JPY").unwrap()),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        for bad in [
            "", "-", ".", "1,000.00", "1e5", "12.3.4", "abc", "--1", " 1 2", "+5.00", " 5.00", "5.00 ", "5.", ".5", "00005.00", "-.5", "0x10",
        ] {
            assert!(matches!(usd(bad), Err(MoneyError::Malformed { .. })), "{bad:?} should be malformed");
        }
        assert!(matches!(usd("99999999999999999999"), Err(MoneyError::TooLarge { .. })));
        assert!(matches!(
            Money::parse_x12("99999999999999999999", Currency::USD),
            Err(MoneyError::TooLarge { .. })
        ));
    }

    #[test]
    fn the_largest_amount_and_one_cent_more() {
        assert_eq!(usd("99999999999.99").unwrap().amount_minor(), MAX_AMOUNT_MINOR);
        assert_eq!(usd("-99999999999.99").unwrap().amount_minor(), -MAX_AMOUNT_MINOR);
        let err = usd("100000000000.00").unwrap_err();
        assert!(matches!(err, MoneyError::TooLarge { .. }));
        assert!(err.to_string().contains("99999999999.99"), "{err}");
        assert!(matches!(usd("92233720368547758.07"), Err(MoneyError::TooLarge { .. })));
        assert!(Money::from_minor(MAX_AMOUNT_MINOR + 1, Currency::USD).within_limit().is_err());
        assert!(Money::from_minor(-MAX_AMOUNT_MINOR, Currency::USD).within_limit().is_ok());
        assert!(matches!(Currency::from_code("XYZ"), Err(MoneyError::UnknownCurrency { .. })));
    }

    #[test]
    fn report_totals_saturate_instead_of_wrapping() {
        assert_eq!(report_total([1, 2, 3]), 6);
        assert_eq!(report_total([i64::MAX, 1, 1]), i64::MAX);
        assert_eq!(report_total([i64::MIN, -1]), i64::MIN);
    }

    #[test]
    fn refuses_mixing_currencies() {
        let eur = Money::from_minor(1, Currency::from_code("EUR").unwrap());
        assert!(matches!(
            Money::from_minor(1, Currency::USD).checked_add(eur),
            Err(MoneyError::CurrencyMismatch { .. })
        ));
    }

    #[test]
    fn splits_keep_every_cent() {
        let parts = Money::from_minor(100, Currency::USD).split_even(3).unwrap();
        let minors: Vec<i64> = parts.iter().map(Money::amount_minor).collect();
        assert_eq!(minors, vec![34, 33, 33]);
        let parts = Money::from_minor(-100, Currency::USD).split_by_ratios(&[1, 1, 1]).unwrap();
        assert_eq!(parts.iter().map(Money::amount_minor).collect::<Vec<_>>(), vec![-34, -33, -33]);
        let parts = Money::from_minor(1000, Currency::USD).split_by_ratios(&[50, 30, 20]).unwrap();
        assert_eq!(parts.iter().map(Money::amount_minor).collect::<Vec<_>>(), vec![500, 300, 200]);
    }

    #[test]
    fn multiplies_with_named_rounding() {
        let price = Money::from_minor(1999, Currency::USD);
        let tax = price.mul_decimal(Decimal::new(825, 4), RoundingRule::HalfAwayFromZero).unwrap();
        // 19.99 * 8.25% = 1.649175 -> 1.65
        assert_eq!(tax.amount_minor(), 165);
        let half = Money::from_minor(1, Currency::USD);
        assert_eq!(half.mul_decimal(Decimal::new(5, 1), RoundingRule::HalfAwayFromZero).unwrap().amount_minor(), 1);
        assert_eq!(half.mul_decimal(Decimal::new(5, 1), RoundingRule::HalfEven).unwrap().amount_minor(), 0);
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(minor in -MAX_AMOUNT_MINOR..=MAX_AMOUNT_MINOR, exp in proptest::sample::select(vec![0u8, 2, 3, 4])) {
            let currency = CURRENCIES.iter().find(|(_, e)| *e == exp).map(|(c, _)| Currency::from_code(c).unwrap()).unwrap();
            let money = Money::from_minor(minor, currency);
            prop_assert_eq!(Money::parse(&money.to_decimal_string(), currency).unwrap(), money);
        }

        #[test]
        fn splits_sum_to_the_whole(minor in -1_000_000_000_000i64..1_000_000_000_000, ratios in proptest::collection::vec(0u64..10_000, 1..20)) {
            prop_assume!(ratios.iter().any(|r| *r > 0));
            let money = Money::from_minor(minor, Currency::USD);
            let parts = money.split_by_ratios(&ratios).unwrap();
            prop_assert_eq!(parts.len(), ratios.len());
            prop_assert_eq!(parts.iter().map(Money::amount_minor).sum::<i64>(), minor);
            let even = money.split_even(ratios.len()).unwrap();
            prop_assert_eq!(even.iter().map(Money::amount_minor).sum::<i64>(), minor);
            let max = even.iter().map(|m| m.amount_minor()).max().unwrap();
            let min = even.iter().map(|m| m.amount_minor()).min().unwrap();
            prop_assert!(max - min <= 1);
        }
    }
}
