//! Reference servers: the four webhook APIs implemented on the generated server stubs,
//! storing webhooks in SQLite. They are the conformance runner's default target, and the
//! proof that the stubs are pleasant to implement.

mod common;
pub mod deliver;
pub mod kallima;
pub mod kejue;
pub mod konpro;
pub mod mint;
pub mod sendkit;
pub mod store;
pub mod tenants;

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use store::Store;
pub use tenants::Tenants;

/// The two tenants' keys of the embedded default (`cargo xtask conformance` and its test):
/// one set, so that tenant-derived values (konpro's `username`) snapshot the same in both.
pub const EMBEDDED_KEYS: [&str; 2] = ["reference-key-tenant-a", "reference-key-tenant-b"];

/// One of the four APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    Kejue,
    Kallima,
    Konpro,
    Sendkit,
}

impl Api {
    pub const ALL: [Api; 4] = [Api::Kejue, Api::Kallima, Api::Konpro, Api::Sendkit];

    pub fn name(self) -> &'static str {
        match self {
            Api::Kejue => "kejue",
            Api::Kallima => "kallima",
            Api::Konpro => "konpro",
            Api::Sendkit => "sendkit",
        }
    }

    /// The path the API is served under, from its spec's server URL.
    pub fn base_path(self) -> &'static str {
        match self {
            Api::Kejue => generated::kejue::server::BASE_PATH,
            Api::Kallima => generated::kallima::server::BASE_PATH,
            Api::Konpro => generated::konpro::server::BASE_PATH,
            Api::Sendkit => generated::sendkit::server::BASE_PATH,
        }
    }

    /// The axum router of this API over `store`, for the keys' tenants, with the default
    /// delivery settings. A publish stores its deliveries in `store`; a [`deliver::Engine`]
    /// over the same store sends them ([`start`] runs one).
    pub fn router(self, store: Arc<Store>, tenants: Arc<Tenants>) -> axum::Router {
        self.router_with(store, tenants, &deliver::Settings::default())
    }

    /// [`Api::router`], showing `delivery`'s settings where the API shows them (kejue's
    /// `delivery_settings.backoff_ms`).
    pub fn router_with(self, store: Arc<Store>, tenants: Arc<Tenants>, delivery: &deliver::Settings) -> axum::Router {
        match self {
            Api::Kejue => generated::kejue::server::router(Arc::new(kejue::Kejue {
                store,
                tenants,
                backoff_ms: delivery.backoff_ms,
                defect: delivery.defect,
            })),
            Api::Kallima => generated::kallima::server::router(Arc::new(kallima::Kallima {
                store,
                tenants,
                defect: delivery.defect,
            })),
            Api::Konpro => generated::konpro::server::router(Arc::new(konpro::Konpro {
                store,
                tenants,
                defect: delivery.defect,
            })),
            Api::Sendkit => generated::sendkit::server::router(Arc::new(sendkit::Sendkit {
                store,
                tenants,
                defect: delivery.defect,
            })),
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Api {
    type Err = String;
    fn from_str(s: &str) -> Result<Api, String> {
        Api::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| format!("unknown API `{s}`: expected kejue, kallima, konpro or sendkit"))
    }
}

/// How to run one reference server.
#[derive(Debug, Clone)]
pub struct Options {
    pub api: Api,
    /// A database file to keep data across restarts; memory when `None`.
    pub db: Option<PathBuf>,
    /// API keys, each its own tenant.
    pub keys: Vec<String>,
}

impl Options {
    /// `api` in memory, with the embedded keys ([`EMBEDDED_KEYS`]) as its two tenants.
    pub fn embedded(api: Api) -> Options {
        Options {
            api,
            db: None,
            keys: EMBEDDED_KEYS.map(String::from).to_vec(),
        }
    }
}

/// A reference server running in this process.
pub struct Running {
    pub api: Api,
    pub address: SocketAddr,
    /// Where the API's paths start: `http://127.0.0.1:PORT/api/v1` for kejue.
    pub base_url: String,
    pub store: Arc<Store>,
    engine: Option<deliver::Engine>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, stops delivering (the outbox left
    /// consistent: unfinished attempts pending again), and waits.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let served = match self.task.take() {
            Some(task) => task.await.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            None => Ok(()),
        };
        if let Some(engine) = self.engine.take() {
            engine.stop().await;
        }
        served
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Why a reference server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// It mints secrets and API keys: no OS randomness, no server.
    #[error(transparent)]
    NoRandomness(#[from] mint::NoRandomness),
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("the listener has no local address: {0}")]
    Address(std::io::Error),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Delivery(#[from] deliver::EngineError),
}

/// Starts a reference server on `listen` (port 0 for an ephemeral one), delivering with
/// [`deliver::Settings::local`] (receivers on loopback allowed: the embedded default and
/// tests). Refuses, before anything else, when the operating system gives no randomness
/// ([`mint::check_randomness`]).
pub async fn start(options: Options, listen: SocketAddr) -> Result<Running, StartError> {
    start_with(options, deliver::Settings::local(), listen).await
}

/// [`start`] with the given delivery settings.
pub async fn start_with(
    options: Options,
    delivery: deliver::Settings,
    listen: SocketAddr,
) -> Result<Running, StartError> {
    mint::check_randomness()?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| StartError::Listen {
            address: listen,
            source,
        })?;
    let store = Arc::new(Store::open(options.db.as_deref())?);
    let router = options
        .api
        .router_with(store.clone(), Arc::new(Tenants::new(&options.keys)), &delivery);
    let engine = deliver::Engine::start(store.clone(), delivery)?;
    let mut running = spawn(options.api, listener, router, store)?;
    running.engine = Some(engine);
    Ok(running)
}

/// Serves `router` (this API's, perhaps wrapped in layers by a test or a benchmark) on
/// `listener` in the background, delivering nothing (its publishes only store deliveries);
/// refuses without OS randomness, as [`start`] does.
pub fn serve_router(
    api: Api,
    listener: tokio::net::TcpListener,
    router: axum::Router,
    store: Arc<Store>,
) -> Result<Running, StartError> {
    mint::check_randomness()?;
    spawn(api, listener, router, store)
}

/// Serves in the background; the callers have made the start-up randomness check.
fn spawn(
    api: Api,
    listener: tokio::net::TcpListener,
    router: axum::Router,
    store: Arc<Store>,
) -> Result<Running, StartError> {
    let address = listener.local_addr().map_err(StartError::Address)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, router, async {
        let _ = stopped.await;
    }));
    Ok(Running {
        api,
        address,
        base_url: format!("http://{address}{}", api.base_path()),
        store,
        engine: None,
        stop: Some(stop),
        task: Some(task),
    })
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}
