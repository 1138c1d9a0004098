//! Every cap an uploaded file is read under, in one place (docs/security/files.md lists them
//! with the threat each answers). Both targets compile this: the import page states the
//! file size. The row and column caps are the import's own rules and live beside the header
//! check that uses them (`domain::import`); they are named here too.

pub use crate::domain::import::{MAX_COLUMNS, MAX_ROWS};

/// Largest file accepted, in bytes: the upload's body limit and the command line's too.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Largest stored document (an evidence report or certificate), in bytes: its upload's body
/// limit. Larger ones are refused (413) as soon as the size is known, before the rest is read.
pub const MAX_DOCUMENT_BYTES: usize = 25 * 1024 * 1024;

/// Most entries (parts) an XLSX zip may list; a workbook has a dozen or two.
pub const MAX_ZIP_ENTRIES: usize = 1_000;

/// Most bytes one zip part may inflate to, counted as it is read (never the size the zip
/// claims). A 10 MB upload can otherwise inflate about a thousandfold.
pub const MAX_PART_BYTES: u64 = 128 * 1024 * 1024;

/// Most bytes all parts of one workbook may inflate to together, counted the same way. The
/// same budget bounds what the spreadsheet reader inflates again while it parses (a
/// workbook can name one large part as many sheets).
pub const MAX_INFLATED_BYTES: u64 = 256 * 1024 * 1024;

/// Most shared strings a workbook may hold (or claim to hold: the reader reserves room for
/// the count the file states, before reading any).
pub const MAX_SHARED_STRINGS: u64 = 2_000_000;

/// Most sheets a workbook may have.
pub const MAX_SHEETS: usize = 64;

/// Most cells one file may fill: a full import of 50,000 vendors with every export column
/// is 1.25 million. Counted as cells are read (XLSX) or fields are parsed (CSV).
pub const MAX_CELLS: usize = 2_000_000;

/// Most bytes of text all cells of one file may hold together. A workbook's shared string
/// is stored once but can be named by every cell; this stops that multiplying.
pub const MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;

/// Files read at the same time in one process; a further upload waits for a permit.
pub const READERS: usize = 2;
