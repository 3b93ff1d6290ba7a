//! The report as one row of a table: a column for every value of data-format.md, headed by its
//! Chinese label and its key. Derived from the schema, so the collection workbook, the readers
//! of workbooks and CSV files, and the synthetic data agree on every key.

use crate::diag::Pos;
use crate::model::schema::{self, APPLICANT_COLUMNS, Field, Kind, RowRole};
use crate::model::tree::{Entry, Node, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The full key path: `applications.granted.natural_person`.
    pub key: String,
    /// The Chinese label: `三（一）予以公开 · 自然人`.
    pub label: String,
    pub kind: Kind,
    pub required: bool,
}

impl Column {
    /// Narrative text: a wide, wrapped column.
    pub fn is_narrative(&self) -> bool {
        self.key.starts_with("text.")
    }
}

/// Every column, in the order of data-format.md. Computed totals (（七）总计 and the 总计 of
/// each row and group) have no column: they are derived, never entered.
pub fn columns() -> Vec<Column> {
    let mut out = Vec::new();
    walk(schema::REPORT, "", true, &mut out);
    out
}

fn walk(fields: &[Field], prefix: &str, required: bool, out: &mut Vec<Column>) {
    for f in fields {
        let key = if prefix.is_empty() {
            f.key.to_string()
        } else {
            format!("{prefix}.{}", f.key)
        };
        match f.kind {
            // One format per workbook: the format of the program.
            _ if key == "format" => {}
            _ if f.key == "total" => {}
            // Accepted findings are written in a data file, not in a workbook row.
            Kind::Entries(_) => {}
            Kind::Table(children) | Kind::Section(children) => {
                walk(children, &key, required && f.required, out)
            }
            Kind::ApplicantRow => {
                let role = schema::APPLICATION_ROWS_2021
                    .iter()
                    .find(|r| r.key == f.key)
                    .map(|r| r.role);
                if role == Some(RowRole::ResultsTotal) {
                    continue;
                }
                for (col, _) in &APPLICANT_COLUMNS[..6] {
                    let cell = format!("{key}.{col}");
                    out.push(Column {
                        label: schema::label(&cell),
                        key: cell,
                        kind: Kind::Count,
                        required: false,
                    });
                }
            }
            kind => out.push(Column {
                label: schema::label(&key),
                key,
                kind,
                required: required && f.required,
            }),
        }
    }
}

/// Builds a report's tree from a row of cells: `(column, value, position)`, keys nested by their
/// dots. Positions are cells (line = row, column = column).
///
/// Empty cells come as `Value::Null`: decoding treats them as absent. A table whose cells are all
/// empty is left out (no 落款, a row of table 三 not filled in), but the four sections stay, so
/// that a missing value is reported at its own cell rather than as a missing section.
pub fn tree(cells: Vec<(&Column, Value, Pos)>, row: Pos) -> Node {
    let mut node = nested(cells, row);
    prune(&mut node, true);
    node
}

/// Removes tables with nothing but empty cells; returns whether `node` itself is empty.
fn prune(node: &mut Node, top: bool) -> bool {
    match &mut node.value {
        Value::Null => true,
        Value::Table(entries) => {
            let mut empty = true;
            entries.retain_mut(|e| {
                let child_empty = prune(&mut e.value, false);
                let section = top
                    && schema::lookup(&e.key).is_some_and(|f| matches!(f.kind, Kind::Section(_)));
                let keep = !(child_empty && matches!(e.value.value, Value::Table(_)) && !section);
                empty &= child_empty;
                keep
            });
            empty
        }
        _ => false,
    }
}

fn nested(cells: Vec<(&Column, Value, Pos)>, row: Pos) -> Node {
    let mut entries = Vec::new();
    for (column, value, pos) in cells {
        let parts: Vec<&str> = column.key.split('.').collect();
        insert(&mut entries, &parts, value, pos);
    }
    Node {
        value: Value::Table(entries),
        pos: row,
    }
}

/// Puts `value` at the key path `parts`, creating tables on the way (in first-seen order).
fn insert(entries: &mut Vec<Entry>, parts: &[&str], value: Value, pos: Pos) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    let i = match entries.iter().position(|e| e.key == *first) {
        Some(i) => i,
        None => {
            let placeholder = if rest.is_empty() {
                Value::Null
            } else {
                Value::Table(Vec::new())
            };
            entries.push(Entry {
                key: first.to_string(),
                key_pos: pos,
                value: Node {
                    value: placeholder,
                    pos,
                },
            });
            entries.len() - 1
        }
    };
    let node = &mut entries[i].value;
    if rest.is_empty() {
        *node = Node { value, pos };
    } else if let Value::Table(children) = &mut node.value {
        insert(children, rest, value, pos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_for_every_entered_value() {
        let cols = columns();
        let keys: Vec<&str> = cols.iter().map(|c| c.key.as_str()).collect();
        // 2 + 6 contact + 3 signature + 4 text + 6 + 3 table 二 values… 24 rows × 6 + 3 × 4.
        assert_eq!(keys.len(), 2 + 6 + 3 + 4 + (3 + 3 + 4) + 24 * 6 + 3 * 4);
        assert_eq!(&keys[..2], ["organ", "year"]);
        assert!(keys.contains(&"applications.granted.natural_person"));
        assert!(
            !keys
                .iter()
                .any(|k| k.contains("results_total") || k.ends_with(".total") || *k == "format")
        );
        let granted = cols
            .iter()
            .find(|c| c.key == "applications.granted.natural_person")
            .unwrap();
        assert_eq!(granted.label, "三（一）予以公开 · 自然人");
        let organ = cols.iter().find(|c| c.key == "organ").unwrap();
        assert!(organ.required);
        let seal = cols.iter().find(|c| c.key == "signature.seal").unwrap();
        assert!(!seal.required);
        assert!(
            cols.iter()
                .find(|c| c.key == "active_disclosure.licensing_decisions")
                .unwrap()
                .required
        );
    }

    #[test]
    fn a_row_becomes_the_same_tree_a_file_would_give() {
        let cols = columns();
        let col = |k: &str| cols.iter().find(|c| c.key == k).unwrap();
        let p = |c: u32| Pos { line: 5, column: c };
        let tree = tree(
            vec![
                (col("organ"), Value::String("某镇".into()), p(1)),
                (
                    col("applications.granted.natural_person"),
                    Value::Number {
                        text: "3".into(),
                        integer: true,
                    },
                    p(30),
                ),
                (
                    col("applications.granted.other_organization"),
                    Value::Number {
                        text: "1".into(),
                        integer: true,
                    },
                    p(35),
                ),
            ],
            Pos { line: 5, column: 1 },
        );
        let Value::Table(top) = &tree.value else {
            panic!()
        };
        assert_eq!(top[0].key, "organ");
        let Value::Table(apps) = &top[1].value.value else {
            panic!()
        };
        let Value::Table(row) = &apps[0].value.value else {
            panic!()
        };
        assert_eq!(row.len(), 2);
        assert_eq!(row[1].value.pos, p(35));
    }
}
