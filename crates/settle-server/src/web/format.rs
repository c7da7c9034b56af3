//! How the pages write values people read: phone numbers, days.

/// A phone number as people write it: ten US digits as (217) 555-0100,
/// eleven starting with 1 as +1 (217) 555-0100; anything else as kept.
pub fn phone(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        10 => settle_store::billing::phone_display(&digits),
        11 if digits.starts_with('1') => format!("+1 {}", settle_store::billing::phone_display(&digits[1..])),
        _ => text.to_string(),
    }
}

/// The day of a date or an instant ("2026-11-20T06:00:00Z" is "2026-11-20").
pub fn day_of(text: &str) -> &str {
    text.get(..10).filter(|d| d.parse::<settle_domain::Date>().is_ok()).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_read_as_people_write_them() {
        assert_eq!(phone("5552013344"), "(555) 201-3344");
        assert_eq!(phone("555-201-3344"), "(555) 201-3344");
        assert_eq!(phone("1 555 201 3344"), "+1 (555) 201-3344");
        assert_eq!(phone("555-201-3344 ext 12"), "555-201-3344 ext 12", "an extension is kept as typed");
        assert_eq!(day_of("2026-11-20T06:00:00Z"), "2026-11-20");
        assert_eq!(day_of("soon"), "soon");
    }
}
