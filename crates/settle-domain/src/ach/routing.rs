//! An ABA routing transit number: nine digits whose last is a check digit
//! (weights 3, 7, 1 repeated; the weighted sum is a multiple of ten).

/// A routing number that passed its check digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RoutingNumber(String);

impl RoutingNumber {
    /// Reads a routing number as typed (spaces and dashes people put in are
    /// dropped); refuses anything but nine digits with a right check digit,
    /// saying which.
    pub fn parse(text: &str) -> Result<RoutingNumber, String> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{text:?} is not a routing number: nine digits are needed"));
        }
        let expected = check_digit(&digits[..8]);
        let given = digits.as_bytes()[8] - b'0';
        if given != expected {
            return Err(format!(
                "{text:?} is not a routing number: its check digit is {given}, the first eight digits need {expected}; a digit was probably mistyped"
            ));
        }
        Ok(RoutingNumber(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first eight digits, as a NACHA entry carries them (the check
    /// digit goes in a field of its own).
    pub fn first_eight(&self) -> &str {
        &self.0[..8]
    }
}

impl std::fmt::Display for RoutingNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The check digit of eight routing digits (all ASCII digits).
pub fn check_digit(first_eight: &str) -> u8 {
    const WEIGHTS: [u32; 8] = [3, 7, 1, 3, 7, 1, 3, 7];
    let sum: u32 = first_eight.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_routing_numbers_pass_and_a_mistyped_digit_is_caught() {
        // Banks named in moov-io's public samples (testdata/ach,
        // Apache-2.0: return-WEB.ach's 09140060 and 09100001, cor-example's
        // 23138010 and 12104288, with their check digits) and one more.
        for good in ["021000018", "091400606", "091000019", "231380104", "121042882"] {
            assert_eq!(RoutingNumber::parse(good).map(|r| r.to_string()), Ok(good.to_string()));
        }
        assert_eq!(RoutingNumber::parse("0210-0001 8").unwrap().as_str(), "021000018");
        assert_eq!(RoutingNumber::parse("091400606").unwrap().first_eight(), "09140060");
        let wrong = RoutingNumber::parse("021000019").unwrap_err();
        assert!(wrong.contains("check digit is 9") && wrong.contains("need 8"), "{wrong}");
        assert!(RoutingNumber::parse("02100001").unwrap_err().contains("nine digits"));
        assert!(RoutingNumber::parse("02100001x").unwrap_err().contains("nine digits"));
        assert!(RoutingNumber::parse("").is_err());
    }

    #[test]
    fn every_single_digit_change_is_caught() {
        // The 3-7-1 weights catch any one mistyped digit.
        let good = "091400606";
        for at in 0..9 {
            for d in b'0'..=b'9' {
                let mut bytes = good.as_bytes().to_vec();
                if bytes[at] == d {
                    continue;
                }
                bytes[at] = d;
                let typo = String::from_utf8(bytes).unwrap();
                assert!(RoutingNumber::parse(&typo).is_err(), "{typo} passed");
            }
        }
    }
}
