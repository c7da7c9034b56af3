//! The 835 Health Care Claim Payment/Advice, 005010X221A1: its loops and
//! segments as the implementation guide orders them.

use super::{r, rl, rq, s, sl, sq, Guide, Loop, MANY};

pub const GUIDE: Guide = Guide {
    set: "835",
    version: "005010X221A1",
    also: &[],
    name: "835 Claim Payment/Advice",
    body: &BODY,
};

/// Other claim identifiers and the rendering provider's (2100 REF01).
const CLAIM_REFERENCES: &[&str] = &[
    "1L", "1W", "28", "6P", "9A", "9C", "BB", "CE", "EA", "F8", "G1", "G3", "IG", "SY", "0B", "1A", "1B", "1C", "1D", "1G", "1H", "1J", "D3", "G2", "LU",
];
/// A service's identifiers, its line item control number, the rendering
/// provider's and the policy's (2110 REF01).
const LINE_REFERENCES: &[&str] = &[
    "1S", "APC", "BB", "E9", "G1", "G3", "LU", "RB", "6R", "0B", "1A", "1B", "1C", "1D", "1G", "1H", "1J", "D3", "G2", "HPI", "SY", "TJ", "0K",
];

static BODY: Loop = Loop {
    id: "HEADER",
    name: "header",
    items: &[
        r("BPR", 1),
        s("NTE", MANY),
        r("TRN", 1),
        s("CUR", 1),
        sq("REF", 2, 1, &["EV", "F2"]),
        sq("DTM", 1, 1, &["405"]),
        rl(&L1000A, 1),
        rl(&L1000B, 1),
        sl(&L2000, MANY),
        s("PLB", MANY),
    ],
};

static L1000A: Loop = Loop {
    id: "1000A",
    name: "payer identification",
    items: &[
        rq("N1", 1, 1, &["PR"]),
        r("N3", 1),
        r("N4", 1),
        sq("REF", 4, 1, &["2U", "EO", "HI", "NF"]),
        sq("PER", MANY, 1, &["CX", "BL", "IC"]),
    ],
};

static L1000B: Loop = Loop {
    id: "1000B",
    name: "payee identification",
    items: &[
        rq("N1", 1, 1, &["PE"]),
        s("N3", 1),
        s("N4", 1),
        sq("REF", MANY, 1, &["0B", "D3", "PQ", "TJ"]),
        s("RDM", 1),
    ],
};

static L2000: Loop = Loop {
    id: "2000",
    name: "header number",
    items: &[r("LX", 1), s("TS3", 1), s("TS2", 1), rl(&L2100, MANY)],
};

static L2100: Loop = Loop {
    id: "2100",
    name: "claim payment information",
    items: &[
        r("CLP", 1),
        s("CAS", 99),
        rq("NM1", 1, 1, &["QC"]),
        sq("NM1", 6, 1, &["IL", "74", "82", "TT", "PR", "GB"]),
        s("MIA", 1),
        s("MOA", 1),
        sq("REF", 15, 1, CLAIM_REFERENCES),
        sq("DTM", 4, 1, &["232", "233", "036", "050"]),
        sq("PER", 3, 1, &["CX"]),
        sq("AMT", 13, 1, &["AU", "D8", "DY", "F5", "I", "NL", "T", "T2", "ZK", "ZL", "ZM", "ZN", "ZO"]),
        sq(
            "QTY",
            14,
            1,
            &["CA", "CD", "LA", "LE", "NE", "NR", "OU", "PS", "VS", "ZK", "ZL", "ZM", "ZN", "ZO"],
        ),
        sl(&L2110, 999),
    ],
};

static L2110: Loop = Loop {
    id: "2110",
    name: "service payment information",
    items: &[
        r("SVC", 1),
        sq("DTM", 2, 1, &["150", "151", "472"]),
        s("CAS", 99),
        sq("REF", 15, 1, LINE_REFERENCES),
        sq("AMT", 9, 1, &["B6", "KH", "T", "T2", "ZK", "ZL", "ZM", "ZN", "ZO"]),
        sq("QTY", 8, 1, &["ZK", "ZL", "ZM", "ZN", "ZO"]),
        sq("LQ", 99, 1, &["HE", "RX"]),
    ],
};
