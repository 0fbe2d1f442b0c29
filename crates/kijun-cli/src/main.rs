//! `kijun`: the command-line edge of kijun. Parses arguments, reads files,
//! calls `kijun-core`, and prints text (Japanese) or JSON. Exit codes: 0 on
//! success, 2 when an input file is invalid (every problem printed as
//! `file:line:column: message`), 1 for any other failure.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod assessment_files;
mod audit;
mod backup;
mod bench;
mod bench_xlsx;
mod cli;
mod commands;
mod context;
mod exchange;
mod render;
mod serve;
mod sla;
mod tenant;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(code) => code,
        Err(err) => {
            if let Some(invalid) = err.downcast_ref::<exchange::InvalidFile>() {
                eprintln!("{invalid}");
                eprintln!("エラー: 入力ファイルに問題があります (invalid input)");
                return ExitCode::from(2);
            }
            if let Some(load) = err.downcast_ref::<kijun_core::LoadError>() {
                eprintln!("{load}");
                eprintln!("エラー: 入力ファイルに問題があります (invalid input)");
                return ExitCode::from(2);
            }
            eprintln!("エラー: {err:#}");
            ExitCode::from(1)
        }
    }
}
