//! The 999 Implementation Acknowledgment, 005010X231A1.

use super::{r, s, sl, Guide, Loop, MANY};

pub const GUIDE: Guide = Guide {
    set: "999",
    version: "005010X231A1",
    also: &[],
    name: "999 Implementation Acknowledgment",
    body: &BODY,
};

static BODY: Loop = Loop {
    id: "HEADER",
    name: "header",
    items: &[r("AK1", 1), sl(&L2000, MANY), r("AK9", 1)],
};

static L2000: Loop = Loop {
    id: "2000",
    name: "transaction set response",
    items: &[r("AK2", 1), sl(&L2100, MANY), r("IK5", 1)],
};

static L2100: Loop = Loop {
    id: "2100",
    name: "error identification",
    items: &[r("IK3", 1), s("CTX", 10), sl(&L2110, 99)],
};

static L2110: Loop = Loop {
    id: "2110",
    name: "implementation data element note",
    items: &[r("IK4", 1), s("CTX", 10)],
};
