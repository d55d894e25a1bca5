//! The documentation kept true by tests: the checks table of `docs/checks.md` is the one
//! `conformance::checks::CHECKS` writes, and the README's `sh tested` blocks run as written
//! against a reference server the test starts (and stops), only their base URLs replaced.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use reference::{Api, Options};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::support;

const KEYS: [&str; 2] = ["docs-key-one", "docs-key-two"];

/// The README's staging URLs, and what the test puts in their place: the first is served by a
/// reference server over plain HTTP (no certificate a public CA signed is at hand here), the
/// second by the same server behind TLS whose CA is the README's `staging-ca.pem`.
const PUBLIC_STAGING: &str = "https://staging.example.com";
const PRIVATE_STAGING: &str = "https://staging.internal";

/// The binary as the README's commands name it, after `cargo build --release -p conformance`.
const README_BINARY: &str = "target/release/conformance";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

#[test]
fn the_checks_table_of_the_docs_is_written_from_checks() {
    let page = read("docs/checks.md");
    let (start, end) = ("<!-- checks:start -->", "<!-- checks:end -->");
    let table = page
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(table, _)| table.trim())
        .unwrap_or_else(|| panic!("docs/checks.md has no table between `{start}` and `{end}`"));
    let fresh = conformance::checks::markdown_table();
    assert!(
        table == fresh.trim(),
        "docs/checks.md's checks table is not the one conformance::checks::CHECKS writes; \
         paste this between `{start}` and `{end}` (`conformance checks --markdown` prints it):\n\n{fresh}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["checks", "--markdown"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), fresh);
}

/// One command of a `sh tested` block: its first line in the README, and its words as the
/// shell would split them (continuation lines joined, the comment left out).
#[derive(Debug)]
struct Line {
    number: usize,
    words: Vec<String>,
}

/// The commands of the fenced blocks whose info string is `sh tested`.
fn tested_commands(markdown: &str) -> Vec<Line> {
    let mut commands = Vec::new();
    let mut fence: Option<bool> = None; // inside a block: whether it is tested
    let mut pending: Option<(usize, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let number = index + 1;
        if let Some(info) = line.trim_start().strip_prefix("```") {
            fence = match fence {
                Some(_) => None,
                None => Some(info.split_whitespace().collect::<Vec<_>>() == ["sh", "tested"]),
            };
            assert!(pending.is_none(), "README.md:{number}: a block ends inside a command");
            continue;
        }
        if fence != Some(true) {
            continue;
        }
        let (first, mut text) = pending.take().unwrap_or((number, String::new()));
        match line.strip_suffix('\\') {
            Some(continued) => {
                text.push_str(continued);
                pending = Some((first, text));
            }
            None => {
                text.push_str(line);
                let words = shell_words(&text).unwrap_or_else(|e| panic!("README.md:{first}: {e}: {text}"));
                if !words.is_empty() {
                    commands.push(Line { number: first, words });
                }
            }
        }
    }
    commands
}

/// Splits a command line as sh does for the plain commands the README shows: words, single and
/// double quotes, backslashes, and a comment from an unquoted `#` at a word's start. A `$`
/// (an expansion) is refused: the test would run something else than the reader.
fn shell_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                words.extend(word.take());
            }
            '#' if word.is_none() => break,
            '$' => return Err("an expansion (`$`) the test cannot run as written".into()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("an unclosed single quote".into()),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('$') => return Err("an expansion (`$`) the test cannot run as written".into()),
                        Some('\\') => w.extend(chars.next()),
                        Some(c) => w.push(c),
                        None => return Err("an unclosed double quote".into()),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// A CA, and a certificate for 127.0.0.1 it signed, as a TLS server config: the README's
/// private-CA staging.
fn private_ca() -> (String, Arc<ServerConfig>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "docs test CA");
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
    (ca.pem(), Arc::new(server))
}

/// What running one README command showed, when it did not succeed.
fn failure(line: &Line, args: &[String], out: &Output) -> String {
    format!(
        "README.md:{}: `{}` exited {:?}\n  ran: conformance {}\n--- stdout\n{}\n--- stderr\n{}",
        line.number,
        line.words.join(" "),
        out.status.code(),
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs the README's `sh tested` commands in a scratch folder holding a copy of `specs/` and
/// the `staging-ca.pem` the README names. Each must exit 0. `export` lines must name a variable
/// `conformance --help` documents (the test sets its own values); `cargo build` must build the
/// binary the commands run; any other line is one the test does not know, and fails it.
fn run_readme_commands(commands: &[Line], dir: &Path, public: &str, private: &str) -> Result<usize, String> {
    let help = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let mut ran = 0;
    for line in commands {
        let (program, rest) = line.words.split_first().unwrap();
        match program.as_str() {
            "export" => {
                for assignment in rest {
                    let name = assignment.split('=').next().unwrap();
                    if !help.contains(name) {
                        return Err(format!(
                            "README.md:{}: `{name}` is not a variable `conformance --help` documents",
                            line.number
                        ));
                    }
                }
            }
            "cargo" => {
                let builds_it = rest.first().map(String::as_str) == Some("build")
                    && rest.iter().any(|w| w == "--release")
                    && rest.windows(2).any(|w| w == ["-p", "conformance"]);
                if !builds_it {
                    return Err(format!(
                        "README.md:{}: `{}`: the test runs `cargo build --release -p conformance` as its own \
                         build of the same binary, and no other cargo command",
                        line.number,
                        line.words.join(" ")
                    ));
                }
            }
            README_BINARY => {
                let mut placeholders = 0;
                let args: Vec<String> = rest
                    .iter()
                    .map(|arg| {
                        for (placeholder, local) in [(PUBLIC_STAGING, public), (PRIVATE_STAGING, private)] {
                            if let Some(path) = arg.strip_prefix(placeholder) {
                                placeholders += 1;
                                return format!("{local}{path}");
                            }
                        }
                        arg.clone()
                    })
                    .collect();
                if rest.iter().any(|a| a == "--base-url") && placeholders == 0 {
                    return Err(format!(
                        "README.md:{}: a --base-url that is not one of the placeholders {PUBLIC_STAGING}, \
                         {PRIVATE_STAGING}",
                        line.number
                    ));
                }
                let mut command = Command::new(env!("CARGO_BIN_EXE_conformance"));
                command
                    .args(&args)
                    .current_dir(dir)
                    .env("CONFORMANCE_TOKEN", KEYS[0])
                    .env("CONFORMANCE_TOKEN_ALT", KEYS[1]);
                // Whatever the machine has, the commands see only what the README shows.
                for k in [
                    "CI",
                    "TF_BUILD",
                    "INSTA_UPDATE",
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
                let out = command.output().unwrap();
                if !out.status.success() {
                    return Err(failure(line, &args, &out));
                }
                let stdout = String::from_utf8_lossy(&out.stdout);
                println!("README.md:{}: {}", line.number, stdout.lines().last().unwrap_or(""));
                ran += 1;
            }
            _ => {
                return Err(format!(
                    "README.md:{}: `{}` is in a `sh tested` block, but this test does not know how to run it",
                    line.number,
                    line.words.join(" ")
                ));
            }
        }
    }
    Ok(ran)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_commands_run_as_written() {
    let commands = tested_commands(&read("README.md"));
    let runs = commands.iter().filter(|c| c.words[0] == README_BINARY).count();
    assert!(runs >= 3, "the README has {runs} tested runner commands: {commands:?}");

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("readme-commands");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    for entry in std::fs::read_dir(root().join("specs")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("specs").join(path.file_name().unwrap())).unwrap();
    }
    let (ca_pem, tls) = private_ca();
    std::fs::write(dir.join("staging-ca.pem"), ca_pem).unwrap();

    let server = reference::start(
        Options {
            api: Api::Kejue,
            db: None,
            keys: KEYS.map(String::from).to_vec(),
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let backend = server.address;
    let acceptor = TlsAcceptor::from(tls);
    let (front, stop_front, front_task) = support::accept_each(move |tcp| {
        let acceptor = acceptor.clone();
        async move {
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                return;
            };
            let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
        }
    })
    .await;

    let public = format!("http://{}", server.address);
    let private = format!("https://{front}");
    let work = dir.clone();
    let result = tokio::task::spawn_blocking(move || run_readme_commands(&commands, &work, &public, &private))
        .await
        .unwrap();

    let _ = stop_front.send(());
    front_task.await.unwrap();
    let store = server.store.clone();
    server.stop().await.unwrap();
    let ran = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ran, runs);
    assert_eq!(
        store.count("kejue").unwrap(),
        0,
        "the README's runs left resources behind"
    );
    assert!(
        dir.join("report.json").is_file() && dir.join("junit.xml").is_file(),
        "the README's run writes its reports"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
