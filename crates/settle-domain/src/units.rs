//! Service units (SV104): how many of a service a line bills.
//!
//! Most lines bill whole units, but the 005010X222A1 guide types SV104 as
//! a decimal (R, up to 15 digits) and payers take fractions where a unit is
//! a measure: 1.5 units of a drug dosed by weight, 0.5 hour of a timed
//! service. Settle keeps units exactly, as thousandths (three decimal
//! places, the precision Medicare's contractors accept): a finer fraction
//! is refused, never rounded, so what is billed is what was entered.
//!
//! Units are not money and never a float: an amount times units goes
//! through [`Money::mul_decimal`] and rounds once, with a named rule.

use std::fmt;
use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::money::{Money, MoneyError, RoundingRule};

/// Thousandths in one unit.
const SCALE: u64 = 1_000;
/// SV104 holds at most 15 digits; with three decimals, 12 before the point.
const MAX_THOUSANDTHS: u64 = 999_999_999_999_999;

/// A count of units above zero or zero, exact to three decimal places.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Units {
    thousandths: u64,
}

/// Why a text is not a count of units.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnitsError {
    #[error("{0:?} is not a number of units, such as 1 or 1.5")]
    NotANumber(String),
    #[error("{0:?} is below zero; units are zero or more")]
    Negative(String),
    #[error("{0:?} has more than three decimal places; Settle keeps units to the thousandth and does not round them")]
    TooFine(String),
    #[error("{0:?} is more units than SV104 can hold (15 digits)")]
    TooMany(String),
}

impl Units {
    pub const ZERO: Units = Units { thousandths: 0 };
    pub const ONE: Units = Units { thousandths: SCALE };

    /// Whole units.
    pub const fn whole(count: u32) -> Units {
        Units {
            thousandths: count as u64 * SCALE,
        }
    }

    /// Units from thousandths as kept in storage; none when out of range.
    pub fn from_thousandths(thousandths: i64) -> Option<Units> {
        u64::try_from(thousandths)
            .ok()
            .filter(|t| *t <= MAX_THOUSANDTHS)
            .map(|thousandths| Units { thousandths })
    }

    /// Thousandths, as storage keeps them (always fits an `i64`).
    pub fn thousandths(self) -> i64 {
        self.thousandths as i64
    }

    pub fn is_zero(self) -> bool {
        self.thousandths == 0
    }

    pub fn is_whole(self) -> bool {
        self.thousandths % SCALE == 0
    }

    /// The exact decimal value.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.thousandths as i64, 3).normalize()
    }

    /// Reads units as people and X12 write them: "1", "2.00", "1.5", ".25".
    pub fn parse(text: &str) -> Result<Units, UnitsError> {
        let trimmed = text.trim();
        let digits_ok = !trimmed.is_empty()
            && trimmed.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+')
            && trimmed.chars().any(|c| c.is_ascii_digit());
        let value: Decimal = match trimmed.parse() {
            Ok(value) if digits_ok => value,
            _ => return Err(UnitsError::NotANumber(text.to_string())),
        };
        if value.is_sign_negative() && !value.is_zero() {
            return Err(UnitsError::Negative(text.to_string()));
        }
        let value = value.normalize();
        if value.scale() > 3 {
            return Err(UnitsError::TooFine(text.to_string()));
        }
        let thousandths = (value * Decimal::from(SCALE))
            .to_u64()
            .filter(|t| *t <= MAX_THOUSANDTHS)
            .ok_or_else(|| UnitsError::TooMany(text.to_string()))?;
        Ok(Units { thousandths })
    }

    /// The sum, or none past what SV104 holds.
    pub fn checked_add(self, other: Units) -> Option<Units> {
        self.thousandths
            .checked_add(other.thousandths)
            .filter(|t| *t <= MAX_THOUSANDTHS)
            .map(|thousandths| Units { thousandths })
    }

    /// The difference, or none below zero.
    pub fn checked_sub(self, other: Units) -> Option<Units> {
        self.thousandths.checked_sub(other.thousandths).map(|thousandths| Units { thousandths })
    }

    /// A price per unit times these units, rounded once with `rule`.
    pub fn price(self, per_unit: Money, rule: RoundingRule) -> Result<Money, MoneyError> {
        per_unit.mul_decimal(self.to_decimal(), rule)
    }
}

/// A total of units, held at the most SV104 can carry rather than wrapping.
impl<'a> std::iter::Sum<&'a Units> for Units {
    fn sum<I: Iterator<Item = &'a Units>>(iter: I) -> Units {
        iter.fold(Units::ZERO, |total, u| total.checked_add(*u).unwrap_or(Units { thousandths: MAX_THOUSANDTHS }))
    }
}

impl fmt::Display for Units {
    /// "1", "1.5", "0.125": no trailing zeros, as SV104 is written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, part) = (self.thousandths / SCALE, self.thousandths % SCALE);
        if part == 0 {
            return write!(f, "{whole}");
        }
        let fraction = format!("{part:03}");
        write!(f, "{whole}.{}", fraction.trim_end_matches('0'))
    }
}

impl fmt::Debug for Units {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Units({self})")
    }
}

impl FromStr for Units {
    type Err = UnitsError;
    fn from_str(text: &str) -> Result<Units, UnitsError> {
        Units::parse(text)
    }
}

impl From<u32> for Units {
    fn from(count: u32) -> Units {
        Units::whole(count)
    }
}

/// JSON: a whole count is written as an integer (`1`), a fraction as a
/// number with its decimals (`1.5`); read from an integer, a number or a
/// string ("1.5"). A JSON number is read through its shortest decimal
/// text, so `0.1` is one tenth, not a binary float's neighbour.
impl serde::Serialize for Units {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.is_whole() {
            serializer.serialize_u64(self.thousandths / SCALE)
        } else {
            // Exact: at most 15 significant digits, which a double and its
            // shortest text both carry unchanged.
            serializer.serialize_f64(self.thousandths as f64 / SCALE as f64)
        }
    }
}

impl<'de> serde::Deserialize<'de> for Units {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Units, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Units;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("units: a number zero or more with at most three decimal places, such as 1 or 1.5")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Units, E> {
                Units::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Units, E> {
                Units::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Units, E> {
                if !v.is_finite() {
                    return Err(E::custom(UnitsError::NotANumber(v.to_string())));
                }
                Units::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Units, E> {
                Units::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl utoipa::PartialSchema for Units {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .minimum(Some(0))
            .description(Some(
                "Units (SV104): zero or more, at most three decimal places (a finer fraction is refused, not rounded); \
                 whole units are written as integers, such as 1 or 1.5.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Units {}

#[cfg(test)]
mod tests;
