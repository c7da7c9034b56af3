//! `cargo fuzz run mutate`: beyond the mutation test's every-single-change
//! sweep (`tests/it/mutations.rs`), a public 837P, 835 or 999/277CA sample
//! with one segment renamed to any id the file uses, dropped, duplicated or
//! moved anywhere in its transaction must read to exactly the same claims,
//! lines and dollars as the original, or be refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use settle_x12::mutation::{join, moved, problems_835, problems_837, read_835, read_837, read_acks, split, Outcome};

type Reader = fn(&str, &[String]) -> Outcome;

const SAMPLES: &[(&str, Reader, fn(&str) -> Vec<String>)] = &[
    (include_str!("../../../../testdata/x12/linuxforhealth/demo.example1.837"), read_837, problems_837),
    (include_str!("../../../../testdata/x12/linuxforhealth/demo.cob.example3.B.837"), read_837, problems_837),
    (include_str!("../../../../testdata/x12/linuxforhealth/managed-care.835"), read_835, problems_835),
    (include_str!("../../../../testdata/x12/linuxforhealth/secondary-payment.835"), read_835, problems_835),
    (include_str!("../../../../testdata/x12/imsweb/x12_277CA_rejected.txt"), read_acks, |_| Vec::new()),
];

fuzz_target!(|data: &[u8]| {
    let [pick, op, a0, a1, b0, b1, ..] = *data else { return };
    let (text, reader, baseline) = SAMPLES[usize::from(pick) % SAMPLES.len()];
    let Some((segments, terminator, st, se)) = split(text) else { return };
    let Some(clean) = join(&segments, terminator) else { return };
    let problems = baseline(&clean);
    let base = reader(&clean, &problems);
    if base.refused {
        return;
    }
    let span = se - st - 1;
    if span == 0 {
        return;
    }
    let i = st + 1 + usize::from(u16::from_le_bytes([a0, a1])) % span;
    let j = st + 1 + usize::from(u16::from_le_bytes([b0, b1])) % span;
    let element = char::from(segments[0].as_bytes()[3]);
    let changed = match op % 4 {
        0 => {
            let id = segments[j].split(element).next().unwrap_or_default();
            let rest = &segments[i][segments[i].split(element).next().unwrap_or_default().len()..];
            let mut out = segments.clone();
            out[i] = format!("{id}{rest}");
            out
        }
        1 => {
            let mut out = segments.clone();
            out.remove(i);
            out
        }
        2 => {
            let mut out = segments.clone();
            out.insert(j, segments[i].clone());
            out
        }
        _ => moved(&segments, i, j),
    };
    let Some(file) = join(&changed, terminator) else { return };
    let outcome = reader(&file, &problems);
    assert!(
        outcome.refused || outcome.digest == base.digest,
        "segment {i} changed (op {}) with {j}: read as other claims or amounts without a refusal",
        op % 4
    );
});
