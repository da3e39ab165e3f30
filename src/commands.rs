//! One function per subcommand: the engine's answer, written out.

mod codes;
mod generate;
mod paint;
mod profiles;
mod show;
mod summary;
mod tail;

use std::process::ExitCode;

use wontopos_logs::engine::detect::{self, ProfiledSource};
use wontopos_logs::engine::fields::Mapping;
use wontopos_logs::engine::input::{self, Source};

use crate::cli::{Cli, Command, MappingArgs};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Tail(a) => tail::run(&a),
        Command::Summary(a) => summary::run(&a),
        Command::Show(a) => show::run(&a),
        Command::Codes(a) => codes::run(&a),
        Command::Generate(a) => generate::run(&a),
        Command::Profiles(a) => profiles::run(&a),
    }
}

fn sources(args: &[String]) -> Vec<Source> {
    args.iter().map(|a| Source::parse(a)).collect()
}

/// The sources named, each with the profile it is read with (forced, or
/// detected from its first lines), after checking that every one opens.
fn profiled(args: &[String], mapping: &MappingArgs) -> anyhow::Result<(Vec<ProfiledSource>, Mapping)> {
    let sources = sources(args);
    input::check_sources(&sources)?;
    let mapping = Mapping::load(&mapping.options())?;
    let profiled = detect::profile_sources(&mapping, &sources, false)?;
    Ok((profiled, mapping))
}

/// Like [`profiled`], for following: a file may not exist or be empty yet.
fn profiled_live(args: &[String], mapping: &MappingArgs) -> anyhow::Result<(Vec<ProfiledSource>, Mapping)> {
    let mapping = Mapping::load(&mapping.options())?;
    let profiled = detect::profile_sources(&mapping, &sources(args), true)?;
    Ok((profiled, mapping))
}
