//! Naming a refused cell as a spreadsheet does (`Sub-processors!C7`).

use super::{CellError, Columns, Sheet};

/// The `A1`-style name of the cell in 0-based column `column` of line `line` (1-based).
pub fn cell_name(column: usize, line: usize) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &line.to_string()
}

/// Name each error of a workbook row by its sheet and cell, where its column is in the
/// sheet (a CSV sheet's errors keep their line and column only).
pub fn name_cells(sheet: &Sheet, cols: &Columns, errors: &mut [CellError]) {
    let Some(first) = sheet.first_column else {
        return;
    };
    for e in errors {
        // line 0 is no line of the file (a vendor the whole list leaves out)
        if let (Some(i), true) = (cols.index(&e.column), e.line > 0) {
            e.cell = Some(format!("{}!{}", sheet.name, cell_name(first + i, e.line)));
        }
    }
}
