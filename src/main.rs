//! The `wontopos-logs` binary: parses the command line and hands each
//! command to the library; all counting lives in `wontopos_logs::engine`.

mod cli;
mod commands;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // `summary | head` closing the pipe early is not a failure.
            if err.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) {
                return ExitCode::SUCCESS;
            }
            let _ = io::stdout().flush();
            let text = wontopos_logs::engine::sanitize::sanitize(&format!("{err:#}")).into_owned();
            eprintln!("wontopos-logs: {text}");
            ExitCode::FAILURE
        }
    }
}
