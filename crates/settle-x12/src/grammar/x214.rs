//! The 277 Claim Acknowledgment (277CA), 005010X214.

use super::{r, rl, rq, s, sl, sq, Guide, Loop, MANY};

pub const GUIDE: Guide = Guide {
    set: "277",
    version: "005010X214",
    also: &[],
    name: "277 Claim Acknowledgment",
    body: &BODY,
};

static BODY: Loop = Loop {
    id: "HEADER",
    name: "header",
    items: &[r("BHT", 1), rl(&L2000A, MANY)],
};

static L2000A: Loop = Loop {
    id: "2000A",
    name: "information source",
    items: &[rq("HL", 1, 3, &["20"]), rl(&L2100A, 1), rl(&L2200A, 1), rl(&L2000B, MANY)],
};

static L2100A: Loop = Loop {
    id: "2100A",
    name: "information source name",
    items: &[rq("NM1", 1, 1, &["PR", "AY"])],
};

static L2200A: Loop = Loop {
    id: "2200A",
    name: "transmission receipt",
    items: &[rq("TRN", 1, 1, &["1"]), sq("DTP", 1, 1, &["050"]), sq("DTP", 1, 1, &["009"])],
};

static L2000B: Loop = Loop {
    id: "2000B",
    name: "information receiver",
    items: &[rq("HL", 1, 3, &["21"]), rl(&L2100B, 1), sl(&L2200B, 1), sl(&L2000C, MANY)],
};

static L2100B: Loop = Loop {
    id: "2100B",
    name: "information receiver name",
    items: &[rq("NM1", 1, 1, &["41"])],
};

static L2200B: Loop = Loop {
    id: "2200B",
    name: "information receiver status",
    items: &[
        rq("TRN", 1, 1, &["2"]),
        r("STC", MANY),
        sq("QTY", 2, 1, &["90", "AA"]),
        sq("AMT", 2, 1, &["YU", "YY"]),
    ],
};

static L2000C: Loop = Loop {
    id: "2000C",
    name: "billing provider",
    items: &[rq("HL", 1, 3, &["19"]), rl(&L2100C, 1), sl(&L2200C, 1), sl(&L2000D, MANY)],
};

static L2100C: Loop = Loop {
    id: "2100C",
    name: "billing provider name",
    items: &[rq("NM1", 1, 1, &["85"])],
};

static L2200C: Loop = Loop {
    id: "2200C",
    name: "billing provider status",
    items: &[
        rq("TRN", 1, 1, &["1"]),
        s("STC", MANY),
        sq("REF", 3, 1, &["0B", "1G", "G2", "LU", "SY", "TJ"]),
        sq("QTY", 2, 1, &["QA", "QC"]),
        sq("AMT", 2, 1, &["YU", "YY"]),
    ],
};

static L2000D: Loop = Loop {
    id: "2000D",
    name: "patient",
    items: &[rq("HL", 1, 3, &["PT"]), rl(&L2100D, 1), rl(&L2200D, MANY)],
};

static L2100D: Loop = Loop {
    id: "2100D",
    name: "patient name",
    items: &[rq("NM1", 1, 1, &["QC"])],
};

static L2200D: Loop = Loop {
    id: "2200D",
    name: "claim status tracking",
    items: &[
        rq("TRN", 1, 1, &["2"]),
        r("STC", MANY),
        sq("REF", 3, 1, &["1K", "D9", "BLT"]),
        sq("DTP", 1, 1, &["472"]),
        sl(&L2220D, MANY),
    ],
};

static L2220D: Loop = Loop {
    id: "2220D",
    name: "service line",
    items: &[r("SVC", 1), r("STC", MANY), sq("REF", 1, 1, &["FJ", "XZ"]), sq("DTP", 1, 1, &["472"])],
};
