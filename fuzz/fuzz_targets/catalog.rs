//! The catalogue importer's reading and checking of a catalogue file: never panics, reports
//! problems with lines inside the file, and a catalogue it accepts writes out as a file that
//! reads back to the same catalogue.
#![no_main]

use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;
use opsclock::app::catalog::{self, Known};

fn known() -> Known {
    let set = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    Known {
        units: set(&["cgw"]),
        vendors: set(&["shunyi-om"]),
        policies: set(&["standard"]),
        calendars: set(&["24x7", "cn-5x8", "cn-7x24"]),
        checklists: Some(set(&["generic", "software", "video"])),
        // The file's form alone: targets are read, not counted in calendars (the counting is
        // the calendars' code, fuzzed by its own target).
        counting: None,
    }
}

fuzz_target!(|text: &str| {
    match catalog::load(text, &known()) {
        Ok(_) => {
            let file = catalog::parse(text).expect("a loaded catalogue parses");
            let written = catalog::to_toml(&file);
            let again = catalog::parse(&written).unwrap_or_else(|p| panic!("written catalogue does not parse: {p:?}\n{written}"));
            assert_eq!(catalog::to_toml(&again), written);
        }
        Err(problems) => {
            assert!(!problems.is_empty());
            let lines = text.lines().count().max(1);
            for p in problems {
                if let Some(line) = p.line {
                    assert!(line >= 1 && line <= lines + 1, "line {line} of {lines}: {p:?}");
                }
            }
        }
    }
});
