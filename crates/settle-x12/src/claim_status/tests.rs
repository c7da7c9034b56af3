use super::*;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../testdata/x12/linuxforhealth/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

#[test]
fn the_public_277_is_read_claim_by_claim() {
    let parsed = crate::read(&sample("claim-level-status.277"));
    let answer = read_277(&parsed).unwrap();
    let traces: Vec<&str> = answer.claims.iter().map(|c| c.trace.as_str()).collect();
    assert_eq!(traces, ["ABCXYZ1", "ABCXYZ2", "ABCXYC3"]);
    let first = &answer.claims[0];
    assert_eq!(
        (
            first.statuses[0].category.as_str(),
            first.statuses[0].code.as_str(),
            first.payer_claim_number.as_str()
        ),
        ("P3", "317", "05347006051")
    );
    assert_eq!(
        (first.effective.as_str(), first.charge.as_str(), first.patient_control_number.as_str()),
        ("20050913", "8513.88", "SM123456")
    );
    let dependent = &answer.claims[2];
    assert_eq!(dependent.statuses[0].entity, "QC");
    assert_eq!(dependent.lines.len(), 1, "{dependent:#?}");
    assert_eq!(dependent.lines[0].0, "99203");
    assert!(
        dependent.statuses[0].words().starts_with("F2 finalized: denied"),
        "{}",
        dependent.statuses[0].words()
    );
}

#[test]
fn a_status_above_the_claims_is_kept_by_level() {
    let answer = read_277(&crate::read(&sample("provider-level-status.277"))).unwrap();
    assert_eq!(answer.claims.len(), 1);
    assert_eq!(answer.levels.len(), 1);
    assert_eq!((answer.levels[0].level, answer.levels[0].statuses[0].category.as_str()), ("provider", "E0"));
    let receiver = read_277(&crate::read(&sample("information-receiver-level-status.277"))).unwrap();
    assert!(receiver.claims.is_empty());
    assert_eq!(receiver.levels[0].level, "receiver");
}

#[test]
fn a_277ca_or_a_broken_277_is_not_read_as_a_status_response() {
    let ca = std::fs::read(format!("{}/../../testdata/x12/imsweb/x12_277CA_accepted.txt", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let err = read_277(&crate::read(&ca)).unwrap_err();
    assert!(err.iter().any(|d| d.message.contains("no 277 claim status response")), "{err:?}");
    let text = String::from_utf8(sample("claim-level-status.277"))
        .unwrap()
        .replace("TRN*2*ABCXYZ2", "TRN*9*ABCXYZ2");
    let err = read_277(&crate::read(text.as_bytes())).unwrap_err();
    assert!(err.iter().any(|d| d.segment_id == "TRN"), "{err:?}");
}

pub(crate) fn request() -> StatusRequest {
    let claim = |number: &str, dependent: bool| StatusClaim {
        claim_number: number.into(),
        payer_claim_number: if dependent { "PCN77".into() } else { String::new() },
        subscriber_last: "SMITH".into(),
        subscriber_first: "JANE".into(),
        member_id: "JS00111223333".into(),
        subscriber_date_of_birth: Some(date("1970-04-02")),
        subscriber_sex: "F".into(),
        dependent: dependent.then(|| ("SMITH".into(), "TED".into(), date("2012-05-01"), "M".into())),
        total_charge: "125.5".into(),
        first_service: date("2026-11-02"),
        last_service: if dependent { date("2026-11-04") } else { date("2026-11-02") },
    };
    StatusRequest {
        sender_id: "587654321".into(),
        receiver_id: "66783JJT".into(),
        created_on: date("2026-12-06"),
        created_at: "1010".into(),
        interchange_control: 42,
        reference: "STATUS42".into(),
        payer_name: "KEY INSURANCE COMPANY".into(),
        payer_id: "66783JJT".into(),
        receiver_name: "BEN KILDARE SERVICE".into(),
        receiver_tax_id: "587654321".into(),
        provider_name: "BEN KILDARE SERVICE".into(),
        provider_npi: "1912301953".into(),
        claims: vec![claim("CLM-000001", false), claim("CLM-000002", true)],
    }
}

#[test]
fn the_276_written_walks_its_guide() {
    let text = write_276(&request()).unwrap();
    let parsed = crate::read(text.as_bytes());
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let problems = crate::grammar::check(&parsed.interchanges, None);
    assert!(problems.is_empty(), "{problems:?}\n{text}");
    for expected in [
        "GS*HR*",
        "ST*276*0042*005010X212~",
        "HL*4*3*22*0~",
        "DMG*D8*19700402*F~",
        "TRN*1*CLM-000001~",
        "REF*EJ*CLM-000001~",
        "AMT*T3*125.5~",
        "DTP*472*D8*20261102~",
        "HL*5*3*22*1~",
        "HL*6*5*23~",
        "NM1*QC*1*SMITH*TED~",
        "REF*1K*PCN77~",
        "DTP*472*RD8*20261102-20261104~",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
}

/// Writes the sample 276 for pyx12 (`SETTLE_WRITE_276=path`).
#[test]
fn write_sample_276_when_asked() {
    if let Ok(path) = std::env::var("SETTLE_WRITE_276") {
        std::fs::write(path, write_276(&request()).unwrap()).unwrap();
    }
}
