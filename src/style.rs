//! The style file (`style.toml` beside a template): page geometry, font roles with their
//! fallback chains, sizes, the character grid and the page-number style.
//!
//! Every value has a default from GB/T 9704-2012 (docs/format-2021.md §8), so a style file only needs
//! the values it changes. Unknown keys are errors: a misspelt key must not be silently ignored.

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Location, Pos, Rule};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Style {
    pub page: Page,
    pub fonts: Fonts,
    pub sizes: Sizes,
    pub body: Body,
    pub table: TableStyle,
    pub pagination: Pagination,
    pub page_number: PageNumber,
    pub signature: SignatureStyle,
    pub options: Options,
}

/// A4 portrait; 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm (GB/T 9704 5.2.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Page {
    pub width_mm: f32,
    pub height_mm: f32,
    pub margin_top_mm: f32,
    pub margin_bottom_mm: f32,
    pub margin_left_mm: f32,
    pub margin_right_mm: f32,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            width_mm: 210.0,
            height_mm: 297.0,
            margin_top_mm: 37.0,
            margin_bottom_mm: 35.0,
            margin_left_mm: 28.0,
            margin_right_mm: 26.0,
        }
    }
}

impl Page {
    pub fn text_width_mm(&self) -> f32 {
        self.width_mm - self.margin_left_mm - self.margin_right_mm
    }

    pub fn text_height_mm(&self) -> f32 {
        self.height_mm - self.margin_top_mm - self.margin_bottom_mm
    }
}

/// Font families per role, most wanted first. The official fonts come first; the open fonts
/// shipped in `fonts/` close each chain so a machine without CJK fonts still renders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fonts {
    /// 小标宋: the title.
    pub title: Vec<String>,
    /// 黑体: 一、 headings.
    pub heading: Vec<String>,
    /// 楷体: （一） headings and run-in headings.
    pub subheading: Vec<String>,
    /// 仿宋: body text and tables.
    pub body: Vec<String>,
    /// Digits and Latin letters (Times New Roman by practice).
    pub latin: Vec<String>,
    /// 宋体: page numbers.
    pub page_number: Vec<String>,
}

fn families(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

impl Default for Fonts {
    fn default() -> Self {
        Fonts {
            title: families(&[
                "方正小标宋简体",
                "方正小标宋_GBK",
                "FZXiaoBiaoSong-B05S",
                "Noto Serif SC Bold",
            ]),
            heading: families(&["黑体", "SimHei", "方正黑体_GBK", "Noto Sans SC"]),
            subheading: families(&[
                "楷体_GB2312",
                "楷体",
                "KaiTi",
                "方正楷体_GBK",
                "LXGW WenKai",
            ]),
            body: families(&[
                "仿宋_GB2312",
                "仿宋",
                "FangSong",
                "方正仿宋_GBK",
                "Zhuque Fangsong",
                "Noto Serif SC",
            ]),
            latin: families(&[
                "Times New Roman",
                "Liberation Serif",
                "TeX Gyre Termes",
                "Nimbus Roman",
            ]),
            page_number: families(&["宋体", "SimSun", "Noto Serif SC"]),
        }
    }
}

/// Sizes in points: 2号 = 22 pt, 3号 = 16 pt, 4号 = 14 pt, 5号 = 10.5 pt, 小5号 = 9 pt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sizes {
    pub title: f32,
    pub heading: f32,
    pub subheading: f32,
    pub body: f32,
    pub table: f32,
    /// The small print in tables: table 三's 勾稽 note.
    pub table_note: f32,
    pub page_number: f32,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes {
            title: 22.0,
            heading: 16.0,
            subheading: 16.0,
            body: 16.0,
            table: 10.5,
            table_note: 9.0,
            page_number: 14.0,
        }
    }
}

/// The body's character grid: 22 lines of 28 characters fill the 版心 (GB/T 9704 5.2.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Body {
    pub lines_per_page: u32,
    pub chars_per_line: u32,
    pub first_line_indent_chars: u32,
    /// Empty lines between the title and the body.
    pub blank_lines_after_title: u32,
    /// Empty lines between the body and the 落款.
    pub blank_lines_before_signature: u32,
}

impl Default for Body {
    fn default() -> Self {
        Body {
            lines_per_page: 22,
            chars_per_line: 28,
            first_line_indent_chars: 2,
            blank_lines_after_title: 1,
            blank_lines_before_signature: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TableStyle {
    pub outer_border_pt: f32,
    pub inner_border_pt: f32,
    /// Space between a cell's border and its text.
    pub padding_mm: f32,
    /// Line height inside cells, as a multiple of the text size.
    pub line_height: f32,
    /// Space between a table and the text around it, in body lines.
    pub space_lines: f32,
    /// The smallest size a figure is set at so that it fits its cell on one line, in points.
    pub figure_min_size: f32,
}

impl Default for TableStyle {
    fn default() -> Self {
        TableStyle {
            outer_border_pt: 1.0,
            inner_border_pt: 0.5,
            padding_mm: 1.0,
            line_height: 1.25,
            space_lines: 0.5,
            figure_min_size: 7.0,
        }
    }
}

/// How blocks meet a page break: what every block of the tree gets unless the template's
/// markup says otherwise (docs/templates.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pagination {
    /// The fewest lines of a paragraph left at the foot of a page.
    pub orphans: u8,
    /// The fewest lines of a paragraph carried to the top of a page.
    pub widows: u8,
    /// The fewest body rows of a table on the page where it begins, below its header.
    pub table_orphans: u8,
    /// The fewest body rows of a table on the page where it ends.
    pub table_widows: u8,
    /// A row group marked `if-room` moves whole to the next page only if that leaves no more
    /// than this share of the page empty; otherwise it is split.
    pub group_gap: f32,
}

impl Default for Pagination {
    fn default() -> Self {
        Pagination {
            orphans: 2,
            widows: 2,
            table_orphans: 3,
            table_widows: 2,
            group_gap: 0.25,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageNumberPosition {
    /// GB/T 9704 7.5: odd pages right, even pages left, one character in from the edge.
    Outside,
    Center,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageNumber {
    pub position: PageNumberPosition,
    /// From the bottom edge of the 版心 to the number's baseline area.
    pub distance_mm: f32,
    /// The 一字线 either side of the number.
    pub dash: String,
}

impl Default for PageNumber {
    fn default() -> Self {
        PageNumber {
            position: PageNumberPosition::Outside,
            distance_mm: 7.0,
            dash: "—".into(),
        }
    }
}

/// The 落款 (GB/T 9704 7.3.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignatureStyle {
    /// The printed width of the seal image (official seals are about 42 mm across).
    pub seal_width_mm: f32,
}

impl Default for SignatureStyle {
    fn default() -> Self {
        SignatureStyle {
            seal_width_mm: 42.0,
        }
    }
}

/// Wording of the section headings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Headings {
    /// The six short headings of the 2021 attachment (一、总体情况 … 六、其他需要报告的事项).
    #[default]
    Short,
    /// The wording of 条例 art. 50, with a title row inside each table (as 一面坡镇 2021).
    Article50,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    pub headings: Headings,
}

impl Style {
    /// Parses a style file; `name` is how diagnostics call it.
    pub fn parse(name: &str, text: &str) -> Result<Style, Diagnostic> {
        let style: Style = toml::from_str(text).map_err(|e| {
            let index = crate::model::tree::LineIndex::new(text);
            let location = match e.span() {
                Some(span) => Location::at(name, index.pos(span.start)),
                None => Location::file(name),
            };
            Diagnostic::error(
                Rule::Template,
                format!("样式文件有误：{}", e.message().trim()),
            )
            .at(location)
            .hint("样式文件的键见 docs/templates.md")
        })?;
        style.check().map_err(|message| {
            Diagnostic::error(Rule::Template, format!("样式文件有误：{message}"))
                .at(Location::at(name, Pos { line: 1, column: 1 }))
        })?;
        Ok(style)
    }

    /// Values that parse but cannot be laid out.
    fn check(&self) -> Result<(), String> {
        let p = &self.page;
        if p.text_width_mm() < 50.0 || p.text_height_mm() < 50.0 {
            return Err(format!(
                "版心只剩 {:.0} × {:.0} mm，页边距太大",
                p.text_width_mm(),
                p.text_height_mm()
            ));
        }
        if !(10.0..=80.0).contains(&self.signature.seal_width_mm) {
            return Err(format!(
                "signature.seal_width_mm = {} 不在 10 至 80 毫米之间",
                self.signature.seal_width_mm
            ));
        }
        if !(4.0..=self.sizes.table).contains(&self.table.figure_min_size) {
            return Err(format!(
                "table.figure_min_size = {} 应在 4 磅至表格字号 {} 磅之间",
                self.table.figure_min_size, self.sizes.table
            ));
        }
        if !(0.0..=1.0).contains(&self.pagination.group_gap) {
            return Err(format!(
                "pagination.group_gap = {} 应在 0 至 1 之间",
                self.pagination.group_gap
            ));
        }
        if self.body.lines_per_page < 5 || self.body.chars_per_line < 10 {
            return Err("每页至少 5 行、每行至少 10 个字".into());
        }
        let sizes = &self.sizes;
        for (name, size) in [
            ("title", sizes.title),
            ("heading", sizes.heading),
            ("subheading", sizes.subheading),
            ("body", sizes.body),
            ("table", sizes.table),
            ("table_note", sizes.table_note),
            ("page_number", sizes.page_number),
        ] {
            if !(4.0..=72.0).contains(&size) {
                return Err(format!("sizes.{name} = {size} 不在 4 至 72 磅之间"));
            }
        }
        let f = &self.fonts;
        for (name, chain) in [
            ("title", &f.title),
            ("heading", &f.heading),
            ("subheading", &f.subheading),
            ("body", &f.body),
            ("page_number", &f.page_number),
        ] {
            if chain.is_empty() {
                return Err(format!("fonts.{name} 至少要列出一种字体"));
            }
        }
        Ok(())
    }

    /// Distance between body lines: the 版心 height divided by the lines per page.
    pub fn line_pitch_pt(&self) -> f32 {
        mm_to_pt(self.page.text_height_mm()) / self.body.lines_per_page as f32
    }

    /// Distance between characters on the body grid: the 版心 width divided by the characters
    /// per line (slightly less than the 16 pt size: characters sit a little tighter).
    pub fn char_pitch_pt(&self) -> f32 {
        mm_to_pt(self.page.text_width_mm()) / self.body.chars_per_line as f32
    }

    /// The width, in whole percent, characters of `size` are set at on the body grid so that
    /// one fits a cell: Word fits a wider character into one cell, but LibreOffice gives it
    /// two (16 pt characters on the 15.79 pt grid of 28 to the line), so the .docx sets them a
    /// little narrower (98 %), and the layout counts a Latin run's cells at that width.
    pub fn grid_scale_percent(&self, size: f32) -> u32 {
        (self.char_pitch_pt() / size * 100.0)
            .floor()
            .clamp(50.0, 100.0) as u32
    }
}

pub fn mm_to_pt(mm: f32) -> f32 {
    mm * 72.0 / 25.4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_gb_t_9704() {
        let s = Style::default();
        assert_eq!(s.page.text_width_mm(), 156.0);
        assert_eq!(s.page.text_height_mm(), 225.0);
        // 225 mm / 22 lines and 156 mm / 28 characters (docs/format-2021.md §8: 28.95 pt, 15.79 pt).
        assert!(
            (s.line_pitch_pt() - 28.99).abs() < 0.01,
            "{}",
            s.line_pitch_pt()
        );
        assert!(
            (s.char_pitch_pt() - 15.79).abs() < 0.01,
            "{}",
            s.char_pitch_pt()
        );
    }

    #[test]
    fn every_style_key_is_documented_and_in_the_builtin_file() {
        let doc = include_str!("../docs/templates.md");
        let builtin = include_str!("../templates/2021/style.toml");
        assert_eq!(
            Style::parse("style.toml", builtin).unwrap(),
            Style::default()
        );
        let value = serde_json::to_value(Style::default()).unwrap();
        for (section, keys) in value.as_object().unwrap() {
            assert!(
                doc.contains(&format!("`[{section}]`")),
                "docs/templates.md lacks [{section}]"
            );
            for key in keys.as_object().unwrap().keys() {
                assert!(
                    doc.contains(&format!("`{key}`")),
                    "docs/templates.md lacks {section}.{key}"
                );
                assert!(
                    builtin.contains(&format!("\n{key} = ")),
                    "style.toml lacks {section}.{key}"
                );
            }
        }
    }

    #[test]
    fn a_partial_style_file_changes_only_what_it_names() {
        let s = Style::parse(
            "s.toml",
            "[page_number]\nposition = \"center\"\n[sizes]\ntable = 9\n",
        )
        .unwrap();
        assert_eq!(s.page_number.position, PageNumberPosition::Center);
        assert_eq!(s.sizes.table, 9.0);
        assert_eq!(s.page, Page::default());
    }

    #[test]
    fn misspelt_keys_are_errors_with_a_place() {
        let e = Style::parse("s.toml", "[sizes]\ntitel = 20\n").unwrap_err();
        assert_eq!(e.location.as_ref().unwrap().line, Some(2));
        assert!(e.message.contains("titel"), "{}", e.message);
        let e = Style::parse(
            "s.toml",
            "[page]\nmargin_left_mm = 100\nmargin_right_mm = 90\n",
        )
        .unwrap_err();
        assert!(e.message.contains("页边距太大"), "{}", e.message);
    }
}
