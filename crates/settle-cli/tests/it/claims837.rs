//! Claims from the command line to an 837P file that pyx12 accepts: several
//! claims in one file, several lines, modifiers, a rendering provider, a
//! dependent patient and a secondary coverage.

use crate::Books;

fn clinic() -> Books {
    let books = Books::new();
    for (number, name, born, sex) in [("P-1", "Jane Smith", "1970-04-02", "F"), ("P-2", "Ted Smith", "2012-05-01", "M")] {
        books.ok(&[
            "account",
            "add",
            number,
            "--name",
            name,
            "--date-of-birth",
            born,
            "--sex",
            sex,
            "--address",
            "236 N Main St, Miami, FL 33413",
            "--ar",
            "patient",
            "--opened",
            "2026-01-01",
        ]);
    }
    books.ok(&[
        "payer",
        "add",
        "66783JJT",
        "--name",
        "Key Insurance Company",
        "--filing",
        "CI",
        "--timely-days",
        "90",
    ]);
    books.ok(&["payer", "add", "MCR01", "--name", "Medicare Part B", "--filing", "MB", "--timely-days", "365"]);
    books.ok(&[
        "provider",
        "add",
        "1912301953",
        "--name",
        "Ben Kildare Service",
        "--kind",
        "organisation",
        "--taxonomy",
        "203BF0100Y",
        "--tax-id",
        "587654321",
        "--address",
        "234 Seaway St, Miami, FL 33111-0000",
    ]);
    books.ok(&["provider", "add", "1003000126", "--name", "Ima Doctor", "--taxonomy", "207Q00000X"]);
    // Payers mail this practice's checks to a lockbox (2010AB).
    let paid = books.ok(&["provider", "pay-to", "1912301953", "PO Box 9000, Miami, FL 33111-9000"]);
    assert!(paid.contains("is paid at PO Box 9000"), "{paid}");
    assert!(books.ok(&["provider", "list"]).contains("paid at PO Box 9000, Miami, FL 33111-9000"));
    books.ok(&[
        "coverage",
        "add",
        "P-1",
        "--payer",
        "66783JJT",
        "--member-id",
        "JS00111223333",
        "--group",
        "2222-SJ",
        "--from",
        "2026-01-01",
    ]);
    books.ok(&[
        "coverage",
        "add",
        "P-1",
        "--payer",
        "MCR01",
        "--member-id",
        "1EG4TE5MK73",
        "--priority",
        "secondary",
        "--from",
        "2026-01-01",
    ]);
    books.ok(&[
        "coverage",
        "add",
        "P-2",
        "--payer",
        "66783JJT",
        "--member-id",
        "JS00111223333",
        "--group",
        "2222-SJ",
        "--relationship",
        "child",
        "--subscriber",
        "Jane Smith",
        "--from",
        "2026-01-01",
    ]);
    books
}

/// Runs pyx12's validator on a copy (it writes a .997 beside its input).
pub(crate) fn pyx12_accepts(books: &Books, path: &str) {
    let copy = format!("{path}.pyx12-copy");
    std::fs::copy(path, &copy).unwrap();
    let run = std::process::Command::new("x12valid").arg(&copy).output();
    match run {
        Err(_) if std::env::var_os("SETTLE_REQUIRE_PYX12").is_none() => {
            eprintln!("skipped: pyx12's x12valid is not installed (pip install pyx12); CI runs it");
        }
        Err(e) => panic!("x12valid could not run: {e}"),
        Ok(out) => {
            let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            assert!(
                text.contains(": OK") && !text.contains("ERROR"),
                "pyx12 refused {path}:\n{text}\n{}",
                std::fs::read_to_string(path).unwrap()
            );
        }
    }
    let _ = books;
}

#[test]
fn claims_go_out_as_an_837p_that_pyx12_accepts_and_come_back_acknowledged() {
    let books = clinic();
    let adult = books.file(
        "adult.json",
        r#"{"account_number": "P-1", "billing_npi": "1912301953", "rendering_npi": "1003000126", "place_of_service": "11",
            "diagnoses": ["E11.9", "I10", "E78.5"],
            "facts": {"prior_authorization": "PA-2026-118", "referral_number": "REF-77", "clia_number": "14D0987654",
                      "referring_provider": {"last": "Okafor", "first": "Ngozi", "npi": "1003000126"},
                      "related_causes": {"auto_accident": true, "auto_accident_state": "FL"}, "accident_date": "2026-10-30",
                      "onset_date": "2026-10-30", "note": {"kind": "ADD", "text": "Seen after hours, María's request"},
                      "attachments": [{"report_type": "OZ", "transmission": "FX", "control_number": "ATT-9"}]},
            "lines": [{"date_of_service": "2026-11-02", "procedure_code": "99214", "modifiers": ["25"], "diagnosis_pointers": [1, 2, 3], "charge": "180.00"},
                      {"date_of_service": "2026-11-02", "procedure_code": "82947", "diagnosis_pointers": [1], "units": 2, "charge": "30.50",
                       "facts": {"ordering_provider": {"last": "Wilson", "first": "Larry", "npi": "1003000126"}, "clia_number": "14D0987654"}},
                      {"date_of_service": "2026-11-02", "procedure_code": "20610", "modifiers": ["RT", "59"], "diagnosis_pointers": [2], "charge": "210.00",
                       "facts": {"prior_authorization": "PA-LINE-3", "drug": {"ndc": "0409-4888-01", "quantity": "2.5", "unit": "ML"}}}]}"#,
    );
    let child = books.file(
        "child.json",
        r#"{"account_number": "P-2", "billing_npi": "1912301953", "place_of_service": "11", "diagnoses": ["J06.9"],
            "lines": [{"date_of_service": "2026-11-10", "procedure_code": "99392", "diagnosis_pointers": [1], "charge": "150.00"},
                      {"date_of_service": "2026-11-10", "procedure_code": "J1100", "diagnosis_pointers": [1], "units": 1.5, "charge": "25"}]}"#,
    );
    let out = books.ok(&["claim", "create", &adult, "--as-of", "2026-11-24"]);
    assert!(out.contains("CLM-000001  ready"), "{out}");
    books.ok(&["claim", "create", &child, "--as-of", "2026-11-24"]);

    // Without a contact phone the file cannot be made, and nothing changes.
    let refused = books.fails(&["claim", "export", "--payer", "66783JJT", "--as-of", "2026-11-24"]);
    assert!(refused.contains("x12_contact_phone"), "{refused}");
    books.ok(&["settings", "set", "--x12-contact-phone", "305-555-2222"]);
    // Claims chosen by number: one that is not there refuses the whole file.
    let refused = books.fails(&["claim", "export", "--payer", "66783JJT", "CLM-000001", "CLM-000009", "--as-of", "2026-11-24"]);
    assert!(refused.contains("choice 2: there is no claim CLM-000009"), "{refused}");
    let ted = books.ok(&["claim", "list", "--search", "ted"]);
    assert!(ted.contains("CLM-000002") && !ted.contains("CLM-000001"), "{ted}");
    // Accounts handed over together, or not at all.
    let refused = books.fails(&["queue", "assign", "P-1", "P-2", "--to", "nobody"]);
    assert!(refused.contains("no user"), "{refused}");
    let out = books.ok(&["queue", "assign", "P-1", "P-2", "--to", ""]);
    assert!(out.contains("2 account(s) go back to the assignment rules"), "{out}");
    let file = books.dir.path().join("batch.837").display().to_string();
    let out = books.ok(&["claim", "export", "--payer", "66783JJT", "--out", &file, "--as-of", "2026-11-24"]);
    assert!(out.contains("2 claim(s), 595.50 total"), "{out}");
    let text = std::fs::read_to_string(&file).unwrap();
    for expected in [
        "SV1*HC:99214:25*180",
        "SV1*HC:20610:RT:59*210",
        "PAT*19~",
        "SBR*S*18*******MB~",
        "NM1*82*1*DOCTOR*IMA",
        "CLM*CLM-000001*420.5***11:B:1*Y*A*Y*Y**AA:::FL~",
        "REF*G1*PA-2026-118~",
        "NTE*ADD*SEEN AFTER HOURS, MARIA'S REQUEST~",
        "NM1*DN*1*OKAFOR*NGOZI****XX*1003000126~",
        "NM1*DK*1*WILSON*LARRY****XX*1003000126~",
        "LIN**N4*00409488801~",
        // Dexamethasone 1 mg a unit, 1.5 mg given: a decimal SV104.
        "SV1*HC:J1100*25*UN*1.5***1~",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
    let check = books.ok(&["x12", "check", &file]);
    assert!(check.contains("no problems") || !check.contains("error"), "{check}");
    pyx12_accepts(&books, &file);

    // The payer's 277CA: the adult's claim accepted, the child's rejected.
    let ack = books.file(
        "ack.277",
        "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261125*1008*^*00501*000014420*0*T*:~\
GS*HN*66783JJT*587654321*20261125*100831*14420*X*005010X214~ST*277*000014420*005010X214~\
BHT*0085*08*000000674*20261125*100831*TH~HL*1**20*1~NM1*PR*2*KEY INSURANCE*****PI*66783JJT~TRN*1*000014420~\
DTP*050*D8*20261125~DTP*009*D8*20261125~HL*2*1*21*1~NM1*41*2*CLINIC*****46*587654321~TRN*2*000000674~\
STC*A1:20*20261125*WQ*595.5~HL*3*2*19*1~NM1*85*2*BEN KILDARE SERVICE*****XX*1912301953~\
HL*4*3*PT~NM1*QC*1*SMITH*JANE****MI*JS00111223333~TRN*2*CLM-000001~STC*A2:20*20261125*WQ*420.5~REF*1K*2026329000123~\
HL*5*3*PT~NM1*QC*1*SMITH*TED~TRN*2*CLM-000002~STC*A7:33:IL*20261125*WQ*175~\
SE*23*000014420~GE*1*14420~IEA*1*000014420~",
    );
    let out = books.ok(&["claim", "ack", &ack]);
    assert!(out.contains("277CA read: 2 claim(s) changed"), "{out}");
    let rejected = books.ok(&["claim", "list", "--status", "rejected"]);
    assert!(
        rejected.contains("CLM-000002") && rejected.contains("A7 rejected for invalid information"),
        "{rejected}"
    );
    let shown = books.ok(&["claim", "show", "CLM-000001"]);
    assert!(shown.contains("accepted") && shown.contains("2026329000123"), "{shown}");
    for expected in [
        "Prior authorization: PA-2026-118",
        "Referring provider: Okafor, Ngozi (NPI 1003000126)",
        "Related to: auto accident (FL)",
        "line 3: NDC 00409488801 2.5 ML; authorization PA-LINE-3",
    ] {
        assert!(shown.contains(expected), "{expected} not in\n{shown}");
    }
    // A list cut short says so.
    let one = books.cmd(&["claim", "list", "--limit", "1"]).success();
    let (listed, note) = (
        String::from_utf8_lossy(&one.get_output().stdout),
        String::from_utf8_lossy(&one.get_output().stderr),
    );
    assert!(listed.contains("CLM-000002") && !listed.contains("CLM-000001"), "{listed}");
    assert!(note.contains("Only the newest 1 matching claims are shown"), "{note}");

    // A corrected claim for the accepted one: frequency 7 with the payer's number.
    books.ok(&["claim", "correct", "CLM-000001", "--as-of", "2026-11-24"]);
    books.ok(&["claim", "edit", "CLM-000003", &adult, "--as-of", "2026-11-24"]);
    books.ok(&["claim", "edit", "CLM-000002", &child, "--as-of", "2026-11-24"]);
    let second = books.dir.path().join("second.837").display().to_string();
    let out = books.ok(&["claim", "export", "--payer", "66783JJT", "--out", &second, "--as-of", "2026-11-24"]);
    assert!(out.contains("2 claim(s)"), "{out}");
    let text = std::fs::read_to_string(&second).unwrap();
    assert!(text.contains("NM1*87*2~\nN3*PO BOX 9000~\nN4*MIAMI*FL*331119000~"), "{text}");
    assert!(
        text.contains("CLM*CLM-000003*420.5***11:B:7") && text.contains("REF*F8*2026329000123"),
        "{text}"
    );
    pyx12_accepts(&books, &second);
    let verified = books.ok(&["verify"]);
    assert!(verified.contains("OK"), "{verified}");
}

#[test]
fn a_remittance_is_read_and_balanced_before_anything_is_posted() {
    let books = Books::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/x12/linuxforhealth");
    let out = books.ok(&["x12", "remit", &format!("{dir}/managed-care.835")]);
    assert!(
        out.contains("claim 5554555444 (processed as primary): charged 800.00 USD, paid 450.00 USD, patient owes 300.00 USD"),
        "{out}"
    );
    assert!(out.contains("balanced."), "{out}");
    let output = books
        .cmd(&["x12", "remit", &format!("{dir}/tertiary-payment.835")])
        .failure()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(output).unwrap();
    assert!(out.contains("segment 20 (SVC), element SVC01: SVC01 names no procedure code"), "{out}");
    assert!(
        out.contains(
            "claim 0001000054 line 1 (with no code): charge 24599.00 USD less payment 1766.50 USD is 22832.50 USD, but its adjustments add up to 1579.00 USD"
        ),
        "{out}"
    );
}

/// A test payer's 835 for CLM-000001 of [`clinic`]'s adult visit: each line
/// paid in part, written down (CO-45) and with a share left to the patient.
fn primary_era() -> String {
    let segments = [
        "ST*835*0001*005010X221A1",
        "BPR*I*270.00*C*ACH*CCP*01*999999999*DA*123456*1666666666**01*999888777*DA*654321*20261201",
        "TRN*1*EFT-SEC-1*1666666666",
        "N1*PR*KEY INSURANCE COMPANY",
        "N3*PO BOX 1",
        "N4*MIAMI*FL*33111",
        "N1*PE*BEN KILDARE SERVICE*XX*1912301953",
        "LX*1",
        "CLP*CLM-000001*1*420.50*270.00*50.00*12*ICN1",
        "NM1*QC*1*SMITH*JANE",
        "SVC*HC:99214:25*180.00*100.00",
        "DTM*472*20261102",
        "CAS*CO*45*50.00",
        "CAS*PR*1*30.00",
        "REF*6R*CLM-000001-1",
        "SVC*HC:82947*30.50*20.00**2",
        "DTM*472*20261102",
        "CAS*CO*45*10.50",
        "REF*6R*CLM-000001-2",
        "SVC*HC:20610:RT:59*210.00*150.00",
        "DTM*472*20261102",
        "CAS*CO*45*40.00",
        "CAS*PR*2*20.00",
        "REF*6R*CLM-000001-3",
    ];
    format!(
        "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261201*1200*^*00501*000000043*0*P*:~\
GS*HP*66783JJT*587654321*20261201*1200*43*X*005010X221A1~{}~SE*{}*0001~GE*1*43~IEA*1*000000043~",
        segments.join("~"),
        segments.len() + 1
    )
}

#[test]
fn the_secondary_goes_out_with_the_primarys_answer_and_pyx12_accepts_it() {
    let books = clinic();
    let adult = books.file(
        "adult.json",
        r#"{"account_number": "P-1", "billing_npi": "1912301953", "rendering_npi": "1003000126", "place_of_service": "11",
            "diagnoses": ["E11.9", "I10", "E78.5"], "facts": {"clia_number": "14D0987654"},
            "lines": [{"date_of_service": "2026-11-02", "procedure_code": "99214", "modifiers": ["25"], "diagnosis_pointers": [1, 2, 3], "charge": "180.00"},
                      {"date_of_service": "2026-11-02", "procedure_code": "82947", "diagnosis_pointers": [1], "units": 2, "charge": "30.50"},
                      {"date_of_service": "2026-11-02", "procedure_code": "20610", "modifiers": ["RT", "59"], "diagnosis_pointers": [2], "charge": "210.00"}]}"#,
    );
    books.ok(&["claim", "create", &adult, "--as-of", "2026-11-24"]);
    books.ok(&["settings", "set", "--x12-contact-phone", "305-555-2222"]);
    let first = books.dir.path().join("primary.837").display().to_string();
    books.ok(&["claim", "export", "--payer", "66783JJT", "--out", &first, "--as-of", "2026-11-24"]);
    // Before the primary pays there is no secondary to bill.
    let early = books.fails(&["claim", "secondary", "CLM-000001", "--as-of", "2026-11-24"]);
    assert!(early.contains("once the primary has paid"), "{early}");
    let era = books.file("primary.835", &primary_era());
    let out = books.ok(&["claim", "remit", &era, "--as-of", "2026-12-01"]);
    assert!(out.contains("1 claim(s) posted, 0 in the exception list"), "{out}");
    let due = books.ok(&["claim", "secondaries"]);
    assert!(due.contains("CLM-000001") && due.contains("Medicare Part B") && due.contains("50.00"), "{due}");
    let out = books.ok(&["claim", "secondary", "CLM-000001", "--as-of", "2026-12-01"]);
    assert!(out.contains("CLM-000002: secondary claim to Medicare Part B") && out.contains("ready"), "{out}");
    assert!(!books.ok(&["claim", "secondaries"]).contains("CLM-000001"), "billed once");
    let second = books.dir.path().join("secondary.837").display().to_string();
    let out = books.ok(&["claim", "export", "--payer", "MCR01", "--out", &second, "--as-of", "2026-12-01"]);
    assert!(out.contains("1 claim(s)"), "{out}");
    let text = std::fs::read_to_string(&second).unwrap();
    for expected in [
        // The secondary payer is billed as secondary; Key Insurance is the other payer, primary.
        "SBR*S*18",
        "SBR*P*18",
        // The primary's payment and the patient's share it left, at the claim...
        "AMT*D*270",
        "AMT*EAF*50",
        // ... and line by line: what it paid each line, its adjustments and when.
        "SVD*66783JJT*100*HC:99214:25**1",
        "CAS*CO*45*50",
        "CAS*PR*1*30",
        "DTP*573*D8*20261201",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
    pyx12_accepts(&books, &second);
    let verified = books.ok(&["verify"]);
    assert!(verified.contains("OK"), "{verified}");
}

/// Real people's names and addresses: particles, suffixes, accents, a
/// separator, a name and a street too long for their elements. Each claim
/// that X12 cannot carry is held back with the field and segment named;
/// the others go out in a file pyx12 accepts, names split as the guide
/// wants and folded to its character set.
#[test]
fn real_peoples_names_go_out_as_the_guide_wants_or_are_held_back_by_claim() {
    let books = clinic();
    books.ok(&["settings", "set", "--x12-contact-phone", "305-555-2222"]);
    let long_name = format!("Ana {}", "Wolfeschlegelsteinhausenbergerdorff".repeat(3));
    let long_street = format!("{} Ocean Boulevard, Miami, FL 33139", "1".repeat(50));
    let people = [
        ("R-1", "Maria de la Cruz", "236 N Main St, Miami, FL 33413"),
        ("R-2", "John Smith Jr", "236 N Main St, Miami, FL 33413"),
        ("R-3", "José Müller-Åström", "12 Hauptstraße, Miami, FL 33413"),
        ("R-4", "Seán O'Brien", "236 N Main St, Miami, FL 33413"),
        ("R-5", long_name.as_str(), "236 N Main St, Miami, FL 33413"),
        ("R-6", "Ann*Marie Lee", "236 N Main St, Miami, FL 33413"),
        ("R-7", "Ludwig van der Berg", "236 N Main St, Miami, FL 33413"),
    ];
    // A street longer than N301 takes is refused where it is entered.
    let refused = books.fails(&["account", "add", "R-8", "--name", "Ann Long", "--address", &long_street, "--ar", "patient"]);
    assert!(refused.contains("at most 55"), "{refused}");
    let mut created = Vec::new();
    for (n, (number, name, address)) in people.iter().enumerate() {
        books.ok(&[
            "account",
            "add",
            number,
            "--name",
            name,
            "--date-of-birth",
            "1970-04-02",
            "--sex",
            "F",
            "--address",
            address,
            "--ar",
            "patient",
            "--opened",
            "2026-01-01",
        ]);
        books.ok(&[
            "coverage",
            "add",
            number,
            "--payer",
            "66783JJT",
            "--member-id",
            &format!("RP{n:08}"),
            "--from",
            "2026-01-01",
        ]);
        let visit = books.file(
            &format!("{number}.json"),
            &format!(
                r#"{{"account_number": "{number}", "billing_npi": "1912301953", "place_of_service": "11", "diagnoses": ["J06.9"],
                    "lines": [{{"date_of_service": "2026-11-10", "procedure_code": "99213", "diagnosis_pointers": [1], "charge": "100.00"}}]}}"#
            ),
        );
        created.push(books.ok(&["claim", "create", &visit, "--as-of", "2026-11-24"]));
    }
    // Two cannot be written as they are: the scrubber says which field and
    // segment, and only those claims wait.
    for (n, held, why) in [(4, "patient.last_name", "NM103 (2010BA) takes at most 60"), (5, "patient.first_name", "'*'")] {
        assert!(created[n].contains(held) && created[n].contains(why), "{held} {why} not in\n{}", created[n]);
        assert!(!created[n].contains("ready"), "{}", created[n]);
    }
    let file = books.dir.path().join("people.837").display().to_string();
    let out = books.ok(&["claim", "export", "--payer", "66783JJT", "--out", &file, "--as-of", "2026-11-24"]);
    assert!(out.contains("5 claim(s), 500.00 total"), "{out}");
    let text = std::fs::read_to_string(&file).unwrap();
    for expected in [
        "NM1*IL*1*DE LA CRUZ*MARIA*",
        "NM1*IL*1*SMITH*JOHN***JR*",
        "NM1*IL*1*MULLER-ASTROM*JOSE*",
        "N3*12 HAUPTSTRASSE~",
        "NM1*IL*1*O'BRIEN*SEAN*",
        "NM1*IL*1*VAN DER BERG*LUDWIG*",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
    assert!(text.is_ascii(), "{text}");
    pyx12_accepts(&books, &file);
}

/// Payer rules from the command line: listed with Settle's own, imported
/// all or nothing with the line and column of each problem, exported as
/// the CSV they came in as.
#[test]
fn payer_rules_import_list_and_export() {
    let books = clinic();
    let listed = books.ok(&["payer", "rules"]);
    assert!(
        listed.contains("builtin:1") && listed.contains("filing:MC") && listed.contains("ndc"),
        "{listed}"
    );
    let bad = books.file(
        "bad-rules.csv",
        "scope,requires,procedures,places,diagnoses,level,why\nfiling:ZZ,ndc,J0120-J9999,,,error,x\n",
    );
    let err = books.fails(&["payer", "rules-import", &bad]);
    assert!(err.contains("line 2, column scope"), "{err}");
    assert_eq!(books.ok(&["payer", "rules", "--csv"]), "scope,requires,procedures,places,diagnoses,level,why\n");
    let good =
        "scope,requires,procedures,places,diagnoses,level,why\npayer:66783JJT,prior_authorization,70551-70553,,,error,\"Key authorizes MRIs, by phone\"\n";
    let file = books.file("rules.csv", good);
    let out = books.ok(&["payer", "rules-import", &file]);
    assert!(out.contains("1 payer rule(s)"), "{out}");
    assert_eq!(books.ok(&["payer", "rules", "--csv"]), good);
    assert!(books.ok(&["payer", "rules"]).contains("org:1"));
}

/// Authorizations on file from the command line: recorded, refused by
/// field, listed with what is left, and the worklist of claims waiting.
#[test]
fn authorizations_from_the_command_line() {
    let books = clinic();
    let err = books.fails(&[
        "authorization",
        "add",
        "P-1",
        "--payer",
        "66783JJT",
        "--number",
        "PA-1",
        "--codes",
        "97110",
        "--allowed",
        "0",
        "--from",
        "2026-10-01",
        "--to",
        "2026-12-31",
    ]);
    assert!(err.contains("allowed"), "{err}");
    let out = books.ok(&[
        "auth",
        "add",
        "P-1",
        "--payer",
        "66783JJT",
        "--number",
        "PA-1",
        "--codes",
        "97110 97140",
        "--allowed",
        "3",
        "--from",
        "2026-10-01",
        "--to",
        "2026-12-31",
    ]);
    assert!(out.contains("PA-1") && out.contains("0 of 3 visits used, 3 left"), "{out}");
    let listed = books.ok(&["authorization", "list", "--account", "P-1"]);
    assert!(listed.contains("97110 97140"), "{listed}");
    assert!(books.ok(&["authorization", "worklist"]).contains("No claim waits"));
}

/// Insurance follow-up from the command line: a sent claim is on the list
/// (waiting or due, by the day the test runs), a call to the payer is kept
/// on it, and it is handed to a person.
#[test]
fn follow_up_from_the_command_line() {
    let books = clinic();
    let visit = books.file(
        "visit.json",
        r#"{"account_number": "P-1", "billing_npi": "1912301953", "place_of_service": "11", "diagnoses": ["I10"],
            "lines": [{"date_of_service": "2026-11-02", "procedure_code": "99213", "diagnosis_pointers": [1], "charge": "125.00"}]}"#,
    );
    books.ok(&["claim", "create", &visit, "--as-of", "2026-11-24"]);
    books.ok(&["settings", "set", "--x12-contact-phone", "305-555-2222"]);
    books.ok(&["claim", "export", "--payer", "66783JJT", "--as-of", "2026-11-24"]);
    let ranked = books.ok(&["follow-up", "rank"]);
    assert!(ranked.contains("Ranked the follow-up list for") && ranked.contains("to work"), "{ranked}");
    let list = books.ok(&["follow-up", "list", "--all"]);
    assert!(list.contains("CLM-000001") && list.contains("submitted") && list.contains("66783JJT"), "{list}");
    let page = books.ok(&["follow-up", "list", "--all", "--limit", "1", "--offset", "1"]);
    assert!(!page.contains("CLM-000001"), "the second page of a one-claim list is empty: {page}");
    let payers = books.ok(&["payer", "list"]);
    assert!(
        payers.contains("to appeal") && payers.contains("corrections within the filing limit"),
        "{payers}"
    );
    let refused = books.fails(&["follow-up", "call", "CLM-000001", "--said", " "]);
    assert!(refused.contains("said"), "{refused}");
    let out = books.ok(&[
        "follow-up",
        "call",
        "CLM-000001",
        "--said",
        "In process",
        "--reference",
        "CR-4471",
        "--rep",
        "Dana",
        "--next",
        "2099-01-01",
    ]);
    assert!(out.contains("Call recorded on CLM-000001") && out.contains("2099-01-01"), "{out}");
    let calls = books.ok(&["follow-up", "calls", "CLM-000001"]);
    assert!(calls.contains("CR-4471") && calls.contains("In process; follow up on 2099-01-01"), "{calls}");
    assert!(books.ok(&["follow-up", "assign", "CLM-000001", "sam"]).contains("assigned to sam"));
    let mine = books.ok(&["follow-up", "list", "--all", "--assigned-to", "sam"]);
    assert!(mine.contains("CLM-000001") && mine.contains("[sam]") && mine.contains("waiting"), "{mine}");
    let shown = books.ok(&["claim", "show", "CLM-000001"]);
    assert!(shown.contains("payer call on") && shown.contains("follow-up assigned to sam"), "{shown}");
    // Ask the payer where the claim stands (276), read its 277 once and again.
    let file = books.dir.path().join("status.276").display().to_string();
    let out = books.ok(&["follow-up", "ask-status", "--payer", "66783JJT", "CLM-000001", "--out", &file]);
    assert!(out.contains("asking about 1 claim(s) (CLM-000001)"), "{out}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("ST*276*") && text.contains("TRN*1*CLM-000001~") && text.contains("AMT*T3*125~"),
        "{text}"
    );
    let check = books.ok(&["x12", "check", &file]);
    assert!(check.contains("276 Claim Status Request"), "{check}");
    let refused = books.fails(&["follow-up", "ask-status", "--payer", "MCR01", "CLM-000001"]);
    assert!(refused.contains("not billed to MCR01"), "{refused}");
    let answer = books.file(
        "status.277",
        "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261201*1008*^*00501*000000031*0*T*:~\
GS*HN*66783JJT*587654321*20261201*1008*31*X*005010X212~ST*277*0001*005010X212~BHT*0010*08*277X212*20261201*1008*DG~\
HL*1**20*1~NM1*PR*2*KEY INSURANCE*****PI*66783JJT~HL*2*1*21*1~NM1*41*2*CLINIC*****46*587654321~\
HL*3*2*19*1~NM1*1P*2*BEN KILDARE SERVICE*****XX*1912301953~HL*4*3*22*0~NM1*IL*1*SMITH*JANE****MI*JS00111223333~\
TRN*2*CLM-000001~STC*F1:65*20261130**125*125*20261130**20261130*EFT8841~REF*1K*2026334000777~REF*EJ*CLM-000001~\
DTP*472*D8*20261102~SE*16*0001~GE*1*31~IEA*1*000000031~",
    );
    let out = books.ok(&["claim", "ack", &answer]);
    assert!(
        out.contains("CLM-000001") && out.contains("F1 finalized: paid: the claim or line has been paid (status 65)"),
        "{out}"
    );
    let again = books.ok(&["claim", "ack", &answer]);
    assert!(again.contains("already read, so nothing changed"), "{again}");
    let list = books.ok(&["follow-up", "list", "--all"]);
    assert!(list.contains("get the remittance (835)") && list.contains("payer said on 2026-11-30"), "{list}");
    let one = books.ok(&["follow-up", "list", "--claim", "CLM-000001"]);
    assert!(one.contains("CLM-000001") && one.contains("get the remittance (835)"), "{one}");
    // A payer that echoes its own trace is matched by the patient control number (REF*EJ).
    let text = std::fs::read_to_string(&answer).unwrap();
    let theirs = books.file(
        "theirs.277",
        &text
            .replace("TRN*2*CLM-000001~", "TRN*2*THEIRS-77~")
            .replace("STC*F1:65*20261130", "STC*P1:20*20261203"),
    );
    let out = books.ok(&["claim", "ack", &theirs]);
    assert!(out.contains("CLM-000001") && out.contains("P1 pending: in process"), "{out}");
    // Aging by who owes: the payer's row, then the patients'.
    let aging = books.ok(&["report", "aging", "--by", "responsibility", "--as-of", "2026-12-31"]);
    assert!(
        aging.contains("INS-66783JJT") && aging.contains("Key Insurance Company") && aging.contains("125.00"),
        "{aging}"
    );
    // Written off: the payer's 125.00 adjusted off, the claim closed, off the list.
    let refused = books.fails(&["follow-up", "write-off", "CLM-000001", "--memo", " "]);
    assert!(refused.contains("memo"), "{refused}");
    let out = books.ok(&[
        "follow-up",
        "write-off",
        "CLM-000001",
        "--memo",
        "The payer's timely filing limit passed (CARC 29).",
    ]);
    assert!(out.contains("125.00 written off CLM-000001"), "{out}");
    assert!(books.ok(&["claim", "show", "CLM-000001"]).contains("closed"));
    assert!(!books.ok(&["follow-up", "list", "--all"]).contains("CLM-000001"));
}
