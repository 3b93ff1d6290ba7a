//! Tables, resolved once into a dense grid.
//!
//! A template writes rows of cells with `colspan`/`rowspan`; [`Table::new`] places each cell in
//! the first free column of its row (skipping places taken by row spans from above), and refuses
//! any table that is not a clean rectangle. Every slot of the grid is then either a cell or
//! merged into one, so the layout's row spans and DOCX's `gridSpan`/`vMerge` read the same grid.

use std::fmt;
use std::num::NonZeroUsize;

use serde::Serialize;

use super::{Align, Keep, Role, VAlign};

/// A cell as the template wrote it, before placement.
#[derive(Debug, Clone, PartialEq)]
pub struct CellSpec {
    pub text: String,
    pub colspan: NonZeroUsize,
    pub rowspan: NonZeroUsize,
    pub align: Align,
    pub valign: VAlign,
    /// Text set top to bottom, characters upright.
    pub vertical: bool,
    /// Text size in points; `None` means the table's size.
    pub size: Option<f32>,
    pub role: Role,
    /// Where the text's phrases meet (byte offsets): the places a label is best broken when it
    /// needs more than one line (the markup's `<wbr/>`).
    pub breaks: Vec<usize>,
}

impl CellSpec {
    pub fn new(text: impl Into<String>) -> Self {
        CellSpec {
            text: text.into(),
            colspan: NonZeroUsize::MIN,
            rowspan: NonZeroUsize::MIN,
            align: Align::Center,
            valign: VAlign::Middle,
            vertical: false,
            size: None,
            role: Role::Body,
            breaks: Vec::new(),
        }
    }
}

/// A placed cell: its top-left slot and its spans.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub row: usize,
    pub col: usize,
    pub rowspan: NonZeroUsize,
    pub colspan: NonZeroUsize,
    pub text: String,
    pub align: Align,
    pub valign: VAlign,
    pub vertical: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<f32>,
    pub role: Role,
    /// Preferred line breaks (byte offsets into `text`), see [`CellSpec::breaks`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub breaks: Vec<usize>,
}

/// Whether a cell's text is a figure: digits, at most one decimal point, perhaps a sign. A
/// figure is never broken over lines (the layout shrinks it instead; the HTML forbids wrapping).
pub fn is_figure(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    digits.chars().any(|c| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
}

impl Cell {
    /// Whether the cell holds a figure ([`is_figure`]).
    pub fn is_figure(&self) -> bool {
        is_figure(&self.text)
    }

    pub fn last_row(&self) -> usize {
        self.row + self.rowspan.get() - 1
    }

    pub fn last_col(&self) -> usize {
        self.col + self.colspan.get() - 1
    }
}

/// What stands at one place of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The top-left place of cell `index`.
    Cell(usize),
    /// Covered by the span of cell `parent`.
    Merged { parent: usize },
}

/// Body rows that belong together on a page, as the template groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RowGroup {
    pub first: usize,
    pub last: usize,
    pub keep: GroupKeep,
}

impl RowGroup {
    /// Whether a page break before `row` would cut the group.
    pub fn cut_by(&self, row: usize) -> bool {
        self.first < row && row <= self.last
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupKeep {
    /// Never split (table 二's 第二十条 groups).
    Always,
    /// Kept on one page unless moving it whole would leave more than the style's
    /// `pagination.group_gap` of the page empty; split otherwise, its labels repeated.
    IfRoom,
}

impl GroupKeep {
    pub fn parse(name: &str) -> Option<GroupKeep> {
        match name {
            "always" => Some(GroupKeep::Always),
            "if-room" => Some(GroupKeep::IfRoom),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Column widths as fractions of the table width (they sum to 1).
    columns: Vec<f32>,
    /// Rows at the top repeated on every page the table continues on.
    header_rows: usize,
    keep: Keep,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    groups: Vec<RowGroup>,
    /// Text size in points; `None` means the style's table size.
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<f32>,
    rows: usize,
    cells: Vec<Cell>,
    #[serde(skip)]
    grid: Vec<Slot>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TableError {
    NoColumns,
    BadWidth(f32),
    EmptyRow {
        row: usize,
    },
    RowOverflow {
        row: usize,
        needed: usize,
        columns: usize,
    },
    Overlap {
        row: usize,
        col: usize,
    },
    RowIncomplete {
        row: usize,
        filled: usize,
        columns: usize,
    },
    SpanPastEnd {
        row: usize,
        rows: usize,
    },
    HeaderRows {
        header_rows: usize,
        rows: usize,
    },
    HeaderSpanIntoBody {
        row: usize,
    },
    /// A row group that is empty, reaches into the header or past the end, or overlaps another.
    BadGroup {
        row: usize,
    },
}

impl TableError {
    /// The row the error is about, when there is one.
    pub fn row(&self) -> Option<usize> {
        match self {
            TableError::EmptyRow { row }
            | TableError::RowOverflow { row, .. }
            | TableError::Overlap { row, .. }
            | TableError::RowIncomplete { row, .. }
            | TableError::SpanPastEnd { row, .. }
            | TableError::HeaderSpanIntoBody { row }
            | TableError::BadGroup { row } => Some(*row),
            _ => None,
        }
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::NoColumns => write!(f, "表格没有列宽（widths）"),
            TableError::BadWidth(w) => write!(f, "列宽 {w} 无效，应为正数"),
            TableError::EmptyRow { row } => write!(f, "第 {} 行没有单元格", row + 1),
            TableError::RowOverflow {
                row,
                needed,
                columns,
            } => write!(
                f,
                "第 {} 行需要 {needed} 列，而表格只有 {columns} 列",
                row + 1
            ),
            TableError::Overlap { row, col } => write!(
                f,
                "第 {} 行第 {} 列被两个单元格同时占用（检查 rowspan/colspan）",
                row + 1,
                col + 1
            ),
            TableError::RowIncomplete {
                row,
                filled,
                columns,
            } => write!(
                f,
                "第 {} 行只填了 {filled} 列，表格有 {columns} 列",
                row + 1
            ),
            TableError::SpanPastEnd { row, rows } => write!(
                f,
                "第 {} 行的单元格跨行超出了表格末尾（表格共 {rows} 行）",
                row + 1
            ),
            TableError::HeaderRows { header_rows, rows } => {
                write!(f, "表头行数 {header_rows} 超过了表格的行数 {rows}")
            }
            TableError::HeaderSpanIntoBody { row } => write!(
                f,
                "第 {} 行的表头单元格跨入了表体：表头与表体的分界不能切开单元格",
                row + 1
            ),
            TableError::BadGroup { row } => write!(
                f,
                "第 {} 行起的行组无效：行组须在表头之后、不能为空、不能与别的行组重叠",
                row + 1
            ),
        }
    }
}

impl Table {
    /// Places the rows' cells on a grid of `widths.len()` columns.
    pub fn new(
        widths: &[f32],
        header_rows: usize,
        size: Option<f32>,
        rows: Vec<Vec<CellSpec>>,
    ) -> Result<Table, TableError> {
        if widths.is_empty() {
            return Err(TableError::NoColumns);
        }
        if let Some(w) = widths.iter().find(|w| !(w.is_finite() && **w > 0.0)) {
            return Err(TableError::BadWidth(*w));
        }
        let total: f32 = widths.iter().sum();
        let columns: Vec<f32> = widths.iter().map(|w| w / total).collect();
        let ncols = columns.len();
        let nrows = rows.len();
        let mut grid: Vec<Option<Slot>> = vec![None; nrows * ncols];
        let mut cells = Vec::new();
        for (r, row) in rows.into_iter().enumerate() {
            if row.is_empty() {
                return Err(TableError::EmptyRow { row: r });
            }
            let mut c = 0;
            for spec in row {
                while c < ncols && grid[r * ncols + c].is_some() {
                    c += 1;
                }
                let (cs, rs) = (spec.colspan.get(), spec.rowspan.get());
                if c + cs > ncols {
                    return Err(TableError::RowOverflow {
                        row: r,
                        needed: c + cs,
                        columns: ncols,
                    });
                }
                if r + rs > nrows {
                    return Err(TableError::SpanPastEnd {
                        row: r,
                        rows: nrows,
                    });
                }
                let index = cells.len();
                for rr in r..r + rs {
                    for cc in c..c + cs {
                        let slot = &mut grid[rr * ncols + cc];
                        if slot.is_some() {
                            return Err(TableError::Overlap { row: rr, col: cc });
                        }
                        *slot = Some(if (rr, cc) == (r, c) {
                            Slot::Cell(index)
                        } else {
                            Slot::Merged { parent: index }
                        });
                    }
                }
                cells.push(Cell {
                    row: r,
                    col: c,
                    rowspan: spec.rowspan,
                    colspan: spec.colspan,
                    text: spec.text,
                    align: spec.align,
                    valign: spec.valign,
                    vertical: spec.vertical,
                    size: spec.size,
                    role: spec.role,
                    breaks: spec.breaks,
                });
                c += cs;
            }
            let filled = (0..ncols)
                .filter(|&cc| grid[r * ncols + cc].is_some())
                .count();
            if filled < ncols {
                return Err(TableError::RowIncomplete {
                    row: r,
                    filled,
                    columns: ncols,
                });
            }
        }
        if header_rows > nrows {
            return Err(TableError::HeaderRows {
                header_rows,
                rows: nrows,
            });
        }
        if let Some(cell) = cells
            .iter()
            .find(|c| c.row < header_rows && c.last_row() >= header_rows)
        {
            return Err(TableError::HeaderSpanIntoBody { row: cell.row });
        }
        let grid = grid
            .into_iter()
            .map(|s| s.expect("every row checked complete"))
            .collect();
        Ok(Table {
            columns,
            header_rows,
            keep: Keep::WHOLE,
            groups: Vec::new(),
            size,
            rows: nrows,
            cells,
            grid,
        })
    }

    /// Sets how the table meets a page break: its own [`Keep`] and its row groups (in order,
    /// each within the body and apart from the others).
    pub fn paginated(mut self, keep: Keep, groups: Vec<RowGroup>) -> Result<Table, TableError> {
        let mut next_free = self.header_rows;
        for g in &groups {
            if g.first < next_free || g.last < g.first || g.last >= self.rows {
                return Err(TableError::BadGroup { row: g.first });
            }
            next_free = g.last + 1;
        }
        self.keep = keep;
        self.groups = groups;
        Ok(self)
    }

    pub fn keep(&self) -> Keep {
        self.keep
    }

    pub(crate) fn keep_mut(&mut self) -> &mut Keep {
        &mut self.keep
    }

    pub fn groups(&self) -> &[RowGroup] {
        &self.groups
    }

    pub fn columns(&self) -> &[f32] {
        &self.columns
    }

    pub fn header_rows(&self) -> usize {
        self.header_rows
    }

    pub fn size(&self) -> Option<f32> {
        self.size
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// Whether the tree's own rules keep row `r` on a page with the next: the header rows, the
    /// first `orphans` and last `widows` body rows, the rows of a group. (The layout adds
    /// what its page geometry allows: a cut through a spanning cell, an `if-room` group that
    /// would leave too much empty.)
    pub fn row_keeps_with_next(&self, r: usize) -> bool {
        let cut = r + 1;
        let (h, keep) = (self.header_rows, self.keep);
        if cut >= self.rows {
            return keep.with_next;
        }
        cut <= h
            || cut - h < usize::from(keep.orphans)
            || self.rows - cut < usize::from(keep.widows)
            || self.groups.iter().any(|g| g.cut_by(cut))
    }

    pub fn slot(&self, row: usize, col: usize) -> Slot {
        self.grid[row * self.columns.len() + col]
    }

    /// The cell covering a place of the grid.
    pub fn cell_at(&self, row: usize, col: usize) -> &Cell {
        match self.slot(row, col) {
            Slot::Cell(i) | Slot::Merged { parent: i } => &self.cells[i],
        }
    }

    /// Cells whose top-left place is in `row`, left to right.
    pub fn row_cells(&self, row: usize) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(move |c| c.row == row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str, colspan: usize, rowspan: usize) -> CellSpec {
        CellSpec {
            colspan: NonZeroUsize::new(colspan).unwrap(),
            rowspan: NonZeroUsize::new(rowspan).unwrap(),
            ..CellSpec::new(text)
        }
    }

    #[test]
    fn cells_flow_around_row_spans() {
        // A | B B
        // A | C D
        let rows = || {
            vec![
                vec![span("A", 1, 2), span("B", 2, 1)],
                vec![span("C", 1, 1), span("D", 1, 1)],
            ]
        };
        let widths = [1.0, 1.0, 2.0];
        assert_eq!(
            Table::new(&widths, 1, None, rows()),
            Err(TableError::HeaderSpanIntoBody { row: 0 })
        );
        let t = Table::new(&widths, 0, None, rows()).unwrap();
        assert_eq!(t.columns(), &[0.25, 0.25, 0.5]);
        assert_eq!(t.slot(1, 0), Slot::Merged { parent: 0 });
        assert_eq!(t.slot(0, 2), Slot::Merged { parent: 1 });
        assert_eq!(t.cell_at(1, 1).text, "C");
        assert_eq!((t.cell_at(1, 2).row, t.cell_at(1, 2).col), (1, 2));
    }

    #[test]
    fn malformed_tables_are_refused() {
        let two = [1.0, 1.0];
        assert_eq!(
            Table::new(&two, 0, None, vec![vec![span("A", 3, 1)]]),
            Err(TableError::RowOverflow {
                row: 0,
                needed: 3,
                columns: 2
            })
        );
        assert_eq!(
            Table::new(&two, 0, None, vec![vec![span("A", 1, 1)]]),
            Err(TableError::RowIncomplete {
                row: 0,
                filled: 1,
                columns: 2
            })
        );
        assert_eq!(
            Table::new(&two, 0, None, vec![vec![span("A", 1, 3), span("B", 1, 1)]]),
            Err(TableError::SpanPastEnd { row: 0, rows: 1 })
        );
        assert_eq!(
            Table::new(&[1.0, -1.0], 0, None, vec![]),
            Err(TableError::BadWidth(-1.0))
        );
        assert!(Table::new(&two, 2, None, vec![vec![span("A", 2, 1)]]).is_err());
    }
}
