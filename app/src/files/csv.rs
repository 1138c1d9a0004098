//! A CSV file into one sheet: its encoding (see `text`), its separator (`,` or `;`, told by
//! the header), then its records, every one counted against the caps as it is parsed.

use super::{limits, text, Contents};
use crate::domain::import::{Row, Sheet};

/// The offsets of every `\n` in `text`.
fn newline_offsets(text: &[u8]) -> Vec<usize> {
    text.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
        .collect()
}

/// The line (1-based, as an editor or a spreadsheet numbers it) where the record whose first
/// byte the reader puts at `byte` starts. The reader's own line count is one too low in a file
/// with CRLF line ends (what Excel and our own export write), and its record start may be the
/// line end before the record: skip to the record's first character, then count the `\n`s
/// before it.
fn line_at(newlines: &[usize], text: &[u8], byte: usize) -> usize {
    let start = byte
        + text
            .get(byte..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
    1 + newlines.partition_point(|&p| p < start)
}

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
    let newlines: Vec<usize> = newline_offsets(text.as_bytes());
    let mut cells_read = 0usize;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("The file is not valid CSV: {e}"))?;
        let line = record
            .position()
            .map(|p| line_at(&newlines, text.as_bytes(), p.byte() as usize))
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
