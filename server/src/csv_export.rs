//! The public registry as CSV: RFC 4180 (CRLF, quoting), UTF-8 with a BOM, formula cells
//! neutralised. Column names are an interface (see README): add columns at the end, never rename.

use app::{
    domain::{
        changes::AsOfEntry,
        compliance::PublicAssurance,
        label_for,
        vendor::{PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
        DataCategory, Status,
    },
    store::vendors::VendorRow,
};

/// UTF-8 byte order mark, so spreadsheets read accents right.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

pub const COLUMNS: [&str; 24] = [
    "legal_name",
    "trading_name",
    "slug",
    "parent_company",
    "registration_country",
    "kind",
    "work_location",
    "purpose_category",
    "purpose",
    "services",
    "processing_countries",
    "data_categories",
    "transfer_mechanism",
    "status",
    "announced_on",
    "effective_on",
    "removed_on",
    "website",
    "privacy_contact",
    "compliance",
    "vpap_enrolled_since",
    "assurance_tier",
    "certifications",
    "bound_by_contract_to",
];

/// Separator of multi-valued cells.
pub const LIST_SEPARATOR: &str = "; ";

/// Make a cell safe to open in a spreadsheet: if its first non-space character would start a
/// formula (`=`, `+`, `-`, `@`, tab, CR), prefix it with an apostrophe so it stays text.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.trim_start_matches(' ').chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The cells of one vendor, in [`COLUMNS`] order, before neutralisation. Values are the labels
/// the registry page shows; countries are ISO codes as on the page.
pub fn record(row: &VendorRow, a: &PublicAssurance) -> [String; 24] {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let categories: Vec<String> = row
        .category_list()
        .iter()
        .map(|c| label_for(c, DataCategory::parse, DataCategory::label))
        .collect();
    [
        row.legal_name.clone(),
        opt(&row.trading_name),
        row.slug.clone(),
        opt(&row.parent_company),
        row.registration_country.clone(),
        label_for(&row.kind, VendorKind::parse, VendorKind::label),
        label_for(&row.work_location, WorkLocation::parse, WorkLocation::label),
        label_for(
            &row.purpose_category,
            PurposeCategory::parse,
            PurposeCategory::label,
        ),
        row.purpose.clone(),
        row.service_list().join(LIST_SEPARATOR),
        row.country_list().join(LIST_SEPARATOR),
        categories.join(LIST_SEPARATOR),
        label_for(
            &row.transfer_mechanism,
            TransferMechanism::parse,
            TransferMechanism::label,
        ),
        label_for(&row.status, Status::parse, Status::label),
        opt(&row.announced_on),
        opt(&row.effective_on),
        opt(&row.removed_on),
        opt(&row.website),
        opt(&row.privacy_contact),
        a.compliance.label().to_string(),
        a.vpap_since.map(|d| d.to_string()).unwrap_or_default(),
        a.tier.label().to_string(),
        a.certifications
            .iter()
            .map(|(k, until)| format!("{} (valid until {until})", k.label()))
            .collect::<Vec<_>>()
            .join(LIST_SEPARATOR),
        a.obligations
            .iter()
            .map(|o| o.label())
            .collect::<Vec<_>>()
            .join(LIST_SEPARATOR),
    ]
}

/// The cells of one vendor of a past day's registry (`?as_of=`), in [`COLUMNS`] order: what
/// the change history records (name, purpose, scope, status, dates); the columns it does not
/// record (registration, contacts, compliance and assurance) are empty.
pub fn as_of_record(e: &AsOfEntry) -> [String; 24] {
    let (status, announced_on, effective_on) = e.status_and_dates();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let mut cells: [String; 24] = Default::default();
    cells[0] = e.scope.legal_name.clone();
    cells[2] = e.slug.clone();
    cells[8] = e.scope.purpose.clone();
    cells[9] = e.scope.services.join(LIST_SEPARATOR);
    cells[10] = e.scope.countries.join(LIST_SEPARATOR);
    cells[11] = e.category_labels().join(LIST_SEPARATOR);
    cells[13] = status.label().to_string();
    cells[14] = date(announced_on);
    cells[15] = date(effective_on);
    cells
}

/// Write one row of cells, every cell neutralised.
pub fn write_cells(w: &mut csv::Writer<Vec<u8>>, cells: &[String]) -> csv::Result<()> {
    w.write_record(cells.iter().map(|c| neutralise(c).into_owned()))
}

/// A CSV writer into memory with the registry's dialect.
pub fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::with_capacity(64 * 1024))
}

/// Write one vendor, every cell neutralised.
pub fn write_row(
    w: &mut csv::Writer<Vec<u8>>,
    row: &VendorRow,
    a: &PublicAssurance,
) -> csv::Result<()> {
    write_cells(w, &record(row, a))
}

/// The BOM and header row.
pub fn header() -> csv::Result<Vec<u8>> {
    let mut w = writer();
    w.write_record(COLUMNS)?;
    let mut out = BOM.to_vec();
    out.extend(w.into_inner().map_err(|e| e.into_error())?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_formula_starts() {
        for (input, expected) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@cmd", "'@cmd"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("   =1", "'   =1"),
            ("Acme = good", "Acme = good"),
            ("", ""),
            ("Société", "Société"),
            ("2026-01-01", "2026-01-01"),
        ] {
            assert_eq!(neutralise(input), expected, "{input:?}");
        }
    }

    fn row() -> VendorRow {
        VendorRow {
            id: 1,
            slug: "acme".into(),
            legal_name: "=HYPERLINK(\"x\")".into(),
            trading_name: Some("Acme, \"the\" best".into()),
            parent_company: None,
            registration_country: "DE".into(),
            website: None,
            privacy_contact: None,
            kind: "third_party".into(),
            work_location: "own_facilities".into(),
            purpose_category: "infrastructure".into(),
            purpose: "Line one\nline two".into(),
            transfer_mechanism: "sccs".into(),
            announced_on: Some("2026-01-01".into()),
            effective_on: None,
            removed_on: None,
            status: "announced".into(),
            services: Some("Compute; Object Storage".into()),
            countries: Some("DE; FR".into()),
            categories: Some("customer; support".into()),
            evidence: Default::default(),
        }
    }

    fn assurance() -> PublicAssurance {
        use app::domain::{assurance::Evidence, compliance::public_assurance};
        let day = "2026-06-01".parse().expect("date");
        public_assurance(&Evidence::default(), day, false)
    }

    #[test]
    fn rows_are_rfc4180_and_round_trip() {
        let mut w = writer();
        w.write_record(COLUMNS).expect("header");
        write_row(&mut w, &row(), &assurance()).expect("row");
        let bytes = w.into_inner().expect("flush");
        let text = String::from_utf8(bytes.clone()).expect("utf8");
        assert!(text.contains("\r\n"), "CRLF line ends");
        assert!(
            text.contains("\"Acme, \"\"the\"\" best\""),
            "quotes doubled: {text}"
        );
        let mut r = csv::Reader::from_reader(bytes.as_slice());
        let rec = r.records().next().expect("one row").expect("parses");
        assert_eq!(&rec[0], "'=HYPERLINK(\"x\")");
        assert_eq!(&rec[8], "Line one\nline two");
        assert_eq!(&rec[9], "Compute; Object Storage");
        assert_eq!(&rec[11], "Customer data; Support data");
        assert_eq!(&rec[13], "Announced");
        assert_eq!(&rec[19], "Not compliant");
        assert_eq!(&rec[21], "Standard");
        assert_eq!(rec.len(), COLUMNS.len());
    }

    #[test]
    fn header_starts_with_bom() {
        let h = header().expect("header");
        assert!(h.starts_with(BOM));
        assert!(h.ends_with(b"bound_by_contract_to\r\n"));
    }
}
