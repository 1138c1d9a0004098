//! `server deliveries`: the outbox from the command line, as `/manage/deliveries` shows it,
//! and a failed delivery sent again by hand.

use app::{
    store::{
        audit,
        outbox::{self, Listed},
        Db,
    },
    write::{write, Written},
};

/// Print deliveries in `state`, newest first, one per line (tab-separated), with the
/// counts per state first.
pub async fn list(db: &Db, state: &str, limit: u32) -> Result<(), String> {
    let which = Listed::parse(state.trim()).ok_or_else(|| {
        format!("--state: \"{state}\" is not one of all, sent, pending, retrying, failed, skipped")
    })?;
    let c = outbox::counts(db)
        .await
        .map_err(|e| format!("cannot read the deliveries: {e}"))?;
    println!(
        "sent {}\tpending {}\tretrying {}\tfailed {}\tskipped {}",
        c.sent, c.pending, c.retrying, c.failed, c.skipped
    );
    let (rows, total) = outbox::list(db, which, limit.clamp(1, 10_000), 0)
        .await
        .map_err(|e| format!("cannot read the deliveries: {e}"))?;
    println!(
        "id\tchannel\tpurpose\tstate\tattempts\tcreated_at\tsent_or_next\trecipient\tlast_error"
    );
    for r in &rows {
        let state = match (r.status.as_str(), r.attempts) {
            ("pending", 0) => "pending",
            ("pending", _) => "retrying",
            (s, _) => s,
        };
        let when = r.sent_at.clone().unwrap_or_else(|| {
            if r.status == "pending" {
                r.next_attempt_at.clone()
            } else {
                String::new()
            }
        });
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.id,
            r.channel,
            r.purpose,
            state,
            r.attempts,
            r.created_at,
            when,
            r.recipient,
            r.last_error
                .clone()
                .unwrap_or_default()
                .replace(['\t', '\n'], " ")
        );
    }
    if total > i64::from(limit) {
        println!(
            "({} more; raise --limit to see them)",
            total - i64::from(limit)
        );
    }
    Ok(())
}

/// Send failed delivery `id` again.
pub async fn retry(db: &Db, id: i64) -> Result<(), String> {
    let row = outbox::get(db, id)
        .await
        .map_err(|e| format!("cannot read delivery {id}: {e}"))?
        .ok_or_else(|| format!("--retry: there is no delivery {id}"))?;
    if row.status != "failed" {
        return Err(format!(
            "--retry: delivery {id} is {}, not failed; nothing was changed",
            row.status
        ));
    }
    write(db, "server deliveries (command line)", async |tx| {
        outbox::retry(tx, id, chrono::Utc::now()).await?;
        Ok(Written::done(
            (),
            audit::Entry {
                action: "retry",
                entity: "delivery",
                entity_id: format!("delivery:{id}"),
                before: Some(serde_json::json!({ "status": row.status, "attempts": row.attempts })),
                after: Some(serde_json::json!({ "status": "pending", "attempts": 0 })),
            },
        ))
    })
    .await
    .map_err(|e| format!("cannot retry delivery {id}: {e}"))?;
    println!("Delivery {id} is due again; a running server sends it within seconds.");
    Ok(())
}
