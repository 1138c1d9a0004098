//! The public registry as every reader of it loads it: the pages (through their server
//! functions) and the CSV, Excel and JSON routes. Today's list with compliance computed from
//! each vendor's evidence, or a past day's list replayed from the change events; each vendor
//! in the one public view of `view`. Server-only.

pub mod change;
pub mod export;
pub mod kept;
pub mod open_list;
pub mod page;
pub mod view;

use std::sync::Arc;

pub use kept::Kept;

use chrono::NaiveDate;

use crate::{
    domain::{
        changes::{diff_of, registry_as_of_days, AsOfEntry, DiffHead},
        compliance::{public_assurance, steady_until, PublicAssurance},
        filter::{admits, admitted_codes},
        RegistryFilter,
    },
    error::AppError,
    request::{cpu, heavy},
    store::{assurance, changes, services, vendors, vendors::VendorRow, Db, StoreResult},
};

/// Keep `as_of` only for a past day (today's registry is the live one), noting why not.
pub fn past_day_only(filter: &mut RegistryFilter, today: NaiveDate, messages: &mut Vec<String>) {
    if let Some(d) = filter.as_of.filter(|d| *d >= today) {
        messages.push(format!("{d} is not a past date; showing today's registry."));
        filter.as_of = None;
    }
}

/// The public registry as it stood on `day`, replayed from the change events announced by
/// then, with the filter applied (compliance aside: it is not known for past days), and how
/// many match. `window` (limit, offset) keeps one page: only that page is copied out of the
/// kept replay, so a page of a past day costs a filter pass, not a copy of the registry.
pub async fn registry_on(
    db: &Db,
    kept: &Kept,
    filter: &RegistryFilter,
    day: NaiveDate,
    window: Option<(usize, usize)>,
) -> Result<(Vec<AsOfEntry>, usize), AppError> {
    let entries = replayed(db, kept, day).await?;
    let names: Vec<String> = services::list_services(db)
        .await?
        .into_iter()
        .filter(|s| filter.services.iter().any(|w| w.as_str() == s.slug))
        .map(|s| s.name)
        .collect();
    let filter = filter.clone();
    cpu(move || {
        let (limit, offset) = window.unwrap_or((usize::MAX, 0));
        let mut total = 0;
        let mut page = Vec::new();
        for e in entries.iter().filter(|e| filter.matches_as_of(e, &names)) {
            if total >= offset && page.len() < limit {
                page.push(e.clone());
            }
            total += 1;
        }
        (page, total)
    })
    .await
}

/// The whole registry as it stood on `day`, replayed from the change events announced by
/// then (on a blocking thread). The last few days asked for are kept in memory, keyed by the
/// day and the number of events: events are append-only, so the same number means the same
/// events, and a new event makes every kept day be replayed again when next asked for.
pub async fn replayed(
    db: &Db,
    kept: &Kept,
    day: NaiveDate,
) -> Result<Arc<Vec<AsOfEntry>>, AppError> {
    let count = changes::count(db).await?;
    if let Some(hit) = kept.replays.get((day, count)) {
        return Ok(hit);
    }
    let mut days = replay_days(db, kept, count, vec![day]).await?;
    days.pop()
        .ok_or_else(|| AppError::Internal("no replay".into()))
}

/// The registry on `from` and on `to` (`from` <= `to`), as [`replayed`] keeps them; when
/// neither is kept, both come from one read of the events.
pub async fn replayed_pair(
    db: &Db,
    kept: &Kept,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Arc<Vec<AsOfEntry>>, Arc<Vec<AsOfEntry>>), AppError> {
    let count = changes::count(db).await?;
    match (
        kept.replays.get((from, count)),
        kept.replays.get((to, count)),
    ) {
        (Some(a), Some(b)) => Ok((a, b)),
        (Some(a), None) => Ok((a, replayed(db, kept, to).await?)),
        (None, Some(b)) => Ok((replayed(db, kept, from).await?, b)),
        (None, None) => {
            let mut days = replay_days(db, kept, count, vec![from, to])
                .await?
                .into_iter();
            match (days.next(), days.next()) {
                (Some(a), Some(b)) => Ok((a, b)),
                _ => Err(AppError::Internal("no replay".into())),
            }
        }
    }
}

/// What changed in the registry from `from` to `to` (`from` <= `to`), cut to the first
/// `shown` entries of each group with each group's size, from the two days' replays. The
/// last few asked for are kept like the replays (by the number of events); only working one
/// out takes a heavy-work permit, so a kept one is never answered "busy".
pub async fn diff_between(
    db: &Db,
    kept: &Kept,
    from: NaiveDate,
    to: NaiveDate,
    shown: usize,
) -> Result<Arc<DiffHead>, AppError> {
    let key = ((from, to, shown), changes::count(db).await?);
    if let Some(hit) = kept.diffs.get(key) {
        return Ok(hit);
    }
    // the first ask may replay the whole history: bounded and off the async threads
    heavy(db, async {
        let (old, new) = replayed_pair(db, kept, from, to).await?;
        let d = Arc::new(cpu(move || diff_of(&old, &new).head(shown)).await?);
        kept.diffs.put(key, d.clone());
        Ok(d)
    })
    .await
}

/// Replay each of `days` from the events announced by the last of them (`count`: how many
/// events there are, the key they are kept under).
async fn replay_days(
    db: &Db,
    kept: &Kept,
    count: i64,
    days: Vec<NaiveDate>,
) -> Result<Vec<Arc<Vec<AsOfEntry>>>, AppError> {
    let Some(last) = days.iter().max().copied() else {
        return Ok(Vec::new());
    };
    let rows = changes::replay_rows(db, last).await?;
    let replays = cpu(
        move || -> Result<Vec<(NaiveDate, Vec<AsOfEntry>)>, AppError> {
            let events = rows
                .iter()
                .map(changes::ChangeRow::event)
                .collect::<StoreResult<Vec<_>>>()?;
            // an event announced after a day cannot be in effect on it (the table checks
            // effective_on >= announced_on), so an earlier day replays from the same events
            let lists = registry_as_of_days(&events, &days);
            Ok(days.into_iter().zip(lists).collect())
        },
    )
    .await??;
    Ok(replays
        .into_iter()
        .map(|(day, entries)| {
            let entries = Arc::new(entries);
            kept.replays.put((day, count), entries.clone());
            entries
        })
        .collect())
}

/// Rows paired with their public assurance on `day`: the stored one where the row carries it
/// (the public lists read it for every vendor whose stored assurance holds on `day`), else
/// computed from the evidence the row carries (read in the same query as the vendors).
/// `look_ahead` also finds the next change of verdict (vendor pages; computed, never stored).
pub fn with_assurance(
    rows: Vec<VendorRow>,
    day: NaiveDate,
    look_ahead: bool,
) -> StoreResult<Vec<(VendorRow, PublicAssurance)>> {
    with_assurance_memo(rows, day, look_ahead, &mut AssuranceMemo::default())
}

/// [`with_assurance`] for an export, which calls it chunk after chunk: a stored assurance
/// already read in an earlier chunk is copied from `memo` instead of parsed again.
pub fn with_assurance_memo(
    rows: Vec<VendorRow>,
    day: NaiveDate,
    look_ahead: bool,
    memo: &mut AssuranceMemo,
) -> StoreResult<Vec<(VendorRow, PublicAssurance)>> {
    rows.into_iter()
        .map(|row| {
            let a = if look_ahead {
                public_assurance(&row.evidence()?, day, true)
            } else {
                memo.assurance(&row, day)?.into_owned()
            };
            Ok((row, a))
        })
        .collect()
}

/// Stored assurances already parsed, by their text. Vendors share few distinct ones (554
/// among 100,000 generated vendors), and parsing the JSON was 5 % of a 100,000-row CSV; a
/// copy costs a fraction of that. Bounded: past [`AssuranceMemo::MAX`] texts it parses
/// without keeping.
#[derive(Default)]
pub struct AssuranceMemo {
    parsed: std::collections::HashMap<String, PublicAssurance>,
}

impl AssuranceMemo {
    pub const MAX: usize = 4096;

    /// The public assurance of `row` on `day`: the stored one where the row carries it
    /// (parsed once per distinct text and lent from here), else computed from its evidence.
    pub fn assurance(
        &mut self,
        row: &VendorRow,
        day: NaiveDate,
    ) -> StoreResult<std::borrow::Cow<'_, PublicAssurance>> {
        match row.stored_assurance.as_deref() {
            Some(json) => self.parse(json),
            None => Ok(std::borrow::Cow::Owned(public_assurance(
                &row.evidence()?,
                day,
                false,
            ))),
        }
    }

    fn parse(&mut self, json: &str) -> StoreResult<std::borrow::Cow<'_, PublicAssurance>> {
        if !self.parsed.contains_key(json) {
            let a = assurance::parse(json)?;
            if self.parsed.len() >= Self::MAX {
                return Ok(std::borrow::Cow::Owned(a));
            }
            self.parsed.insert(json.to_owned(), a);
        }
        self.parsed
            .get(json)
            .map(std::borrow::Cow::Borrowed)
            .ok_or_else(|| {
                crate::store::StoreError::Corrupt("stored assurance lost from the memo".into())
            })
    }
}

/// One page of the registry with compliance computed, and how many match in all. A
/// compliance filter reads the stored verdicts (`store::assurance`, brought up to `day`
/// first) so the filter, the count and the paging are one query. Each row on the page is
/// judged by its stored assurance where that holds on `day`, else by its evidence (see
/// [`with_assurance`]); a row whose evidence changed between the filter and the page is
/// judged by its new evidence and left off if it no longer matches. When the stored verdicts
/// cannot be brought up to date (SQLite busy with a long write), every candidate is judged
/// that way instead (in bulk, on a blocking thread).
pub async fn list_assured(
    db: &Db,
    filter: &RegistryFilter,
    day: NaiveDate,
    limit: u32,
    offset: u64,
) -> Result<(Vec<(VendorRow, PublicAssurance)>, i64), AppError> {
    // the whole list (the JSON API asks for it) is read as it is, not picked as a page first
    let page = (limit != u32::MAX || offset != 0).then_some((limit, offset));
    let Some(wanted) = filter.authorized else {
        let (rows, total) = vendors::list_public(db, filter, day, page, &[]).await?;
        return Ok((cpu(move || with_assurance(rows, day, false)).await??, total));
    };
    if refresh_assurance(db, day).await? {
        let codes = admitted_codes(wanted);
        let (rows, total) = vendors::list_public(db, filter, day, page, codes).await?;
        let mut page = cpu(move || with_assurance(rows, day, false)).await??;
        page.retain(|(_, a)| admits(Some(wanted), a.compliance.standing));
        return Ok((page, total));
    }
    let (rows, _) = vendors::list_public(db, filter, day, None, &[]).await?;
    cpu(move || -> Result<_, AppError> {
        let mut matching = with_assurance(rows, day, false)?;
        matching.retain(|(_, a)| admits(Some(wanted), a.compliance.standing));
        let total = i64::try_from(matching.len()).unwrap_or(i64::MAX);
        let page = matching
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(limit as usize)
            .collect();
        Ok((page, total))
    })
    .await?
}

/// Vendors whose stored assurance is computed per round (a round's rows and evidence are in
/// memory at once).
const REFRESH_ROUND: u32 = 2_000;

/// Bring every vendor's stored assurance up to `day`: compute it for each vendor whose
/// evidence changed or whose verdict may have changed since (usually none or a few), and
/// store it. Whether every vendor's now holds. One refresh runs at a time in this process;
/// it goes on when the request that started it gives up, so its work is never lost.
pub async fn refresh_assurance(db: &Db, day: NaiveDate) -> Result<bool, AppError> {
    let db = db.clone();
    let run = tokio::spawn(async move {
        let _one_at_a_time = db.assurance_refresh.lock().await;
        let mut after = 0;
        let mut all_kept = true;
        loop {
            let rows = assurance::stale_rows(&db, day, after, REFRESH_ROUND).await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.row.id;
            let full = rows.len() == REFRESH_ROUND as usize;
            let computed = cpu(move || compute_assurance(rows, day)).await??;
            match assurance::store(&db, &computed).await? {
                Some(kept) => all_kept &= kept == computed.len(),
                None => return Ok(false),
            }
            if !full {
                break;
            }
        }
        Ok::<bool, AppError>(all_kept)
    });
    run.await.map_err(crate::request::internal)?
}

/// The assurance of each stale row on `day`, as stored.
pub fn compute_assurance(
    rows: Vec<assurance::StaleRow>,
    day: NaiveDate,
) -> Result<Vec<assurance::Computed>, AppError> {
    rows.into_iter()
        .map(|r| {
            let e = r.row.evidence()?;
            let a = public_assurance(&e, day, false);
            Ok(assurance::Computed {
                vendor_id: r.row.id,
                stamp: r.assurance_stamp,
                computed_on: day,
                steady_until: steady_until(&e, day, &a),
                standing: a.compliance.standing.code(),
                assurance: serde_json::to_string(&a).map_err(crate::request::internal)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assurance::Evidence;

    #[test]
    fn the_memo_reads_a_stored_assurance_as_parsing_it_does() {
        let day = "2026-06-01".parse().expect("date");
        let a = public_assurance(&Evidence::default(), day, false);
        let json = serde_json::to_string(&a).expect("json");
        let mut memo = AssuranceMemo::default();
        for _ in 0..3 {
            assert_eq!(*memo.parse(&json).expect("parses"), a);
        }
        assert_eq!(memo.parsed.len(), 1);
        assert!(
            memo.parse("{not json").is_err(),
            "a corrupt text is still refused"
        );
        // full: still parses, keeps nothing more
        for i in 0..AssuranceMemo::MAX {
            memo.parsed.insert(format!("k{i}"), a.clone());
        }
        let other_json = format!(" {json}");
        assert_eq!(*memo.parse(&other_json).expect("parses"), a);
        assert!(!memo.parsed.contains_key(&other_json));
    }
}
