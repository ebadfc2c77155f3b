//! `invitations`: MongoDB organization and project invitations from the command line.
//!
//! Credentials come only from the environment (`MONGODB_ATLAS_PUBLIC_API_KEY` / `MONGODB_ATLAS_PRIVATE_API_KEY`
//! for Digest, `MONGODB_ATLAS_CLIENT_ID` / `MONGODB_ATLAS_CLIENT_SECRET` for a service account). Exit codes:
//! 0 success; 1 the API answered with an error (its `ApiError` JSON on stderr) or refused the credentials (a
//! message naming the public key or client id, never a secret); 2 invalid input or usage,
//! nothing sent; 3 no usable answer (transport failure after retries, or an undecodable response).

#![forbid(unsafe_code)]

mod apply;
mod args;
mod fake_server;
mod migrate;
mod outcome;
mod single;
mod users;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::outcome::Exit;

/// Each request allocates and frees many small buffers (headers, URL, JSON) on whichever worker thread
/// polls it; mimalloc's per-thread free lists serve that pattern with less work than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with success, usage errors to stderr.
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Invalid.into()
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    init_tracing(cli.global.verbose);
    // `apply` runs its updates on workers and `fake-server` serves many clients: worker threads share
    // the signing, sending and decoding. The other commands poll their requests from one task, where a
    // second thread would only add cross-thread wake-ups.
    let mut builder = if matches!(cli.command, Command::FakeServer(_) | Command::Apply(_)) {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Transport.into();
        }
    };
    let exit = runtime.block_on(async move {
        match cli.command {
            Command::FakeServer(args) => fake_server::run(args).await,
            // On a worker thread, so the workers it spawns start on that thread's own queue.
            Command::Apply(args) => {
                let global = cli.global;
                tokio::spawn(async move { apply::run(&global, args).await })
                    .await
                    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
            }
            Command::Migrate(args::MigrateCommand::Org(args)) => {
                migrate::run(&cli.global, args).await
            }
            command => single::run(&cli.global, command).await,
        }
    });
    exit.into()
}

/// `-v` info, `-vv` debug, `-vvv` trace; warnings (such as a deprecated operation) always.
fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
