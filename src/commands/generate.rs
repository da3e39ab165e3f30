use std::fs::File;
use std::io::BufWriter;
use std::process::ExitCode;

use anyhow::Context;
use wontopos_logs::engine::generate::kong::KongWriter;
use wontopos_logs::engine::generate::{generate, GenerateOptions};

use crate::cli::GenerateArgs;

pub fn run(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let file = File::create(&args.out).with_context(|| format!("{}: cannot create", args.out.display()))?;
    let opts =
        GenerateOptions { requests: args.requests, seed: args.seed, rate: args.rate, start: args.start };
    let out = BufWriter::with_capacity(1 << 20, file);
    let tally = match args.shape.as_str() {
        "kong" => generate(KongWriter::new(out), &opts),
        _ => generate(out, &opts),
    }
    .with_context(|| format!("{}: write failed", args.out.display()))?;
    eprintln!(
        "wrote {} lines ({} requests, {} failures, {:.1} MB) to {}",
        tally.lines,
        tally.requests,
        tally.failures,
        // The file's own size: another shape is longer than the tally's bytes.
        std::fs::metadata(&args.out).map_or(tally.bytes, |m| m.len()) as f64 / 1e6,
        args.out.display()
    );
    if let Some(path) = &args.tally {
        let f = File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
        serde_json::to_writer_pretty(BufWriter::new(f), &tally)
            .with_context(|| format!("{}: write failed", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
