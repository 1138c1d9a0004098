//! `server`: serve the registry, migrate, or seed demo data. See README for every flag.

use std::process::ExitCode;

use clap::Parser;
use server::config::Cli;

#[tokio::main]
async fn main() -> ExitCode {
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
