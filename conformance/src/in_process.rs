//! The suite inside a crate's own `cargo test`: its axum `Router` (any tower service of
//! `http::Request`s) as the target, with no port and no server to start. Cases, checks,
//! cleanup and snapshots are those of a run over HTTP; only the last hop differs.
//!
//! ```no_run
//! # async fn doc() {
//! # let router = axum::Router::new();
//! conformance::InProcess::new("openapi.yaml")
//!     .token("test-key")               // as CONFORMANCE_TOKEN would be
//!     .snapshots("tests/conformance")  // optional: insta snapshots of every answer
//!     .assert(router)                  // panics with the readable report on any failure
//!     .await;
//! # }
//! ```

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::exec::{AppBody, AppService, Service, Settings, Target};
use crate::report::Report;
use crate::{Control, RunError, Suite};

/// The host in-process URLs name: it resolves nowhere, so a curl command copied from an
/// in-process report cannot reach a real server by mistake.
pub const HOST: &str = "in-process";

/// The base URL of an in-process run of `api`: `http://in-process` and the spec's base path
/// (`http://in-process/api/v1`), which the service routes as a server would.
pub fn base_url(api: &generator::Api) -> String {
    format!("http://{HOST}{}", api.base_path)
}

/// An in-process run being set up: the spec, the credentials, snapshots, settings.
///
/// The credentials are those of the command line, `CONFORMANCE_TOKEN` and
/// `CONFORMANCE_TOKEN_ALT` from the environment, unless [`InProcess::token`] and
/// [`InProcess::token_alt`] give them (a test usually knows the keys its router accepts).
#[derive(Debug, Clone)]
pub struct InProcess {
    spec: PathBuf,
    target: Target,
    settings: Settings,
    snapshots: Option<PathBuf>,
    operations: Vec<String>,
    config: Option<PathBuf>,
    options: crate::RunOptions,
}

impl InProcess {
    /// The spec at `spec` (relative to the working directory: a crate's own folder under
    /// `cargo test`).
    pub fn new(spec: impl Into<PathBuf>) -> InProcess {
        let token = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        InProcess {
            spec: spec.into(),
            target: Target {
                token: token("CONFORMANCE_TOKEN"),
                token_alt: token("CONFORMANCE_TOKEN_ALT"),
                ..Target::default()
            },
            settings: Settings::default(),
            snapshots: None,
            operations: Vec::new(),
            config: None,
            options: crate::RunOptions::default(),
        }
    }

    /// The scenarios and checks the run plans and judges with, its checks' selection, ...
    /// (`conformance.toml` is still read as [`InProcess::config`] says).
    pub fn options(mut self, options: crate::RunOptions) -> InProcess {
        self.options = options;
        self
    }

    /// Reads `conformance.toml` from `file` (as `--config`); without it, the one beside the
    /// spec is read when there is one.
    pub fn config(mut self, file: impl Into<PathBuf>) -> InProcess {
        self.config = Some(file.into());
        self
    }

    /// The credential, in the form `CONFORMANCE_TOKEN` takes for the spec's security scheme.
    pub fn token(mut self, token: impl Into<String>) -> InProcess {
        self.target.token = Some(token.into());
        self
    }

    /// A second tenant's credential: turns on the isolation cases.
    pub fn token_alt(mut self, token: impl Into<String>) -> InProcess {
        self.target.token_alt = Some(token.into());
        self
    }

    /// Compares every answer with its insta snapshot in `dir` (as `--snapshots`).
    pub fn snapshots(mut self, dir: impl Into<PathBuf>) -> InProcess {
        self.snapshots = Some(dir.into());
        self
    }

    /// Only these operationIds (as `--operation`).
    pub fn operations(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> InProcess {
        self.operations = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Concurrency, timeouts, checks, ... (as the command line's options).
    pub fn settings(mut self, settings: Settings) -> InProcess {
        self.settings = settings;
        self
    }

    /// Runs the suite against `service`; `Err` is what stopped the run before its cases
    /// (the spec, a refused credential, ...).
    pub async fn run<S: AppService<B>, B: AppBody>(self, service: S) -> Result<Report, RunError> {
        let api = generator::load(&self.spec).map_err(|e| RunError::Spec(e.to_string()))?;
        let mut options = self.options;
        if let Some(file) = Config::path_for(&self.spec, self.config.as_deref()) {
            options.config = std::sync::Arc::new(Config::load(&file)?);
        }
        let suite = Suite {
            name: name_of(&self.spec),
            target: Target {
                base_url: base_url(&api),
                ..self.target
            },
            api,
            settings: self.settings,
            options,
            snapshots: self.snapshots.map(|d| std::path::absolute(&d).unwrap_or(d)),
            operations: self.operations,
        };
        crate::run_in_process(suite, Service::new(service), std::future::pending(), Control::default()).await
    }

    /// Runs the suite against `service` and panics with the report's summary (failures
    /// grouped, each with its exchange and request) unless every check and snapshot passed.
    pub async fn assert<S: AppService<B>, B: AppBody>(self, service: S) {
        let spec = self.spec.display().to_string();
        match self.run(service).await {
            Ok(report) if report.passed() => {}
            Ok(report) => panic!("{spec} does not conform:\n{}", report.summary()),
            Err(e) => panic!("{spec}: the run could not start: {e}"),
        }
    }
}

/// Runs the suite of the spec at `spec` against `service` in this process, with the
/// credentials in `CONFORMANCE_TOKEN` (and `CONFORMANCE_TOKEN_ALT`), and panics with the
/// readable report unless everything passed. [`InProcess`] sets credentials, snapshots and
/// settings.
pub async fn assert_conforms<S: AppService<B>, B: AppBody>(spec: impl AsRef<Path>, service: S) {
    InProcess::new(spec.as_ref()).assert(service).await
}

fn name_of(path: &Path) -> String {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("api").to_owned()
}
