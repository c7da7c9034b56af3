use super::*;
use crate::money::Currency;

#[test]
fn reads_units_as_written() {
    for (text, thousandths) in [
        ("1", 1000),
        ("2.00", 2000),
        ("1.5", 1500),
        (".25", 250),
        ("0.125", 125),
        (" 3 ", 3000),
        ("0", 0),
    ] {
        assert_eq!(Units::parse(text).map(Units::thousandths), Ok(thousandths), "{text}");
    }
}

#[test]
fn refuses_what_is_not_units() {
    assert!(matches!(Units::parse("one"), Err(UnitsError::NotANumber(_))));
    assert!(matches!(Units::parse(""), Err(UnitsError::NotANumber(_))));
    assert!(matches!(Units::parse("1e3"), Err(UnitsError::NotANumber(_))));
    assert!(matches!(Units::parse("-1"), Err(UnitsError::Negative(_))));
    assert!(matches!(Units::parse("1.0005"), Err(UnitsError::TooFine(_))));
    assert!(matches!(Units::parse("1000000000000"), Err(UnitsError::TooMany(_))));
    // Trailing zeros past the third place are not a finer fraction.
    assert_eq!(Units::parse("1.50000").map(Units::thousandths), Ok(1500));
}

#[test]
fn writes_units_as_sv104_does() {
    for text in ["1", "1.5", "0.125", "12", "999999999999.999"] {
        assert_eq!(Units::parse(text).unwrap().to_string(), text);
    }
    assert_eq!(Units::parse("2.50").unwrap().to_string(), "2.5");
}

#[test]
fn json_whole_units_are_integers_and_fractions_exact() {
    assert_eq!(serde_json::to_string(&Units::whole(2)).unwrap(), "2");
    assert_eq!(serde_json::to_string(&Units::parse("0.1").unwrap()).unwrap(), "0.1");
    assert_eq!(serde_json::to_string(&Units::parse("999999999999.999").unwrap()).unwrap(), "999999999999.999");
    for json in ["1", "1.5", "\"1.5\"", "0.1", "0.125"] {
        let units: Units = serde_json::from_str(json).unwrap();
        assert_eq!(units.to_string(), json.trim_matches('"'));
    }
    let err = serde_json::from_str::<Units>("1.0001").unwrap_err().to_string();
    assert!(err.contains("three decimal places"), "{err}");
    assert!(serde_json::from_str::<Units>("-2").is_err());
}

#[test]
fn a_price_times_fractional_units_rounds_once() {
    let fee = Money::parse("10.01", Currency::USD).unwrap();
    let half = Units::parse("0.5").unwrap();
    assert_eq!(half.price(fee, RoundingRule::HalfAwayFromZero).unwrap().to_decimal_string(), "5.01");
    assert_eq!(Units::whole(3).price(fee, RoundingRule::HalfAwayFromZero).unwrap().to_decimal_string(), "30.03");
}

#[test]
fn sums_stay_within_sv104() {
    let max = Units::parse("999999999999.999").unwrap();
    assert_eq!(max.checked_add(Units::from_thousandths(1).unwrap()), None);
    assert_eq!(Units::ONE.checked_sub(Units::whole(2)), None);
    assert_eq!(Units::from_thousandths(-1), None);
}
