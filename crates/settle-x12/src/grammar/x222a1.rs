//! The 837 Professional claim, 005010X222A1: its loops and segments as the
//! implementation guide orders them. Segments used several times in a
//! loop with different qualifiers (the claim's dates, references, amounts)
//! are one entry with their combined maximum.

use super::{r, rl, rq, s, sl, sq, Guide, Loop, MANY};

pub const GUIDE: Guide = Guide {
    set: "837",
    version: "005010X222A1",
    also: &["005010X222A2"],
    name: "837 Professional",
    body: &BODY,
};

static BODY: Loop = Loop {
    id: "HEADER",
    name: "header",
    items: &[r("BHT", 1), rl(&L1000A, 1), rl(&L1000B, 1), rl(&L2000A, MANY)],
};

static L1000A: Loop = Loop {
    id: "1000A",
    name: "submitter",
    items: &[rq("NM1", 1, 1, &["41"]), r("PER", 2)],
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
        s("PRV", 1),
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
    items: &[rq("NM1", 1, 1, &["85"]), r("N3", 1), r("N4", 1), r("REF", 3), s("PER", 2)],
};

static L2010AB: Loop = Loop {
    id: "2010AB",
    name: "pay-to address",
    items: &[rq("NM1", 1, 1, &["87"]), r("N3", 1), r("N4", 1)],
};

static L2010AC: Loop = Loop {
    id: "2010AC",
    name: "pay-to plan",
    items: &[rq("NM1", 1, 1, &["PE"]), r("N3", 1), r("N4", 1), s("REF", 2)],
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
    items: &[rq("NM1", 1, 1, &["IL"]), s("N3", 1), s("N4", 1), s("DMG", 1), s("REF", 2), s("PER", 1)],
};

static L2010BB: Loop = Loop {
    id: "2010BB",
    name: "payer name",
    items: &[rq("NM1", 1, 1, &["PR"]), s("N3", 1), s("N4", 1), s("REF", 5)],
};

static L2000C: Loop = Loop {
    id: "2000C",
    name: "patient",
    items: &[rq("HL", 1, 3, &["23"]), r("PAT", 1), rl(&L2010CA, 1), rl(&L2300, 100)],
};

static L2010CA: Loop = Loop {
    id: "2010CA",
    name: "patient name",
    items: &[rq("NM1", 1, 1, &["QC"]), r("N3", 1), r("N4", 1), r("DMG", 1), s("REF", 2), s("PER", 1)],
};

static L2300: Loop = Loop {
    id: "2300",
    name: "claim information",
    items: &[
        r("CLM", 1),
        s("DTP", 20),
        s("PWK", 10),
        s("CN1", 1),
        s("AMT", 1),
        s("REF", 14),
        s("K3", 10),
        s("NTE", 1),
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
    items: &[rq("NM1", 2, 1, &["DN", "P3"]), s("REF", 3)],
};

static L2310B: Loop = Loop {
    id: "2310B",
    name: "rendering provider",
    items: &[rq("NM1", 1, 1, &["82"]), s("PRV", 1), s("REF", 4)],
};

static L2310C: Loop = Loop {
    id: "2310C",
    name: "service facility",
    items: &[rq("NM1", 1, 1, &["77"]), r("N3", 1), r("N4", 1), s("REF", 3), s("PER", 1)],
};

static L2310D: Loop = Loop {
    id: "2310D",
    name: "supervising provider",
    items: &[rq("NM1", 1, 1, &["DQ"]), s("REF", 4)],
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
        s("AMT", 3),
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
    items: &[rq("NM1", 1, 1, &["IL"]), s("N3", 1), s("N4", 1), s("REF", 1)],
};

static L2330B: Loop = Loop {
    id: "2330B",
    name: "other payer name",
    items: &[rq("NM1", 1, 1, &["PR"]), s("N3", 1), s("N4", 1), s("DTP", 1), s("REF", 6)],
};

static L2330C: Loop = Loop {
    id: "2330C",
    name: "other payer referring provider",
    items: &[rq("NM1", 2, 1, &["DN", "P3"]), r("REF", 3)],
};

static L2330D: Loop = Loop {
    id: "2330D",
    name: "other payer rendering provider",
    items: &[rq("NM1", 1, 1, &["82"]), r("REF", 3)],
};

static L2330E: Loop = Loop {
    id: "2330E",
    name: "other payer service facility",
    items: &[rq("NM1", 1, 1, &["77"]), r("REF", 3)],
};

static L2330F: Loop = Loop {
    id: "2330F",
    name: "other payer supervising provider",
    items: &[rq("NM1", 1, 1, &["DQ"]), r("REF", 3)],
};

static L2330G: Loop = Loop {
    id: "2330G",
    name: "other payer billing provider",
    items: &[rq("NM1", 1, 1, &["85"]), r("REF", 2)],
};

static L2400: Loop = Loop {
    id: "2400",
    name: "service line",
    items: &[
        r("LX", 1),
        r("SV1", 1),
        s("SV5", 1),
        s("PWK", 10),
        s("CR1", 1),
        s("CR3", 1),
        s("CRC", 3),
        rq("DTP", 1, 1, &["472"]),
        sq("DTP", 9, 1, &["471", "607", "463", "461", "304", "738", "739", "011", "455", "454"]),
        s("QTY", 2),
        s("MEA", 5),
        s("CN1", 1),
        s("REF", 17),
        s("AMT", 2),
        s("K3", 10),
        s("NTE", 2),
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
    items: &[r("LIN", 1), r("CTP", 1), s("REF", 1)],
};

static L2420A: Loop = Loop {
    id: "2420A",
    name: "rendering provider",
    items: &[rq("NM1", 1, 1, &["82"]), s("PRV", 1), s("REF", 20)],
};

static L2420B: Loop = Loop {
    id: "2420B",
    name: "purchased service provider",
    items: &[rq("NM1", 1, 1, &["QB"]), s("REF", 20)],
};

static L2420C: Loop = Loop {
    id: "2420C",
    name: "service facility",
    items: &[rq("NM1", 1, 1, &["77"]), r("N3", 1), r("N4", 1), s("REF", 3)],
};

static L2420D: Loop = Loop {
    id: "2420D",
    name: "supervising provider",
    items: &[rq("NM1", 1, 1, &["DQ"]), s("REF", 20)],
};

static L2420E: Loop = Loop {
    id: "2420E",
    name: "ordering provider",
    items: &[rq("NM1", 1, 1, &["DK"]), s("N3", 1), s("N4", 1), s("REF", 20), s("PER", 1)],
};

static L2420F: Loop = Loop {
    id: "2420F",
    name: "referring provider",
    items: &[rq("NM1", 1, 1, &["DN", "P3"]), s("REF", 20)],
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
    items: &[r("SVD", 1), s("CAS", 5), r("DTP", 1), s("AMT", 1)],
};

static L2440: Loop = Loop {
    id: "2440",
    name: "form identification",
    items: &[r("LQ", 1), r("FRM", 99)],
};
