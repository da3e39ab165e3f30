use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use wontopos_logs::engine::generate::kong::KongWriter;
use wontopos_logs::engine::generate::{generate, GenerateOptions};

use crate::cli::GenerateArgs;

pub fn run(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let to_stdout = args.out.as_os_str() == "-";
    let sink: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(File::create(&args.out).with_context(|| format!("{}: cannot create", args.out.display()))?)
    };
    let opts =
        GenerateOptions { requests: args.requests, seed: args.seed, rate: args.rate, start: args.start };
    let out = BufWriter::with_capacity(1 << 20, sink);
    let tally = match args.shape.as_str() {
        "kong" => generate(KongWriter::new(out), &opts),
        _ => generate(out, &opts),
    }
    .with_context(|| format!("{}: write failed", args.out.display()))?;
    if to_stdout {
        eprintln!(
            "wrote {} lines ({} requests, {} failures) to standard output",
            tally.lines, tally.requests, tally.failures
        );
        return write_tally(args, &tally);
    }
    eprintln!(
        "wrote {} lines ({} requests, {} failures, {:.1} MB) to {}",
        tally.lines,
        tally.requests,
        tally.failures,
        // The file's own size: another shape is longer than the tally's bytes.
        std::fs::metadata(&args.out).map_or(tally.bytes, |m| m.len()) as f64 / 1e6,
        args.out.display()
    );
    write_tally(args, &tally)
}

fn write_tally(args: &GenerateArgs, tally: &impl serde::Serialize) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.tally {
        let f = File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
        serde_json::to_writer_pretty(BufWriter::new(f), &tally)
            .with_context(|| format!("{}: write failed", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
