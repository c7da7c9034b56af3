//! Where a person may be: the US time zones (compiled in), the zones of each
//! state and territory, of a phone's area code and of a postal address
//! however it is written. The contact gate's hours rule reads these; they
//! hold no rule themselves.

use jiff::tz::TimeZone;

/// A US time zone a consumer may be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UsZone {
    Atlantic,
    Eastern,
    Central,
    Mountain,
    /// Mountain time without daylight saving (most of Arizona).
    Arizona,
    Pacific,
    Alaska,
    /// Hawaii-Aleutian with daylight saving (the Aleutian Islands).
    Aleutian,
    Hawaii,
    Samoa,
    Chamorro,
}

impl UsZone {
    /// The zones of the fifty states, from Eastern to Hawaii: where anyone
    /// whose location is unknown may be.
    pub const STATES: [UsZone; 8] = [
        UsZone::Eastern,
        UsZone::Central,
        UsZone::Mountain,
        UsZone::Arizona,
        UsZone::Pacific,
        UsZone::Alaska,
        UsZone::Aleutian,
        UsZone::Hawaii,
    ];

    /// The states' zones and the territories' (Puerto Rico and the Virgin
    /// Islands, American Samoa, Guam and the Northern Marianas): where
    /// anyone whose location is unknown may be, for a collector whose
    /// book reaches the territories. The hours every one of them allows
    /// are 17:00 to 20:00 Eastern in winter (8 a.m. on Guam to 9 p.m. in
    /// Puerto Rico).
    pub const STATES_AND_TERRITORIES: [UsZone; 11] = UsZone::ALL;

    pub fn name(self) -> &'static str {
        match self {
            UsZone::Atlantic => "Atlantic",
            UsZone::Eastern => "Eastern",
            UsZone::Central => "Central",
            UsZone::Mountain => "Mountain",
            UsZone::Arizona => "Arizona (Mountain, no daylight saving)",
            UsZone::Pacific => "Pacific",
            UsZone::Alaska => "Alaska",
            UsZone::Aleutian => "Hawaii-Aleutian (Aleutian Islands)",
            UsZone::Hawaii => "Hawaii",
            UsZone::Samoa => "Samoa",
            UsZone::Chamorro => "Chamorro",
        }
    }

    /// The zone's rules, compiled into the binary (no file is read).
    pub fn tz(self) -> TimeZone {
        match self {
            UsZone::Atlantic => jiff::tz::get!("America/Puerto_Rico"),
            UsZone::Eastern => jiff::tz::get!("America/New_York"),
            UsZone::Central => jiff::tz::get!("America/Chicago"),
            UsZone::Mountain => jiff::tz::get!("America/Denver"),
            UsZone::Arizona => jiff::tz::get!("America/Phoenix"),
            UsZone::Pacific => jiff::tz::get!("America/Los_Angeles"),
            UsZone::Alaska => jiff::tz::get!("America/Anchorage"),
            UsZone::Aleutian => jiff::tz::get!("America/Adak"),
            UsZone::Hawaii => jiff::tz::get!("Pacific/Honolulu"),
            UsZone::Samoa => jiff::tz::get!("Pacific/Pago_Pago"),
            UsZone::Chamorro => jiff::tz::get!("Pacific/Guam"),
        }
    }

    pub const ALL: [UsZone; 11] = [
        UsZone::Atlantic,
        UsZone::Eastern,
        UsZone::Central,
        UsZone::Mountain,
        UsZone::Arizona,
        UsZone::Pacific,
        UsZone::Alaska,
        UsZone::Aleutian,
        UsZone::Hawaii,
        UsZone::Samoa,
        UsZone::Chamorro,
    ];

    /// The zone's short name: "eastern", "hawaii", ...
    pub fn id(self) -> String {
        format!("{self:?}").to_ascii_lowercase()
    }

    /// By short name ("hawaii"), else by the start of its long one.
    pub fn parse(text: &str) -> Option<UsZone> {
        let t = text.trim().to_ascii_lowercase();
        if t.is_empty() {
            return None;
        }
        UsZone::ALL
            .into_iter()
            .find(|z| z.id() == t)
            .or_else(|| UsZone::ALL.into_iter().find(|z| z.name().to_ascii_lowercase().starts_with(&t)))
    }
}

/// The zones a state or territory lies in (two-letter postal code). States
/// split between zones list each: the gate then keeps to hours allowed in
/// all of them.
pub fn zones_of_state(state: &str) -> &'static [UsZone] {
    use UsZone::*;
    match state.trim().to_ascii_uppercase().as_str() {
        "CT" | "DE" | "DC" | "GA" | "ME" | "MD" | "MA" | "NH" | "NJ" | "NY" | "NC" | "OH" | "PA" | "RI" | "SC" | "VT" | "VA" | "WV" => &[Eastern],
        "FL" | "IN" | "KY" | "MI" | "TN" => &[Eastern, Central],
        "AL" | "AR" | "IL" | "IA" | "LA" | "MN" | "MS" | "MO" | "OK" | "WI" => &[Central],
        "KS" | "NE" | "ND" | "SD" | "TX" => &[Central, Mountain],
        "CO" | "MT" | "NM" | "UT" | "WY" => &[Mountain],
        "ID" | "OR" | "NV" => &[Mountain, Pacific],
        // The Navajo Nation keeps daylight saving; the rest of Arizona does not.
        "AZ" => &[Arizona, Mountain],
        "CA" | "WA" => &[Pacific],
        "AK" => &[Alaska, Aleutian],
        "HI" => &[Hawaii],
        "PR" | "VI" => &[Atlantic],
        "AS" => &[Samoa],
        "GU" | "MP" => &[Chamorro],
        _ => &[],
    }
}

/// States and territories by name, and the abbreviations people write.
const STATE_NAMES: &[(&str, &str)] = &[
    ("ALABAMA", "AL"),
    ("ALA", "AL"),
    ("ALASKA", "AK"),
    ("ARIZONA", "AZ"),
    ("ARIZ", "AZ"),
    ("ARKANSAS", "AR"),
    ("ARK", "AR"),
    ("CALIFORNIA", "CA"),
    ("CALIF", "CA"),
    ("CAL", "CA"),
    ("COLORADO", "CO"),
    ("COLO", "CO"),
    ("CONNECTICUT", "CT"),
    ("CONN", "CT"),
    ("DELAWARE", "DE"),
    ("DEL", "DE"),
    ("DISTRICT OF COLUMBIA", "DC"),
    ("FLORIDA", "FL"),
    ("FLA", "FL"),
    ("GEORGIA", "GA"),
    ("HAWAII", "HI"),
    ("IDAHO", "ID"),
    ("ILLINOIS", "IL"),
    ("ILL", "IL"),
    ("INDIANA", "IN"),
    ("IND", "IN"),
    ("IOWA", "IA"),
    ("KANSAS", "KS"),
    ("KANS", "KS"),
    ("KENTUCKY", "KY"),
    ("LOUISIANA", "LA"),
    ("MAINE", "ME"),
    ("MARYLAND", "MD"),
    ("MASSACHUSETTS", "MA"),
    ("MASS", "MA"),
    ("MICHIGAN", "MI"),
    ("MICH", "MI"),
    ("MINNESOTA", "MN"),
    ("MINN", "MN"),
    ("MISSISSIPPI", "MS"),
    ("MISS", "MS"),
    ("MISSOURI", "MO"),
    ("MONTANA", "MT"),
    ("MONT", "MT"),
    ("NEBRASKA", "NE"),
    ("NEBR", "NE"),
    ("NEVADA", "NV"),
    ("NEV", "NV"),
    ("NEW HAMPSHIRE", "NH"),
    ("NEW JERSEY", "NJ"),
    ("NEW MEXICO", "NM"),
    ("NEW YORK", "NY"),
    ("NORTH CAROLINA", "NC"),
    ("NORTH DAKOTA", "ND"),
    ("OHIO", "OH"),
    ("OKLAHOMA", "OK"),
    ("OKLA", "OK"),
    ("OREGON", "OR"),
    ("ORE", "OR"),
    ("PENNSYLVANIA", "PA"),
    ("PENN", "PA"),
    ("PENNA", "PA"),
    ("RHODE ISLAND", "RI"),
    ("SOUTH CAROLINA", "SC"),
    ("SOUTH DAKOTA", "SD"),
    ("TENNESSEE", "TN"),
    ("TENN", "TN"),
    ("TEXAS", "TX"),
    ("TEX", "TX"),
    ("UTAH", "UT"),
    ("VERMONT", "VT"),
    ("VIRGINIA", "VA"),
    ("WASHINGTON", "WA"),
    ("WASH", "WA"),
    ("WEST VIRGINIA", "WV"),
    ("WISCONSIN", "WI"),
    ("WIS", "WI"),
    ("WISC", "WI"),
    ("WYOMING", "WY"),
    ("WYO", "WY"),
    ("PUERTO RICO", "PR"),
    ("VIRGIN ISLANDS", "VI"),
    ("GUAM", "GU"),
    ("AMERICAN SAMOA", "AS"),
    ("NORTHERN MARIANA ISLANDS", "MP"),
];

/// Where a postal address is, however it is written: "12 Main St, Los
/// Angeles, CA 90012", "Los Angeles CA 90012", "Los Angeles, California",
/// "Los Angeles, Ca.", two lines, a trailing "USA". The state (two-letter
/// code) and the ZIP when there is one; None when the address names no
/// state Settle can read, which the gate treats as a location unknown.
pub fn place_address(text: &str) -> Option<(&'static str, Option<String>)> {
    let mut t: String = text
        .to_ascii_uppercase()
        .chars()
        .map(|c| if c == ',' || c == ';' || c.is_whitespace() { ' ' } else { c })
        .filter(|c| *c != '.')
        .collect();
    for country in ["UNITED STATES OF AMERICA", "UNITED STATES", "USA", "US"] {
        let trimmed = t.trim_end();
        if let Some(rest) = trimmed.strip_suffix(country) {
            if rest.is_empty() || rest.ends_with(' ') {
                t = rest.to_string();
                break;
            }
        }
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    let is_zip = |w: &str| {
        let digits: String = w.chars().filter(|c| *c != '-').collect();
        (digits.len() == 5 || digits.len() == 9) && digits.bytes().all(|b| b.is_ascii_digit()) && w.len() <= 10
    };
    let (zip, end) = match words.last() {
        Some(w) if is_zip(w) => (Some(w.chars().filter(|c| *c != '-').take(5).collect::<String>()), words.len() - 1),
        _ => (None, words.len()),
    };
    if end == 0 {
        return None;
    }
    let last = words[end - 1];
    // Every code appears in the names' table (DC and the territories too).
    let code = |w: &str| STATE_NAMES.iter().find(|(_, c)| *c == w).map(|(_, c)| *c);
    if let Some(c) = code(last) {
        return Some((c, zip));
    }
    // Names of up to four words ending just before the ZIP (or at the end).
    for n in (1..=4.min(end)).rev() {
        let name = words[end - n..end].join(" ");
        if let Some((_, c)) = STATE_NAMES.iter().find(|(full, _)| *full == name) {
            return Some((c, zip));
        }
    }
    None
}

/// The zones a postal address lies in, or None when it cannot be placed.
pub fn zones_of_address(text: &str) -> Option<Vec<UsZone>> {
    let (state, zip) = place_address(text)?;
    zones_of_place(state, zip.as_deref())
}

/// The zones of a state (two-letter code) and ZIP, or None when the code is
/// no state or territory with a zone (the military's AA, AE and AP).
/// Arizona keeps standard time, but the Navajo Nation, in the north-east,
/// keeps daylight saving: an Arizona ZIP of 860xx or 865xx (the north and
/// north-east, the Navajo and Hopi lands) or no ZIP keeps to both; any
/// other Arizona ZIP keeps Arizona time alone.
pub fn zones_of_place(state: &str, zip: Option<&str>) -> Option<Vec<UsZone>> {
    if state == "AZ" {
        if let Some(zip) = zip.filter(|z| z.len() >= 5 && !z.starts_with("860") && !z.starts_with("865")) {
            debug_assert!(zip.bytes().all(|b| b.is_ascii_digit()));
            return Some(vec![UsZone::Arizona]);
        }
    }
    Some(zones_of_state(state).to_vec()).filter(|z| !z.is_empty())
}

/// The two-letter code of a state or territory however it is written
/// ("CA", "Ca.", "Calif", "California"), or of the military's mail
/// "states" (AA, AE, AP); None for anything else.
pub fn state_code(written: &str) -> Option<&'static str> {
    let upper: String = written.trim().to_ascii_uppercase().chars().filter(|c| *c != '.').collect();
    let upper = upper.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(code) = ["AA", "AE", "AP"].into_iter().find(|c| *c == upper) {
        return Some(code);
    }
    STATE_NAMES.iter().find(|(name, code)| *code == upper || *name == upper).map(|(_, code)| *code)
}

/// Geographic area codes by state (NANPA assignments; an overlay shares its
/// state). An area code not listed says nothing about where a person is.
const AREA_CODES: &[(&str, &[u16])] = &[
    ("AL", &[205, 251, 256, 334, 659, 938]),
    ("AK", &[907]),
    ("AZ", &[480, 520, 602, 623, 928]),
    ("AR", &[327, 479, 501, 870]),
    (
        "CA",
        &[
            209, 213, 279, 310, 323, 341, 350, 369, 408, 415, 424, 442, 510, 530, 559, 562, 619, 626, 628, 650, 657, 661, 669, 707, 714, 738, 747, 760, 805,
            818, 820, 831, 840, 858, 909, 916, 925, 949, 951,
        ],
    ),
    ("CO", &[303, 719, 720, 970, 983]),
    ("CT", &[203, 475, 860, 959]),
    ("DE", &[302]),
    ("DC", &[202, 771]),
    (
        "FL",
        &[
            239, 305, 321, 324, 352, 386, 407, 448, 561, 645, 656, 689, 727, 728, 754, 772, 786, 813, 850, 863, 904, 941, 954,
        ],
    ),
    ("GA", &[229, 404, 470, 478, 678, 706, 762, 770, 912, 943]),
    ("HI", &[808]),
    ("ID", &[208, 986]),
    ("IL", &[217, 224, 309, 312, 331, 447, 464, 618, 630, 708, 730, 773, 779, 815, 847, 861, 872]),
    ("IN", &[219, 260, 317, 463, 574, 765, 812, 930]),
    ("IA", &[319, 515, 563, 641, 712]),
    ("KS", &[316, 620, 785, 913]),
    ("KY", &[270, 364, 502, 606, 859]),
    ("LA", &[225, 318, 337, 504, 985]),
    ("ME", &[207]),
    ("MD", &[227, 240, 301, 410, 443, 667]),
    ("MA", &[339, 351, 413, 508, 617, 774, 781, 857, 978]),
    ("MI", &[231, 248, 269, 313, 517, 586, 616, 679, 734, 810, 906, 947, 989]),
    ("MN", &[218, 320, 507, 612, 651, 763, 924, 952]),
    ("MS", &[228, 471, 601, 662, 769]),
    ("MO", &[235, 314, 417, 557, 573, 636, 660, 816, 975]),
    ("MT", &[406]),
    ("NE", &[308, 402, 531]),
    ("NV", &[702, 725, 775]),
    ("NH", &[603]),
    ("NJ", &[201, 551, 609, 640, 732, 848, 856, 862, 908, 973]),
    ("NM", &[505, 575]),
    (
        "NY",
        &[
            212, 315, 329, 332, 347, 363, 516, 518, 585, 607, 624, 631, 646, 680, 716, 718, 838, 845, 914, 917, 929, 934,
        ],
    ),
    ("NC", &[252, 336, 472, 704, 743, 828, 910, 919, 980, 984]),
    ("ND", &[701]),
    ("OH", &[216, 220, 234, 283, 326, 330, 380, 419, 436, 440, 513, 567, 614, 740, 937]),
    ("OK", &[405, 539, 572, 580, 918]),
    ("OR", &[458, 503, 541, 971]),
    ("PA", &[215, 223, 267, 272, 412, 445, 484, 570, 582, 610, 717, 724, 814, 835, 878]),
    ("RI", &[401]),
    ("SC", &[803, 821, 839, 843, 854, 864]),
    ("SD", &[605]),
    ("TN", &[423, 615, 629, 731, 865, 901, 931]),
    (
        "TX",
        &[
            210, 214, 254, 281, 325, 346, 361, 409, 430, 432, 469, 512, 682, 713, 726, 737, 806, 817, 830, 832, 903, 915, 936, 940, 945, 956, 972, 979,
        ],
    ),
    ("UT", &[385, 435, 801]),
    ("VT", &[802]),
    ("VA", &[276, 434, 540, 571, 686, 703, 757, 804, 826, 948]),
    ("WA", &[206, 253, 360, 425, 509, 564]),
    ("WV", &[304, 681]),
    ("WI", &[262, 274, 353, 414, 534, 608, 715, 920]),
    ("WY", &[307]),
    ("PR", &[787, 939]),
    ("VI", &[340]),
    ("GU", &[671]),
    ("MP", &[670]),
    ("AS", &[684]),
];

/// The state of a US phone number's area code (any formatting; a leading
/// 1 is the country code).
pub fn state_of_phone(phone: &str) -> Option<&'static str> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.len() {
        11 if digits.starts_with('1') => &digits[1..],
        10 => digits.as_str(),
        _ => return None,
    };
    let area: u16 = national[..3].parse().ok()?;
    AREA_CODES.iter().find(|(_, codes)| codes.contains(&area)).map(|(state, _)| *state)
}

/// The zones a phone's area code points to.
pub fn zones_of_phone(phone: &str) -> &'static [UsZone] {
    state_of_phone(phone).map(zones_of_state).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_map_to_their_states_and_zones() {
        assert_eq!(state_of_phone("+1 (808) 555-0100"), Some("HI"));
        assert_eq!(state_of_phone("907-555-0100"), Some("AK"));
        assert_eq!(state_of_phone("2175550100"), Some("IL"));
        assert_eq!(
            zones_of_phone("915 555 0100"),
            &[UsZone::Central, UsZone::Mountain],
            "El Paso: Texas spans two zones"
        );
        assert_eq!(state_of_phone("555-0100"), None);
        assert_eq!(
            UsZone::parse("hawaii"),
            Some(UsZone::Hawaii),
            "not the Aleutian zone whose long name starts alike"
        );
        assert_eq!(UsZone::parse("Hawaii-Aleutian"), Some(UsZone::Aleutian));
        assert_eq!(UsZone::parse("  EASTERN "), Some(UsZone::Eastern));
        assert_eq!(UsZone::parse("mars"), None);
        assert_eq!(zones_of_phone("800-555-0100"), &[] as &[UsZone], "toll-free says nothing of where");
        // Every area code is listed once.
        let mut all: Vec<u16> = AREA_CODES.iter().flat_map(|(_, c)| c.iter().copied()).collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
    }
}
