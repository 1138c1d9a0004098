//! `GET /subprocessors.xlsx`: the same rows and columns as the CSV, for Excel users. Rows are
//! streamed from the database to a worksheet written in constant-memory mode on a blocking
//! thread; only the finished (compressed) file is held in memory. A second sheet,
//! "Sub-processors", has one row per link of the chain ([`LINK_COLUMNS`]).

use app::{
    domain::RegistryFilter,
    error::AppError,
    registry::{view::PublicVendor, with_assurance_memo, AssuranceMemo},
    request::internal,
    store::{vendors, Db},
};
use axum::{
    extract::{RawQuery, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::csv_export::COLUMNS;

/// Rows handed to the writer thread at a time.
const BATCH: usize = 256;

type Record = [String; COLUMNS.len()];

/// The header of the second sheet: one row per subprocessor of a listed vendor.
pub const LINK_COLUMNS: [&str; 8] = [
    "vendor_slug",
    "vendor_legal_name",
    "legal_name",
    "country",
    "purpose",
    "data_categories",
    "since",
    "list_url",
];

type Link = [String; LINK_COLUMNS.len()];

/// A vendor's links of the chain, as second-sheet rows.
fn links(v: &PublicVendor) -> Vec<Link> {
    v.sub_processors
        .iter()
        .map(|s| {
            [
                v.slug.clone(),
                v.legal_name.clone(),
                s.legal_name.clone(),
                s.country.clone(),
                s.purpose.clone(),
                s.categories
                    .iter()
                    .map(|c| {
                        app::domain::label_for(
                            c,
                            app::domain::DataCategory::parse,
                            app::domain::DataCategory::label,
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                s.since.map(|d| d.to_string()).unwrap_or_default(),
                s.list_url.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

/// Write the header and every record that arrives, then the finished file.
fn write_workbook(
    mut rx: tokio::sync::mpsc::Receiver<Vec<(Record, Vec<Link>)>>,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("Subprocessors")?;
    for (c, name) in (0u16..).zip(COLUMNS) {
        sheet.write_string_with_format(0, c, name, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut r: u32 = 1;
    let mut chain: Vec<Link> = Vec::new();
    while let Some(batch) = rx.blocking_recv() {
        for (record, links) in batch {
            for (c, cell) in (0u16..).zip(record.iter()) {
                // strings in a workbook are never formulas: no neutralising needed here
                sheet.write_string(r, c, cell)?;
            }
            r += 1;
            chain.extend(links);
        }
    }
    sheet.autofilter(0, 0, r.saturating_sub(1), COLUMNS.len() as u16 - 1)?;
    let links = workbook.add_worksheet_with_constant_memory()?;
    links.set_name("Sub-processors")?;
    for (c, name) in (0u16..).zip(LINK_COLUMNS) {
        links.write_string_with_format(0, c, name, &bold)?;
    }
    links.set_freeze_panes(1, 0)?;
    for (row, link) in (1u32..).zip(&chain) {
        for (c, cell) in (0u16..).zip(link.iter()) {
            links.write_string(row, c, cell)?;
        }
    }
    links.autofilter(0, 0, chain.len() as u32, LINK_COLUMNS.len() as u16 - 1)?;
    workbook.save_to_buffer()
}

pub async fn subprocessors_xlsx(State(db): State<Db>, RawQuery(query): RawQuery) -> Response {
    let (filter, _ignored) = RegistryFilter::from_query(query.as_deref().unwrap_or(""));
    let day = chrono::Utc::now().date_naive();
    // the slot first: no work starts without one
    let Some(slot) = db.export_slot().await else {
        return AppError::Busy.into_response();
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<(Record, Vec<Link>)>>(4);
    let writer = tokio::task::spawn_blocking(move || write_workbook(rx));
    let mut rows = vendors::stream_public(&db, &filter, day, slot);
    let mut failed = false;
    let mut memo = AssuranceMemo::default();
    'read: loop {
        let mut batch = Vec::with_capacity(BATCH);
        while batch.len() < BATCH {
            match rows.recv().await {
                Some(Ok(rows)) => batch.extend(rows),
                Some(Err(e)) => {
                    tracing::error!("xlsx export: {e}");
                    failed = true;
                    break 'read;
                }
                None => break,
            }
        }
        if batch.is_empty() {
            break;
        }
        let done = batch.len() < BATCH;
        let assured = match with_assurance_memo(batch, day, false, &mut memo) {
            Ok(a) => a,
            Err(e) => {
                tracing::error!("xlsx export: {e}");
                failed = true;
                break;
            }
        };
        let records = assured
            .iter()
            .filter(|(_, a)| filter.admits(a.compliance.standing))
            .map(|(row, a)| {
                PublicVendor::from_row(row, a)
                    .map(|v| (v.cells().map(std::borrow::Cow::into_owned), links(&v)))
            })
            .collect::<Result<Vec<(Record, Vec<Link>)>, _>>();
        let records = match records {
            Ok(r) => r,
            Err(e) => {
                tracing::error!("xlsx export: {e}");
                failed = true;
                break;
            }
        };
        if tx.send(records).await.is_err() || done {
            break;
        }
    }
    drop(tx);
    let bytes = match writer.await {
        Ok(Ok(bytes)) if !failed => bytes,
        Ok(Err(e)) => return internal(format!("xlsx export: {e}")).into_response(),
        Ok(Ok(_)) => return internal("xlsx export: a batch failed").into_response(),
        Err(e) => return internal(format!("xlsx export: the writer stopped: {e}")).into_response(),
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    let filename = format!(
        "attachment; filename=\"subprocessors-{}.xlsx\"",
        day.format("%Y-%m-%d")
    );
    if let Ok(v) = HeaderValue::from_str(&filename) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}
