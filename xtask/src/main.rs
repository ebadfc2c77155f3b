//! `cargo xtask`: maintainer commands. See `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::pull::{self, Origin, PullOptions, Status};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Maintainer commands for the MongoDB invitation bindings"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Refresh the fragments in spec/ from the pinned upstream documents.
    Pull {
        /// Only this flavour (repeatable): atlas-v2, atlas-v1, ops-manager-v1.
        #[arg(long = "flavour", value_name = "F")]
        flavours: Vec<String>,
        /// Read the documents from a folder or base URL laid out like ../shared/upstream instead of the pinned URLs.
        #[arg(long, value_name = "DIR|URL")]
        from: Option<String>,
        /// Write nothing; exit 1 naming each fragment that differs from what a pull would write.
        #[arg(long)]
        check: bool,
        /// Accept documents whose sha256 differs from the pin, and record the new hash in spec/sources.toml.
        #[arg(long, conflicts_with = "check")]
        update_pin: bool,
    },
    /// Compare two OpenAPI documents and report the changes that break clients.
    Diff(xtask::diff::DiffArgs),
    /// Move a flavour's pin to a new upstream document, regenerate, and report what changed.
    Bump(BumpArgs),
    /// Refresh the contract snapshots crates/<flavour>/contract.txt from the committed fragments.
    Contracts {
        /// Write nothing; exit 1 naming each stale snapshot.
        #[arg(long)]
        check: bool,
    },
}

/// `cargo xtask bump`.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 nothing worse than info, 3 warnings only (unused fixups, \
changed generated types), 1 something breaks these clients, 2 the bump failed (nothing written)."
)]
struct BumpArgs {
    /// The flavour whose pin moves: atlas-v2 or atlas-v1 (ops-manager-v1 follows atlas-v1).
    flavour: String,
    /// A 40-hex upstream commit (rewrites [F.upstream]) or a document in the mirror folder (rewrites
    /// [F.mirror]; offline).
    #[arg(long, value_name = "COMMIT|FILE")]
    to: String,
    /// The mirror folder a --to FILE lies in (default: ../shared/upstream beside the workspace).
    #[arg(long, value_name = "DIR")]
    mirror: Option<PathBuf>,
    /// Write nothing in the workspace; print the report.
    #[arg(long)]
    check: bool,
    /// Also write the Markdown report to this file.
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    /// The date deciding which sunsets and accepted changes have passed (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,
}

fn bump(args: BumpArgs) -> ExitCode {
    let root = xtask::project_root();
    let options = xtask::bump::BumpOptions {
        mirror: args.mirror,
        root,
        flavour: args.flavour,
        to: xtask::bump::Target::parse(&args.to),
        check: args.check,
        today: args.today,
    };
    match xtask::bump::run(&options) {
        Ok(outcome) => {
            let report = outcome.markdown();
            print!("{report}");
            if let Some(path) = &args.report
                && let Err(e) = xtask::canonical::write_atomic(path, report.as_bytes())
            {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(2);
            }
            ExitCode::from(outcome.exit_code())
        }
        Err(e) => {
            eprintln!("error: {e} (nothing was written)");
            ExitCode::from(2)
        }
    }
}

fn contracts(check: bool) -> ExitCode {
    match xtask::contracts::run(&xtask::project_root(), check) {
        Ok(stale) if stale.is_empty() => {
            println!("contract snapshots up to date");
            ExitCode::SUCCESS
        }
        Ok(stale) if check => {
            eprintln!(
                "error: stale contract snapshot(s): {}; review the change, then run `cargo xtask contracts`",
                stale.join(", ")
            );
            ExitCode::from(1)
        }
        Ok(written) => {
            println!("written: {}", written.join(", "));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Diff(args) => xtask::diff::run(&args),
        Command::Bump(args) => bump(args),
        Command::Contracts { check } => contracts(check),
        Command::Pull {
            flavours,
            from,
            check,
            update_pin,
        } => {
            let options = PullOptions {
                spec_dir: xtask::project_root().join("spec"),
                flavours,
                origin: Origin::from_arg(from.as_deref()),
                check,
                update_pin,
            };
            match pull::run(&options) {
                Ok(report) => {
                    for (flavour, sha) in &report.pins_updated {
                        println!("pin updated: {flavour} sha256 {sha}");
                    }
                    for (flavour, (path, status)) in &report.fragments {
                        let what = match status {
                            Status::Unchanged => "up to date",
                            Status::Written => "written",
                            Status::Stale => "STALE",
                        };
                        println!("{flavour}: {what} ({})", path.display());
                    }
                    for unused in &report.unused_fixups {
                        eprintln!("warning: {unused}");
                    }
                    let stale = report.stale();
                    if check && !report.unused_fixups.is_empty() {
                        let names: Vec<String> = report
                            .unused_fixups
                            .iter()
                            .map(|u| format!("{} ({})", u.fixup, u.flavour))
                            .collect();
                        eprintln!("error: unused fixup(s): {}", names.join(", "));
                    }
                    if stale.is_empty() {
                        ExitCode::from(report.exit_code(check))
                    } else {
                        eprintln!(
                            "error: fragments differ from the pinned upstream: {}; run `cargo xtask pull --from ../shared/upstream`",
                            stale.join(", ")
                        );
                        ExitCode::from(1)
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
