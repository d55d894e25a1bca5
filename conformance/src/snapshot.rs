//! Each case's exchange as an insta snapshot: a change of behaviour is a diff to review
//! with `cargo insta review`.
//!
//! The comparison reads and writes insta's files itself instead of calling
//! `insta::assert_snapshot!`, which reports a mismatch by panicking: catching that needs the
//! process-wide panic hook, and two suites in one process would race on it. The rules are
//! insta's: `INSTA_UPDATE` (`auto`, `always`/`1`, `force`, `new`, `unseen`, `no`) and `CI`.

use std::io;
use std::path::{Path, PathBuf};

// `internals` may change in a minor insta release: the workspace pins insta to `~1.49`.
use insta::internals::TextSnapshotContents;

use crate::error::RunError;
use crate::exec::{Exchange, Received, Step, StepKind};
use crate::plan::Case;
use crate::redact::Redactor;

/// How a case's snapshot compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotOutcome {
    Matched,
    /// New or changed, and written as the accepted `.snap` (`INSTA_UPDATE=always`, `force`,
    /// or `unseen` for a new one).
    Accepted,
    /// There was no snapshot: the answer waits in a `.snap.new` (unless nothing is written).
    New,
    /// The answer differs from the snapshot: it waits in a `.snap.new` (unless nothing is
    /// written).
    Changed,
}

impl SnapshotOutcome {
    /// New or changed, not accepted: the run fails until someone reviews it.
    pub fn is_pending(self) -> bool {
        matches!(self, SnapshotOutcome::New | SnapshotOutcome::Changed)
    }
}

/// What happens to a new or changed answer: insta's `INSTA_UPDATE` and `CI`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Update {
    /// Written as `<case>.snap.new` for `cargo insta review` (`auto` off CI, `new`).
    Review,
    /// Written over the `.snap`: accepted (`always`, `1`).
    Accept,
    /// As `Accept`, and a matching snapshot whose file differs in form is rewritten (`force`).
    Force,
    /// A new one is accepted, a changed one waits in `.snap.new` (`unseen`).
    AcceptNew,
    /// Nothing is written; new and changed fail the run (`auto` on CI, `no`).
    Nothing,
}

impl Update {
    /// From `INSTA_UPDATE` and `CI`, as insta reads them.
    pub fn from_env() -> Result<Update, RunError> {
        let ci = match std::env::var("CI").ok().as_deref() {
            Some("false" | "0" | "") => false,
            None => std::env::var_os("TF_BUILD").is_some(),
            Some(_) => true,
        };
        Update::from_values(std::env::var("INSTA_UPDATE").ok().as_deref(), ci)
    }

    /// From an `INSTA_UPDATE` value and whether this is CI.
    pub fn from_values(insta_update: Option<&str>, ci: bool) -> Result<Update, RunError> {
        Ok(match insta_update.unwrap_or("") {
            "" | "auto" if ci => Update::Nothing,
            "" | "auto" => Update::Review,
            "always" | "1" => Update::Accept,
            "force" => Update::Force,
            "new" => Update::Review,
            "unseen" => Update::AcceptNew,
            "no" => Update::Nothing,
            other => {
                return Err(RunError::Snapshots(format!(
                    "INSTA_UPDATE={other} is not one of auto, always, 1, force, new, unseen, no"
                )));
            }
        })
    }

    /// Whether a new or changed answer leaves a `.snap.new` behind.
    pub fn writes_pending(self) -> bool {
        matches!(self, Update::Review | Update::AcceptNew)
    }
}

/// The `source:` line of every snapshot file, as insta wrote it when it made the committed
/// ones; kept so that accepted snapshots stay byte-for-byte the same.
const SOURCE: &str = "conformance/src/snapshot.rs";

/// A case name as a file name: the same name always gives the same file, two names never
/// share one, and the result is safe on Linux, macOS and Windows.
///
/// Letters, digits, `-`, `_` and `.` stay (so `createWebhook.url.max_length` is unchanged);
/// every other byte becomes `%XX` (a space `%20`, `/` `%2F`, `%` itself `%25`), as does a dot
/// that starts the name or touches another dot (`..` → `%2E%2E`) and the first letter of a
/// Windows device name (`con.valid` → `%63on.valid`). Percent-decoding gives the name back,
/// so different names give different files. A name longer than 160 bytes once encoded keeps
/// its first 160 and ends with `~` and a hash of the whole name.
pub fn file_stem(name: &str) -> String {
    const MAX: usize = 160;
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(name.len());
    for (i, &b) in bytes.iter().enumerate() {
        let dot_run = b == b'.' && (i == 0 || bytes[i - 1] == b'.' || bytes.get(i + 1) == Some(&b'.'));
        if (b.is_ascii_alphanumeric() || b"-_.".contains(&b)) && !dot_run {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    let device = out.split('.').next().unwrap_or_default().to_ascii_uppercase();
    let reserved = matches!(device.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (device.len() == 4
            && (device.starts_with("COM") || device.starts_with("LPT"))
            && device.as_bytes()[3].is_ascii_digit());
    if reserved {
        out = format!("%{:02X}{}", out.as_bytes()[0], &out[1..]);
    }
    if out.len() > MAX {
        let hash = crate::text::fnv1a(bytes.iter().copied());
        // Cut on a whole `%XX`, never inside one.
        let mut cut = MAX;
        while out.as_bytes()[cut - 1] == b'%' || (cut >= 2 && out.as_bytes()[cut - 2] == b'%') {
            cut -= 1;
        }
        out = format!("{}~{hash:016x}", &out[..cut]);
    }
    out
}

/// Refuses a plan in which two cases would share a snapshot file, here or on a file system
/// that ignores case.
/// The `.snap` files in `dir` that no case of `names` writes: snapshots of cases that were
/// renamed or removed, sorted. With `update` accepting (`INSTA_UPDATE=always`, `force`) they
/// are removed, as `cargo insta test --unreferenced=delete` removes them.
pub fn unreferenced<'a>(
    dir: &Path,
    names: impl IntoIterator<Item = &'a str>,
    update: Update,
) -> Result<Vec<String>, RunError> {
    let problem = |e: io::Error| RunError::Snapshots(format!("cannot read {}: {e}", dir.display()));
    let wanted: std::collections::HashSet<String> =
        names.into_iter().map(|n| format!("{}.snap", file_stem(n))).collect();
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(problem)? {
        let file = entry.map_err(problem)?.file_name().to_string_lossy().into_owned();
        if file.ends_with(".snap") && !wanted.contains(&file) {
            stale.push(file);
        }
    }
    stale.sort();
    if matches!(update, Update::Accept | Update::Force) {
        for file in &stale {
            std::fs::remove_file(dir.join(file))
                .map_err(|e| RunError::Snapshots(format!("cannot remove {}: {e}", dir.join(file).display())))?;
        }
    }
    Ok(stale)
}

pub fn check_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), RunError> {
    let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for name in names {
        let file = format!("{}.snap", file_stem(name));
        if let Some(first) = seen.insert(file.to_ascii_lowercase(), name) {
            return Err(RunError::SnapshotNames {
                first: first.to_owned(),
                second: name.to_owned(),
                file,
            });
        }
    }
    Ok(())
}

/// Compares `text` with the snapshot of case `name` in `dir`, and writes what `update` says.
pub fn compare(dir: &Path, name: &str, text: &str, update: Update) -> io::Result<SnapshotOutcome> {
    let stem = file_stem(name);
    let path = dir.join(format!("{stem}.snap"));
    let pending = dir.join(format!("{stem}.snap.new"));
    let new = TextSnapshotContents::new(text.to_owned(), insta::TextSnapshotKind::File);
    let file = file_text(&new);
    let old = match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
        Ok(_) => Some(
            insta::Snapshot::from_file(&path)
                .map_err(|e| io::Error::other(format!("{}: not an insta snapshot: {e}", path.display())))?,
        ),
    };
    let matched = old
        .as_ref()
        .and_then(insta::Snapshot::as_text)
        .is_some_and(|old| old.matches_latest(&new) || old.matches_legacy(&new));
    let outcome = match (&old, matched) {
        (_, true) => SnapshotOutcome::Matched,
        (None, _) => SnapshotOutcome::New,
        (Some(_), false) => SnapshotOutcome::Changed,
    };
    let accept = match (outcome, update) {
        (SnapshotOutcome::Matched, Update::Force) => std::fs::read(&path)? != file.as_bytes(),
        (SnapshotOutcome::Matched, _) => false,
        (_, Update::Accept | Update::Force) | (SnapshotOutcome::New, Update::AcceptNew) => true,
        _ => false,
    };
    if accept {
        write(&path, &file)?;
    } else if outcome.is_pending() && update.writes_pending() {
        write(&pending, &file)?;
        return Ok(outcome);
    }
    // Accepted or matched: a `.snap.new` from an earlier run is stale (insta removes it too).
    match std::fs::remove_file(&pending) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    Ok(if accept && outcome != SnapshotOutcome::Matched {
        SnapshotOutcome::Accepted
    } else {
        outcome
    })
}

/// A snapshot file as insta writes one: the metadata, `---`, the normalized text.
fn file_text(contents: &TextSnapshotContents) -> String {
    format!("---\nsource: {SOURCE}\n---\n{contents}\n")
}

/// Writes through a temporary file and a rename, so that a reader never sees half a file.
fn write(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut temporary = PathBuf::from(path);
    temporary
        .as_mut_os_string()
        .push(format!(".{}-{n}.tmp", std::process::id()));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

/// The text of a case's snapshot: the varied input, then each answer, redacted.
pub fn render(case: &Case, exchange: &Exchange, redactor: &Redactor) -> String {
    let mut out = format!(
        "case: {}\nexpect: {}\nvaried: {}\n",
        case.name,
        case.expect.as_str(),
        redactor.text(&case.varied)
    );
    if let Some(error) = &exchange.error {
        out.push_str(&format!("error: {}\n", redactor.text(&error.to_string())));
    }
    if let Some(main) = &exchange.main {
        step(&mut out, main, redactor);
    }
    for s in exchange.steps.iter().filter(|s| s.kind != StepKind::Create) {
        out.push_str(&format!("--- {}\n", s.kind));
        step(&mut out, s, redactor);
    }
    if let Some(d) = &exchange.deliveries {
        deliveries(&mut out, d, redactor);
    }
    out
}

/// What a delivery case's receiver got: how many attempts and their answers, the first
/// one's headers and body; ids, timestamps, signatures and credentials hidden (they change
/// on every run), gaps left out (the report has the timing).
fn deliveries(out: &mut String, d: &crate::exec::Deliveries, redactor: &Redactor) {
    let answers: Vec<String> = d.got.iter().map(|g| g.status.to_string()).collect();
    out.push_str(&format!(
        "--- deliveries\nattempts: {} (answered {})\nunwanted: {}\n",
        d.got.len(),
        if answers.is_empty() {
            "-".into()
        } else {
            answers.join(", ")
        },
        d.unwanted.len()
    ));
    let Some(first) = d.got.first() else { return };
    let mut headers: Vec<&(String, String)> = first
        .headers
        .iter()
        .filter(|(k, _)| k.starts_with("webhook-") || k == "content-type" || k == "authorization")
        .collect();
    headers.sort();
    for (k, v) in headers {
        out.push_str(&format!("{k}: {}\n", delivery_header(k, v, redactor)));
    }
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&first.body) {
        out.push_str("body:\n");
        out.push_str(&serde_json::to_string_pretty(&redactor.json(&json)).unwrap_or_default());
        out.push('\n');
    }
}

/// A delivery's header as snapshots and HAR show it: what changes on every attempt (id,
/// timestamp) as a placeholder, what proves the secret (a signature, a credential) hidden.
pub fn delivery_header(name: &str, value: &str, redactor: &Redactor) -> String {
    match name {
        "webhook-id" => "[webhook-id]".to_owned(),
        "webhook-timestamp" => "[unix-time]".to_owned(),
        "webhook-signature" | "authorization" => "[signature]".to_owned(),
        _ => redactor.text(value),
    }
}

fn step(out: &mut String, s: &Step, redactor: &Redactor) {
    out.push_str(&format!("request: {} {}\n", s.sent.method, redactor.path(&s.sent.path)));
    match &s.received {
        Ok(r) if s.collection => {
            let mut shown = r.clone();
            shown.json = r.json.as_ref().map(collapse_lists);
            answer(out, &shown, redactor)
        }
        Ok(r) => answer(out, r, redactor),
        Err(e) => out.push_str(&format!("error: {}\n", redactor.text(&e.to_string()))),
    }
}

fn answer(out: &mut String, r: &Received, redactor: &Redactor) {
    out.push_str(&format!("status: {}\n", r.status));
    let body = match &r.json {
        Some(json) => serde_json::to_string_pretty(&shorten(redactor.json(json))).unwrap_or_default(),
        None if r.text.is_empty() => return,
        None => {
            let text: String = r.text.chars().take(2000).collect();
            redactor.text(&text)
        }
    };
    out.push_str("body:\n");
    out.push_str(&body);
    out.push('\n');
}

/// Text longer than a screen (a large body echoed back) shown by its length and start.
fn shorten(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    const LONGEST: usize = 2000;
    match value {
        Value::String(s) if s.chars().count() > LONGEST => {
            let start: String = s.chars().take(40).collect();
            Value::String(format!("[{} characters: {start}…]", s.chars().count()))
        }
        Value::Array(items) => Value::Array(items.into_iter().map(shorten).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, shorten(v))).collect()),
        other => other,
    }
}

/// Lists of resources depend on what else the run had made at that moment: the snapshot
/// keeps their shape, not their items (the checks still see every item).
fn collapse_lists(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Array(items) if items.iter().all(Value::is_object) => Value::String("[resources]".into()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), collapse_lists(v))).collect()),
        other => other.clone(),
    }
}

/// Learns what the exchange minted, so later renders hide it.
pub fn learn(redactor: &mut Redactor, exchange: &Exchange) {
    let answers = exchange
        .main
        .iter()
        .chain(&exchange.steps)
        .filter_map(|s| s.received.as_ref().ok())
        .filter_map(|r| r.json.as_ref());
    for json in answers.chain(exchange.resource.iter()) {
        redactor.learn(json);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_stay_as_they_are() {
        for name in [
            "createWebhook.url.max_length",
            "getWebhook.path.webhook_id.unknown",
            "updateWebhook.stateful.partial_update.events",
            "v1.endpoint.auto-config.update.valid",
        ] {
            assert_eq!(file_stem(name), name);
        }
    }

    #[test]
    fn unsafe_characters_are_encoded_readably() {
        assert_eq!(file_stem("find pet by id.valid"), "find%20pet%20by%20id.valid");
        assert_eq!(file_stem("../../etc/x.valid"), "%2E%2E%2F%2E%2E%2Fetc%2Fx.valid");
        assert_eq!(file_stem("a\\b.valid"), "a%5Cb.valid");
        assert_eq!(file_stem(".hidden.valid"), "%2Ehidden.valid");
        assert_eq!(file_stem("op.kind...valid"), "op.kind%2E%2E%2Evalid");
        assert_eq!(file_stem("op.tab\there\n"), "op.tab%09here%0A");
        assert_eq!(file_stem("op.status.a:b*c?\"<>|"), "op.status.a%3Ab%2Ac%3F%22%3C%3E%7C");
        assert_eq!(file_stem("op.100%"), "op.100%25");
        assert_eq!(file_stem("créer.valid"), "cr%C3%A9er.valid");
        assert_eq!(file_stem("con.valid"), "%63on.valid");
        assert_eq!(file_stem("LPT1.valid"), "%4CPT1.valid");
        assert_eq!(file_stem("console.valid"), "console.valid");
        for name in ["a b", "a/b", "..", "x\0y", "con", "a%20b"] {
            let stem = file_stem(name);
            assert!(
                stem.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.%~".contains(&b)),
                "{stem}"
            );
            assert!(!stem.starts_with('.') && !stem.contains(".."), "{stem}");
            assert_eq!(decode(&stem), name, "percent-decoding gives the name back");
        }
    }

    fn decode(stem: &str) -> String {
        let bytes = stem.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&stem[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn names_that_look_alike_do_not_share_a_file() {
        let pairs = [
            ("a b", "a_b"),
            ("a b", "a%20b"),
            ("a/b", "a__b"),
            ("..x", "%2E%2Ex"),
            ("con", "%63on"),
        ];
        for (a, b) in pairs {
            assert_ne!(file_stem(a), file_stem(b), "{a} / {b}");
        }
    }

    #[test]
    fn long_names_are_cut_and_hashed() {
        let long = format!("createWebhook.name.{}", "é".repeat(200));
        let other = format!("createWebhook.name.{}x", "é".repeat(200));
        let (a, b) = (file_stem(&long), file_stem(&other));
        assert!(a.len() <= 160 + 17, "{}", a.len());
        assert!(a.starts_with("createWebhook.name.%C3%A9"));
        assert_ne!(a, b);
        assert_eq!(a, file_stem(&long), "stable");
        let (cut, _) = a.split_once('~').unwrap();
        assert_eq!(
            cut.len() % 3,
            "createWebhook.name.".len() % 3,
            "cut on a whole %XX: {cut}"
        );
    }

    #[test]
    fn colliding_names_are_refused() {
        assert!(check_names(["getWebhook.valid", "listWebhooks.valid"]).is_ok());
        let err = check_names(["getWebhook.valid", "getwebhook.valid"]).unwrap_err();
        assert!(err.to_string().contains("getwebhook.valid.snap"), "{err}");
        assert!(check_names(["a.valid", "a.valid"]).is_err());
    }

    #[test]
    fn insta_update_is_read_as_insta_reads_it() {
        assert_eq!(Update::from_values(None, false).unwrap(), Update::Review);
        assert_eq!(Update::from_values(None, true).unwrap(), Update::Nothing);
        assert_eq!(Update::from_values(Some("auto"), true).unwrap(), Update::Nothing);
        assert_eq!(Update::from_values(Some("always"), true).unwrap(), Update::Accept);
        assert_eq!(Update::from_values(Some("1"), false).unwrap(), Update::Accept);
        assert_eq!(Update::from_values(Some("unseen"), false).unwrap(), Update::AcceptNew);
        assert_eq!(Update::from_values(Some("no"), false).unwrap(), Update::Nothing);
        assert!(Update::from_values(Some("yes"), false).is_err());
    }

    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("conformance-snapshot-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn each_update_mode_writes_what_insta_would() {
        let dir = scratch("modes");
        let (snap, new) = (dir.join("op.valid.snap"), dir.join("op.valid.snap.new"));
        // Nothing there: new; CI writes nothing, review writes a .snap.new.
        assert_eq!(
            compare(&dir, "op.valid", "a\n", Update::Nothing).unwrap(),
            SnapshotOutcome::New
        );
        assert!(!snap.exists() && !new.exists());
        assert_eq!(
            compare(&dir, "op.valid", "a\n", Update::Review).unwrap(),
            SnapshotOutcome::New
        );
        assert!(!snap.exists() && new.exists());
        // Accepting writes the .snap and removes the stale .snap.new.
        assert_eq!(
            compare(&dir, "op.valid", "a\n", Update::Accept).unwrap(),
            SnapshotOutcome::Accepted
        );
        assert!(snap.exists() && !new.exists());
        assert_eq!(
            std::fs::read_to_string(&snap).unwrap(),
            "---\nsource: conformance/src/snapshot.rs\n---\na\n"
        );
        // Trailing whitespace is not a difference (insta normalizes it too).
        assert_eq!(
            compare(&dir, "op.valid", "a  \n\n", Update::Nothing).unwrap(),
            SnapshotOutcome::Matched
        );
        // A change: CI fails without writing; review leaves the .snap alone.
        assert_eq!(
            compare(&dir, "op.valid", "b", Update::Nothing).unwrap(),
            SnapshotOutcome::Changed
        );
        assert!(!new.exists());
        assert_eq!(
            compare(&dir, "op.valid", "b", Update::AcceptNew).unwrap(),
            SnapshotOutcome::Changed
        );
        assert!(new.exists());
        assert!(std::fs::read_to_string(&snap).unwrap().ends_with("\na\n"));
        let pending = insta::Snapshot::from_file(&new).unwrap();
        assert_eq!(pending.as_text().unwrap().to_string(), "b", "insta reads the .snap.new");
        // Matching again removes the stale .snap.new.
        assert_eq!(
            compare(&dir, "op.valid", "a", Update::Review).unwrap(),
            SnapshotOutcome::Matched
        );
        assert!(!new.exists());
        // Unseen accepts a new one only.
        assert_eq!(
            compare(&dir, "op2.valid", "c", Update::AcceptNew).unwrap(),
            SnapshotOutcome::Accepted
        );
        // Unsafe names land inside the folder.
        assert_eq!(
            compare(&dir, "../x y", "d", Update::Accept).unwrap(),
            SnapshotOutcome::Accepted
        );
        assert!(dir.join("%2E%2E%2Fx%20y.snap").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_committed_snapshot_is_rewritten_byte_for_byte() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/kejue/createWebhook.valid.snap");
        let text = insta::Snapshot::from_file(&committed)
            .unwrap()
            .as_text()
            .unwrap()
            .to_string();
        let dir = scratch("bytes");
        assert_eq!(
            compare(&dir, "createWebhook.valid", &text, Update::Accept).unwrap(),
            SnapshotOutcome::Accepted
        );
        assert_eq!(
            std::fs::read(dir.join("createWebhook.valid.snap")).unwrap(),
            std::fs::read(&committed).unwrap()
        );
        std::fs::copy(&committed, dir.join("createWebhook.valid.snap")).unwrap();
        assert_eq!(
            compare(&dir, "createWebhook.valid", &text, Update::Force).unwrap(),
            SnapshotOutcome::Matched
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
