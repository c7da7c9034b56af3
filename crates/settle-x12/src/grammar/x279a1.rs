//! The 270 Eligibility Inquiry and 271 Eligibility Response, 005010X279A1.

use super::{r, rl, rq, s, sl, Guide, Loop, MANY};

pub const GUIDE_270: Guide = Guide {
    set: "270",
    version: "005010X279A1",
    also: &[],
    name: "270 Eligibility Inquiry",
    body: &INQUIRY,
};

pub const GUIDE_271: Guide = Guide {
    set: "271",
    version: "005010X279A1",
    also: &[],
    name: "271 Eligibility Response",
    body: &RESPONSE,
};

static INQUIRY: Loop = Loop {
    id: "HEADER",
    name: "header",
    items: &[r("BHT", 1), rl(&Q2000A, MANY)],
};

static Q2000A: Loop = Loop {
    id: "2000A",
    name: "information source",
    items: &[rq("HL", 1, 3, &["20"]), rl(&Q2100A, 1), rl(&Q2000B, MANY)],
};

static Q2100A: Loop = Loop {
    id: "2100A",
    name: "information source name",
    items: &[r("NM1", 1)],
};

static Q2000B: Loop = Loop {
    id: "2000B",
    name: "information receiver",
    items: &[rq("HL", 1, 3, &["21"]), rl(&Q2100B, 1), rl(&Q2000C, MANY)],
};

static Q2100B: Loop = Loop {
    id: "2100B",
    name: "information receiver name",
    items: &[r("NM1", 1), s("REF", 9), s("N3", 1), s("N4", 1), s("PRV", 1)],
};

static Q2000C: Loop = Loop {
    id: "2000C",
    name: "subscriber",
    items: &[rq("HL", 1, 3, &["22"]), s("TRN", 2), rl(&Q2100C, 1), sl(&Q2000D, MANY)],
};

static Q2100C: Loop = Loop {
    id: "2100C",
    name: "subscriber name",
    items: &[
        r("NM1", 1),
        s("REF", 9),
        s("N3", 1),
        s("N4", 1),
        s("PRV", 1),
        s("DMG", 1),
        s("INS", 1),
        s("HI", 1),
        s("DTP", 2),
        sl(&Q2110C, 99),
    ],
};

static Q2110C: Loop = Loop {
    id: "2110C",
    name: "subscriber eligibility or benefit inquiry",
    items: &[r("EQ", 1), s("AMT", 2), s("III", 1), s("REF", 1), s("DTP", 1)],
};

static Q2000D: Loop = Loop {
    id: "2000D",
    name: "dependent",
    items: &[rq("HL", 1, 3, &["23"]), s("TRN", 2), rl(&Q2100D, 1)],
};

static Q2100D: Loop = Loop {
    id: "2100D",
    name: "dependent name",
    items: &[
        r("NM1", 1),
        s("REF", 3),
        s("N3", 1),
        s("N4", 1),
        s("PRV", 1),
        s("DMG", 1),
        s("INS", 1),
        s("HI", 1),
        s("DTP", 2),
        sl(&Q2110D, 99),
    ],
};

static Q2110D: Loop = Loop {
    id: "2110D",
    name: "dependent eligibility or benefit inquiry",
    items: &[r("EQ", 1), s("III", 1), s("REF", 1), s("DTP", 1)],
};

static RESPONSE: Loop = Loop {
    id: "HEADER",
    name: "header",
    items: &[r("BHT", 1), rl(&A2000A, MANY)],
};

static A2000A: Loop = Loop {
    id: "2000A",
    name: "information source",
    items: &[rq("HL", 1, 3, &["20"]), s("AAA", 9), rl(&A2100A, 1), sl(&A2000B, MANY)],
};

static A2100A: Loop = Loop {
    id: "2100A",
    name: "information source name",
    items: &[r("NM1", 1), s("PER", 3), s("AAA", 9)],
};

static A2000B: Loop = Loop {
    id: "2000B",
    name: "information receiver",
    items: &[rq("HL", 1, 3, &["21"]), rl(&A2100B, 1), sl(&A2000C, MANY)],
};

static A2100B: Loop = Loop {
    id: "2100B",
    name: "information receiver name",
    items: &[r("NM1", 1), s("REF", 9), s("AAA", 9), s("PRV", 1)],
};

static A2000C: Loop = Loop {
    id: "2000C",
    name: "subscriber",
    items: &[rq("HL", 1, 3, &["22"]), s("TRN", 3), rl(&A2100C, 1), sl(&A2000D, MANY)],
};

static A2100C: Loop = Loop {
    id: "2100C",
    name: "subscriber name",
    items: &[
        r("NM1", 1),
        s("REF", 9),
        s("N3", 1),
        s("N4", 1),
        s("AAA", 9),
        s("PRV", 1),
        s("DMG", 1),
        s("INS", 1),
        s("HI", 1),
        s("DTP", 9),
        s("MPI", 1),
        sl(&A2110C, MANY),
    ],
};

static A2110C: Loop = Loop {
    id: "2110C",
    name: "subscriber eligibility or benefit information",
    items: &[
        r("EB", 1),
        s("HSD", 9),
        s("REF", 9),
        s("DTP", 20),
        s("AAA", 9),
        s("MSG", 10),
        sl(&A2115C, 10),
        sl(&LS2120C, 1),
    ],
};

/// LS ... LE around the 2120C loops: an LS opens them and an LE must close them.
static LS2120C: Loop = Loop {
    id: "LS/2120C",
    name: "benefit related entities",
    items: &[r("LS", 1), rl(&A2120C, 23), r("LE", 1)],
};

static A2115C: Loop = Loop {
    id: "2115C",
    name: "subscriber eligibility or benefit additional information",
    items: &[r("III", 1)],
};

static A2120C: Loop = Loop {
    id: "2120C",
    name: "subscriber benefit related entity",
    items: &[r("NM1", 1), s("N3", 1), s("N4", 1), s("PER", 3), s("PRV", 1)],
};

static A2000D: Loop = Loop {
    id: "2000D",
    name: "dependent",
    items: &[rq("HL", 1, 3, &["23"]), s("TRN", 3), rl(&A2100D, 1)],
};

static A2100D: Loop = Loop {
    id: "2100D",
    name: "dependent name",
    items: &[
        r("NM1", 1),
        s("REF", 3),
        s("N3", 1),
        s("N4", 1),
        s("AAA", 9),
        s("PRV", 1),
        s("DMG", 1),
        s("INS", 1),
        s("HI", 1),
        s("DTP", 9),
        s("MPI", 1),
        sl(&A2110D, MANY),
    ],
};

static A2110D: Loop = Loop {
    id: "2110D",
    name: "dependent eligibility or benefit information",
    items: &[
        r("EB", 1),
        s("HSD", 9),
        s("REF", 9),
        s("DTP", 20),
        s("AAA", 9),
        s("MSG", 10),
        sl(&A2115D, 10),
        sl(&LS2120D, 1),
    ],
};

/// LS ... LE around the 2120D loops: an LS opens them and an LE must close them.
static LS2120D: Loop = Loop {
    id: "LS/2120D",
    name: "benefit related entities",
    items: &[r("LS", 1), rl(&A2120D, 23), r("LE", 1)],
};

static A2115D: Loop = Loop {
    id: "2115D",
    name: "dependent eligibility or benefit additional information",
    items: &[r("III", 1)],
};

static A2120D: Loop = Loop {
    id: "2120D",
    name: "dependent benefit related entity",
    items: &[r("NM1", 1), s("N3", 1), s("N4", 1), s("PER", 3), s("PRV", 1)],
};
