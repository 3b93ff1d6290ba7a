//! Fuzz target: see `fuzz/entries.rs`.
#![no_main]

#[allow(dead_code)] // each target runs one of the entries
#[path = "../entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::import_pdf(data));
