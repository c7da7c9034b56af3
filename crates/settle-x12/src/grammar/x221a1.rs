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

static BODY: Loop = Loop {
    id: "HEADER",
    name: "header",
    items: &[
        r("BPR", 1),
        s("NTE", MANY),
        r("TRN", 1),
        s("CUR", 1),
        s("REF", 2),
        s("DTM", 1),
        rl(&L1000A, 1),
        rl(&L1000B, 1),
        sl(&L2000, MANY),
        s("PLB", MANY),
    ],
};

static L1000A: Loop = Loop {
    id: "1000A",
    name: "payer identification",
    items: &[rq("N1", 1, 1, &["PR"]), r("N3", 1), r("N4", 1), s("REF", 4), s("PER", MANY)],
};

static L1000B: Loop = Loop {
    id: "1000B",
    name: "payee identification",
    items: &[rq("N1", 1, 1, &["PE"]), s("N3", 1), s("N4", 1), s("REF", MANY), s("RDM", 1)],
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
        s("REF", 15),
        s("DTM", 4),
        s("PER", 3),
        s("AMT", 13),
        s("QTY", 14),
        sl(&L2110, 999),
    ],
};

static L2110: Loop = Loop {
    id: "2110",
    name: "service payment information",
    items: &[r("SVC", 1), s("DTM", 2), s("CAS", 99), s("REF", 15), s("AMT", 9), s("QTY", 8), s("LQ", 99)],
};
