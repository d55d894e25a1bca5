//! `reference --api kejue --listen 127.0.0.1:8081 [--db PATH] [--delivery-backoff-ms N]
//! [--allow-private-destinations]`

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use reference::deliver::{Engine, Settings};
use reference::{Api, Store, Tenants};

#[derive(Parser)]
#[command(
    name = "reference",
    about = "Serve one of the four webhook APIs over SQLite, and deliver its events"
)]
struct Args {
    /// kejue, kallima, konpro or sendkit.
    #[arg(long)]
    api: Api,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// A SQLite file that keeps webhooks and pending deliveries across restarts (default: in memory).
    #[arg(long)]
    db: Option<PathBuf>,
    /// The base of the retry backoff: retry n waits N × 2^(n-1) ms after the attempt before.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    delivery_backoff_ms: u64,
    /// Deliver to loopback, private, link-local and unspecified addresses too, without
    /// verifying their certificates (for tests; refused by default).
    #[arg(long)]
    allow_private_destinations: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // One line per delivery attempt, at info level, on stderr; never a secret.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::stderr)
        .init();
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
    let settings = Settings {
        backoff_ms: args.delivery_backoff_ms,
        allow_private_destinations: args.allow_private_destinations,
        ..Settings::default()
    };
    let router = args
        .api
        .router_with(store.clone(), Arc::new(Tenants::new(&keys)), &settings);
    let engine = match Engine::start(store, settings) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "{} listening on http://{}{} ({} key(s)); Ctrl-C or SIGTERM stops",
        args.api,
        args.listen,
        args.api.base_path(),
        keys.len()
    );
    let shutdown = async {
        stop_signal().await;
        eprintln!("stopping: no new deliveries; finishing requests and attempts in flight");
    };
    let served = reference::serve(listener, router, shutdown).await;
    engine.stop().await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Ctrl-C, or SIGTERM where there is one.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
