//! Money in from the bank (issue 24, part 3, begun): bank statements read
//! whole or refused whole. BAI2 first; camt.053, OFX and lockbox files are
//! still to come, and so is reconciling what they say to the books.

pub mod bai2;
#[cfg(test)]
mod bai2_tests;
