//! Tables: measured once, then placed row by row; pages break only between rows.
//!
//! Row heights grow to fit every cell (text wrapped in its width, vertical text stacked in one
//! column); a spanning cell that needs more room shares the extra height among its rows. On a
//! continued page the header rows are repeated, and a spanning cell cut by the break is drawn
//! again in its part on the new page (vertical text stacks into more columns if that part is short).

use std::collections::HashSet;

use super::text::{self, Justify, Piece};
use super::{Flow, Item, Segment, TextRun};
use crate::document::{Align, Cell, Table, VAlign};
use crate::style::mm_to_pt;

/// A table's measurements, computed once per table.
pub(super) struct Measured {
    /// Column edges relative to the table's left, `columns + 1` of them.
    col_x: Vec<f32>,
    row_h: Vec<f32>,
    /// Parallel to `table.cells()`.
    contents: Vec<Content>,
    padding: f32,
}

enum Content {
    Lines {
        text: String,
        pieces: Vec<Piece>,
        lines: Vec<text::Line>,
        line_height: f32,
    },
    Vertical {
        text: String,
        pieces: Vec<Piece>,
        /// Distance between character boxes down a column.
        pitch: f32,
        size: f32,
        /// The cell's width inside its padding.
        inner_width: f32,
    },
}

impl Content {
    fn height(&self) -> f32 {
        match self {
            Content::Lines {
                lines, line_height, ..
            } => lines.len() as f32 * line_height,
            Content::Vertical { pieces, size, .. } => vertical_extent(pieces.len(), *size),
        }
    }
}

/// Vertical characters stand this far apart, in em.
const VERTICAL_PITCH: f32 = 1.08;

/// The height `chars` characters of vertical text take in one column at `size`.
pub fn vertical_extent(chars: usize, size: f32) -> f32 {
    chars as f32 * size * VERTICAL_PITCH
}
/// Columns of multi-column vertical text stand this far apart, in em.
const VERTICAL_COLUMN: f32 = 1.25;

pub(super) fn measure(flow: &mut Flow, table: &Table) -> Measured {
    let style = flow.style;
    let width = flow.g.width;
    let mut col_x = vec![0.0];
    for w in table.columns() {
        col_x.push(col_x.last().copied().unwrap_or(0.0) + w * width);
    }
    let padding = mm_to_pt(style.table.padding_mm);
    let base_size = table.size().unwrap_or(style.sizes.table);
    let line_factor = style.table.line_height;
    let contents: Vec<Content> = table
        .cells()
        .iter()
        .map(|cell| {
            let size = cell.size.unwrap_or(base_size);
            let inner = col_x[cell.last_col() + 1] - col_x[cell.col] - 2.0 * padding;
            if cell.vertical {
                let pieces: Vec<Piece> = cell
                    .text
                    .char_indices()
                    .map(|(i, ch)| text::vertical_piece(i, ch, cell.role, size, flow.fonts))
                    .collect();
                text::missing(&pieces, &mut flow.missing);
                Content::Vertical {
                    text: cell.text.clone(),
                    pieces,
                    pitch: size * VERTICAL_PITCH,
                    size,
                    inner_width: inner,
                }
            } else {
                let role = cell.role;
                let pieces = text::shape(&cell.text, |_| role, size, size, flow.fonts);
                text::missing(&pieces, &mut flow.missing);
                let justify = match cell.align {
                    Align::Justify => Justify::Full,
                    Align::Left => Justify::Left,
                    Align::Center => Justify::Center,
                    Align::Right => Justify::Right,
                };
                let lines = text::break_lines(&cell.text, &pieces, inner, 0.0, justify);
                Content::Lines {
                    text: cell.text.clone(),
                    pieces,
                    lines,
                    line_height: size * line_factor,
                }
            }
        })
        .collect();
    let min_row = base_size * line_factor + 2.0 * padding;
    let mut row_h = vec![min_row; table.rows()];
    for (cell, content) in table.cells().iter().zip(&contents) {
        if cell.rowspan.get() == 1 {
            row_h[cell.row] = row_h[cell.row].max(content.height() + 2.0 * padding);
        }
    }
    let mut spanning: Vec<(&Cell, &Content)> = table
        .cells()
        .iter()
        .zip(&contents)
        .filter(|(c, _)| c.rowspan.get() > 1)
        .collect();
    spanning.sort_by_key(|(c, _)| c.rowspan.get());
    for (cell, content) in spanning {
        let rows = cell.row..=cell.last_row();
        let have: f32 = row_h[rows.clone()].iter().sum();
        let needed = content.height() + 2.0 * padding;
        if needed > have {
            let extra = (needed - have) / cell.rowspan.get() as f32;
            for r in rows {
                row_h[r] += extra;
            }
        }
    }
    Measured {
        col_x,
        row_h,
        contents,
        padding,
    }
}

impl Measured {
    /// The least height a part of cell `i` may have on a page: for vertical text, stacked in as
    /// many columns as the cell's width holds.
    fn min_fragment(&self, i: usize) -> f32 {
        match &self.contents[i] {
            Content::Vertical {
                pieces,
                pitch,
                size,
                inner_width,
                ..
            } => {
                let columns =
                    (((inner_width - size) / (size * VERTICAL_COLUMN)).floor() as usize + 1).max(1);
                pieces.len().div_ceil(columns) as f32 * pitch + 2.0 * self.padding
            }
            Content::Lines { .. } => 0.0,
        }
    }
}

/// The room a table needs to start on a page: its spacing, header rows and first body row.
pub(super) fn first_height(flow: &Flow, table: &Table, measured: &Measured) -> f32 {
    let header: f32 = measured.row_h[..table.header_rows()].iter().sum();
    let first = measured
        .row_h
        .get(table.header_rows())
        .copied()
        .unwrap_or(0.0);
    space(flow) + header + first
}

fn space(flow: &Flow) -> f32 {
    flow.style.table.space_lines * flow.g.pitch
}

/// Places a measured table at the flow's position, breaking pages between rows.
pub(super) fn place(flow: &mut Flow, table: &Table, m: &Measured) {
    let header: Vec<usize> = (0..table.header_rows()).collect();
    let header_h: f32 = m.row_h[..table.header_rows()].iter().sum();
    let first = m.row_h.get(table.header_rows()).copied().unwrap_or(0.0);
    if !flow.at_page_top() {
        flow.y += space(flow);
    }
    flow.ensure(header_h + first);
    let mut rows: Vec<usize> = header.clone();
    let mut top = flow.y;
    let mut y = top + header_h;
    let mut r = table.header_rows();
    while r < table.rows() {
        let has_body = rows.len() > header.len();
        if y + m.row_h[r] > flow.g.bottom + 0.01 && has_body {
            let cut = choose_cut(table, m, r, rows[header.len()]);
            rows.retain(|&row| row < cut);
            draw(flow, table, m, &rows, top);
            flow.new_page();
            rows = header.clone();
            top = flow.y;
            y = top + header_h;
            r = cut;
            continue;
        }
        rows.push(r);
        y += m.row_h[r];
        r += 1;
    }
    draw(flow, table, m, &rows, top);
    flow.y = y + space(flow);
}

/// Where to break a table that overflows at row `r`, with `first` the first body row on the
/// page: never inside a group of rows joined by horizontal text, and never so that a part of a
/// vertical label is too short to hold it. Falls back to `r` when no better place exists.
fn choose_cut(table: &Table, m: &Measured, r: usize, first: usize) -> usize {
    let height = |rows: std::ops::Range<usize>| -> f32 { m.row_h[rows].iter().sum() };
    let mut cut = r;
    loop {
        cut = group_start(table, cut);
        if cut <= first {
            return r;
        }
        let short = table.cells().iter().enumerate().find_map(|(i, c)| {
            if !c.vertical || c.row >= cut || c.last_row() < cut {
                return None;
            }
            let need = m.min_fragment(i);
            let after = height(cut..c.last_row() + 1);
            let before = height(c.row.max(first)..cut);
            (after < need || before < need).then_some((c.row, after < need))
        });
        match short {
            None => return cut,
            // The part on the next page is too short: carry one more row over.
            Some((_, true)) => cut -= 1,
            // The part left on this page is too short: carry the whole label over.
            Some((start, false)) => cut = start,
        }
    }
}

/// The first row of the row group `row` belongs to: rows joined by a spanning cell of
/// horizontal text are kept on one page (a tall vertical label may still be cut and continued).
fn group_start(table: &Table, row: usize) -> usize {
    let mut start = row;
    loop {
        let earlier = table
            .cells()
            .iter()
            .filter(|c| {
                !c.vertical && c.rowspan.get() > 1 && c.row < start && c.last_row() >= start
            })
            .map(|c| c.row)
            .min();
        match earlier {
            Some(s) if s >= table.header_rows() => start = s,
            _ => return start,
        }
    }
}

/// Draws the rows of one page's part of a table (header rows first), its top at `top`.
fn draw(flow: &mut Flow, table: &Table, m: &Measured, rows: &[usize], top: f32) {
    let left = flow.g.left;
    let mut row_y = vec![f32::NAN; table.rows()];
    let mut y = top;
    for &r in rows {
        row_y[r] = y;
        y += m.row_h[r];
    }
    let bottom = y;
    let right = left + m.col_x[m.col_x.len() - 1];
    let mut segments: HashSet<[i32; 4]> = HashSet::new();
    let mut items = Vec::new();
    for (cell, content) in table.cells().iter().zip(&m.contents) {
        let covered: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|r| (cell.row..=cell.last_row()).contains(r))
            .collect();
        let (Some(&first), Some(&last)) = (covered.first(), covered.last()) else {
            continue;
        };
        let x0 = left + m.col_x[cell.col];
        let x1 = left + m.col_x[cell.last_col() + 1];
        let y0 = row_y[first];
        let y1 = row_y[last] + m.row_h[last];
        for edge in [
            [x0, y0, x1, y0],
            [x0, y1, x1, y1],
            [x0, y0, x0, y1],
            [x1, y0, x1, y1],
        ] {
            segments.insert(edge.map(|v| (v * 100.0).round() as i32));
        }
        contents(flow, cell, content, m.padding, (x0, y0, x1, y1), &mut items);
    }
    let inner = flow.style.table.inner_border_pt;
    let outer = flow.style.table.outer_border_pt;
    let on_edge = |s: &[i32; 4]| {
        let v = |f: f32| (f * 100.0).round() as i32;
        (s[1] == s[3] && (s[1] == v(top) || s[1] == v(bottom)))
            || (s[0] == s[2] && (s[0] == v(left) || s[0] == v(right)))
    };
    let mut inner_segments: Vec<[i32; 4]> = segments.into_iter().filter(|s| !on_edge(s)).collect();
    inner_segments.sort();
    for s in inner_segments {
        let [x1, y1, x2, y2] = s.map(|v| v as f32 / 100.0);
        items.push(Item::Line(Segment {
            x1,
            y1,
            x2,
            y2,
            width: inner,
        }));
    }
    let h = outer / 2.0;
    for (x1, y1, x2, y2) in [
        (left - h, top, right + h, top),
        (left - h, bottom, right + h, bottom),
        (left, top, left, bottom),
        (right, top, right, bottom),
    ] {
        items.push(Item::Line(Segment {
            x1,
            y1,
            x2,
            y2,
            width: outer,
        }));
    }
    flow.push(items);
}

/// A cell's text inside its rectangle (x0, y0, x1, y1).
fn contents(
    flow: &Flow,
    cell: &Cell,
    content: &Content,
    padding: f32,
    (x0, y0, x1, y1): (f32, f32, f32, f32),
    items: &mut Vec<Item>,
) {
    let inner_h = y1 - y0 - 2.0 * padding;
    let valign_offset = |block: f32| match cell.valign {
        VAlign::Top => 0.0,
        VAlign::Middle => (inner_h - block) / 2.0,
        VAlign::Bottom => inner_h - block,
    };
    match content {
        Content::Lines {
            text,
            pieces,
            lines,
            line_height,
        } => {
            let block = lines.len() as f32 * line_height;
            let start = y0 + padding + valign_offset(block);
            for (k, line) in lines.iter().enumerate() {
                if line.pieces.is_empty() {
                    continue;
                }
                let p = &pieces[line.pieces.start];
                let top = start + k as f32 * line_height;
                let baseline = flow.baseline(top, *line_height, p.size, p.face);
                items.extend(text::runs(text, pieces, line, x0 + padding, baseline));
            }
        }
        Content::Vertical {
            text,
            pieces,
            pitch,
            size,
            ..
        } => {
            let n = pieces.len();
            if n == 0 {
                return;
            }
            // One column when it fits; otherwise as few columns as needed, right to left.
            let columns = ((n as f32 * pitch) / inner_h.max(*pitch)).ceil().max(1.0) as usize;
            let per_column = n.div_ceil(columns);
            let column_step = size * VERTICAL_COLUMN;
            let block_w = (columns - 1) as f32 * column_step;
            let centre_x = (x0 + x1) / 2.0;
            let block_h = per_column as f32 * pitch;
            let start = y0 + padding + valign_offset(block_h);
            for (i, p) in pieces.iter().enumerate() {
                let column = i / per_column;
                let row = i % per_column;
                let cx = centre_x + block_w / 2.0 - column as f32 * column_step;
                let top = start + row as f32 * pitch;
                let baseline = flow.baseline(top, *pitch, *size, p.face);
                items.push(Item::Text(TextRun {
                    face: p.face,
                    size: *size,
                    x: cx - p.width / 2.0,
                    y: baseline,
                    text: text[p.range.clone()].to_string(),
                    glyphs: vec![super::Glyph {
                        id: p.glyph,
                        x_advance: p.width,
                        x_offset: 0.0,
                        range: 0..p.range.len(),
                    }],
                }));
            }
        }
    }
}
