//! Tables in Word: a fixed grid from the tree's column widths, gridSpan and vMerge from its
//! dense grid, tbRlV for vertical cells, thin inner and firm outer borders, rows that do not
//! split. Header rows are marked to repeat by [`super::fixup`] (docx-rs has no `w:tblHeader`).

use docx_rs::{
    AlignmentType, BorderType, HeightRule, Paragraph, Run, TableAlignmentType, TableBorder,
    TableBorderPosition, TableBorders, TableCell, TableCellMargins, TableLayoutType, TableRow,
    TextDirectionType, VAlignType, VMergeType, WidthType,
};

use super::{align, exact, fonts, half_points, twips};
use crate::document::{Cell, Slot, Table, VAlign};
use crate::layout::vertical_extent;
use crate::style::{Style, mm_to_pt};

/// The space above and below a table, as an empty paragraph of that exact height.
pub(super) fn spacer(style: &Style) -> Paragraph {
    let height = (style.table.space_lines * style.line_pitch_pt()).max(1.0);
    Paragraph::new()
        .line_spacing(exact(height))
        .add_run(Run::new().size(2))
}

/// Column widths in twips, summing exactly to the text width.
fn grid(style: &Style, table: &Table) -> Vec<usize> {
    let total = twips(mm_to_pt(style.page.text_width_mm()));
    let mut widths: Vec<usize> = table
        .columns()
        .iter()
        .map(|f| (f * total as f32).round() as usize)
        .collect();
    let sum: usize = widths.iter().sum();
    if let Some(last) = widths.last_mut() {
        *last = (*last as i64 + total as i64 - sum as i64).max(1) as usize;
    }
    widths
}

pub(super) fn table(style: &Style, t: &Table) -> docx_rs::Table {
    let grid = grid(style, t);
    let base = t.size().unwrap_or(style.sizes.table);
    let padding = mm_to_pt(style.table.padding_mm);
    let min_heights = vertical_row_heights(t, base, padding);
    let mut rows = Vec::with_capacity(t.rows());
    let keeps = row_keeps(t);
    for (r, min_height) in min_heights.iter().enumerate() {
        let keep = keeps[r];
        let mut cells = Vec::new();
        let mut c = 0;
        while c < grid.len() {
            let (cell, continued) = match t.slot(r, c) {
                Slot::Cell(i) => (&t.cells()[i], false),
                Slot::Merged { parent } => (&t.cells()[parent], true),
            };
            let span = cell.colspan.get();
            let width: usize = grid[c..c + span].iter().sum();
            let mut tc = TableCell::new().width(width, WidthType::Dxa);
            if span > 1 {
                tc = tc.grid_span(span);
            }
            if continued {
                // The rows below the first of a row-spanning cell.
                tc = tc
                    .vertical_merge(VMergeType::Continue)
                    .add_paragraph(Paragraph::new().keep_next(keep));
            } else {
                if cell.rowspan.get() > 1 {
                    tc = tc.vertical_merge(VMergeType::Restart);
                }
                tc = contents(style, tc, cell, base, keep);
            }
            cells.push(tc);
            c += span;
        }
        let mut row = TableRow::new(cells).cant_split();
        if let Some(h) = min_height {
            row = row
                .row_height(twips(*h) as f32)
                .height_rule(HeightRule::AtLeast);
        }
        rows.push(row);
    }
    let outer = (style.table.outer_border_pt * 8.0).round() as usize;
    let inner = (style.table.inner_border_pt * 8.0).round() as usize;
    let border = |p: TableBorderPosition, size: usize| {
        TableBorder::new(p)
            .size(size)
            .border_type(BorderType::Single)
    };
    let pad = twips(padding) as usize;
    docx_rs::Table::new(rows)
        .set_grid(grid.clone())
        .layout(TableLayoutType::Fixed)
        .width(grid.iter().sum(), WidthType::Dxa)
        .align(TableAlignmentType::Center)
        .margins(TableCellMargins::new().margin(pad, pad, pad, pad))
        .set_borders(
            TableBorders::new()
                .set(border(TableBorderPosition::Top, outer))
                .set(border(TableBorderPosition::Bottom, outer))
                .set(border(TableBorderPosition::Left, outer))
                .set(border(TableBorderPosition::Right, outer))
                .set(border(TableBorderPosition::InsideH, inner))
                .set(border(TableBorderPosition::InsideV, inner)),
        )
}

fn contents(style: &Style, tc: TableCell, cell: &Cell, base: f32, keep: bool) -> TableCell {
    let size = cell.size.unwrap_or(base);
    let run = Run::new()
        .add_text(cell.text.as_str())
        .fonts(fonts(style, cell.role))
        .size(half_points(size));
    let mut p = Paragraph::new()
        .line_spacing(exact(size * style.table.line_height))
        .keep_next(keep)
        .add_run(run);
    let mut tc = tc;
    if cell.vertical {
        // In a tbRlV cell the paragraph runs top to bottom: centring it centres the column
        // vertically, and the cell's vertical alignment centres it across.
        p = p.align(AlignmentType::Center);
        tc = tc.text_direction(TextDirectionType::TbRlV);
    } else {
        p = p.align(align(cell.align));
    }
    let valign = match cell.valign {
        VAlign::Top if !cell.vertical => VAlignType::Top,
        VAlign::Bottom if !cell.vertical => VAlignType::Bottom,
        _ => VAlignType::Center,
    };
    tc.vertical_align(valign).add_paragraph(p)
}

/// Which rows keep with the next one, from the tree's pagination (Word keeps a row with the
/// next when its paragraphs are "keep with next"): the header with the table's first `orphans`
/// body rows, its last `widows` rows together, the rows of each group (Word cannot keep an
/// `if-room` group only where there is room, so it keeps it always), and the last row with what
/// follows when the table keeps with the next block.
fn row_keeps(t: &Table) -> Vec<bool> {
    let rows = t.rows();
    let keep = t.keep();
    let h = t.header_rows();
    let mut keeps = vec![false; rows];
    let first = (h + keep.orphans as usize).min(rows);
    let last = rows.saturating_sub(keep.widows as usize).max(h);
    for (r, k) in keeps.iter_mut().enumerate() {
        *k = r + 1 < first || (r >= last && r + 1 < rows);
    }
    for g in t.groups() {
        keeps[g.first..g.last].iter_mut().for_each(|k| *k = true);
    }
    if keep.with_next
        && let Some(k) = keeps.last_mut()
    {
        *k = true;
    }
    keeps
}

/// At-least heights for rows holding vertical text, so that Word sets it in one column as the
/// PDF does (a spanning cell shares its height among its rows).
fn vertical_row_heights(t: &Table, base: f32, padding: f32) -> Vec<Option<f32>> {
    let mut heights: Vec<Option<f32>> = vec![None; t.rows()];
    for cell in t.cells().iter().filter(|c| c.vertical) {
        let size = cell.size.unwrap_or(base);
        let need = vertical_extent(cell.text.chars().count(), size) + 2.0 * padding;
        let share = need / cell.rowspan.get() as f32;
        for h in &mut heights[cell.row..=cell.last_row()] {
            *h = Some(h.map_or(share, |h| h.max(share)));
        }
    }
    heights
}
