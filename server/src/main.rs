//! `server`: serve the registry, migrate, or seed demo data. See README for every flag.

use std::process::ExitCode;

use clap::Parser;
use server::config::Cli;

fn main() -> ExitCode {
    cap_malloc_arenas();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run())
}

/// Malloc arenas glibc may make (`MALLOC_ARENA_MAX`), unless the operator set it. glibc's
/// default (8 a core) gives each of the many threads (one per SQLite connection, the
/// blocking pool) an arena of its own, and an arena keeps what it once held: an import's
/// peak stayed in the process (bench/import.sh: 119 MB growth with the default, 75 MB with
/// 2). glibc reads the variable once, before `main`, so the process starts itself again
/// with it set (same process id, `exec`); if that fails it goes on as it is.
const MALLOC_ARENAS: &str = "2";

fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        use std::os::unix::process::CommandExt;
        if let Ok(exe) = std::env::current_exe() {
            let err = std::process::Command::new(exe)
                .args(std::env::args_os().skip(1))
                .env("MALLOC_ARENA_MAX", MALLOC_ARENAS)
                .exec();
            eprintln!("warning: could not restart with MALLOC_ARENA_MAX={MALLOC_ARENAS}: {err}");
        }
    }
}

async fn run() -> ExitCode {
    let cli = Cli::parse();
    server::logging::init(
        cli.log_format == "json",
        &server::config::instance_id(&cli.serve.instance_id, cli.serve.addr),
    );
    match server::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
