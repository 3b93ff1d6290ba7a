//! Replays the fuzz corpus and every saved reproducer (`fuzz/corpus/<target>/`,
//! `fuzz/regressions/<target>/`) through the same functions the fuzz targets run, on stable:
//! a crash found by fuzzing stays fixed. To add one, copy the file libFuzzer saved under
//! `fuzz/artifacts/<target>/` into `fuzz/regressions/<target>/`.

#[path = "../fuzz/entries.rs"]
mod entries;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for kind in ["corpus", "regressions"] {
        let dir = root.join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let bytes = std::fs::read(&path).unwrap();
            eprintln!("{}", path.display());
            run(&bytes);
            count += 1;
        }
    }
    count
}

#[test]
fn data_file_inputs_do_not_crash() {
    assert!(replay("data_file", entries::data_file) >= 5);
}

#[test]
fn spreadsheet_inputs_do_not_crash() {
    assert!(replay("spreadsheet", entries::spreadsheet) >= 2);
}

#[test]
fn pdf_inputs_do_not_crash() {
    assert!(replay("pdf_attachments", entries::pdf_attachments) >= 1);
}

#[test]
fn docx_inputs_do_not_crash() {
    assert!(replay("docx_attachments", entries::docx_attachments) >= 1);
}

#[test]
fn html_inputs_do_not_crash() {
    assert!(replay("html_page", entries::html_page) >= 3);
}

#[test]
fn import_pdf_inputs_do_not_crash() {
    assert!(replay("import_pdf", entries::import_pdf) >= 1);
}
