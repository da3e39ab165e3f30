use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use wontopos_logs::engine::fields::{Field, Mapping};
use wontopos_logs::engine::sanitize::sanitize;

use super::paint::Paint;
use crate::cli::ProfilesArgs;

pub fn run(args: &ProfilesArgs) -> anyhow::Result<ExitCode> {
    let mapping = Mapping::load(&args.mapping.options())?;
    let p = Paint::for_stdout();
    let mut out = BufWriter::new(io::stdout().lock());
    for profile in mapping.profiles.iter() {
        if args.toml {
            writeln!(out, "[profiles.{}]", profile.name)?;
            writeln!(out, "about = {}", toml_string(&profile.about))?;
            if profile.strict {
                writeln!(out, "values = \"contract\"")?;
            }
        } else {
            let forms = if profile.strict { " (values in the contract's forms only)" } else { "" };
            writeln!(out, "{}  {}{forms}", p.bold(&profile.name), sanitize(&profile.about))?;
        }
        for field in Field::ALL {
            let paths: Vec<&str> = profile.paths(field).iter().map(|p| p.text.as_str()).collect();
            if paths.is_empty() {
                continue;
            }
            if args.toml {
                let list: Vec<String> = paths.iter().map(|p| toml_string(p)).collect();
                writeln!(out, "{} = [{}]", field.name(), list.join(", "))?;
            } else {
                writeln!(out, "  {:<12} {}", field.name(), sanitize(&paths.join("  ")))?;
            }
        }
        writeln!(out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn toml_string(s: &str) -> String {
    // TOML's basic strings escape like JSON's.
    serde_json::to_string(s).unwrap_or_default()
}
