//! `reference --api kejue --listen 127.0.0.1:8081 [--db PATH]`

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use reference::{Api, Store, Tenants};

#[derive(Parser)]
#[command(name = "reference", about = "Serve one of the four webhook APIs over SQLite")]
struct Args {
    /// kejue, kallima, konpro or sendkit.
    #[arg(long)]
    api: Api,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// A SQLite file that keeps webhooks across restarts (default: in memory).
    #[arg(long)]
    db: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // Ids, signing secrets and the API key below are minted from it: no randomness, no server.
    if let Err(e) = reference::mint::check_randomness() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let keys = reference::tenants::keys_from_env().unwrap_or_else(|| {
        let key = reference::mint::api_key();
        eprintln!("REFERENCE_API_KEYS is not set; the one API key of this run is: {key}");
        vec![key]
    });
    let store = match Store::open(args.db.as_deref()) {
        Ok(store) => Arc::new(store),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return ExitCode::from(2);
        }
    };
    let router = args.api.router(store, Arc::new(Tenants::new(&keys)));
    eprintln!(
        "{} listening on http://{}{} ({} key(s)); Ctrl-C stops",
        args.api,
        args.listen,
        args.api.base_path(),
        keys.len()
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("stopping: finishing requests in flight");
    };
    match reference::serve(listener, router, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
