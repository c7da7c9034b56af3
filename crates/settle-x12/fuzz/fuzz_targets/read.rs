//! `cargo fuzz run read`: the reader must never panic, and every diagnostic
//! must point inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = settle_x12::read(data);
    for diagnostic in &parsed.diagnostics {
        assert!(diagnostic.offset <= data.len());
    }
});
