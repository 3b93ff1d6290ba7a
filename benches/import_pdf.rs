//! `cargo bench --bench import_pdf`: how fast `import` reads a six-page report as PDF, warm:
//! the official 淮安 2024 PDF (exported from WPS, in ../shared/refs when it is there) and
//! nianbao's own PDF of the same report. Prints medians; the target is well under 50 ms each.

use std::path::Path;
use std::time::{Duration, Instant};

use nianbao::Targets;
use nianbao::fonts::{FontOptions, Fonts};
use nianbao::import::pdf::scan_pdf;
use nianbao::model::Format;
use nianbao::pdf::PdfOptions;
use nianbao::template::Template;

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    samples.sort();
    samples[runs / 2]
}

fn report(name: &str, pdf: &[u8]) {
    // Warm up, then time.
    for _ in 0..3 {
        scan_pdf(pdf, name).expect("the PDF scans");
    }
    let t = median(50, || {
        scan_pdf(pdf, name).unwrap();
    });
    println!(
        "{name}: {} KB, {:.2} ms median of 50",
        pdf.len() / 1024,
        t.as_secs_f64() * 1000.0
    );
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let official = root.join("../shared/refs/huaian-2024-report.pdf");
    match std::fs::read(&official) {
        Ok(pdf) => report("official huaian-2024-report.pdf (WPS)", &pdf),
        Err(_) => println!("{} is not here: skipped", official.display()),
    }

    let sample = root.join("samples/huaian-2024.toml");
    let loaded = nianbao::load_path(&sample);
    let data = loaded.report.as_ref().expect("the sample loads");
    let template = Template::builtin(Format::Y2021);
    let bundled = FontOptions {
        system: false,
        dirs: Vec::new(),
        bundled: None,
    };
    let fonts = Fonts::load(template.style(), &bundled).unwrap();
    let doc = nianbao::document(data, &loaded.source, &template, sample.parent().unwrap()).unwrap();
    let setup = nianbao::Setup {
        template: &template,
        fonts: &fonts,
        docx_embed_fonts: false,
        targets: Targets {
            pdf: true,
            docx: false,
            html: None,
        },
        pdf: &PdfOptions::default(),
    };
    let (pdf, _) = nianbao::produce(data, &doc, &setup).unwrap().pdf.unwrap();
    report("nianbao's own huaian-2024.pdf", &pdf);
}
