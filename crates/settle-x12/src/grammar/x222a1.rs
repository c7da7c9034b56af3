//! The 837 Professional claim, 005010X222A1: its loops and segments as the
//! implementation guide orders them. Segments used several times in a
//! loop with different qualifiers (the claim's dates, references, amounts)
//! are one entry with their combined maximum, and the codes of every use:
//! any other qualifier has no place in that loop.

use super::{r, rl, rq, s, sl, sq, Guide, Loop, MANY};

pub const GUIDE: Guide = Guide {
    set: "837",
    version: "005010X222A1",
    also: &["005010X222A2"],
    name: "837 Professional",
    body: &BODY,
};

/// The claim's dates (2300 DTP01).
const CLAIM_DATES: &[&str] = &[
    "431", "454", "304", "453", "439", "484", "455", "471", "314", "360", "361", "297", "296", "435", "096", "090", "091", "444", "050",
];
/// The claim's references (2300 REF01).
const CLAIM_REFERENCES: &[&str] = &["4N", "F5", "EW", "9F", "G1", "F8", "X4", "9A", "9C", "LX", "D9", "EA", "P4", "1J"];
/// A service line's references (2400 REF01).
const LINE_REFERENCES: &[&str] = &["9B", "9D", "G1", "6R", "EW", "X4", "F4", "BT", "9F"];
/// A provider's secondary identifiers where the guide takes all four.
const PROVIDER_IDS: &[&str] = &["0B", "1G", "G2", "LU"];
/// CN1-01: the contract type.
const CONTRACT_TYPES: &[&str] = &["01", "02", "03", "04", "05", "06", "09"];
/// PWK01: the attachment's report type.
const REPORT_TYPES: &[&str] = &[
    "03", "04", "05", "06", "07", "08", "09", "10", "11", "13", "15", "21", "A3", "A4", "AM", "AS", "B2", "B3", "B4", "BR", "BS", "BT", "CB", "CK", "CT", "D2",
    "DA", "DB", "DG", "DJ", "DS", "EB", "HC", "HR", "I5", "IR", "LA", "M1", "MT", "NN", "OB", "OC", "OD", "OE", "OX", "OZ", "P4", "P5", "PE", "PN", "PO", "PQ",
    "PY", "PZ", "RB", "RR", "RT", "RX", "SG", "V5", "XP",
];

static BODY: Loop = Loop {
    id: "HEADER",
    name: "header",
    items: &[r("BHT", 1), rl(&L1000A, 1), rl(&L1000B, 1), rl(&L2000A, MANY)],
};

static L1000A: Loop = Loop {
    id: "1000A",
    name: "submitter",
    items: &[rq("NM1", 1, 1, &["41"]), rq("PER", 2, 1, &["IC"])],
};

static L1000B: Loop = Loop {
    id: "1000B",
    name: "receiver",
    items: &[rq("NM1", 1, 1, &["40"])],
};

static L2000A: Loop = Loop {
    id: "2000A",
    name: "billing provider",
    items: &[
        rq("HL", 1, 3, &["20"]),
        sq("PRV", 1, 1, &["BI"]),
        s("CUR", 1),
        rl(&L2010AA, 1),
        sl(&L2010AB, 1),
        sl(&L2010AC, 1),
        rl(&L2000B, MANY),
    ],
};

static L2010AA: Loop = Loop {
    id: "2010AA",
    name: "billing provider name",
    items: &[
        rq("NM1", 1, 1, &["85"]),
        r("N3", 1),
        r("N4", 1),
        rq("REF", 3, 1, &["EI", "SY", "0B", "1G"]),
        sq("PER", 2, 1, &["IC"]),
    ],
};

static L2010AB: Loop = Loop {
    id: "2010AB",
    name: "pay-to address",
    items: &[rq("NM1", 1, 1, &["87"]), r("N3", 1), r("N4", 1)],
};

static L2010AC: Loop = Loop {
    id: "2010AC",
    name: "pay-to plan",
    items: &[rq("NM1", 1, 1, &["PE"]), r("N3", 1), r("N4", 1), sq("REF", 2, 1, &["2U", "FY", "NF", "EI"])],
};

static L2000B: Loop = Loop {
    id: "2000B",
    name: "subscriber",
    items: &[
        rq("HL", 1, 3, &["22"]),
        r("SBR", 1),
        s("PAT", 1),
        rl(&L2010BA, 1),
        rl(&L2010BB, 1),
        sl(&L2300, 100),
        sl(&L2000C, MANY),
    ],
};

static L2010BA: Loop = Loop {
    id: "2010BA",
    name: "subscriber name",
    items: &[
        rq("NM1", 1, 1, &["IL"]),
        s("N3", 1),
        s("N4", 1),
        s("DMG", 1),
        sq("REF", 2, 1, &["SY", "Y4"]),
        sq("PER", 1, 1, &["IC"]),
    ],
};

static L2010BB: Loop = Loop {
    id: "2010BB",
    name: "payer name",
    items: &[
        rq("NM1", 1, 1, &["PR"]),
        s("N3", 1),
        s("N4", 1),
        sq("REF", 5, 1, &["2U", "EI", "FY", "NF", "G2", "LU"]),
    ],
};

static L2000C: Loop = Loop {
    id: "2000C",
    name: "patient",
    items: &[rq("HL", 1, 3, &["23"]), r("PAT", 1), rl(&L2010CA, 1), rl(&L2300, 100)],
};

static L2010CA: Loop = Loop {
    id: "2010CA",
    name: "patient name",
    items: &[
        rq("NM1", 1, 1, &["QC"]),
        r("N3", 1),
        r("N4", 1),
        r("DMG", 1),
        sq("REF", 2, 1, &["Y4", "1W", "SY"]),
        sq("PER", 1, 1, &["IC"]),
    ],
};

static L2300: Loop = Loop {
    id: "2300",
    name: "claim information",
    items: &[
        r("CLM", 1),
        sq("DTP", 20, 1, CLAIM_DATES),
        sq("PWK", 10, 1, REPORT_TYPES),
        sq("CN1", 1, 1, CONTRACT_TYPES),
        sq("AMT", 1, 1, &["F5"]),
        sq("REF", 14, 1, CLAIM_REFERENCES),
        s("K3", 10),
        sq("NTE", 1, 1, &["ADD", "CER", "DCP", "DGN", "TPO"]),
        s("CR1", 1),
        s("CR2", 1),
        s("CRC", 8),
        rq("HI", 1, 1, &["ABK", "BK"]),
        sq(
            "HI",
            5,
            1,
            &["ABF", "BF", "ABJ", "BJ", "ABN", "BN", "BP", "BO", "BR", "BQ", "BH", "BE", "BG", "TC"],
        ),
        s("HCP", 1),
        sl(&L2310A, 1),
        sl(&L2310B, 1),
        sl(&L2310C, 1),
        sl(&L2310D, 1),
        sl(&L2310E, 1),
        sl(&L2310F, 1),
        sl(&L2320, 10),
        rl(&L2400, 50),
    ],
};

static L2310A: Loop = Loop {
    id: "2310A",
    name: "referring provider",
    items: &[rq("NM1", 2, 1, &["DN", "P3"]), sq("REF", 3, 1, &["0B", "1G", "G2"])],
};

static L2310B: Loop = Loop {
    id: "2310B",
    name: "rendering provider",
    items: &[rq("NM1", 1, 1, &["82"]), sq("PRV", 1, 1, &["PE"]), sq("REF", 4, 1, PROVIDER_IDS)],
};

static L2310C: Loop = Loop {
    id: "2310C",
    name: "service facility",
    items: &[
        rq("NM1", 1, 1, &["77"]),
        r("N3", 1),
        r("N4", 1),
        sq("REF", 3, 1, &["0B", "G2", "LU"]),
        sq("PER", 1, 1, &["IC"]),
    ],
};

static L2310D: Loop = Loop {
    id: "2310D",
    name: "supervising provider",
    items: &[rq("NM1", 1, 1, &["DQ"]), sq("REF", 4, 1, PROVIDER_IDS)],
};

static L2310E: Loop = Loop {
    id: "2310E",
    name: "ambulance pick-up location",
    items: &[rq("NM1", 1, 1, &["PW"]), r("N3", 1), r("N4", 1)],
};

static L2310F: Loop = Loop {
    id: "2310F",
    name: "ambulance drop-off location",
    items: &[rq("NM1", 1, 1, &["45"]), r("N3", 1), r("N4", 1)],
};

static L2320: Loop = Loop {
    id: "2320",
    name: "other subscriber information",
    items: &[
        r("SBR", 1),
        s("CAS", 5),
        sq("AMT", 3, 1, &["D", "A8", "EAF"]),
        r("OI", 1),
        s("MOA", 1),
        rl(&L2330A, 1),
        rl(&L2330B, 1),
        sl(&L2330C, 1),
        sl(&L2330D, 1),
        sl(&L2330E, 1),
        sl(&L2330F, 1),
        sl(&L2330G, 1),
    ],
};

static L2330A: Loop = Loop {
    id: "2330A",
    name: "other subscriber name",
    items: &[rq("NM1", 1, 1, &["IL"]), s("N3", 1), s("N4", 1), sq("REF", 1, 1, &["SY"])],
};

static L2330B: Loop = Loop {
    id: "2330B",
    name: "other payer name",
    items: &[
        rq("NM1", 1, 1, &["PR"]),
        s("N3", 1),
        s("N4", 1),
        sq("DTP", 1, 1, &["573"]),
        sq("REF", 6, 1, &["2U", "EI", "FY", "NF", "G1", "9F", "T4", "F8"]),
    ],
};

static L2330C: Loop = Loop {
    id: "2330C",
    name: "other payer referring provider",
    items: &[rq("NM1", 2, 1, &["DN", "P3"]), rq("REF", 3, 1, &["0B", "1G", "G2"])],
};

static L2330D: Loop = Loop {
    id: "2330D",
    name: "other payer rendering provider",
    items: &[rq("NM1", 1, 1, &["82"]), rq("REF", 3, 1, PROVIDER_IDS)],
};

static L2330E: Loop = Loop {
    id: "2330E",
    name: "other payer service facility",
    items: &[rq("NM1", 1, 1, &["77"]), rq("REF", 3, 1, &["0B", "G2", "LU"])],
};

static L2330F: Loop = Loop {
    id: "2330F",
    name: "other payer supervising provider",
    items: &[rq("NM1", 1, 1, &["DQ"]), rq("REF", 3, 1, PROVIDER_IDS)],
};

static L2330G: Loop = Loop {
    id: "2330G",
    name: "other payer billing provider",
    items: &[rq("NM1", 1, 1, &["85"]), rq("REF", 2, 1, &["G2", "LU"])],
};

static L2400: Loop = Loop {
    id: "2400",
    name: "service line",
    items: &[
        r("LX", 1),
        r("SV1", 1),
        s("SV5", 1),
        sq("PWK", 11, 1, REPORT_TYPES),
        s("CR1", 1),
        s("CR3", 1),
        s("CRC", 3),
        rq("DTP", 1, 1, &["472"]),
        sq("DTP", 9, 1, &["471", "607", "463", "461", "304", "738", "739", "011", "455", "454"]),
        sq("QTY", 2, 1, &["PT", "FL"]),
        sq("MEA", 5, 1, &["OG", "TR"]),
        sq("CN1", 1, 1, CONTRACT_TYPES),
        sq("REF", 17, 1, LINE_REFERENCES),
        sq("AMT", 2, 1, &["T", "F4"]),
        s("K3", 10),
        sq("NTE", 2, 1, &["ADD", "DCP", "TPO"]),
        s("PS1", 1),
        s("HCP", 1),
        sl(&L2410, 1),
        sl(&L2420A, 1),
        sl(&L2420B, 1),
        sl(&L2420C, 1),
        sl(&L2420D, 1),
        sl(&L2420E, 1),
        sl(&L2420F, 2),
        sl(&L2420G, 1),
        sl(&L2420H, 1),
        sl(&L2430, 15),
        sl(&L2440, MANY),
    ],
};

static L2410: Loop = Loop {
    id: "2410",
    name: "drug identification",
    items: &[r("LIN", 1), r("CTP", 1), sq("REF", 1, 1, &["VY", "XZ"])],
};

static L2420A: Loop = Loop {
    id: "2420A",
    name: "rendering provider",
    items: &[rq("NM1", 1, 1, &["82"]), sq("PRV", 1, 1, &["PE"]), sq("REF", 20, 1, PROVIDER_IDS)],
};

static L2420B: Loop = Loop {
    id: "2420B",
    name: "purchased service provider",
    items: &[rq("NM1", 1, 1, &["QB"]), sq("REF", 20, 1, &["0B", "1G", "G2"])],
};

static L2420C: Loop = Loop {
    id: "2420C",
    name: "service facility",
    items: &[rq("NM1", 1, 1, &["77"]), r("N3", 1), r("N4", 1), sq("REF", 3, 1, &["G2", "LU"])],
};

static L2420D: Loop = Loop {
    id: "2420D",
    name: "supervising provider",
    items: &[rq("NM1", 1, 1, &["DQ"]), sq("REF", 20, 1, PROVIDER_IDS)],
};

static L2420E: Loop = Loop {
    id: "2420E",
    name: "ordering provider",
    items: &[
        rq("NM1", 1, 1, &["DK"]),
        s("N3", 1),
        s("N4", 1),
        sq("REF", 20, 1, &["0B", "1G", "G2"]),
        sq("PER", 1, 1, &["IC"]),
    ],
};

static L2420F: Loop = Loop {
    id: "2420F",
    name: "referring provider",
    items: &[rq("NM1", 1, 1, &["DN", "P3"]), sq("REF", 20, 1, &["0B", "1G", "G2"])],
};

static L2420G: Loop = Loop {
    id: "2420G",
    name: "ambulance pick-up location",
    items: &[rq("NM1", 1, 1, &["PW"]), r("N3", 1), r("N4", 1)],
};

static L2420H: Loop = Loop {
    id: "2420H",
    name: "ambulance drop-off location",
    items: &[rq("NM1", 1, 1, &["45"]), r("N3", 1), r("N4", 1)],
};

static L2430: Loop = Loop {
    id: "2430",
    name: "line adjudication",
    items: &[r("SVD", 1), s("CAS", 5), rq("DTP", 1, 1, &["573"]), sq("AMT", 1, 1, &["EAF"])],
};

static L2440: Loop = Loop {
    id: "2440",
    name: "form identification",
    items: &[r("LQ", 1), r("FRM", 99)],
};
