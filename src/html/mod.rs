//! The HTML writer, one more reader of the document tree: a standalone page for the portal and
//! for printing (UTF-8, inline CSS, no scripts, nothing fetched, the seal inside as a data URL),
//! or with [`HtmlOptions::fragment`] only the content, each element carrying its own style, for
//! CMS editors that strip `<style>`. Like the .docx writer it decides nothing: text, merges,
//! fonts and page-break wishes come from the tree and its style, and what the layout measured
//! comes from its measures (the negotiated column widths, the size of a figure set smaller to
//! fit, where a title line or a 署名 breaks). The browser sets the body's lines.

mod css;

use base64::Engine;

use crate::document::{
    Align, Block, Cell, Document, Keep, Paragraph, Signature, Slot, Table, VAlign,
};
use crate::escape::markup as escape;
use crate::layout::{Measure, Measures, SignatureMeasure, TableMeasure};
use crate::style::Style;
use css::Look;

/// How the HTML is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HtmlOptions {
    /// Only the content (a `<div>`), styles on the elements: for pasting into a CMS editor.
    pub fragment: bool,
}

/// The report as an HTML page, or as a fragment.
pub fn write(doc: &Document, measures: &Measures, options: &HtmlOptions) -> String {
    let mut w = Writer {
        out: String::with_capacity(64 * 1024),
        style: &doc.style,
        fragment: options.fragment,
    };
    if !w.fragment {
        w.head(doc);
    }
    w.content(doc, measures);
    if !w.fragment {
        w.out.push_str("</body>\n</html>\n");
    }
    w.out
}

struct Writer<'a> {
    out: String,
    style: &'a Style,
    fragment: bool,
}

impl Writer<'_> {
    /// ` class="…"` on the page, ` style="…"` in a fragment (the looks in the style sheet's
    /// order, so that the same declarations win).
    fn look(&self, looks: &[Look]) -> String {
        self.look_and(looks, "")
    }

    /// [`Writer::look`] and declarations of this element's own, which win over the looks'.
    fn look_and(&self, looks: &[Look], own: &str) -> String {
        let mut looks = looks.to_vec();
        looks.sort_by_key(|l| Look::ALL.iter().position(|a| a == l));
        if self.fragment {
            let mut declarations: String = looks
                .iter()
                .map(|l| l.declarations(self.style, false))
                .collect();
            declarations.push_str(own);
            return format!(" style=\"{}\"", escape(&declarations));
        }
        let classes: Vec<&str> = looks.iter().map(|l| l.class()).collect();
        let mut attributes = format!(" class=\"{}\"", classes.join(" "));
        if !own.is_empty() {
            attributes.push_str(&format!(" style=\"{}\"", escape(own)));
        }
        attributes
    }

    fn head(&mut self, doc: &Document) {
        let meta = &doc.meta;
        self.out.push_str("<!DOCTYPE html>\n<html lang=\"");
        self.out.push_str(&escape(&meta.language));
        self.out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n");
        self.out
            .push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        self.out
            .push_str(&format!("<title>{}</title>\n", escape(&meta.title)));
        for (name, value) in [
            ("author", &meta.author),
            ("description", &meta.subject),
            ("keywords", &meta.keywords),
        ] {
            if !value.is_empty() {
                self.out.push_str(&format!(
                    "<meta name=\"{name}\" content=\"{}\">\n",
                    escape(value)
                ));
            }
        }
        self.out.push_str(&format!(
            "<meta name=\"generator\" content=\"nianbao {}\">\n",
            env!("CARGO_PKG_VERSION")
        ));
        self.out.push_str("<style>\n");
        self.out.push_str(&css::sheet(self.style));
        self.out.push_str("</style>\n</head>\n<body>\n");
    }

    fn content(&mut self, doc: &Document, measures: &Measures) {
        let open = format!(
            "<div lang=\"{}\"{}>\n",
            escape(&doc.meta.language),
            self.look(&[Look::Report])
        );
        self.out.push_str(&open);
        let measure = |i: usize| measures.blocks.get(i);
        let mut blocks = doc.blocks.iter().enumerate().peekable();
        while let Some((i, block)) = blocks.next() {
            match block {
                // The title's lines, one heading.
                Block::Title { text, keep } => {
                    let mut lines = vec![title_line(text, measure(i))];
                    let mut keep = *keep;
                    while let Some((j, Block::Title { text, keep: k })) = blocks.peek() {
                        lines.push(title_line(text, measure(*j)));
                        keep = *k;
                        blocks.next();
                    }
                    let looks = with_keep(vec![Look::Title], keep);
                    let line = format!("<h1{}>{}</h1>\n", self.look(&looks), lines.join("<br>"));
                    self.out.push_str(&line);
                }
                Block::Heading { level, text, keep } => {
                    let (tag, look) = if *level == 1 {
                        ("h2", Look::Heading)
                    } else {
                        ("h3", Look::Subheading)
                    };
                    let looks = with_keep(vec![look], *keep);
                    let line = format!("<{tag}{}>{}</{tag}>\n", self.look(&looks), escape(text));
                    self.out.push_str(&line);
                }
                Block::Paragraph(p) => self.paragraph(p),
                Block::Table(t) => {
                    let m = match measure(i) {
                        Some(Measure::Table(m)) => Some(m),
                        _ => None,
                    };
                    self.table(t, m)
                }
                Block::Signature(s) => {
                    let m = match measure(i) {
                        Some(Measure::Signature(m)) => Some(m),
                        _ => None,
                    };
                    self.signature(s, m)
                }
            }
        }
        self.out.push_str("</div>\n");
    }

    fn paragraph(&mut self, p: &Paragraph) {
        let mut looks = with_keep(vec![Look::Paragraph], p.keep);
        if p.indent {
            looks.push(Look::Indent);
        }
        looks.push(match p.align {
            Align::Justify => Look::AlignJustify,
            Align::Left => Look::AlignLeft,
            Align::Center => Look::AlignCenter,
            Align::Right => Look::AlignRight,
        });
        let mut line = format!("<p{}>", self.look(&looks));
        for run in &p.runs {
            match Look::run(run.role) {
                Some(look) => line.push_str(&format!(
                    "<span{}>{}</span>",
                    self.look(&[look]),
                    escape(&run.text)
                )),
                None => line.push_str(&escape(&run.text)),
            }
        }
        line.push_str("</p>\n");
        self.out.push_str(&line);
    }

    /// The table as the tree's grid: each cell once, at its top-left place, with its spans;
    /// the header rows in `thead` (repeated on every printed page), the labels as `th`; the
    /// columns as the layout negotiated them.
    fn table(&mut self, t: &Table, m: Option<&TableMeasure>) {
        let mut looks = vec![Look::Table];
        if t.keep().whole() {
            looks.push(Look::KeepWhole);
        }
        let mut html = format!("<table{}>\n<colgroup>", self.look(&looks));
        let widths: Vec<f32> = match m {
            Some(m) => {
                let total: f32 = m.columns.iter().sum();
                m.columns.iter().map(|w| w / total).collect()
            }
            None => t.columns().to_vec(),
        };
        for width in widths {
            html.push_str(&format!(
                "<col style=\"width:{}%\">",
                css::pt(width * 100.0)
            ));
        }
        html.push_str("</colgroup>\n");
        let table_size = t.size().unwrap_or(self.style.sizes.table);
        // What a cell is set at unless it says otherwise (the table's look).
        let base = self.style.sizes.table;
        for r in 0..t.rows() {
            if r == 0 && t.header_rows() > 0 {
                html.push_str("<thead>\n");
            }
            if r == t.header_rows() {
                html.push_str("<tbody>\n");
            }
            // Rows the tree keeps on a page with the next (a 第二十条 group, the first rows
            // under the header) ask the printer for the same.
            let row = if t.row_keeps_with_next(r) {
                self.look(&[Look::Row, Look::KeepWithNext])
            } else {
                self.look(&[Look::Row])
            };
            html.push_str(&format!("<tr{row}>"));
            for c in 0..t.columns().len() {
                if let Slot::Cell(index) = t.slot(r, c) {
                    let cell = &t.cells()[index];
                    let measured = m.and_then(|m| m.cells.get(index));
                    let size = measured.map_or(cell.size.unwrap_or(table_size), |c| c.size);
                    let line_ends = measured.map_or(&[][..], |c| c.line_ends.as_slice());
                    let in_header = r < t.header_rows();
                    html.push_str(&self.cell(cell, in_header, size, base, line_ends));
                }
            }
            html.push_str("</tr>\n");
            if r + 1 == t.header_rows() {
                html.push_str("</thead>\n");
            }
        }
        if t.rows() > t.header_rows() {
            html.push_str("</tbody>\n");
        }
        html.push_str("</table>\n");
        self.out.push_str(&html);
    }

    /// A figure is a `td`; every other cell labels the figures beside or below it: in the
    /// header rows it heads its columns, in the body its row.
    /// `size`: the cell's text size as the layout set it (`base` unless said); `line_ends`:
    /// where its lines end.
    fn cell(
        &self,
        cell: &Cell,
        in_header: bool,
        size: f32,
        base: f32,
        line_ends: &[usize],
    ) -> String {
        let figure = cell.is_figure();
        let mut looks = vec![Look::Cell];
        let tag = if figure {
            looks.push(Look::Figure);
            "td"
        } else {
            looks.push(Look::HeadCell);
            "th"
        };
        looks.push(match cell.align {
            _ if cell.vertical => Look::AlignCenter,
            Align::Justify | Align::Left => Look::AlignLeft,
            Align::Center => Look::AlignCenter,
            Align::Right => Look::AlignRight,
        });
        match cell.valign {
            VAlign::Top if !cell.vertical => looks.push(Look::CellTop),
            VAlign::Bottom if !cell.vertical => looks.push(Look::CellBottom),
            _ => {}
        }
        let mut attributes = String::new();
        if !figure {
            let scope = match (in_header, cell.colspan.get() > 1) {
                (true, true) => "colgroup",
                (true, false) => "col",
                (false, _) => "row",
            };
            attributes.push_str(&format!(" scope=\"{scope}\""));
        }
        if cell.colspan.get() > 1 {
            attributes.push_str(&format!(" colspan=\"{}\"", cell.colspan));
        }
        if cell.rowspan.get() > 1 {
            attributes.push_str(&format!(" rowspan=\"{}\"", cell.rowspan));
        }
        // A size of the cell's own: table 三's note, a figure set smaller to fit.
        let own = if (size - base).abs() > 0.01 {
            format!("font-size:{}pt;", css::pt(size))
        } else {
            String::new()
        };
        let look = self.look_and(&looks, &own);
        let text = lines(&cell.text, line_ends);
        let text = if cell.vertical && !text.is_empty() {
            format!("<span{}>{text}</span>", self.look(&[Look::Vertical]))
        } else {
            text
        };
        format!("<{tag}{attributes}{look}>{text}</{tag}>")
    }

    /// The 落款 by GB/T 9704 7.3.5 as CSS can say it: without a seal, the 署名 two characters
    /// in from the right and the date two characters right of its start; with one, the date
    /// four characters in and the 署名 centred over it, the seal over both.
    fn signature(&mut self, s: &Signature, m: Option<&SignatureMeasure>) {
        let seal = s.seal.as_ref().and_then(|image| image.data.as_deref());
        let sealed = seal.is_some();
        let blank = if sealed {
            self.style.body.blank_lines_before_signature.max(2)
        } else {
            self.style.body.blank_lines_before_signature
        };
        let indent = if sealed { 4 } else { 2 };
        let (organ_look, date_look) = if sealed {
            (Look::OrganSealed, Look::DateSealed)
        } else {
            (Look::Organ, Look::Date)
        };
        let margin = css::pt(self.style.line_pitch_pt() * blank as f32);
        let own = format!("margin-top:{margin}pt;padding-right:{indent}em;");
        let mut html = format!("<div{}>", self.look_and(&[Look::Signature], &own));
        html.push_str(&format!("<div{}>", self.look(&[Look::SignatureBox])));
        let organ = match m {
            Some(m) => {
                let ends: Vec<usize> = m.organ_lines.iter().map(|l| l.text.end).collect();
                lines(&s.organ, &ends[..ends.len().saturating_sub(1)])
            }
            None => escape(&s.organ),
        };
        html.push_str(&format!("<div{}>{organ}</div>", self.look(&[organ_look])));
        if let Some(date) = &s.date {
            html.push_str(&format!(
                "<div{}>{}</div>",
                self.look(&[date_look]),
                escape(date)
            ));
        }
        if let Some(png) = seal {
            let data = base64::engine::general_purpose::STANDARD.encode(png);
            html.push_str(&format!(
                "<img{} src=\"data:image/png;base64,{data}\" alt=\"印章\">",
                self.look(&[Look::Seal])
            ));
        }
        html.push_str("</div></div>\n");
        self.out.push_str(&html);
    }
}

/// The block's looks with its page-break wishes.
fn with_keep(mut looks: Vec<Look>, keep: Keep) -> Vec<Look> {
    if keep.with_next {
        looks.push(Look::KeepWithNext);
    }
    if keep.whole() {
        looks.push(Look::KeepWhole);
    }
    looks
}

/// A title line, with a break where the layout balanced it over two lines.
fn title_line(text: &str, m: Option<&Measure>) -> String {
    match m {
        Some(Measure::Title { line_ends }) => lines(text, line_ends),
        _ => escape(text),
    }
}

/// Text whose lines end at `ends` (byte offsets; the last line's end left out), as HTML.
fn lines(text: &str, ends: &[usize]) -> String {
    let mut out = String::new();
    let mut start = 0;
    for &end in ends {
        if end <= start || end > text.len() || !text.is_char_boundary(end) {
            continue;
        }
        out.push_str(&escape(&text[start..end]));
        out.push_str("<br>");
        start = end;
    }
    out.push_str(&escape(&text[start..]));
    out
}
