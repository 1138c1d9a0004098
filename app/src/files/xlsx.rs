//! An XLSX workbook into its sheets, streamed: the zip is checked first (`zipped`), then
//! calamine's cell reader yields one cell at a time and the reader refuses as soon as a
//! sheet's running rectangle (from its first to its last filled row and column), the cells
//! or the text read pass their caps. Nothing the size of the sheet's declared or spanned
//! rectangle is ever allocated: a workbook with cells `A1` and `XFD1048576` is refused at its
//! second cell. A formula cell is read as `=` and its formula, which the import refuses.

use std::collections::HashMap;

use calamine::{DataRef, Reader, Xlsx, XlsxError, XlsxFormulaMetadata};

use super::{limits, zipped, Contents};
use crate::domain::import::{Row, Sheet};

/// Formula text kept to show in a refusal (the import shows 40 characters).
const FORMULA_SHOWN: usize = 48;

pub fn read(bytes: &[u8]) -> Result<Contents, String> {
    let parts = zipped::check(bytes)?;
    let source = zipped::Budgeted::new(bytes, parts);
    let over = source.over.clone();
    let unreadable = |e: XlsxError| {
        if over.get() {
            zipped::total_refusal()
        } else {
            format!("The file is not a readable XLSX workbook: {e}")
        }
    };
    let mut book: Xlsx<_> = Xlsx::new(source).map_err(unreadable)?;
    let mut names = book.sheet_names();
    if names.len() > limits::MAX_SHEETS {
        return Err(format!(
            "The workbook has {} sheets; an import reads at most {}.",
            names.len(),
            limits::MAX_SHEETS
        ));
    }
    // a name given twice is one sheet to calamine: read it once
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    let mut read = Contents::default();
    let mut budget = Budget::default();
    for name in names {
        let mut cells = match book.worksheet_cells_reader(&name) {
            Ok(cells) => cells,
            // a chart sheet holds no cells
            Err(XlsxError::NotAWorksheet(_)) => continue,
            Err(e) if over.get() => return Err(unreadable(e)),
            Err(e) => return Err(format!("Sheet {name} cannot be read: {e}")),
        };
        let mut grid = Grid::default();
        let mut anchors: HashMap<usize, String> = HashMap::new();
        loop {
            let cell = match cells.next_cell_with_formula_metadata() {
                Ok(Some(cell)) => cell,
                Ok(None) => break,
                Err(e) if over.get() => return Err(unreadable(e)),
                Err(e) => return Err(format!("Sheet {name} cannot be read: {e}")),
            };
            let formula = match cell.formula {
                Some(XlsxFormulaMetadata::Normal { formula }) => Some(shown(&formula)),
                Some(XlsxFormulaMetadata::Shared {
                    shared_index,
                    formula,
                    ..
                }) => {
                    let f = shown(&formula);
                    anchors.insert(shared_index, f.clone());
                    Some(f)
                }
                Some(XlsxFormulaMetadata::SharedDerived { shared_index }) => Some(
                    anchors
                        .get(&shared_index)
                        .cloned()
                        .unwrap_or_else(|| "(a shared formula)".into()),
                ),
                Some(_) => Some("(a formula)".into()),
                None => None,
            }
            .filter(|f| !f.is_empty());
            let text = match (formula, cell.value) {
                (Some(f), _) => {
                    budget.text(f.len() + 1)?;
                    format!("={f}")
                }
                (None, DataRef::Empty) => continue,
                (None, value) => text_of(value, &mut budget)?,
            };
            budget.cell()?;
            grid.add(cell.pos, text, &name)?;
        }
        if let Some(sheet) = grid.into_sheet(name, &mut budget)? {
            read.notes.push(format!(
                "Sheet \"{}\": {} rows.",
                sheet.name,
                sheet.rows.len()
            ));
            read.sheets.push(sheet);
        }
    }
    if read.sheets.is_empty() {
        return Err("The workbook has no sheet with rows.".into());
    }
    Ok(read)
}

fn shown(formula: &str) -> String {
    formula.chars().take(FORMULA_SHOWN).collect()
}

/// A cell's value as the import reads it (dates as `YYYY-MM-DD`, whole numbers without a
/// decimal point), its text charged to the budget before it is copied.
fn text_of(value: DataRef<'_>, budget: &mut Budget) -> Result<String, String> {
    if let DataRef::SharedString(s) = value {
        // one stored text can be named by every cell: charged before it is copied
        budget.text(s.len())?;
        return Ok(s.to_string());
    }
    let text = match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DurationIso(s) => s,
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 => format!("{}", f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => dt
            .as_datetime()
            .map(|t| t.date().to_string())
            .unwrap_or_else(|| dt.to_string()),
        DataRef::DateTimeIso(s) => s.chars().take(10).collect(),
        DataRef::Error(e) => format!("#{e:?}"),
    };
    budget.text(text.len())?;
    Ok(text)
}

/// What the whole workbook has used of the cell and text caps.
#[derive(Default)]
struct Budget {
    cells: usize,
    text: usize,
}

impl Budget {
    fn cell(&mut self) -> Result<(), String> {
        self.cells += 1;
        if self.cells > limits::MAX_CELLS {
            return Err(format!(
                "The workbook has more than {} filled cells; split it.",
                limits::MAX_CELLS
            ));
        }
        Ok(())
    }

    fn text(&mut self, bytes: usize) -> Result<(), String> {
        self.text = self.text.saturating_add(bytes);
        if self.text > limits::MAX_TEXT_BYTES {
            return Err(format!(
                "The workbook's cells hold more than {} MB of text; split it.",
                limits::MAX_TEXT_BYTES / (1024 * 1024)
            ));
        }
        Ok(())
    }
}

/// One sheet's filled cells as they come, and the rectangle they span so far.
#[derive(Default)]
struct Grid {
    cells: Vec<((u32, u32), String)>,
    /// first row, first column, last row, last column (0-based)
    span: Option<(u32, u32, u32, u32)>,
}

impl Grid {
    /// Take a filled cell; refuse when the sheet now spans too many rows or columns.
    fn add(&mut self, (r, c): (u32, u32), text: String, sheet: &str) -> Result<(), String> {
        let (r0, c0, r1, c1) = match self.span {
            None => (r, c, r, c),
            Some((r0, c0, r1, c1)) => (r0.min(r), c0.min(c), r1.max(r), c1.max(c)),
        };
        self.span = Some((r0, c0, r1, c1));
        let (height, width) = (u64::from(r1 - r0) + 1, u64::from(c1 - c0) + 1);
        if width > limits::MAX_COLUMNS as u64 {
            return Err(format!(
                "Sheet {sheet} has more than {} columns (a cell at {}); a registry file has at most {}.",
                limits::MAX_COLUMNS,
                cell_name(r, c),
                limits::MAX_COLUMNS
            ));
        }
        if height > limits::MAX_ROWS as u64 + 1 {
            return Err(format!(
                "Sheet {sheet} has more than {} rows; split it.",
                limits::MAX_ROWS
            ));
        }
        self.cells.push(((r, c), text));
        Ok(())
    }

    /// The sheet: its first filled row is the header; rows hold their cells from the first
    /// filled column to their own last (a missing cell reads as empty); rows with nothing
    /// but blanks are left out. None for a sheet with no filled cell.
    fn into_sheet(mut self, name: String, budget: &mut Budget) -> Result<Option<Sheet>, String> {
        let Some((r0, c0, _, c1)) = self.span else {
            return Ok(None);
        };
        // cells come in row order in every workbook a spreadsheet writes; a later copy of a
        // cell wins, as in calamine's own range
        self.cells.sort_by_key(|(pos, _)| *pos);
        let mut sheet = Sheet {
            name,
            first_column: Some(c0 as usize),
            ..Default::default()
        };
        let mut header = vec![String::new(); (c1 - c0) as usize + 1];
        let mut row: Option<(u32, Vec<String>)> = None;
        fn finish(row: Option<(u32, Vec<String>)>, sheet: &mut Sheet) {
            if let Some((r, cells)) = row {
                if cells.iter().any(|c| !c.trim().is_empty()) {
                    sheet.rows.push(Row {
                        line: r as usize + 1,
                        cells,
                    });
                }
            }
        }
        for ((r, c), text) in self.cells {
            let at = (c - c0) as usize;
            if r == r0 {
                header[at] = text;
                continue;
            }
            if row.as_ref().is_some_and(|(current, _)| *current != r) {
                finish(row.take(), &mut sheet);
            }
            let (_, cells) = row.get_or_insert_with(|| (r, Vec::new()));
            if cells.len() <= at {
                // the blanks a row holds before a cell count as cells too
                for _ in cells.len()..at {
                    budget.cell()?;
                }
                cells.resize(at + 1, String::new());
            }
            cells[at] = text;
        }
        finish(row, &mut sheet);
        sheet.header = header;
        Ok(Some(sheet))
    }
}

/// `A1`-style name of a 0-based cell position.
fn cell_name(row: u32, col: u32) -> String {
    crate::domain::import::cell_name(col as usize, row as usize + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_a_spreadsheet_names_them() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(9, 25), "Z10");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }
}
