//! The document markup a template emits (described in `docs/templates.md`), read into blocks.
//!
//! The markup is XML with a handful of elements. Reading is strict: an unknown element or
//! attribute, a bad value or a table that is not a clean rectangle is an error that points at
//! the line of the template's output (`nianbao render --to markup` shows that output).

use std::num::NonZeroUsize;

use roxmltree::{Document as Xml, Node};

use crate::diag::Pos;
use crate::document::{
    Align, Block, CellSpec, GroupKeep, Image, Keep, Paragraph, Role, RowGroup, Run, Signature,
    Table, VAlign,
};
use crate::style::Pagination;

/// What the markup says: document properties and the blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Markup {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub keywords: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MarkupError {
    pub pos: Pos,
    pub message: String,
}

type Result<T> = std::result::Result<T, MarkupError>;

const ALIGNS: &str = "justify、left、center、right";
const VALIGNS: &str = "top、middle、bottom";
const ROLES: &str = "title、heading、subheading、body、page_number";

/// Reads the markup; blocks that do not say how they meet a page break get `pagination`'s.
pub fn parse(text: &str, pagination: &Pagination) -> Result<Markup> {
    let xml = Xml::parse(text).map_err(|e| MarkupError {
        pos: Pos {
            line: e.pos().row,
            column: e.pos().col,
        },
        message: format!("模板输出不是合格的标记（{e}）"),
    })?;
    let root = xml.root_element();
    let reader = Reader {
        xml: &xml,
        pagination,
    };
    if root.tag_name().name() != "document" {
        return Err(reader.error(root, "根元素应为 <document>".into()));
    }
    reader.attributes(root, &["title", "author", "subject", "keywords"])?;
    let mut blocks: Vec<Block> = Vec::new();
    for node in root.children() {
        if let Some(block) = reader.block(node)? {
            // The 落款 is never alone on a page: what stands before it keeps with it.
            if matches!(block, Block::Signature(_))
                && let Some(keep) = blocks.last_mut().and_then(Block::keep_mut)
            {
                keep.with_next = true;
            }
            blocks.push(block);
        }
    }
    let attr = |name: &str| clean(root.attribute(name).unwrap_or(""));
    Ok(Markup {
        title: attr("title"),
        author: attr("author"),
        subject: attr("subject"),
        keywords: attr("keywords"),
        blocks,
    })
}

struct Reader<'a, 'input> {
    xml: &'a Xml<'input>,
    pagination: &'a Pagination,
}

impl Reader<'_, '_> {
    fn error(&self, node: Node, message: String) -> MarkupError {
        let p = self.xml.text_pos_at(node.range().start);
        MarkupError {
            pos: Pos {
                line: p.row,
                column: p.col,
            },
            message,
        }
    }

    /// Refuses attributes other than `allowed`.
    fn attributes(&self, node: Node, allowed: &[&str]) -> Result<()> {
        for a in node.attributes() {
            if !allowed.contains(&a.name()) {
                let tag = node.tag_name().name();
                let list = if allowed.is_empty() {
                    "（无）".to_string()
                } else {
                    allowed.join("、")
                };
                return Err(self.error(
                    node,
                    format!("<{tag}> 不认识属性 {}；可用的属性：{list}", a.name()),
                ));
            }
        }
        Ok(())
    }

    /// Only whitespace may stand between blocks; everything else must be an element we know.
    fn block(&self, node: Node) -> Result<Option<Block>> {
        if node.is_text() {
            let text = node.text().unwrap_or("");
            if text.trim().is_empty() {
                return Ok(None);
            }
            return Err(self.error(
                node,
                format!("文字 \"{}\" 应放在 <p> 等元素里", text.trim()),
            ));
        }
        if !node.is_element() {
            return Ok(None); // comments, processing instructions
        }
        let block = match node.tag_name().name() {
            "title" => {
                self.attributes(node, &[KEEP_WITH_NEXT])?;
                Block::Title {
                    text: self.plain_text(node)?,
                    keep: self.heading_keep(node)?,
                }
            }
            tag @ ("h1" | "h2") => {
                self.attributes(node, &[KEEP_WITH_NEXT])?;
                Block::Heading {
                    level: if tag == "h1" { 1 } else { 2 },
                    text: self.plain_text(node)?,
                    keep: self.heading_keep(node)?,
                }
            }
            "p" => Block::Paragraph(self.paragraph(node)?),
            "table" => Block::Table(self.table(node)?),
            "signature" => Block::Signature(self.signature(node)?),
            other => {
                return Err(self.error(
                    node,
                    format!(
                        "不认识的元素 <{other}>；可用的元素：title、h1、h2、p、table、signature"
                    ),
                ));
            }
        };
        Ok(Some(block))
    }

    /// The text of an element that may hold text only.
    fn plain_text(&self, node: Node) -> Result<String> {
        if let Some(child) = node.children().find(|c| c.is_element()) {
            let tag = node.tag_name().name();
            return Err(self.error(
                child,
                format!("<{tag}> 里只能有文字，不能有 <{}>", child.tag_name().name()),
            ));
        }
        Ok(clean(&node.text().map(str::to_string).unwrap_or_default()))
    }

    /// Titles and headings are never broken and keep with what follows, unless told not to.
    fn heading_keep(&self, node: Node) -> Result<Keep> {
        Ok(Keep {
            with_next: self.flag(node, KEEP_WITH_NEXT, true)?,
            ..Keep::WHOLE
        })
    }

    /// `keep-with-next`, `orphans` and `widows`, over the style's defaults.
    fn keep(&self, node: Node, orphans: u8, widows: u8) -> Result<Keep> {
        let lines = |name: &str, default: u8| -> Result<u8> {
            match self.number::<u8>(node, name)? {
                Some(0) => Err(self.error(node, format!("{name} 至少为 1"))),
                Some(n) => Ok(n),
                None => Ok(default),
            }
        };
        Ok(Keep {
            with_next: self.flag(node, KEEP_WITH_NEXT, false)?,
            orphans: lines("orphans", orphans)?,
            widows: lines("widows", widows)?,
        })
    }

    fn paragraph(&self, node: Node) -> Result<Paragraph> {
        self.attributes(
            node,
            &["indent", "align", KEEP_WITH_NEXT, "orphans", "widows"],
        )?;
        let keep = self.keep(node, self.pagination.orphans, self.pagination.widows)?;
        let indent = self.flag(node, "indent", true)?;
        let align = self.choice(node, "align", Align::Justify, Align::parse, ALIGNS)?;
        let mut runs: Vec<Run> = Vec::new();
        let mut push = |text: String, role: Role| {
            if text.is_empty() {
                return;
            }
            match runs.last_mut() {
                Some(last) if last.role == role => last.text.push_str(&text),
                _ => runs.push(Run { text, role }),
            }
        };
        for child in node.children() {
            if child.is_text() {
                push(join_lines(child.text().unwrap_or("")), Role::Body);
            } else if child.is_element() {
                let role = match child.tag_name().name() {
                    "lead" => {
                        self.attributes(child, &[])?;
                        Role::Subheading
                    }
                    "run" => {
                        self.attributes(child, &["role"])?;
                        self.choice(child, "role", Role::Body, Role::parse, ROLES)?
                    }
                    other => {
                        return Err(self
                            .error(child, format!("<p> 里不能有 <{other}>；可用 <lead>、<run>")));
                    }
                };
                push(join_lines(&self.plain_text(child)?), role);
            }
        }
        if let Some(first) = runs.first_mut() {
            first.text = first.text.trim_start().to_string();
        }
        if let Some(last) = runs.last_mut() {
            last.text = last.text.trim_end().to_string();
        }
        runs.retain(|r| !r.text.is_empty());
        Ok(Paragraph {
            runs,
            indent,
            align,
            keep,
        })
    }

    /// An attribute taking one of a fixed set of values (`allowed` lists them for the message).
    fn choice<T>(
        &self,
        node: Node,
        name: &str,
        default: T,
        parse: fn(&str) -> Option<T>,
        allowed: &str,
    ) -> Result<T> {
        match node.attribute(name) {
            None => Ok(default),
            Some(v) => parse(v)
                .ok_or_else(|| self.error(node, format!("{name}=\"{v}\" 无效；可用 {allowed}"))),
        }
    }

    fn flag(&self, node: Node, name: &str, default: bool) -> Result<bool> {
        match node.attribute(name) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(v) => Err(self.error(node, format!("{name}=\"{v}\" 无效；应为 true 或 false"))),
        }
    }

    fn number<T: std::str::FromStr>(&self, node: Node, name: &str) -> Result<Option<T>> {
        node.attribute(name)
            .map(|v| {
                v.trim()
                    .parse()
                    .map_err(|_| self.error(node, format!("{name}=\"{v}\" 不是有效的数")))
            })
            .transpose()
    }

    fn size(&self, node: Node) -> Result<Option<f32>> {
        let size: Option<f32> = self.number(node, "size")?;
        match size {
            Some(s) if !(4.0..=72.0).contains(&s) => {
                Err(self.error(node, format!("size=\"{s}\" 应在 4 至 72 磅之间")))
            }
            _ => Ok(size),
        }
    }

    fn table(&self, node: Node) -> Result<Table> {
        self.attributes(
            node,
            &[
                "widths",
                "header-rows",
                "size",
                KEEP_WITH_NEXT,
                "orphans",
                "widows",
            ],
        )?;
        let widths = node.attribute("widths").ok_or_else(|| {
            self.error(
                node,
                "<table> 缺少 widths（各列的相对宽度，如 widths=\"1 1 2\"）".into(),
            )
        })?;
        let widths: Vec<f32> = widths
            .split_whitespace()
            .map(|w| {
                w.parse()
                    .map_err(|_| self.error(node, format!("widths 中的 \"{w}\" 不是数")))
            })
            .collect::<Result<_>>()?;
        let header_rows = self.number(node, "header-rows")?.unwrap_or(0);
        let size = self.size(node)?;
        let p = self.pagination;
        let keep = self.keep(node, p.table_orphans, p.table_widows)?;
        let mut rows = Vec::new();
        let mut row_nodes = Vec::new();
        let mut groups = Vec::new();
        let mut group_nodes = Vec::new();
        for child in node.children() {
            if skippable(child) {
                continue;
            }
            match child.tag_name().name() {
                "row" if child.is_element() => {
                    rows.push(self.row(child)?);
                    row_nodes.push(child);
                }
                "group" if child.is_element() => {
                    self.attributes(child, &["keep"])?;
                    let keep = self.choice(
                        child,
                        "keep",
                        GroupKeep::Always,
                        GroupKeep::parse,
                        "always、if-room",
                    )?;
                    let first = rows.len();
                    for row in child.children().filter(|r| !skippable(*r)) {
                        if !row.is_element() || row.tag_name().name() != "row" {
                            return Err(self.error(row, "<group> 里只能有 <row>".into()));
                        }
                        rows.push(self.row(row)?);
                        row_nodes.push(row);
                    }
                    if rows.len() == first {
                        return Err(self.error(child, "<group> 里没有 <row>".into()));
                    }
                    groups.push(RowGroup {
                        first,
                        last: rows.len() - 1,
                        keep,
                    });
                    group_nodes.push(child);
                }
                _ => {
                    return Err(self.error(child, "<table> 里只能有 <row> 和 <group>".into()));
                }
            }
        }
        let at = |e: &crate::document::TableError| {
            e.row()
                .and_then(|r| row_nodes.get(r).copied())
                .unwrap_or(node)
        };
        let table = Table::new(&widths, header_rows, size, rows)
            .map_err(|e| self.error(at(&e), format!("表格结构有误：{e}")))?;
        table.paginated(keep, groups).map_err(|e| {
            let group = e
                .row()
                .and_then(|r| groups_at(&group_nodes, &row_nodes, r))
                .unwrap_or(node);
            self.error(group, format!("表格结构有误：{e}"))
        })
    }

    fn row(&self, row: Node) -> Result<Vec<CellSpec>> {
        self.attributes(row, &[])?;
        let mut cells = Vec::new();
        for cell in row.children().filter(|c| !skippable(*c)) {
            if !cell.is_element() || cell.tag_name().name() != "cell" {
                return Err(self.error(cell, "<row> 里只能有 <cell>".into()));
            }
            cells.push(self.cell(cell)?);
        }
        Ok(cells)
    }

    fn cell(&self, node: Node) -> Result<CellSpec> {
        self.attributes(
            node,
            &[
                "colspan", "rowspan", "align", "valign", "vertical", "size", "role",
            ],
        )?;
        let span = |name: &str| -> Result<NonZeroUsize> {
            let n: Option<usize> = self.number(node, name)?;
            NonZeroUsize::new(n.unwrap_or(1))
                .ok_or_else(|| self.error(node, format!("{name} 至少为 1")))
        };
        let align = self.choice(node, "align", Align::Center, Align::parse, ALIGNS)?;
        let valign = self.choice(node, "valign", VAlign::Middle, VAlign::parse, VALIGNS)?;
        let role = self.choice(node, "role", Role::Body, Role::parse, ROLES)?;
        let (text, breaks) = self.cell_text(node)?;
        Ok(CellSpec {
            text,
            breaks,
            colspan: span("colspan")?,
            rowspan: span("rowspan")?,
            align,
            valign,
            vertical: self.flag(node, "vertical", false)?,
            size: self.size(node)?,
            role,
        })
    }

    /// A cell's text and the places `<wbr/>` marks as phrase boundaries in it.
    fn cell_text(&self, node: Node) -> Result<(String, Vec<usize>)> {
        if node.children().all(|c| !c.is_element()) {
            return Ok((self.plain_text(node)?, Vec::new()));
        }
        let mut text = String::new();
        let mut breaks = Vec::new();
        for child in node.children() {
            if child.is_text() {
                text.push_str(child.text().unwrap_or(""));
            } else if child.is_element() {
                if child.tag_name().name() != "wbr" {
                    return Err(self.error(
                        child,
                        format!(
                            "<cell> 里只能有文字和 <wbr/>，不能有 <{}>",
                            child.tag_name().name()
                        ),
                    ));
                }
                self.attributes(child, &[])?;
                breaks.push(text.len());
            }
        }
        // Template line breaks are dropped and the text trimmed: the marks move with it.
        let mut marked = String::new();
        let mut last = 0;
        for &b in &breaks {
            marked.push_str(&text[last..b]);
            marked.push('\u{1}');
            last = b;
        }
        marked.push_str(&text[last..]);
        let cleaned = clean(&marked);
        let mut positions = Vec::new();
        let mut out = String::with_capacity(cleaned.len());
        for ch in cleaned.chars() {
            if ch == '\u{1}' {
                positions.push(out.len());
            } else {
                out.push(ch);
            }
        }
        positions.retain(|&p| p > 0 && p < out.len());
        positions.dedup();
        Ok((out, positions))
    }

    fn signature(&self, node: Node) -> Result<Signature> {
        self.attributes(node, &["organ", "date", "seal"])?;
        let organ = clean(node.attribute("organ").unwrap_or(""));
        if organ.is_empty() {
            return Err(self.error(node, "<signature> 缺少 organ（署名机关）".into()));
        }
        Ok(Signature {
            organ,
            date: node.attribute("date").map(clean).filter(|d| !d.is_empty()),
            seal: node
                .attribute("seal")
                .map(clean)
                .filter(|s| !s.is_empty())
                .map(|path| Image { path, data: None }),
        })
    }
}

const KEEP_WITH_NEXT: &str = "keep-with-next";

/// White space between elements, and comments.
fn skippable(node: Node) -> bool {
    node.is_text() && node.text().unwrap_or("").trim().is_empty() || node.is_comment()
}

/// The `<group>` whose first row is `row`, to point an error at.
fn groups_at<'a, 'i>(
    groups: &[Node<'a, 'i>],
    rows: &[Node<'a, 'i>],
    row: usize,
) -> Option<Node<'a, 'i>> {
    let first = rows.get(row)?;
    groups
        .iter()
        .copied()
        .find(|g| g.first_element_child() == Some(*first))
}

/// Removes line breaks and the indentation around them (template formatting, not content:
/// Chinese text has no spaces between lines). Spaces within a line are kept.
fn join_lines(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let last = lines.len() - 1;
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut piece = line.strip_suffix('\r').unwrap_or(line);
            if i > 0 {
                piece = piece.trim_start_matches([' ', '\t']);
            }
            if i < last {
                piece = piece.trim_end_matches([' ', '\t']);
            }
            piece
        })
        .collect()
}

/// [`join_lines`], then trimmed.
fn clean(text: &str) -> String {
    join_lines(text).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Markup> {
        super::parse(text, &Pagination::default())
    }

    #[test]
    fn paragraphs_keep_inner_spaces_and_drop_template_line_breaks() {
        let m = parse(
            "<document title=\"T\">\n  <p>\n    <lead>（一）主动公开情况。</lead>\n    2024年，“甲” 和“乙”。\n  </p>\n</document>",
        )
        .unwrap();
        let Block::Paragraph(p) = &m.blocks[0] else {
            panic!()
        };
        assert_eq!(
            p.runs,
            vec![
                Run {
                    text: "（一）主动公开情况。".into(),
                    role: Role::Subheading
                },
                Run {
                    text: "2024年，“甲” 和“乙”。".into(),
                    role: Role::Body
                },
            ]
        );
        assert!(p.indent);
        assert_eq!(m.title, "T");
    }

    #[test]
    fn errors_point_at_the_line_of_the_markup() {
        let e = parse("<document>\n<p>a</p>\n<para>b</para>\n</document>").unwrap_err();
        assert_eq!(e.pos, Pos { line: 3, column: 1 });
        assert!(e.message.contains("<para>"), "{}", e.message);
        let e = parse("<document>\n<table widths=\"1 1\">\n<row><cell colspan=\"3\">x</cell></row>\n</table></document>")
            .unwrap_err();
        assert_eq!(e.pos.line, 3, "the row, not the table");
        assert_eq!(e.message, "表格结构有误：第 1 行需要 3 列，而表格只有 2 列");
        let e = parse("<document><p align=\"middle\">x</p></document>").unwrap_err();
        assert!(e.message.contains("align=\"middle\""), "{}", e.message);
        let e = parse("<document><p>x</document>").unwrap_err();
        assert!(
            e.message.starts_with("模板输出不是合格的标记"),
            "{}",
            e.message
        );
    }

    #[test]
    fn tables_read_spans_and_vertical_cells() {
        let m = parse(
            "<document><table widths=\"1 2\" header-rows=\"1\" size=\"9\">\
             <row><cell colspan=\"2\" role=\"heading\">T</cell></row>\
             <row><cell vertical=\"true\" rowspan=\"2\">竖排</cell><cell align=\"left\">a</cell></row>\
             <row><cell>b</cell></row></table></document>",
        )
        .unwrap();
        let Block::Table(t) = &m.blocks[0] else {
            panic!()
        };
        assert_eq!(t.header_rows(), 1);
        assert_eq!(t.size(), Some(9.0));
        assert_eq!(t.cells().len(), 4);
        assert!(t.cell_at(2, 0).vertical);
        assert_eq!(t.cell_at(0, 1).role, Role::Heading);
        assert_eq!(t.cell_at(1, 1).align, Align::Left);
    }

    #[test]
    fn page_breaks_groups_and_word_marks_are_read_into_the_tree() {
        let m = parse(
            "<document><h1 keep-with-next=\"false\">一、</h1>\
             <p orphans=\"3\" widows=\"1\">正文</p>\
             <table widths=\"1 1\" header-rows=\"1\" orphans=\"4\">\
             <row><cell>甲</cell><cell>乙</cell></row>\
             <group keep=\"if-room\"><row><cell>不予<wbr/>公开</cell><cell>1</cell></row>\
             <row><cell>b</cell><cell>2</cell></row></group>\
             <group><row><cell>c</cell><cell>3</cell></row></group></table>\
             <p>末段</p><signature organ=\"某机关\"/></document>",
        )
        .unwrap();
        assert_eq!(
            m.blocks[0].keep(),
            Keep {
                with_next: false,
                ..Keep::WHOLE
            }
        );
        let Block::Paragraph(p) = &m.blocks[1] else {
            panic!()
        };
        assert_eq!(
            (p.keep.orphans, p.keep.widows, p.keep.with_next),
            (3, 1, false)
        );
        let Block::Table(t) = &m.blocks[2] else {
            panic!()
        };
        assert_eq!(t.keep().orphans, 4);
        assert_eq!(t.keep().widows, Pagination::default().table_widows);
        assert_eq!(
            t.groups(),
            [
                RowGroup {
                    first: 1,
                    last: 2,
                    keep: GroupKeep::IfRoom
                },
                RowGroup {
                    first: 3,
                    last: 3,
                    keep: GroupKeep::Always
                }
            ]
        );
        let marked = t.cell_at(1, 0);
        assert_eq!(marked.text, "不予公开");
        assert_eq!(marked.breaks, ["不予".len()]);
        // The paragraph before the 落款 keeps with it.
        assert!(m.blocks[3].keep().with_next);
        // A group may not reach into the header, and <group> holds rows only.
        let e = parse(
            "<document><table widths=\"1\" header-rows=\"1\"><group><row><cell>a</cell></row></group></table></document>",
        )
        .unwrap_err();
        assert!(e.message.contains("行组无效"), "{}", e.message);
        let e = parse("<document><table widths=\"1\"><group keep=\"never\"><row><cell>a</cell></row></group></table></document>")
            .unwrap_err();
        assert!(e.message.contains("keep=\"never\""), "{}", e.message);
        let e = parse(
            "<document><table widths=\"1\"><row><cell>a<b>x</b></cell></row></table></document>",
        )
        .unwrap_err();
        assert!(e.message.contains("<wbr/>"), "{}", e.message);
    }
}
