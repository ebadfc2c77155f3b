//! `cargo xtask`: maintainer commands. See `cargo xtask --help`.

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Diff(args) => xtask::diff::run(&args),
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
                    let stale = report.stale();
                    if stale.is_empty() {
                        ExitCode::SUCCESS
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
