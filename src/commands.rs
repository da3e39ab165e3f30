//! One function per subcommand: the engine's answer, written out.

mod codes;
mod generate;
mod paint;
mod show;
mod summary;
mod tail;

use std::process::ExitCode;

use wontopos_logs::engine::input::Source;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Tail(a) => tail::run(&a),
        Command::Summary(a) => summary::run(&a),
        Command::Show(a) => show::run(&a),
        Command::Codes(a) => codes::run(&a),
        Command::Generate(a) => generate::run(&a),
    }
}

fn sources(args: &[String]) -> Vec<Source> {
    args.iter().map(|a| Source::parse(a)).collect()
}
