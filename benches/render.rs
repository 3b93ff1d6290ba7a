//! `cargo bench --bench render`: how fast one report renders, warm and from a cold process.
//!
//! Prints medians over repeated runs. The targets: ≤ 12 ms warm for the 淮安 sample to PDF,
//! (PDF/A-3b with its data embedded, the default),
//! well under 2 ms warm for writing its .docx, ≤ 150 ms for a whole `nianbao render` process of both formats,
//! ≤ 300 KB for the PDF.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use nianbao::Targets;
use nianbao::fonts::{FontOptions, Fonts};
use nianbao::model::Format;
use nianbao::pdf::PdfOptions;
use nianbao::template::Template;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut last = None;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(f());
        samples.push(start.elapsed());
    }
    (median(samples), last.expect("at least one run"))
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = root.join("samples/huaian-2024.toml");
    let loaded = nianbao::load_path(&sample);
    let report = loaded.report.as_ref().expect("the sample loads");
    let template = Template::builtin(Format::Y2021);
    let bundled = FontOptions {
        system: false,
        dirs: Vec::new(),
        bundled: None,
    };
    let (font_load, fonts) = time(1, || Fonts::load(template.style(), &bundled).unwrap());
    let (system_scan, _) = time(5, || {
        Fonts::load(template.style(), &FontOptions::default()).unwrap()
    });
    let options = PdfOptions::default();
    let plain = PdfOptions {
        archival: nianbao::pdf::Archival::Off,
        ..PdfOptions::default()
    };
    let dir = sample.parent().unwrap();
    fn setup<'a>(
        template: &'a Template,
        fonts: &'a Fonts,
        targets: Targets,
        pdf: &'a PdfOptions,
    ) -> nianbao::Setup<'a> {
        nianbao::Setup {
            template,
            fonts,
            docx_embed_fonts: false,
            sign: None,
            sign_invisible: false,
            targets,
            pdf,
        }
    }
    let pdf_only = Targets {
        pdf: true,
        docx: false,
        html: None,
    };
    let docx_only = Targets {
        pdf: false,
        docx: true,
        html: None,
    };
    let html_only = Targets {
        pdf: false,
        docx: false,
        html: Some(nianbao::html::HtmlOptions::default()),
    };
    let render = |targets, pdf: &PdfOptions| {
        let doc = nianbao::document(report, &loaded.source, &template, dir).unwrap();
        nianbao::produce(report, &doc, &setup(&template, &fonts, targets, pdf)).unwrap()
    };

    // Warm up: first use parses font tables.
    for _ in 0..3 {
        render(pdf_only, &options);
    }
    let runs = 50;
    let (parse, _) = time(runs, || nianbao::load_path(&sample));
    let (tree, doc) = time(runs, || {
        nianbao::document(report, &loaded.source, &template, dir).unwrap()
    });
    let (layout, laid) = time(runs, || nianbao::layout::layout(&doc, &fonts));
    let (write, _) = time(runs, || {
        nianbao::pdf::write(&laid.pages, &doc.meta, &fonts, &plain, &[]).unwrap()
    });
    let (docx, docx_bytes) = time(runs, || {
        nianbao::produce(report, &doc, &setup(&template, &fonts, docx_only, &options))
            .unwrap()
            .docx
            .unwrap()
    });
    let (docx_write, _) = time(runs, || {
        nianbao::docx::write(
            &doc,
            &laid.measures,
            &fonts,
            &[],
            &nianbao::docx::DocxOptions::default(),
        )
        .unwrap()
    });
    let (html, html_text) = time(runs, || {
        nianbao::produce(report, &doc, &setup(&template, &fonts, html_only, &options))
            .unwrap()
            .html
            .unwrap()
    });
    let embed = nianbao::docx::DocxOptions {
        embed_fonts: true,
        ..Default::default()
    };
    let (docx_embed, embedded_bytes) = time(10, || {
        nianbao::docx::write(&doc, &laid.measures, &fonts, &[], &embed).unwrap()
    });
    // Alternated, so that neither gains from running second.
    let (mut whole_plain, mut whole) = (Duration::MAX, Duration::MAX);
    let (mut plain_pdf, mut pdf) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        let (t, bytes) = time(runs / 2, || render(pdf_only, &plain).pdf.unwrap().0);
        (whole_plain, plain_pdf) = (whole_plain.min(t), bytes);
        let (t, bytes) = time(runs / 2, || render(pdf_only, &options).pdf.unwrap().0);
        (whole, pdf) = (whole.min(t), bytes);
    }

    // Whole processes, system font scan included.
    let exe = env!("CARGO_BIN_EXE_nianbao");
    let out = tempfile::tempdir().unwrap();
    let process = |args: &[&str]| {
        time(20, || {
            let status = Command::new(exe)
                .args(args)
                .arg("-o")
                .arg(out.path())
                .arg("-q")
                .status()
                .unwrap();
            assert!(status.success());
        })
        .0
    };
    let sample_str = sample.to_str().unwrap();
    let process_pdf = process(&["render", sample_str, "--to", "pdf"]);
    let process_all = process(&["render", sample_str]);

    println!(
        "淮安 2024 sample, {} pages, median of {runs} warm runs (fonts loaded once)",
        laid.pages.pages.len()
    );
    println!();
    println!("| step | median |");
    println!("|---|---|");
    println!("| load fonts (bundled only, once) | {} |", ms(font_load));
    println!(
        "| load fonts (system scan + bundled) | {} |",
        ms(system_scan)
    );
    println!("| read + check the data file | {} |", ms(parse));
    println!("| template → document tree | {} |", ms(tree));
    println!("| layout | {} |", ms(layout));
    println!("| PDF writing (krilla, subsetting) | {} |", ms(write));
    println!(
        "| render to plain PDF 1.7 (data embedded too), warm | {} |",
        ms(whole_plain)
    );
    println!(
        "| **render to PDF/A-3b with the data embedded, warm** | **{}** |",
        ms(whole)
    );
    println!(
        "| **DOCX writing, from the tree and the layout's measures** | **{}** |",
        ms(docx_write)
    );
    println!(
        "| DOCX from the tree, layout included, data embedded | {} |",
        ms(docx)
    );
    println!(
        "| DOCX writing with font subsets embedded | {} |",
        ms(docx_embed)
    );
    println!(
        "| HTML page from the tree ({} KB) | {} |",
        html_text.len() / 1024,
        ms(html)
    );
    println!(
        "| whole process `nianbao render --to pdf` | {} |",
        ms(process_pdf)
    );
    println!(
        "| whole process `nianbao render` (all formats) | {} |",
        ms(process_all)
    );
    println!();
    println!(
        "PDF/A-3b size: {} bytes ({} KB); plain PDF: {} KB",
        pdf.len(),
        pdf.len().div_ceil(1024),
        plain_pdf.len().div_ceil(1024)
    );
    println!(
        "DOCX size: {} bytes ({} KB); with the fonts embedded: {} KB",
        docx_bytes.len(),
        docx_bytes.len().div_ceil(1024),
        embedded_bytes.len().div_ceil(1024)
    );
}
