//! Tables in Word, as the layout measured them: the negotiated column widths, the rows at least
//! as tall as in the PDF, each cell's size and line breaks, gridSpan and vMerge from the tree's
//! dense grid, tbRlV for vertical cells, thin inner and firm outer borders, header rows that
//! repeat, rows that do not split, and the rows kept together where the layout would not break
//! between them (the tree's rules, and the PDF's own breaks). Where the PDF
//! goes on to a new page inside a cell that spans rows, the cell starts again there with its
//! text, so the label is on both pages as in the PDF.

use super::body::{Lines, Look, Para, run};
use super::xml::{Xml, attrs};
use super::{Fonts, twips, twips_down};
use crate::document::{Align, Cell, Slot, Table, VAlign};
use crate::layout::TableMeasure;
use crate::style::{Style, mm_to_pt};

/// Column widths in twips, adding up exactly to the text width.
fn grid(style: &Style, m: &TableMeasure) -> Vec<i64> {
    let total = i64::from(twips(mm_to_pt(style.page.text_width_mm())));
    let mut edges = Vec::with_capacity(m.columns.len() + 1);
    let mut at = 0.0f32;
    edges.push(0);
    for w in &m.columns {
        at += w;
        edges.push(i64::from(twips(at)).min(total));
    }
    if let Some(last) = edges.last_mut() {
        *last = total;
    }
    edges.windows(2).map(|w| (w[1] - w[0]).max(1)).collect()
}

pub(super) fn table(x: &mut Xml, fonts: &Fonts, style: &Style, t: &Table, m: &TableMeasure) {
    let grid = grid(style, m);
    let total: i64 = grid.iter().sum();
    let padding = twips(mm_to_pt(style.table.padding_mm));
    let outer = (style.table.outer_border_pt * 8.0).round() as i64;
    let inner = (style.table.inner_border_pt * 8.0).round() as i64;
    x.open("w:tbl", &[]);
    x.open("w:tblPr", &[]);
    x.empty("w:tblW", attrs![("w:w", total), ("w:type", "dxa")]);
    x.empty("w:jc", attrs![("w:val", "center")]);
    x.open("w:tblBorders", &[]);
    for (side, size) in [
        ("w:top", outer),
        ("w:left", outer),
        ("w:bottom", outer),
        ("w:right", outer),
        ("w:insideH", inner),
        ("w:insideV", inner),
    ] {
        x.empty(
            side,
            attrs![
                ("w:val", "single"),
                ("w:sz", size),
                ("w:space", 0),
                ("w:color", "000000")
            ],
        );
    }
    x.close("w:tblBorders");
    x.empty("w:tblLayout", attrs![("w:type", "fixed")]);
    // Rows are as tall as the layout measured them (their heights below, at least): the cells
    // need no space above and below their text, which LibreOffice would add to the height
    // together with the rules' width.
    x.open("w:tblCellMar", &[]);
    for (side, w) in [
        ("w:top", 0),
        ("w:left", padding),
        ("w:bottom", 0),
        ("w:right", padding),
    ] {
        x.empty(side, attrs![("w:w", w), ("w:type", "dxa")]);
    }
    x.close("w:tblCellMar");
    x.close("w:tblPr");
    x.open("w:tblGrid", &[]);
    for w in &grid {
        x.empty("w:gridCol", attrs![("w:w", *w)]);
    }
    x.close("w:tblGrid");
    for (r, &keep) in m.keep_with_next.iter().enumerate().take(t.rows()) {
        x.open("w:tr", &[]);
        x.open("w:trPr", &[]);
        x.empty("w:cantSplit", &[]);
        let height = m.rows.get(r).copied().unwrap_or(0.0);
        x.empty(
            "w:trHeight",
            attrs![("w:val", twips_down(height)), ("w:hRule", "atLeast")],
        );
        if r < t.header_rows() {
            x.empty("w:tblHeader", &[]);
        }
        x.close("w:trPr");
        let mut c = 0;
        while c < grid.len() {
            let (index, merged) = match t.slot(r, c) {
                Slot::Cell(i) => (i, false),
                Slot::Merged { parent } => (parent, true),
            };
            let cell = &t.cells()[index];
            // A spanning cell starts again where the PDF begins a new page.
            let restart = merged && cell.row != r && m.breaks.contains(&r) && cell.col == c;
            let width: i64 = grid[c..c + cell.colspan.get()].iter().sum();
            cell_xml(
                x,
                fonts,
                style,
                cell,
                m,
                index,
                width,
                !merged || restart,
                keep,
            );
            c += cell.colspan.get();
        }
        x.close("w:tr");
    }
    x.close("w:tbl");
}

/// One grid place of a cell: its first row (`first`: with its text), or a row it continues
/// over (an empty paragraph under `vMerge`).
#[allow(clippy::too_many_arguments)]
fn cell_xml(
    x: &mut Xml,
    fonts: &Fonts,
    style: &Style,
    cell: &Cell,
    m: &TableMeasure,
    index: usize,
    width: i64,
    first: bool,
    keep: bool,
) {
    let measured = &m.cells[index];
    let size = measured.size;
    let mut para = Para::new(Lines::Exact(size * style.table.line_height));
    para.keep_next = keep;
    para.widow_control = false;
    para.jc = if cell.vertical {
        "center"
    } else {
        match cell.align {
            Align::Justify | Align::Left => "left",
            Align::Center => "center",
            Align::Right => "right",
        }
    };
    x.open("w:tc", &[]);
    x.open("w:tcPr", &[]);
    x.empty("w:tcW", attrs![("w:w", width), ("w:type", "dxa")]);
    if cell.colspan.get() > 1 {
        x.empty("w:gridSpan", attrs![("w:val", cell.colspan.get())]);
    }
    if cell.rowspan.get() > 1 {
        if first {
            x.empty("w:vMerge", attrs![("w:val", "restart")]);
        } else {
            x.empty("w:vMerge", &[]);
        }
    }
    if cell.vertical {
        x.empty("w:textDirection", attrs![("w:val", "tbRlV")]);
    }
    // In a tbRlV cell the paragraph runs top to bottom: centring it centres the column
    // vertically, and the cell's vertical alignment centres it across.
    let valign = match cell.valign {
        VAlign::Top if !cell.vertical => "top",
        VAlign::Bottom if !cell.vertical => "bottom",
        _ => "center",
    };
    x.empty("w:vAlign", attrs![("w:val", valign)]);
    x.close("w:tcPr");
    x.open("w:p", &[]);
    para.write(x);
    if first && !cell.text.is_empty() {
        let look = Look::plain(cell.role, size);
        run(x, fonts, &cell.text, look, &measured.line_ends);
    }
    x.close("w:p");
    x.close("w:tc");
}
