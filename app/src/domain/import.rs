//! Reading a spreadsheet into the forms the editor takes: columns by name (the export's
//! header, any order), labels or codes for closed lists, countries by code or English name,
//! `;`-separated lists, `YYYY-MM-DD` dates, and every refused cell named by line and column.
//! Pure functions: the caller reads the file and saves the forms through the editor's code.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    columns::EXPORT_COLUMNS,
    country::country_code,
    fields::FieldError,
    forms::{TrainingForm, VendorForm},
    vendor::{PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
    DataCategory, ParseError,
};

/// One sheet of a file: its header and rows, each with its line (1 is the header).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
    /// A workbook's sheet: the 0-based column of its first cell, so a refused cell is named
    /// as the spreadsheet names it (`Sub-processors!C7`); `None` for a CSV file.
    pub first_column: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub cells: Vec<String>,
}

/// A refused cell (or row, with the column empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellError {
    pub line: usize,
    pub column: String,
    pub message: String,
    /// In a workbook: the sheet and cell (`Sub-processors!C7`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
}

/// Export columns that are computed (from dates, evidence or the chain's own page), so an
/// export imports back whole: they are read past without a note. Every other export column
/// is read.
pub const COMPUTED_COLUMNS: [&str; 7] = [
    "status",
    "compliance",
    "vpap_enrolled_since",
    "assurance_tier",
    "certifications",
    "bound_by_contract_to",
    "sub_processors",
];

/// Columns of a training-records sheet.
pub const TRAINING_COLUMNS: [&str; 5] = [
    "vendor_slug",
    "person_name",
    "person_email",
    "course",
    "completed_on",
];

/// Most columns and rows a file may have.
pub const MAX_COLUMNS: usize = 200;
pub const MAX_ROWS: usize = 50_000;

/// What a sheet holds, told by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SheetKind {
    Vendors,
    Training,
    /// The links of vendors' chains (the export's "Sub-processors" sheet).
    Chain,
}

/// Where each known column is, and notes on the header (unknown columns, ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    at: HashMap<String, usize>,
}

impl Columns {
    pub fn has(&self, name: &str) -> bool {
        self.at.contains_key(name)
    }

    /// Where the column `name` is in the header (0-based), if it is there.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.at.get(name).copied()
    }

    /// The cell of `name` in `row` as written, if the column is there.
    pub fn get<'a>(&self, row: &'a Row, name: &str) -> Option<&'a str> {
        self.at
            .get(name)
            .map(|i| row.cells.get(*i).map(String::as_str).unwrap_or(""))
    }
}

fn normal(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
}

/// The kind of a sheet and its columns, with a note per unknown column; or why the header
/// cannot be read.
pub fn columns(header: &[String]) -> Result<(SheetKind, Columns, Vec<String>), String> {
    if header.len() > MAX_COLUMNS {
        return Err(format!(
            "The header has {} columns; a registry file has at most {MAX_COLUMNS}.",
            header.len()
        ));
    }
    let names: Vec<String> = header.iter().map(|h| normal(h)).collect();
    let has = |c: &str| names.iter().any(|n| n == c);
    let kind = if has("person_email") {
        SheetKind::Training
    } else if has("vendor_slug") {
        // the export's second sheet, one row per link of the chain
        SheetKind::Chain
    } else {
        SheetKind::Vendors
    };
    if kind == SheetKind::Vendors && !has("slug") && !has("legal_name") {
        return Err("The header lacks the column legal_name (or slug).".into());
    }
    let vendor_columns: Vec<&str> = EXPORT_COLUMNS
        .iter()
        .copied()
        .filter(|c| !COMPUTED_COLUMNS.contains(c))
        .collect();
    let (known, required): (&[&str], &[&str]) = match kind {
        SheetKind::Vendors => (&vendor_columns, &[]),
        SheetKind::Training => (&TRAINING_COLUMNS, &TRAINING_COLUMNS),
        SheetKind::Chain => (&chain::CHAIN_COLUMNS, &chain::CHAIN_REQUIRED),
    };
    let computed: &[&str] = match kind {
        SheetKind::Vendors => &COMPUTED_COLUMNS,
        SheetKind::Training => &[],
        SheetKind::Chain => &chain::CHAIN_COMPUTED,
    };
    let mut at = HashMap::new();
    let mut notes = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            continue;
        }
        if at.contains_key(n) {
            return Err(format!("The column {n} appears twice in the header."));
        }
        if known.contains(&n.as_str()) {
            at.insert(n.clone(), i);
        } else if !computed.contains(&n.as_str()) {
            notes.push(format!(
                "Column \"{}\" is not one the registry reads; it was ignored.",
                header[i].trim()
            ));
        }
    }
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|r| !at.contains_key(*r))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "The header lacks the column{} {}.",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ));
    }
    Ok((kind, Columns { at }, notes))
}

/// A cell's text: a formula is refused; the apostrophe the export puts before text that a
/// spreadsheet would run as a formula is taken off again.
pub fn cell(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if let Some(rest) = t.strip_prefix('\'') {
        if rest
            .trim_start_matches(' ')
            .starts_with(['=', '+', '-', '@', '\t', '\r'])
        {
            return Ok(rest.to_string());
        }
    }
    if t.starts_with('=') {
        return Err(format!(
            "A formula ({}) is not accepted; paste its value instead.",
            t.chars().take(40).collect::<String>()
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("The cell contains control characters.".into());
    }
    Ok(t.to_string())
}

pub(crate) fn items(s: &str) -> Vec<String> {
    s.split([';', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Which column a form field is read from.
pub fn column_of(field: &str) -> &'static str {
    match field {
        "countries" => "processing_countries",
        "categories" => "data_categories",
        "services" => "services",
        "lifecycle" => "effective_on",
        "slug" => "slug",
        other => EXPORT_COLUMNS
            .iter()
            .copied()
            .find(|c| *c == other)
            .unwrap_or("legal_name"),
    }
}

/// Field errors of the editor's form as cell errors of `line`.
pub fn cell_errors(line: usize, errors: Vec<FieldError>) -> Vec<CellError> {
    errors
        .into_iter()
        .map(|e| CellError {
            line,
            column: column_of(&e.field).to_string(),
            message: e.message,
            cell: None,
        })
        .collect()
}

fn code<T: Copy>(
    v: &str,
    parse: fn(&str) -> Result<T, ParseError>,
    code: fn(T) -> &'static str,
) -> Result<String, String> {
    parse(v).map(|x| code(x).to_string()).map_err(|e| e.0)
}

/// A refused row's reasons, every one: its cells' errors, then the form's errors for the
/// columns no cell error names (a cell that cannot be read leaves its field as it was, so the
/// form would only call it missing again).
pub fn refusals(line: usize, cells: Vec<CellError>, form: Vec<FieldError>) -> Vec<CellError> {
    let mut all = cells;
    for e in cell_errors(line, form) {
        if !all.iter().any(|c| c.column == e.column) {
            all.push(e);
        }
    }
    all
}

/// The vendor form for `row`, starting from `base` (the stored vendor's form, or an empty one
/// for a new vendor): every column present replaces its field, an absent column keeps it.
/// `services` are (slug, name). A new vendor with dates is announced `today`. With it, the
/// errors of the cells that could not be read (their fields are left as they were), so the
/// form can still be checked for everything else (see [`refusals`]).
pub fn vendor_form(
    row: &Row,
    cols: &Columns,
    mut base: VendorForm,
    services: &[(String, String)],
    today: NaiveDate,
) -> (VendorForm, Vec<CellError>) {
    let mut errors = Vec::new();
    let mut refuse = |column: &str, message: String| {
        errors.push(CellError {
            line: row.line,
            column: column.to_string(),
            message,
            cell: None,
        })
    };
    let mut get = |name: &str| -> Option<String> {
        let raw = cols.get(row, name)?;
        match cell(raw) {
            Ok(v) => Some(v),
            Err(m) => {
                refuse(name, m);
                None
            }
        }
    };
    let text = |v: Option<String>, field: &mut String| {
        if let Some(v) = v {
            *field = v;
        }
    };
    let is_new = base.is_new();
    text(get("legal_name"), &mut base.legal_name);
    text(get("trading_name"), &mut base.trading_name);
    text(get("parent_company"), &mut base.parent_company);
    text(get("purpose"), &mut base.purpose);
    text(get("website"), &mut base.website);
    text(get("privacy_contact"), &mut base.privacy_contact);
    let registration = get("registration_country");
    let kind = get("kind");
    let location = get("work_location");
    let purpose_category = get("purpose_category");
    let transfer = get("transfer_mechanism");
    let service_cell = get("services");
    let country_cell = get("processing_countries");
    let category_cell = get("data_categories");
    let announced = get("announced_on");
    let effective = get("effective_on");
    let removed = get("removed_on");
    let scope_effective = get("scope_effective_on");
    if let Some(v) = registration {
        match country_code(&v) {
            Some(c) => base.registration_country = c.to_string(),
            None if v.is_empty() => base.registration_country.clear(),
            None => refuse(
                "registration_country",
                format!("\"{v}\" is not a country (an ISO code such as DE, or its English name)."),
            ),
        }
    }
    let mut closed = |name: &str,
                      value: Option<String>,
                      r: fn(&str) -> Result<String, String>,
                      field: &mut String| {
        if let Some(v) = value {
            if v.is_empty() {
                field.clear();
            } else {
                match r(&v) {
                    Ok(c) => *field = c,
                    Err(m) => refuse(name, m),
                }
            }
        }
    };
    closed(
        "kind",
        kind,
        |v| code(v, VendorKind::parse_code_or_label, VendorKind::code),
        &mut base.kind,
    );
    closed(
        "work_location",
        location,
        |v| code(v, WorkLocation::parse_code_or_label, WorkLocation::code),
        &mut base.work_location,
    );
    closed(
        "purpose_category",
        purpose_category,
        |v| {
            code(
                v,
                PurposeCategory::parse_code_or_label,
                PurposeCategory::code,
            )
        },
        &mut base.purpose_category,
    );
    closed(
        "transfer_mechanism",
        transfer,
        |v| {
            code(
                v,
                TransferMechanism::parse_code_or_label,
                TransferMechanism::code,
            )
        },
        &mut base.transfer_mechanism,
    );
    if let Some(v) = service_cell {
        base.services.clear();
        for s in items(&v) {
            match services
                .iter()
                .find(|(slug, name)| slug.eq_ignore_ascii_case(&s) || name.eq_ignore_ascii_case(&s))
            {
                Some((slug, _)) => {
                    base.services.insert(slug.clone(), "on".into());
                }
                None => refuse("services", format!("\"{s}\" is not one of our services.")),
            }
        }
    }
    if let Some(v) = country_cell {
        let mut codes = Vec::new();
        for c in items(&v) {
            match country_code(&c) {
                Some(code) => codes.push(code.to_string()),
                None => refuse(
                    "processing_countries",
                    format!(
                        "\"{c}\" is not a country (an ISO code such as DE, or its English name)."
                    ),
                ),
            }
        }
        base.countries = codes.join(" ");
    }
    if let Some(v) = category_cell {
        base.categories.clear();
        for c in items(&v) {
            match DataCategory::parse_code_or_label(&c) {
                Ok(cat) => {
                    base.categories.insert(cat.code().to_string(), "on".into());
                }
                Err(e) => refuse("data_categories", e.0),
            }
        }
    }
    let mut date = |name: &str, v: Option<String>, field: &mut String| {
        if let Some(v) = v {
            if !v.is_empty() && v.parse::<NaiveDate>().is_err() {
                refuse(name, format!("\"{v}\" is not a date (YYYY-MM-DD)."));
            } else {
                *field = v;
            }
        }
    };
    date("announced_on", announced, &mut base.announced_on);
    date("effective_on", effective, &mut base.effective_on);
    date("removed_on", removed, &mut base.removed_on);
    date(
        "scope_effective_on",
        scope_effective,
        &mut base.scope_effective_on,
    );
    // a new vendor is announced by the import itself, today, with the editor's notice rule
    if is_new && !(base.announced_on.is_empty() && base.effective_on.is_empty()) {
        base.announced_on = today.to_string();
    }
    (base, errors)
}

/// The training form of a training-sheet row.
pub fn training_form(row: &Row, cols: &Columns) -> Result<TrainingForm, Vec<CellError>> {
    let mut errors = Vec::new();
    let mut get = |name: &str| match cell(cols.get(row, name).unwrap_or("")) {
        Ok(v) => v,
        Err(m) => {
            errors.push(CellError {
                line: row.line,
                column: name.to_string(),
                message: m,
                cell: None,
            });
            String::new()
        }
    };
    let form = TrainingForm {
        vendor: get("vendor_slug"),
        id: 0,
        version: 0,
        person_name: get("person_name"),
        person_email: get("person_email"),
        course: get("course"),
        completed_on: get("completed_on"),
    };
    if errors.is_empty() {
        Ok(form)
    } else {
        Err(errors)
    }
}

/// Training form fields as the sheet's columns.
pub fn training_column(field: &str) -> &'static str {
    match field {
        "vendor" => "vendor_slug",
        "person_name" => "person_name",
        "person_email" => "person_email",
        "course" => "course",
        _ => "completed_on",
    }
}

mod cells;
pub mod chain;

pub use cells::{cell_name, name_cells};

#[cfg(test)]
mod tests;
