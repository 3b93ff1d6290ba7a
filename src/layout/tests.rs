//! Layout's work grows linearly with the length of any text: the steps of every loop whose
//! length is not fixed per character (see [`super::steps`]) are counted for one long block of
//! each kind, hostile ones too, and must stay within a fixed number per character. A count,
//! not a time: it is the same on every machine, and a quadratic path shows at once.

use std::sync::OnceLock;

use super::layout;
use super::steps;
use crate::document::{
    Align, Block, CellSpec, Document, Keep, Meta, Paragraph, Role, Run, Signature, Table,
};
use crate::fonts::Fonts;
use crate::fonts::tests::bundled_only;
use crate::model::Format;
use crate::template::Template;

fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| Template::builtin(Format::Y2021))
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::load(template().style(), &bundled_only()).unwrap())
}

/// `unit` repeated to exactly `n` characters.
fn repeat(unit: &str, n: usize) -> String {
    unit.chars().cycle().take(n).collect()
}

fn document(block: Block) -> Document {
    Document {
        meta: Meta {
            title: String::new(),
            author: String::new(),
            subject: String::new(),
            keywords: String::new(),
            language: "zh-CN".to_string(),
            date: None,
            year: 2024,
        },
        style: template().style().clone(),
        blocks: vec![block],
    }
}

fn title(text: String) -> Block {
    Block::Title {
        text,
        keep: Keep::WHOLE,
    }
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

/// A two-column table whose first column holds `label`, as table 三's labels are set.
fn label(label: CellSpec) -> Block {
    let rows = vec![vec![label, CellSpec::new("123")]];
    Block::Table(Table::new(&[0.3, 0.7], 0, None, rows).unwrap())
}

/// Steps per character may not exceed this for any kind of text. Balanced breaking walks back
/// over the breaks of about one line, so a narrow block takes more steps per character: the
/// 署名, at most 26 characters wide, takes 53 at 5,000 and at 10,000 characters alike. The
/// quadratic paths this guards against took hundreds to thousands.
const STEPS_PER_CHAR: u64 = 64;

/// Characters in each text: as long as the organ name issue 12 found slow to render.
const N: usize = 10_000;

/// A kind of block, made with a text of the given length.
type Kind = (&'static str, fn(usize) -> Block);

/// Lays out a block of each kind with a text of `n` characters, and fails naming every kind
/// that took more than [`STEPS_PER_CHAR`] steps per character.
fn assert_linear(n: usize, kinds: &[Kind]) {
    let mut over = Vec::new();
    for (name, make) in kinds {
        let doc = document(make(n));
        steps::take();
        layout(&doc, fonts());
        let steps = steps::take();
        eprintln!(
            "{name}: {steps} steps, {:.1} per character",
            steps as f64 / n as f64
        );
        if steps > STEPS_PER_CHAR * n as u64 {
            over.push(format!("{name}: {steps}"));
        }
    }
    assert!(
        over.is_empty(),
        "more than {STEPS_PER_CHAR} steps per character for {n} characters: {over:#?}"
    );
}

#[test]
fn a_long_title_is_balanced_in_linear_steps() {
    assert_linear(
        N,
        &[
            ("an organ's name", |n| {
                title(repeat("某某省某某市某某县人民政府办公室", n))
            }),
            ("words between spaces", |n| {
                title(repeat("People's Government of Yili County ", n))
            }),
            // Before, how far back a line was looked for went by the narrowest character.
            ("hair spaces (0.08 em)", |n| {
                title(repeat("某某省\u{200A}某某市\u{200A}人民政府办公室", n))
            }),
        ],
    );
}

#[test]
fn a_long_table_label_is_balanced_in_linear_steps() {
    assert_linear(
        N,
        &[
            // Before, each break position looked back to where its phrase began.
            ("no punctuation", |n| {
                label(CellSpec::new(repeat("政府信息公开申请", n)))
            }),
            ("clauses", |n| {
                label(CellSpec::new(repeat(
                    "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                    n,
                )))
            }),
            // Before, each piece was looked for in the list of marks.
            ("a phrase mark every two characters", |n| {
                let mut cell = CellSpec::new(repeat("政府信息公开申请", n));
                cell.breaks = (1..n / 2).map(|k| 2 * k * "政".len()).collect();
                label(cell)
            }),
        ],
    );
}

#[test]
fn a_long_paragraph_is_broken_in_linear_steps() {
    assert_linear(
        N,
        &[
            ("prose", |n| {
                body(repeat(
                    "我们认真落实政府信息公开各项工作要求，做好主动公开和依申请公开工作。",
                    n,
                ))
            }),
            // Before, each character's run was looked for from the first run.
            ("a run-in heading every two characters", |n| {
                paragraph(
                    (0..n / 2)
                        .map(|k| Run {
                            text: "公开".to_string(),
                            role: if k % 2 == 0 {
                                Role::Body
                            } else {
                                Role::Subheading
                            },
                        })
                        .collect(),
                )
            }),
            // Before, a line was cut after its first character, and the next one filled again.
            ("full stops only", |n| body(repeat("。", n))),
            ("punctuation set closer", |n| body(repeat("》（", n))),
            ("one unbreakable word", |n| body(repeat("abcdefghij", n))),
            ("one long URL", |n| {
                let path = repeat("col/col12696/index.html?id=", n - 36);
                body(format!("网址：http://szsxxgk.harbin.gov.cn/{path}。"))
            }),
            ("zero-width spaces", |n| {
                body(repeat("公\u{200B}\u{200B}\u{200B}", n))
            }),
            ("落款", |n| {
                Block::Signature(Signature {
                    organ: repeat("某某省某某市某某县人民政府办公室", n),
                    date: Some("2025年1月20日".to_string()),
                    seal: None,
                })
            }),
        ],
    );
}

#[test]
fn characters_no_font_has_are_listed_in_linear_steps() {
    // Before, each one was looked for in the list so far. Fewer characters: each is looked for
    // in every font, which a debug build takes its time over.
    assert_linear(
        N / 2,
        &[("all different", |n| {
            body((0xF0000..).filter_map(char::from_u32).take(n).collect())
        })],
    );
}
