//! A CSV file into one sheet: its encoding (see `text`), its separator (`,` or `;`, told by
//! the header), then its records, every one counted against the caps as it is parsed.

use super::{limits, text, Contents};
use crate::domain::import::{Row, Sheet};

pub fn read(bytes: &[u8]) -> Result<Contents, String> {
    let mut notes = Vec::new();
    let (text, latin) = text::decode(bytes)?;
    if latin {
        notes.push(text::LATIN1_NOTE.into());
    }
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        notes.push("Columns are separated by semicolons.".into());
        b';'
    } else {
        b','
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut sheet = Sheet {
        name: "CSV".into(),
        ..Default::default()
    };
    let mut cells_read = 0usize;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("The file is not valid CSV: {e}"))?;
        let line = record
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(i + 1);
        cells_read += record.len();
        if cells_read > limits::MAX_CELLS {
            return Err(format!(
                "The file has more than {} cells (line {line}); split it.",
                limits::MAX_CELLS
            ));
        }
        if record.len() > limits::MAX_COLUMNS {
            return Err(format!(
                "Line {line} has {} cells; a registry file has at most {}.",
                record.len(),
                limits::MAX_COLUMNS
            ));
        }
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if i == 0 {
            sheet.header = cells;
            continue;
        }
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if sheet.rows.len() >= limits::MAX_ROWS {
            return Err(format!(
                "The file has more than {} rows; split it.",
                limits::MAX_ROWS
            ));
        }
        sheet.rows.push(Row { line, cells });
    }
    if sheet.header.is_empty() {
        return Err("The file has no header row.".into());
    }
    Ok(Contents {
        sheets: vec![sheet],
        notes,
    })
}
