//! How the pages write values people read: phone numbers, days, and the
//! places in a claim a message points to ("line 2, charge" where the API
//! says `lines[1].charge`).

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

/// The lists a message may point into, as a person counts them: the
/// API's 0-based `lines[1]` is the page's line 2.
const COUNTED: [(&str, &str); 4] = [("lines[", "line"), ("diagnoses[", "diagnosis"), ("adjustments[", "item"), ("items[", "item")];

/// A field path in words: `lines[1].charge` is "line 2, charge",
/// `lines[0].facts.drug_ndc` is "line 1, drug ndc", `diagnoses[0]` is
/// "diagnosis 1"; any other name loses its underscores.
pub fn field_words(path: &str) -> String {
    in_words(path)
}

/// Every field path in a message written in words, counting from 1.
pub fn in_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for (prefix, word) in COUNTED {
            let Some(after) = rest.strip_prefix(prefix) else { continue };
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            let Some(tail) = after[digits.len()..].strip_prefix(']') else { continue };
            let Ok(index) = digits.parse::<u64>() else { continue };
            out.push_str(&format!("{word} {}", index + 1));
            // ".facts.drug_ndc" or ".charge": the field's own name, in words.
            let name_len = tail
                .strip_prefix('.')
                .map_or(0, |t| 1 + t.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.').count());
            let name = tail[..name_len].trim_start_matches('.').trim_end_matches('.');
            let name = name.strip_prefix("facts.").unwrap_or(name);
            if !name.is_empty() {
                out.push_str(", ");
                out.push_str(&name.replace(['_', '.'], " "));
            }
            let consumed = name_len - (tail[..name_len].len() - tail[..name_len].trim_end_matches('.').len());
            rest = &tail[consumed..];
            continue 'scan;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
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

    #[test]
    fn places_in_a_claim_count_from_one_in_words() {
        assert_eq!(field_words("lines[1].charge"), "line 2, charge");
        assert_eq!(field_words("lines[0].facts.drug_ndc"), "line 1, drug ndc");
        assert_eq!(field_words("diagnoses[0]"), "diagnosis 1");
        assert_eq!(in_words("lines[0].units: must be whole."), "line 1, units: must be whole.");
        assert_eq!(in_words("diagnoses[3]: E11 is not billable"), "diagnosis 4: E11 is not billable");
        assert_eq!(in_words("see lines[2] and lines[x]"), "see line 3 and lines[x]", "only a number is counted");
        assert_eq!(in_words("no path here"), "no path here");
        assert_eq!(
            in_words("Prix à l’unité lines[0].unit_price"),
            "Prix à l’unité line 1, unit price",
            "any text around it is kept"
        );
    }
}
