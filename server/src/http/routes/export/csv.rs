//! The CSV sink: RFC 4180 (CRLF, quoting), UTF-8 with a BOM, formula cells neutralised. The
//! columns and cells come from the one public view (`app::registry::view`); column names are
//! an interface (docs/API.md): add columns at the end, never rename. Each batch of the
//! pipeline is encoded as it arrives.

pub use app::registry::view::{COLUMNS, LIST_SEPARATOR};
use app::{
    error::AppError,
    registry::{export::PublicVendors, view::PublicVendor},
};
use axum::body::{Body, Bytes};

pub const CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// UTF-8 byte order mark, so spreadsheets read accents right.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Make a cell safe to open in a spreadsheet: if its first non-space character would start a
/// formula (`=`, `+`, `-`, `@`, tab, CR), prefix it with an apostrophe so it stays text.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.trim_start_matches(' ').chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Write one row of cells, every cell neutralised (a cell is copied only when it is changed).
pub fn write_cells<S: AsRef<str>>(w: &mut csv::Writer<Vec<u8>>, cells: &[S]) -> csv::Result<()> {
    for cell in cells {
        w.write_field(neutralise(cell.as_ref()).as_bytes())?;
    }
    w.write_record(None::<&[u8]>)
}

/// A CSV writer into memory with the registry's dialect.
pub fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::with_capacity(64 * 1024))
}

/// Write one vendor, every cell neutralised.
pub fn write_vendor(w: &mut csv::Writer<Vec<u8>>, v: &PublicVendor) -> csv::Result<()> {
    write_cells(w, &v.cells())
}

/// The BOM and header row.
pub fn header() -> csv::Result<Vec<u8>> {
    let mut w = writer();
    w.write_record(COLUMNS)?;
    let mut out = BOM.to_vec();
    out.extend(w.into_inner().map_err(|e| e.into_error())?);
    Ok(out)
}

/// The CSV's body: the BOM and header, then each batch of `vendors` encoded as it arrives.
/// An error after the first bytes ends the body early (and is logged).
pub fn body(vendors: PublicVendors) -> Result<Body, AppError> {
    let head = header().map_err(|e| app::request::internal(format!("csv header: {e}")))?;
    Ok(super::streamed(Bytes::from(head), Rows(vendors)))
}

/// The CSV's rows after its header.
struct Rows(PublicVendors);

impl super::Chunks for Rows {
    async fn next_chunk(&mut self) -> Option<std::io::Result<Bytes>> {
        let batch = match self.0.next_batch().await? {
            Ok(batch) => batch,
            Err(e) => return Some(Err(super::aborted("csv", e))),
        };
        let mut w = writer();
        for v in &batch {
            if let Err(e) = write_vendor(&mut w, v) {
                return Some(Err(super::aborted("csv", e)));
            }
        }
        Some(
            w.into_inner()
                .map(Bytes::from)
                .map_err(|e| super::aborted("csv", e.into_error())),
        )
    }
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

    fn vendor() -> PublicVendor {
        use app::{
            domain::{assurance::Evidence, compliance::public_assurance},
            store::vendors::VendorRow,
        };
        let row = VendorRow {
            id: 1,
            version: 1,
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
            sub_processors:
                r#"[{"legal_name":"Deep Archive AB","country":"SE","purpose":"Backups"}]"#.into(),
            status: "announced".into(),
            services: Some("compute object-storage".into()),
            service_names: Some("Compute; Object Storage".into()),
            countries: Some("DE FR".into()),
            categories: Some("customer support".into()),
            evidence: Default::default(),
            stored_assurance: None,
            scope_effective_on: None,
        };
        let day = "2026-06-01".parse().expect("date");
        let a = public_assurance(&Evidence::default(), day, false);
        PublicVendor::from_row(&row, &a).expect("view")
    }

    #[test]
    fn rows_are_rfc4180_and_round_trip() {
        let mut w = writer();
        w.write_record(COLUMNS).expect("header");
        write_vendor(&mut w, &vendor()).expect("row");
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
        assert_eq!(&rec[24], "Deep Archive AB (SE)");
        assert_eq!(rec.len(), COLUMNS.len());
    }

    #[test]
    fn header_starts_with_bom() {
        let h = header().expect("header");
        assert!(h.starts_with(BOM));
        assert!(h.ends_with(b"bound_by_contract_to,sub_processors,scope_effective_on\r\n"));
    }
}
