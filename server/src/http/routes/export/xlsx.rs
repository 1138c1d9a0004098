//! The Excel sink of `GET /subprocessors.xlsx`: the same rows and columns as the CSV, for
//! Excel users. The pipeline's batches go to a worksheet written in constant-memory mode on a
//! blocking thread; only the finished (compressed) file is held in memory. A second sheet,
//! "Sub-processors", has one row per link of the chain ([`LINK_COLUMNS`]).

pub use app::domain::columns::LINK_COLUMNS;
use app::{
    error::AppError,
    registry::{export::PublicVendors, view::PublicVendor},
    request::internal,
};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::csv::COLUMNS;

pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

type Record = [String; COLUMNS.len()];

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

/// The finished workbook of `vendors`.
pub async fn workbook(mut vendors: PublicVendors) -> Result<Vec<u8>, AppError> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<(Record, Vec<Link>)>>(4);
    let writer = tokio::task::spawn_blocking(move || write_workbook(rx));
    let mut failed = None;
    while let Some(batch) = vendors.next_batch().await {
        let records = match batch {
            Ok(batch) => batch
                .iter()
                .map(|v| (v.cells().map(std::borrow::Cow::into_owned), links(v)))
                .collect(),
            Err(e) => {
                failed = Some(e);
                break;
            }
        };
        if tx.send(records).await.is_err() {
            break; // the writer failed: its error is below
        }
    }
    drop(tx);
    let written = writer
        .await
        .map_err(|e| internal(format!("xlsx export: the writer stopped: {e}")))?;
    let bytes = written.map_err(|e| internal(format!("xlsx export: {e}")))?;
    match failed {
        Some(e) => Err(internal(format!("xlsx export: {e}"))),
        None => Ok(bytes),
    }
}
