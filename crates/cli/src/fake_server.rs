//! `invitations fake-server`: the embedded fake, on its own until Ctrl-C.

use std::io::Write;

use mongodb_invitations::env;
use serde_json::json;

use crate::args::FakeServerArgs;
use crate::outcome::Exit;

pub(crate) async fn run(args: FakeServerArgs) -> Exit {
    let mut builder = fake::FakeServer::builder().addr(args.addr);
    builder = match &args.seed_file {
        Some(path) => match fake::SeedData::from_file(path) {
            Ok(data) => builder.seed_data(data),
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Invalid;
            }
        },
        None => builder.seed(args.seed),
    };
    if let Some(spec) = &args.faults {
        match spec.parse() {
            Ok(faults) => builder = builder.faults(faults),
            Err(e) => {
                eprintln!("error: --faults: {e}");
                return Exit::Invalid;
            }
        }
    }
    // The fake accepts the same credentials the other commands send: whatever the environment holds.
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut authenticated = false;
    if let (Some(public), Some(private)) = (var(env::PUBLIC_API_KEY), var(env::PRIVATE_API_KEY)) {
        builder = builder.digest_keys(public, private);
        authenticated = true;
    }
    if let (Some(id), Some(secret)) = (var(env::CLIENT_ID), var(env::CLIENT_SECRET)) {
        builder = builder.service_account(id, secret);
        authenticated = true;
    }
    if !authenticated {
        builder = builder.allow_anonymous(true);
    }
    let server = match builder.start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot start the fake server: {e}");
            return Exit::Transport;
        }
    };
    // Listen before announcing the URL: whoever reads it may press Ctrl-C at once, and a SIGINT that
    // arrives before a listener exists kills the process instead of stopping the server.
    #[cfg(unix)]
    let mut interrupt =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot wait for Ctrl-C: {e}");
                server.shutdown().await;
                return Exit::Transport;
            }
        };
    println!(
        "{}",
        json!({"baseUrl": server.base_url(), "seeded": server.seeded()})
    );
    let _ = std::io::stdout().flush();
    #[cfg(unix)]
    interrupt.recv().await;
    #[cfg(not(unix))]
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {e}");
    }
    server.shutdown().await;
    Exit::Ok
}
