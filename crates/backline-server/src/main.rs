//! The `backline` binary.

use backline_server::cli::{self, Cli};
use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let parsed = Cli::parse();
    match cli::run(parsed).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
