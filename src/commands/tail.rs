use std::process::ExitCode;

use wontopos_logs::engine::report::Session;
use wontopos_logs::tui::{self, TailOptions};

use super::summary::{start_at, window};
use crate::cli::TailArgs;

pub fn run(args: &TailArgs) -> anyhow::Result<ExitCode> {
    let (profiled, mapping) = super::profiled_live(&args.files, &args.mapping)?;
    let opts = TailOptions {
        sources: profiled.iter().map(|p| p.source.clone()).collect(),
        profiled,
        mapping,
        follow: !args.no_follow,
        bucket: args.bucket.unwrap_or(60),
        bucket_override: args.bucket,
        start: start_at(&args.range),
        window: window(&args.range)?,
        poll_only: args.poll_only,
        session: args.session.clone().or_else(|| {
            args.files.iter().find(|f| *f != "-").map(|f| Session::default_path(std::path::Path::new(f)))
        }),
        redact: !args.no_redact,
        filter: args.range.filter.clone(),
    };
    let code = tui::run(&opts)?;
    Ok(ExitCode::from(code))
}
