//! The runner over https: a reference server behind a TLS listener whose certificate a CA made
//! by the test signed. Trusted through `Target::ca_certs`, `--ca-cert` and `SSL_CERT_FILE`;
//! refused without them (exit 2, the problem and its fix named); reached through
//! `HTTPS_PROXY` unless `NO_PROXY` names the host. Every server is stopped by its test.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use conformance::exec::{CaCertificate, Settings, Target};
use conformance::report::Status;
use conformance::snapshot::SnapshotOutcome;
use conformance::{RunError, TlsProblem};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use reference::{Api, Options, Running};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::support;

const KEYS: [&str; 2] = ["tls-key-one", "tls-key-two"];

/// A CA, and a certificate for 127.0.0.1 it signed (with its key), as a TLS server config.
struct Pki {
    ca_pem: String,
    server: Arc<ServerConfig>,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "conformance test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = ca_params.self_signed(&ca_key).unwrap();

    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    leaf_params.distinguished_name.push(DnType::CommonName, "127.0.0.1");
    let leaf = leaf_params
        .signed_by(&leaf_key, &Issuer::from_params(&ca_params, &ca_key))
        .unwrap();

    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        server: Arc::new(server),
    }
}

/// A self-signed certificate that is its own CA (CA:TRUE), as `openssl req -x509 -newkey ...
/// -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1` makes one, for `names`, valid
/// until `not_after` (a year from now without it): its PEM, and a server config serving it.
fn self_signed_ca(names: &[&str], not_after: Option<(i32, u8, u8)>) -> Pki {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, names[0]);
    if let Some((year, month, day)) = not_after {
        params.not_before = rcgen::date_time_ymd(year - 1, month, day);
        params.not_after = rcgen::date_time_ymd(year, month, day);
    }
    let certificate = params.self_signed(&key).unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![certificate.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    Pki {
        ca_pem: certificate.pem(),
        server: Arc::new(server),
    }
}

/// A background task on a loopback port, stopped by `stop`.
struct Background {
    address: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Background {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap();
    }
}

/// Accepts connections until stopped, each handled by `handle` in its own task; the
/// connections still open are dropped when it stops.
async fn serve<F, Fut>(handle: F) -> Background
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (address, stop, task) = support::accept_each(handle).await;
    Background { address, stop, task }
}

/// TLS in front of `backend`: the handshake here, the bytes passed on as they are.
async fn tls_front(config: Arc<ServerConfig>, backend: SocketAddr) -> Background {
    let acceptor = TlsAcceptor::from(config);
    serve(move |tcp| {
        let acceptor = acceptor.clone();
        async move {
            // A client that refuses the certificate ends the connection here.
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                return;
            };
            let Ok(mut plain) = TcpStream::connect(backend).await else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
        }
    })
    .await
}

/// An HTTP proxy that only tunnels (CONNECT), counting the tunnels it opened.
async fn connect_proxy(tunnels: Arc<AtomicUsize>) -> Background {
    serve(move |mut client| {
        let tunnels = tunnels.clone();
        async move {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match client.read(&mut byte).await {
                    Ok(1) => head.push(byte[0]),
                    _ => return,
                }
            }
            let head = String::from_utf8_lossy(&head);
            let Some(authority) = head.strip_prefix("CONNECT ").and_then(|r| r.split(' ').next()) else {
                let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n").await;
                return;
            };
            let Ok(mut upstream) = TcpStream::connect(authority).await else {
                let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                return;
            };
            tunnels.fetch_add(1, Ordering::SeqCst);
            if client
                .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                .await
                .is_ok()
            {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            }
        }
    })
    .await
}

/// The kejue reference server on plain HTTP, and TLS in front of it.
struct Https {
    reference: Running,
    front: Background,
    base_url: String,
}

impl Https {
    async fn start(pki: &Pki) -> Https {
        let reference = reference::start(
            Options {
                api: Api::Kejue,
                db: None,
                keys: KEYS.map(String::from).to_vec(),
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let front = tls_front(pki.server.clone(), reference.address).await;
        let base_url = format!("https://127.0.0.1:{}{}", front.address.port(), Api::Kejue.base_path());
        Https {
            reference,
            front,
            base_url,
        }
    }

    async fn stop(self) {
        self.front.stop().await;
        self.reference.stop().await.unwrap();
    }
}

fn spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kejue.yaml")
}

fn suite(base_url: &str, ca_certs: Vec<CaCertificate>, snapshots: Option<PathBuf>) -> conformance::Suite {
    conformance::Suite {
        name: "kejue".into(),
        api: generator::load(&spec()).unwrap(),
        target: Target {
            base_url: base_url.to_owned(),
            token: Some(KEYS[0].into()),
            token_alt: Some(KEYS[1].into()),
            ca_certs,
        },
        settings: Settings::default(),
        snapshots,
        operations: Vec::new(),
        options: Default::default(),
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suite_over_https_with_its_ca_passes_and_keeps_its_snapshots() {
    let pki = pki();
    let server = Https::start(&pki).await;
    // The committed snapshots were made over plain HTTP; over TLS every answer is the same.
    let snapshots = scratch("tls-kejue-snapshots");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/kejue");
    for entry in std::fs::read_dir(&committed).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, snapshots.join(path.file_name().unwrap())).unwrap();
    }
    let ca = CaCertificate::from_pem(pki.ca_pem.as_bytes(), "the test CA").unwrap();
    assert_eq!(ca.len(), 1);
    let report = conformance::run(suite(&server.base_url, ca, Some(snapshots)), std::future::pending()).await;

    // Without the CA the run stops before any case, naming the certificate problem.
    let refused = conformance::run(suite(&server.base_url, Vec::new(), None), std::future::pending()).await;
    server.stop().await;

    let report = report.unwrap();
    assert!(report.passed(), "{}", report.summary());
    assert!(report.count(Status::Passed) > 40, "{}", report.summary());
    assert!(
        report
            .cases
            .iter()
            .all(|c| c.snapshot == Some(SnapshotOutcome::Matched))
    );
    match refused {
        Err(RunError::Tls {
            problem: TlsProblem::NotTrusted { reason },
            url,
        }) => {
            assert_eq!(reason, "UnknownIssuer");
            assert!(url.starts_with("https://127.0.0.1:"), "{url}");
        }
        other => panic!("expected an untrusted certificate, got {other:?}"),
    }
}

async fn cli(args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_conformance"));
        command
            .args(args)
            .env_remove("CI")
            .env("CONFORMANCE_TOKEN", KEYS[0])
            .env("CONFORMANCE_TOKEN_ALT", KEYS[1]);
        // Whatever the machine has, these runs see only the proxy and trust settings they are
        // given.
        for k in [
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
        ] {
            command.env_remove(k);
        }
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().unwrap()
    })
    .await
    .unwrap()
}

fn run_args(base_url: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec!["run".into(), "--spec".into(), spec().display().to_string()];
    args.extend(["--base-url".into(), base_url.to_owned()]);
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_trusts_a_ca_from_ca_cert_or_ssl_cert_file_and_explains_its_absence() {
    let pki = pki();
    let server = Https::start(&pki).await;
    let dir = scratch("tls-cli");
    let ca = dir.join("ca.pem");
    // A bundle: the CA after an unrelated certificate, as in a real CA file.
    let other = {
        let key = KeyPair::generate().unwrap();
        CertificateParams::new(vec!["other.example".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap()
            .pem()
    };
    std::fs::write(&ca, format!("{other}{}", pki.ca_pem)).unwrap();
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "hello\n").unwrap();
    let ca_arg = ca.display().to_string();
    let base = server.base_url.clone();

    let with_ca = cli(run_args(&base, &["--ca-cert", &ca_arg]), vec![]).await;
    let without = cli(run_args(&base, &["--operation", "getWebhook"]), vec![]).await;
    let from_env = cli(
        run_args(&base, &["--operation", "getWebhook"]),
        vec![("SSL_CERT_FILE", ca_arg.clone())],
    )
    .await;
    let missing_file = cli(
        run_args(&base, &["--operation", "getWebhook"]),
        vec![("SSL_CERT_FILE", dir.join("nope.pem").display().to_string())],
    )
    .await;
    let bad_pem = cli(run_args(&base, &["--ca-cert", &not_pem.display().to_string()]), vec![]).await;
    let sweep_without = cli(
        vec![
            "sweep".into(),
            "--spec".into(),
            spec().display().to_string(),
            "--base-url".into(),
            base.clone(),
        ],
        vec![],
    )
    .await;
    server.stop().await;

    assert_eq!(with_ca.status.code(), Some(0), "{}", text(&with_ca));
    let stdout = String::from_utf8_lossy(&with_ca.stdout);
    assert!(stdout.lines().last().unwrap().ends_with("passed, 0 failed"), "{stdout}");

    assert_eq!(without.status.code(), Some(2), "{}", text(&without));
    let stderr = String::from_utf8_lossy(&without.stderr);
    assert!(stderr.contains("certificate is not trusted: UnknownIssuer"), "{stderr}");
    assert!(stderr.contains(&base), "the URL is named: {stderr}");
    assert!(
        stderr.contains("--ca-cert FILE") && stderr.contains("SSL_CERT_FILE"),
        "the fix is named: {stderr}"
    );

    assert_eq!(from_env.status.code(), Some(0), "{}", text(&from_env));

    assert_eq!(missing_file.status.code(), Some(2), "{}", text(&missing_file));
    assert!(
        String::from_utf8_lossy(&missing_file.stderr).contains("nope.pem: cannot read it"),
        "{}",
        text(&missing_file)
    );

    assert_eq!(bad_pem.status.code(), Some(2), "{}", text(&bad_pem));
    assert!(
        String::from_utf8_lossy(&bad_pem.stderr).contains("--ca-cert: ")
            && String::from_utf8_lossy(&bad_pem.stderr).contains("no certificate in it"),
        "{}",
        text(&bad_pem)
    );

    assert_eq!(sweep_without.status.code(), Some(2), "{}", text(&sweep_without));
    assert!(
        String::from_utf8_lossy(&sweep_without.stderr).contains("UnknownIssuer"),
        "sweep checks TLS too: {}",
        text(&sweep_without)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_proxy_is_used_unless_no_proxy_names_the_host() {
    let pki = pki();
    let server = Https::start(&pki).await;
    let tunnels = Arc::new(AtomicUsize::new(0));
    let proxy = connect_proxy(tunnels.clone()).await;
    let ca = scratch("tls-proxy").join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let args = run_args(
        &server.base_url,
        &["--operation", "getWebhook", "--ca-cert", &ca.display().to_string()],
    );
    let proxy_url = format!("http://{}", proxy.address);

    let proxied = cli(args.clone(), vec![("HTTPS_PROXY", proxy_url.clone())]).await;
    let through_proxy = tunnels.swap(0, Ordering::SeqCst);
    let bypassed = cli(
        args,
        vec![("HTTPS_PROXY", proxy_url), ("NO_PROXY", "localhost,127.0.0.1".into())],
    )
    .await;
    let around_proxy = tunnels.load(Ordering::SeqCst);
    proxy.stop().await;
    server.stop().await;

    assert_eq!(proxied.status.code(), Some(0), "{}", text(&proxied));
    assert!(through_proxy > 0, "every request went through the proxy's tunnel");
    assert_eq!(bypassed.status.code(), Some(0), "{}", text(&bypassed));
    assert_eq!(around_proxy, 0, "NO_PROXY sends 127.0.0.1 around the proxy");
}

/// What `curl --cacert cert.pem` accepts: the self-signed development certificate (its own CA)
/// given with `--ca-cert` is trusted as the server's own, for the names it holds and while
/// it is valid; without `--ca-cert` it is refused, and the message says what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_development_certificate_given_with_ca_cert_is_trusted_as_the_servers_own() {
    let dir = scratch("tls-self-signed");
    let run = |pki: Pki, name: &'static str, with_ca: bool| {
        let file = dir.join(format!("{name}.pem"));
        async move {
            std::fs::write(&file, &pki.ca_pem).unwrap();
            let server = Https::start(&pki).await;
            let mut extra = vec!["--operation", "getWebhook", "--operation", "listWebhooks"];
            let file = file.display().to_string();
            if with_ca {
                extra.extend(["--ca-cert", file.as_str()]);
            }
            let out = cli(run_args(&server.base_url, &extra), vec![]).await;
            server.stop().await;
            out
        }
    };
    let trusted = run(self_signed_ca(&["127.0.0.1", "localhost"], None), "dev", true).await;
    let other_name = run(self_signed_ca(&["other.example"], None), "other", true).await;
    let without = run(self_signed_ca(&["127.0.0.1"], None), "without", false).await;
    let expired = run(self_signed_ca(&["127.0.0.1"], Some((2021, 1, 1))), "expired", true).await;

    assert_eq!(trusted.status.code(), Some(0), "{}", text(&trusted));
    let stdout = String::from_utf8_lossy(&trusted.stdout);
    assert!(stdout.lines().last().unwrap().ends_with("passed, 0 failed"), "{stdout}");

    assert_eq!(other_name.status.code(), Some(2), "{}", text(&other_name));
    let stderr = String::from_utf8_lossy(&other_name.stderr);
    assert!(
        stderr.contains("the server's certificate is not valid for this host")
            && stderr.contains("use a host name the certificate names in --base-url"),
        "{stderr}"
    );

    assert_eq!(without.status.code(), Some(2), "{}", text(&without));
    let stderr = String::from_utf8_lossy(&without.stderr);
    assert!(
        stderr.contains("the server's certificate is not trusted: the server presents a CA certificate as its own")
            && stderr.contains("--ca-cert"),
        "{stderr}"
    );
    assert!(!stderr.contains("OtherError"), "{stderr}");

    assert_eq!(expired.status.code(), Some(2), "{}", text(&expired));
    let stderr = String::from_utf8_lossy(&expired.stderr);
    assert!(
        stderr.contains("the server's certificate is not valid at this time"),
        "{stderr}"
    );
}
