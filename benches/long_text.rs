//! `cargo bench --bench long_text`: layout time against the length of one text, to show that
//! every layout path grows linearly: titles, table labels, body paragraphs (prose, run-in
//! headings, a long URL, one unbreakable run, characters no font has) and a 落款 of 1,000,
//! 10,000 and 20,000 characters.
//!
//! Each document is the 淮安 sample's style with that one block; the fastest of five runs, as
//! the machines this runs on are shared and a slower run only measures the neighbours. Linear
//! growth shows as a 20k/10k ratio near 2 (a quadratic path gives 4). The steps behind these
//! times are counted in `src/layout/tests.rs`, which fails when one grows faster.
//!
//! `cargo bench --bench long_text -- label` times only the kinds whose name contains `label`
//! (for a profiler, or callgrind: instructions are repeatable where times are not).

use std::path::Path;
use std::time::Instant;

use nianbao::document::{Align, Role};
use nianbao::document::{Block, CellSpec, Document, Keep, Paragraph, Run, Signature, Table};
use nianbao::fonts::{FontOptions, Fonts};
use nianbao::model::Format;
use nianbao::template::Template;

const LENGTHS: [usize; 3] = [1_000, 10_000, 20_000];

/// `unit` repeated to exactly `n` characters.
fn repeat(unit: &str, n: usize) -> String {
    unit.chars().cycle().take(n).collect()
}

fn paragraph(runs: Vec<Run>) -> Block {
    Block::Paragraph(Paragraph {
        runs,
        indent: true,
        align: Align::Justify,
        keep: Keep {
            with_next: false,
            orphans: 2,
            widows: 2,
        },
    })
}

fn body(text: String) -> Block {
    paragraph(vec![Run {
        text,
        role: Role::Body,
    }])
}

/// A two-column table whose first column holds the long label, as table 三's labels are set.
fn label(cell: CellSpec) -> Block {
    let rows = vec![vec![cell, CellSpec::new("123")]];
    Block::Table(Table::new(&[0.3, 0.7], 0, None, rows).expect("a valid table"))
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = root.join("samples/huaian-2024.toml");
    let loaded = nianbao::load_path(&sample);
    let report = loaded.report.as_ref().expect("the sample loads");
    let template = Template::builtin(Format::Y2021);
    let base = nianbao::document(report, &loaded.source, &template, sample.parent().unwrap())
        .expect("the sample's document");
    let fonts = Fonts::load(
        template.style(),
        &FontOptions {
            system: false,
            dirs: Vec::new(),
            bundled: Some(root.join("fonts")),
        },
    )
    .expect("bundled fonts");
    let title_keep = base
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Title { keep, .. } => Some(*keep),
            _ => None,
        })
        .expect("the sample has a title");

    let title = |text| Block::Title {
        text,
        keep: title_keep,
    };
    let signature = |organ| {
        Block::Signature(Signature {
            organ,
            date: Some("2025年1月20日".to_string()),
            seal: None,
        })
    };
    // Each kind: a block whose text is `n` characters long.
    type Kind<'a> = (&'a str, Box<dyn Fn(usize) -> Block + 'a>);
    let kinds: [Kind; 12] = [
        (
            "title (organ name)",
            Box::new(|n| title(repeat("某某省某某市某某县人民政府办公室", n))),
        ),
        (
            "title (hair spaces)",
            Box::new(|n| title(repeat("某某省\u{200A}某某市\u{200A}人民政府办公室", n))),
        ),
        (
            "table label (clauses)",
            Box::new(|n| {
                label(CellSpec::new(repeat(
                    "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                    n,
                )))
            }),
        ),
        (
            "table label (no punctuation)",
            Box::new(|n| label(CellSpec::new(repeat("政府信息公开申请", n)))),
        ),
        (
            "table label (a phrase mark every 2 characters)",
            Box::new(|n| {
                let mut cell = CellSpec::new(repeat("政府信息公开申请", n));
                cell.breaks = (1..n / 2).map(|k| 2 * k * "政".len()).collect();
                label(cell)
            }),
        ),
        (
            "paragraph (prose)",
            Box::new(|n| {
                body(repeat(
                    "我们认真落实政府信息公开各项工作要求，做好主动公开和依申请公开工作。",
                    n,
                ))
            }),
        ),
        (
            "paragraph (a run-in heading every 2 characters)",
            Box::new(|n| {
                let runs = (0..n / 2)
                    .map(|k| Run {
                        text: "公开".to_string(),
                        role: if k % 2 == 0 {
                            Role::Body
                        } else {
                            Role::Subheading
                        },
                    })
                    .collect();
                paragraph(runs)
            }),
        ),
        (
            "paragraph (one long URL)",
            Box::new(|n| {
                let path = repeat("col/col12696/index.html?id=", n.saturating_sub(36));
                body(format!("网址：http://szsxxgk.harbin.gov.cn/{path}。"))
            }),
        ),
        (
            "paragraph (full stops only)",
            Box::new(|n| body(repeat("。", n))),
        ),
        (
            "paragraph (unbreakable run)",
            Box::new(|n| body(repeat("abcdefghij", n))),
        ),
        (
            "paragraph (characters no font has)",
            // All different (private use), so the list of missing characters grows with n.
            Box::new(|n| body((0xF0000..).filter_map(char::from_u32).take(n).collect())),
        ),
        (
            "落款 (signature organ)",
            Box::new(|n| signature(repeat("某某省某某市某某县人民政府办公室", n))),
        ),
    ];

    // Warm up: first use parses font tables.
    nianbao::layout::layout(&base, &fonts);

    // Cargo passes `--bench`; any other argument picks the kinds whose name contains it.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    println!("layout of one block of n characters, fastest of 5 runs (bundled fonts)");
    println!();
    print!("| text |");
    for n in LENGTHS {
        print!(" {}k |", n / 1000);
    }
    println!(" 20k / 10k |");
    println!("|---|{}---:|", "---:|".repeat(LENGTHS.len()));
    for (name, make) in kinds {
        if !only.is_empty() && !only.iter().any(|o| name.contains(o.as_str())) {
            continue;
        }
        print!("| {name} |");
        let mut times = Vec::new();
        for n in LENGTHS {
            let doc = Document {
                blocks: vec![make(n)],
                ..base.clone()
            };
            let t = (0..5)
                .map(|_| {
                    let start = Instant::now();
                    std::hint::black_box(nianbao::layout::layout(&doc, &fonts));
                    start.elapsed()
                })
                .min()
                .expect("five runs");
            print!(" {:.2} ms |", t.as_secs_f64() * 1000.0);
            times.push(t);
        }
        let ratio = times[LENGTHS.len() - 1].as_secs_f64() / times[LENGTHS.len() - 2].as_secs_f64();
        println!(" {ratio:.1} |");
    }
}
