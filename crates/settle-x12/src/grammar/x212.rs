//! The 276 Claim Status Request and 277 Claim Status Response, 005010X212.
//!
//! Both nest the same levels: the payer (2000A, HL 20), the information
//! receiver (2000B, HL 21), the provider (2000C, HL 19), the subscriber
//! (2000D, HL 22) and a dependent patient (2000E, HL 23); each claim asked
//! about or answered sits under the patient (2200D/2200E, a TRN naming it),
//! with its lines (2210/2220, an SVC each). A 277 may also answer at the
//! receiver or provider level when it cannot answer for the claims.

use super::{r, rl, rq, s, sl, sq, Guide, Loop, MANY};

pub const GUIDE_276: Guide = Guide {
    set: "276",
    version: "005010X212",
    also: &[],
    name: "276 Claim Status Request",
    body: &REQUEST,
};

pub const GUIDE_277: Guide = Guide {
    set: "277",
    version: "005010X212",
    also: &[],
    name: "277 Claim Status Response",
    body: &RESPONSE,
};

/// The claim's identifiers either set may carry.
const CLAIM_REFS: &[&str] = &["1K", "BLT", "LU", "6P", "EJ", "XZ", "D9", "EA"];

static REQUEST: Loop = Loop {
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
    name: "payer name",
    items: &[rq("NM1", 1, 1, &["PR"])],
};

static Q2000B: Loop = Loop {
    id: "2000B",
    name: "information receiver",
    items: &[rq("HL", 1, 3, &["21"]), rl(&Q2100B, 1), rl(&Q2000C, MANY)],
};

static Q2100B: Loop = Loop {
    id: "2100B",
    name: "information receiver name",
    items: &[rq("NM1", 1, 1, &["41"])],
};

static Q2000C: Loop = Loop {
    id: "2000C",
    name: "service provider",
    items: &[rq("HL", 1, 3, &["19"]), rl(&Q2100C, 1), rl(&Q2000D, MANY)],
};

static Q2100C: Loop = Loop {
    id: "2100C",
    name: "provider name",
    items: &[rq("NM1", 1, 1, &["1P"])],
};

static Q2000D: Loop = Loop {
    id: "2000D",
    name: "subscriber",
    items: &[rq("HL", 1, 3, &["22"]), s("DMG", 1), rl(&Q2100D, 1), sl(&Q2200D, MANY), sl(&Q2000E, MANY)],
};

static Q2100D: Loop = Loop {
    id: "2100D",
    name: "subscriber name",
    items: &[rq("NM1", 1, 1, &["IL"])],
};

static Q2200D: Loop = Loop {
    id: "2200D",
    name: "claim status tracking number",
    items: &[
        rq("TRN", 1, 1, &["1"]),
        sq("REF", 8, 1, CLAIM_REFS),
        sq("AMT", 1, 1, &["T3"]),
        sq("DTP", 1, 1, &["472"]),
        sl(&Q2210D, MANY),
    ],
};

static Q2210D: Loop = Loop {
    id: "2210D",
    name: "service line",
    items: &[r("SVC", 1), sq("REF", 1, 1, &["FJ"]), sq("DTP", 1, 1, &["472"])],
};

static Q2000E: Loop = Loop {
    id: "2000E",
    name: "dependent",
    items: &[rq("HL", 1, 3, &["23"]), r("DMG", 1), rl(&Q2100E, 1), rl(&Q2200E, MANY)],
};

static Q2100E: Loop = Loop {
    id: "2100E",
    name: "dependent name",
    items: &[rq("NM1", 1, 1, &["QC"])],
};

static Q2200E: Loop = Loop {
    id: "2200E",
    name: "claim status tracking number",
    items: &[
        rq("TRN", 1, 1, &["1"]),
        sq("REF", 8, 1, CLAIM_REFS),
        sq("AMT", 1, 1, &["T3"]),
        sq("DTP", 1, 1, &["472"]),
        sl(&Q2210E, MANY),
    ],
};

static Q2210E: Loop = Loop {
    id: "2210E",
    name: "service line",
    items: &[r("SVC", 1), sq("REF", 1, 1, &["FJ"]), sq("DTP", 1, 1, &["472"])],
};

static RESPONSE: Loop = Loop {
    id: "HEADER",
    name: "header",
    items: &[r("BHT", 1), rl(&A2000A, MANY)],
};

static A2000A: Loop = Loop {
    id: "2000A",
    name: "information source",
    items: &[rq("HL", 1, 3, &["20"]), rl(&A2100A, 1), rl(&A2000B, MANY)],
};

static A2100A: Loop = Loop {
    id: "2100A",
    name: "payer name",
    items: &[rq("NM1", 1, 1, &["PR"]), s("PER", 1)],
};

static A2000B: Loop = Loop {
    id: "2000B",
    name: "information receiver",
    items: &[rq("HL", 1, 3, &["21"]), rl(&A2100B, 1), sl(&A2200B, 1), sl(&A2000C, MANY)],
};

static A2100B: Loop = Loop {
    id: "2100B",
    name: "information receiver name",
    items: &[rq("NM1", 1, 1, &["41"])],
};

static A2200B: Loop = Loop {
    id: "2200B",
    name: "information receiver status",
    items: &[rq("TRN", 1, 1, &["2"]), r("STC", MANY)],
};

static A2000C: Loop = Loop {
    id: "2000C",
    name: "service provider",
    items: &[rq("HL", 1, 3, &["19"]), rl(&A2100C, 1), sl(&A2200C, 1), sl(&A2000D, MANY)],
};

static A2100C: Loop = Loop {
    id: "2100C",
    name: "provider name",
    items: &[rq("NM1", 1, 1, &["1P"])],
};

static A2200C: Loop = Loop {
    id: "2200C",
    name: "provider status",
    items: &[rq("TRN", 1, 1, &["1"]), r("STC", MANY)],
};

static A2000D: Loop = Loop {
    id: "2000D",
    name: "subscriber",
    items: &[rq("HL", 1, 3, &["22"]), rl(&A2100D, 1), sl(&A2200D, MANY), sl(&A2000E, MANY)],
};

static A2100D: Loop = Loop {
    id: "2100D",
    name: "subscriber name",
    items: &[rq("NM1", 1, 1, &["IL"])],
};

static A2200D: Loop = Loop {
    id: "2200D",
    name: "claim status tracking number",
    items: &[
        rq("TRN", 1, 1, &["2"]),
        r("STC", MANY),
        sq("REF", 8, 1, CLAIM_REFS),
        sq("DTP", 1, 1, &["472"]),
        sl(&A2220D, MANY),
    ],
};

static A2220D: Loop = Loop {
    id: "2220D",
    name: "service line",
    items: &[r("SVC", 1), r("STC", MANY), sq("REF", 1, 1, &["FJ"]), sq("DTP", 1, 1, &["472"])],
};

static A2000E: Loop = Loop {
    id: "2000E",
    name: "dependent",
    items: &[rq("HL", 1, 3, &["23"]), rl(&A2100E, 1), rl(&A2200E, MANY)],
};

static A2100E: Loop = Loop {
    id: "2100E",
    name: "dependent name",
    items: &[rq("NM1", 1, 1, &["QC"])],
};

static A2200E: Loop = Loop {
    id: "2200E",
    name: "claim status tracking number",
    items: &[
        rq("TRN", 1, 1, &["2"]),
        r("STC", MANY),
        sq("REF", 8, 1, CLAIM_REFS),
        sq("DTP", 1, 1, &["472"]),
        sl(&A2220E, MANY),
    ],
};

static A2220E: Loop = Loop {
    id: "2220E",
    name: "service line",
    items: &[r("SVC", 1), r("STC", MANY), sq("REF", 1, 1, &["FJ"]), sq("DTP", 1, 1, &["472"])],
};
