//! The command line: `server serve` (the default) and every other subcommand, one function
//! each; the flags and their environment variables are `crate::config::Cli`.

pub mod backup;
mod backup_documents;
pub mod deliveries;
pub mod import;
pub mod log;
pub mod seed;
pub mod users;

use app::store::{redact, Db};

use crate::config::{Cli, Command, LogCommand, SecretsCommand, ServeConfig, UserCommand};

/// Longest notice period the CLI accepts.
const MAX_NOTICE_DAYS: u32 = 3650;

async fn open(url: &str) -> Result<Db, String> {
    let db = Db::connect(url)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", redact(url)))?;
    db.migrate()
        .await
        .map_err(|e| format!("cannot migrate database {}: {e}", redact(url)))?;
    Ok(db)
}

/// Set a category's notice period, audited as the command line.
async fn set_notice(
    db: &Db,
    category: app::domain::DataCategory,
    days: u32,
) -> Result<(), app::error::AppError> {
    use app::{
        store::{audit, changes},
        write::{write, Written},
    };
    write(db, "server notice (command line)", async |tx| {
        let before = changes::set_notice_days(tx, category, days).await?;
        let entry = audit::Entry {
            action: "update",
            entity: "notice_period",
            entity_id: category.code().to_string(),
            before: Some(serde_json::json!({ "notice_days": before })),
            after: Some(serde_json::json!({ "notice_days": days })),
        };
        Ok(Written::done((), entry))
    })
    .await
}

/// Run the command `cli` names (`serve` when none).
pub async fn run(cli: Cli) -> Result<(), String> {
    let today = chrono::Utc::now().date_naive();
    // the commands that open the database close it when done (see `Db::close`)
    let mut opened: Option<Db> = None;
    let result = command(cli, today, &mut opened).await;
    if let Some(db) = opened {
        db.close().await;
    }
    result
}

async fn command(
    cli: Cli,
    today: chrono::NaiveDate,
    opened: &mut Option<Db>,
) -> Result<(), String> {
    let keys = cli.keyring()?;
    // every command but a restore (which takes it alone) holds the database's lock shared
    // while it runs, so a restore cannot swap the file under it
    let _lock = match cli.command {
        Some(Command::Restore { .. })
        | Some(Command::Log {
            action: LogCommand::Keygen { .. },
        }) => None,
        _ => crate::db_lock::shared(&cli.database_url)?,
    };
    let mut open = async |url: &str| -> Result<Db, String> {
        let db = open(url).await?.with_secrets(keys.clone());
        *opened = Some(db.clone());
        Ok(db)
    };
    match cli.command {
        None | Some(Command::Serve) => {
            let config = ServeConfig::from_cli(&cli)?;
            let unsigned = config.notices.log_key.is_none();
            let app = crate::Application::build(config)
                .await
                .map_err(|e| e.to_string())?;
            println!("Subprocessor Registry listening on http://{}", app.addr());
            // after the line scripts wait for
            if unsigned {
                tracing::warn!(
                    "LOG_SIGNING_KEY is not set: the log of changes is kept, but no checkpoint \
                     is signed (make a key with `server log keygen --name HOST/subprocessors`)"
                );
            }
            app.run().await.map_err(|e| format!("server stopped: {e}"))
        }
        Some(Command::Migrate) => {
            open(&cli.database_url).await?;
            println!("Migrations applied to {}", redact(&cli.database_url));
            Ok(())
        }
        Some(Command::SeedDemo) => {
            let db = open(&cli.database_url).await?;
            match seed::seed_demo(&db, today)
                .await
                .map_err(|e| format!("seeding failed: {e}"))?
            {
                0 => println!("The database already has vendors; demo data not added."),
                n => println!("Added {n} demo vendors."),
            }
            Ok(())
        }
        Some(Command::User {
            action: UserCommand::Create { email, role },
        }) => users::create(&cli.database_url, &email, &role).await,
        Some(Command::User {
            action: UserCommand::SetUpLink { email },
        }) => {
            let db = open(&cli.database_url).await?;
            let origin = match cli.serve.public_url.trim() {
                "" => format!("http://{}", cli.serve.addr),
                given => given.trim_end_matches('/').to_string(),
            };
            users::set_up_link(&db, &email, &origin).await
        }
        Some(Command::User {
            action: UserCommand::ClearSecondStepLock { email },
        }) => {
            let db = open(&cli.database_url).await?;
            users::clear_second_step_lock(&db, &email).await
        }
        Some(Command::Notice { category, days }) => {
            let db = open(&cli.database_url).await?;
            if let (Some(category), Some(days)) = (category, days) {
                let category = app::domain::DataCategory::parse(&category)
                    .map_err(|e| format!("--category: {e}"))?;
                if days > MAX_NOTICE_DAYS {
                    return Err(format!(
                        "--days: at most {MAX_NOTICE_DAYS} days (ten years); nothing was changed"
                    ));
                }
                set_notice(&db, category, days)
                    .await
                    .map_err(|e| format!("cannot set the notice period: {e}"))?;
            }
            let mut conn = db
                .pool
                .acquire()
                .await
                .map_err(|e| format!("cannot read the notice periods: {e}"))?;
            let n = app::store::changes::notice_periods(&mut conn)
                .await
                .map_err(|e| format!("cannot read the notice periods: {e}"))?;
            println!("customer {} days", n.customer);
            println!("personal {} days", n.personal);
            println!("support {} days", n.support);
            Ok(())
        }
        Some(Command::Import {
            file,
            dry_run,
            skip_refused,
            whole_list,
            confirm_removals,
            actor,
        }) => {
            let db = open(&cli.database_url).await?;
            let mode = app::service::import::Mode {
                apply: !dry_run,
                skip_refused,
                whole_list,
                confirm_removals,
            };
            import::run(&db, &file, mode, actor.as_deref()).await
        }
        Some(Command::Deliveries {
            state,
            limit,
            retry,
        }) => {
            let db = open(&cli.database_url).await?;
            match retry {
                Some(id) => deliveries::retry(&db, id).await,
                None => deliveries::list(&db, &state, limit).await,
            }
        }
        Some(Command::Recompute) => {
            let db = open(&cli.database_url).await?;
            crate::assurance::recompute(&db, today).await
        }
        Some(Command::Backup { file }) => {
            backup::backup(&cli.database_url, &file, &cli.serve.document_store).await
        }
        Some(Command::Restore {
            file,
            force,
            force_log_rollback,
        }) => {
            let force = backup::Force {
                data: force,
                log_rollback: force_log_rollback,
            };
            backup::restore(&cli.database_url, &file, force, &cli.serve.document_store).await
        }
        Some(Command::Secrets { action }) => {
            let db = open(&cli.database_url).await?;
            match action {
                SecretsCommand::Encrypt => crate::secrets::encrypt(&db).await,
                SecretsCommand::Rotate => crate::secrets::rotate(&db).await,
                SecretsCommand::Status => crate::secrets::status(&db).await,
            }
        }
        Some(Command::Log {
            action: LogCommand::Keygen { name },
        }) => log::keygen(&name),
        Some(Command::Log {
            action: LogCommand::Verify,
        }) => log::verify(&open(&cli.database_url).await?).await,
        Some(Command::Log {
            action: LogCommand::Sign,
        }) => {
            let key = cli.serve.log_key()?;
            log::sign(&open(&cli.database_url).await?, key).await
        }
        Some(Command::Log {
            action: LogCommand::BenchAppend { samples },
        }) => log::bench_append(&open(&cli.database_url).await?, samples).await,
        Some(Command::SeedHistory { count }) => {
            let db = open(&cli.database_url).await?;
            let n = seed::history::seed_history(&db, count)
                .await
                .map_err(|e| format!("seeding failed: {e}"))?;
            if n == 0 {
                return Err("no vendors to record changes of; seed-synthetic first".into());
            }
            println!("Recorded {n} past changes into the log.");
            Ok(())
        }
        Some(Command::SeedSynthetic { count }) => {
            let db = open(&cli.database_url).await?;
            match seed::seed_synthetic(&db, today, count)
                .await
                .map_err(|e| format!("seeding failed: {e}"))?
            {
                0 => Err("the database already has vendors; use an empty one".into()),
                n => {
                    println!("Added {n} generated vendors.");
                    Ok(())
                }
            }
        }
    }
}
