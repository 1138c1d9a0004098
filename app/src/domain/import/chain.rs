//! The chain sheet of a workbook (the export's second sheet, "Sub-processors"): one row per
//! link of a vendor's chain, matched with its vendor by `vendor_slug` and with the stored
//! link by its legal name (case-insensitive). A row becomes the editor's sub-processor form,
//! starting from the stored link of that name, so a column the sheet leaves out keeps its
//! value; the vendor's links are then saved together through the chain's own save, with its
//! notice rule. Pure functions: the caller reads the vendor and saves.

use std::collections::BTreeMap;

use super::{cell, items, CellError, Columns, Row};
use crate::domain::{
    chain::{SubProcessor, SubProcessorForm},
    country::country_code,
    DataCategory,
};

/// The columns a chain sheet may have.
pub const CHAIN_COLUMNS: [&str; 8] = [
    "vendor_slug",
    "legal_name",
    "country",
    "purpose",
    "data_categories",
    "since",
    "list_url",
    // when a new link or a wider scope takes effect (the export leaves it out: the vendor's
    // own row gives the day of its upcoming wider scope)
    "scope_effective_on",
];

/// The columns a chain sheet must have.
pub const CHAIN_REQUIRED: [&str; 2] = ["vendor_slug", "legal_name"];

/// The export's columns that the import reads past (the vendor's name is the registry's).
pub const CHAIN_COMPUTED: [&str; 1] = ["vendor_legal_name"];

/// One row of a chain sheet, read.
#[derive(Debug, Clone, Default)]
pub struct LinkRow {
    pub line: usize,
    /// The vendor whose chain it is.
    pub vendor_slug: String,
    /// The link as the editor's form sends it.
    pub form: SubProcessorForm,
    /// When a new link or wider scope takes effect, as written (may be empty).
    pub scope_effective_on: String,
    /// The cells that could not be read (their fields are left as they were).
    pub errors: Vec<CellError>,
}

/// The vendor's slug and the link's legal name a row gives, as read (empty when unreadable).
pub fn link_key(row: &Row, cols: &Columns) -> (String, String) {
    let get = |name: &str| cell(cols.get(row, name).unwrap_or("")).unwrap_or_default();
    (get("vendor_slug"), get("legal_name"))
}

/// The editor's form of the stored link `s`.
pub fn link_form(s: &SubProcessor) -> SubProcessorForm {
    SubProcessorForm {
        legal_name: s.legal_name.clone(),
        country: s.country.clone(),
        purpose: s.purpose.clone(),
        categories: s
            .categories
            .iter()
            .map(|c| (c.clone(), "on".to_string()))
            .collect(),
        since: s.since.map(|d| d.to_string()).unwrap_or_default(),
        list_url: s.list_url.clone().unwrap_or_default(),
        vendor_slug: s.vendor_slug.clone().unwrap_or_default(),
        ..SubProcessorForm::default()
    }
}

/// The row read onto `base` (the stored link of its name, if any): every column present
/// replaces its field; countries by code or English name, data categories by code or label,
/// `;`-separated.
pub fn link_row(row: &Row, cols: &Columns, base: Option<&SubProcessor>) -> LinkRow {
    let mut out = LinkRow {
        line: row.line,
        form: base.map(link_form).unwrap_or_default(),
        ..LinkRow::default()
    };
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
        match cell(cols.get(row, name)?) {
            Ok(v) => Some(v),
            Err(m) => {
                refuse(name, m);
                None
            }
        }
    };
    let vendor = get("vendor_slug");
    let legal_name = get("legal_name");
    let country = get("country");
    let purpose = get("purpose");
    let categories = get("data_categories");
    let since = get("since");
    let list_url = get("list_url");
    let scope = get("scope_effective_on");
    out.vendor_slug = vendor.unwrap_or_default();
    let f = &mut out.form;
    if let Some(v) = legal_name {
        f.legal_name = v;
    }
    if let Some(v) = purpose {
        f.purpose = v;
    }
    if let Some(v) = since {
        f.since = v;
    }
    if let Some(v) = list_url {
        f.list_url = v;
    }
    out.scope_effective_on = scope.unwrap_or_default();
    if let Some(v) = country {
        match country_code(&v) {
            Some(c) => f.country = c.to_string(),
            // the form says it is missing, or not a country
            None => f.country = v,
        }
    }
    if let Some(v) = categories {
        f.categories = BTreeMap::new();
        for c in items(&v) {
            match DataCategory::parse_code_or_label(&c) {
                Ok(cat) => {
                    f.categories.insert(cat.code().to_string(), "on".into());
                }
                Err(e) => refuse("data_categories", e.0),
            }
        }
    }
    out.errors = errors;
    out
}

/// The sheet's column of a field of the sub-processor form.
pub fn link_column(field: &str) -> &'static str {
    match field {
        "country" => "country",
        "purpose" => "purpose",
        "categories" => "data_categories",
        "since" => "since",
        "list_url" => "list_url",
        "scope_effective_on" => "scope_effective_on",
        "vendor" => "vendor_slug",
        _ => "legal_name",
    }
}

/// A vendor's chain after its links in the sheet: each link replaces the stored link of its
/// name (case-insensitive) or is added; in whole-list mode the stored links the sheet does
/// not name are removed. Sorted as the chain's save keeps it. `Err(i)`: the link `i` names
/// a sub-processor an earlier link of the sheet named already.
pub fn merged(
    stored: &[SubProcessor],
    links: &[SubProcessor],
    whole_list: bool,
) -> Result<Vec<SubProcessor>, usize> {
    let same =
        |a: &SubProcessor, b: &SubProcessor| a.legal_name.eq_ignore_ascii_case(&b.legal_name);
    for (i, l) in links.iter().enumerate() {
        if links[..i].iter().any(|e| same(e, l)) {
            return Err(i);
        }
    }
    let mut out: Vec<SubProcessor> = if whole_list {
        Vec::new()
    } else {
        stored
            .iter()
            .filter(|s| !links.iter().any(|l| same(l, s)))
            .cloned()
            .collect()
    };
    out.extend(links.iter().cloned());
    out.sort();
    Ok(out)
}

/// The day a vendor's new links or wider scope take effect: the rows that give one must
/// agree (the vendor's links are saved together, as one change). `Err(line)`: the first
/// row that gives another day.
pub fn one_day(rows: &[LinkRow]) -> Result<Option<String>, usize> {
    let mut day: Option<&str> = None;
    for r in rows {
        let d = r.scope_effective_on.trim();
        if d.is_empty() {
            continue;
        }
        match day {
            None => day = Some(d),
            Some(seen) if seen == d => {}
            Some(_) => return Err(r.line),
        }
    }
    Ok(day.map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::import::{columns, SheetKind};

    fn sheet(header: &[&str], cells: &[&str]) -> (Columns, Row) {
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        let (kind, cols, notes) = columns(&header).expect("a chain sheet");
        assert_eq!(kind, SheetKind::Chain);
        assert!(
            notes.is_empty(),
            "the export's columns are all known: {notes:?}"
        );
        let row = Row {
            line: 7,
            cells: cells.iter().map(|c| c.to_string()).collect(),
        };
        (cols, row)
    }

    fn stored(name: &str, country: &str) -> SubProcessor {
        SubProcessor {
            legal_name: name.into(),
            country: country.into(),
            purpose: "Backups".into(),
            categories: vec!["customer".into()],
            since: None,
            list_url: None,
            vendor_slug: Some("deep-store".into()),
        }
    }

    #[test]
    fn an_export_row_reads_back_onto_its_stored_link() {
        let (cols, row) = sheet(
            &crate::domain::columns::LINK_COLUMNS,
            &[
                "acme",
                "Acme Ltd",
                "deep store ab",
                "Sweden",
                "Backups",
                "Customer data",
                "2024-01-02",
                "",
            ],
        );
        let base = stored("Deep Store AB", "SE");
        let link = link_row(&row, &cols, Some(&base));
        assert!(link.errors.is_empty(), "{:?}", link.errors);
        assert_eq!(link.vendor_slug, "acme");
        assert_eq!(link.form.country, "SE");
        assert_eq!(link.form.since, "2024-01-02");
        // a column the sheet does not have keeps the stored value
        assert_eq!(link.form.vendor_slug, "deep-store");
        let (edit, _) = link.form.parse(&["customer".into()], 0).expect("parses");
        let crate::domain::chain::ChainEdit::Add(s) = edit else {
            panic!("a link")
        };
        assert_eq!(s.categories, ["customer"]);
        let (cols, row) = sheet(
            &["vendor_slug", "legal_name", "data_categories", "country"],
            &["acme", "X", "Customer data; Nonsense", "=1+1"],
        );
        let bad = link_row(&row, &cols, None);
        let refused: Vec<&str> = bad.errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(refused, ["country", "data_categories"]);
    }

    #[test]
    fn a_sheet_merges_into_the_chain_or_is_the_whole_of_it() {
        let (a, b) = (stored("A AB", "SE"), stored("B GmbH", "DE"));
        let moved = stored("a ab", "US");
        let c = stored("C Inc", "US");
        let list =
            merged(&[a.clone(), b.clone()], &[moved.clone(), c.clone()], false).expect("merged");
        let mut want = vec![moved.clone(), b, c.clone()];
        want.sort();
        assert_eq!(list, want);
        let whole = merged(
            &[a, stored("B GmbH", "DE")],
            &[moved.clone(), c.clone()],
            true,
        )
        .expect("merged");
        let mut want = vec![moved.clone(), c];
        want.sort();
        assert_eq!(whole, want);
        assert_eq!(
            merged(&[], &[moved.clone(), stored("A AB", "SE")], false),
            Err(1)
        );
        let day = |line, d: &str| LinkRow {
            line,
            scope_effective_on: d.into(),
            ..LinkRow::default()
        };
        assert_eq!(
            one_day(&[day(2, ""), day(3, "2027-02-01"), day(4, "2027-02-01")]),
            Ok(Some("2027-02-01".into()))
        );
        assert_eq!(
            one_day(&[day(2, "2027-02-01"), day(5, "2027-03-01")]),
            Err(5)
        );
    }
}
