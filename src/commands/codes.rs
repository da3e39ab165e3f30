use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use wontopos_logs::engine::catalog::{self, ErrorDoc, CATALOG};
use wontopos_logs::engine::jsonout;

use super::paint::{fit, Paint};
use crate::cli::CodesArgs;

pub fn run(args: &CodesArgs) -> anyhow::Result<ExitCode> {
    let mut out = BufWriter::new(io::stdout().lock());
    if let Some(code) = &args.code {
        let Some(doc) = catalog::lookup(code) else {
            let known: Vec<&str> = CATALOG.iter().map(|d| d.code).collect();
            anyhow::bail!(
                "{}: not a documented error code; the catalog has {}",
                wontopos_logs::engine::sanitize::sanitize(code),
                known.join(", ")
            );
        };
        if args.json {
            jsonout::write_pretty(&mut out, doc)?;
        } else {
            let p = Paint::for_stdout();
            writeln!(out, "{}  {}  ({} error)", p.bold(doc.code), doc.status, doc.category.as_str())?;
            writeln!(out, "  {}", doc.description)?;
            writeln!(out, "  fix: {}", doc.resolution)?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.json {
        jsonout::write_pretty(&mut out, &CATALOG[..])?;
    } else {
        let p = Paint::for_stdout();
        let mut category = None;
        for d in &CATALOG {
            if category != Some(d.category) {
                category = Some(d.category);
                writeln!(out, "\n{}", p.bold(&format!("{} errors", capitalise(d.category.as_str()))))?;
            }
            write_row(&mut out, d)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_row(out: &mut impl Write, d: &ErrorDoc) -> io::Result<()> {
    writeln!(out, "  {} {}  {}", fit(d.code, 22), d.status, d.description)?;
    writeln!(out, "  {}      fix: {}", fit("", 22), d.resolution)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().collect::<String>() + c.as_str())
}
