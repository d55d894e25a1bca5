//! Results: the summary people read (by operation, failures first), and the JSON and JUnit
//! files CI reads. Everything here is already redacted.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::checks::Check;
use crate::plan::Expect;
use crate::snapshot::{SnapshotOutcome, Update};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    /// The case could not run to the end (timeout, reset, setup failure).
    Error,
    Skipped,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseResult {
    pub name: String,
    pub operation: String,
    pub expect: Expect,
    pub varied: String,
    pub status: Status,
    /// The checks that failed.
    pub failures: Vec<Check>,
    pub checks_run: usize,
    pub error: Option<String>,
    pub snapshot: Option<SnapshotOutcome>,
    /// The exchange as snapshotted, for the failure report.
    pub exchange: String,
    /// For a failure or an error: the request to send again by hand.
    pub request: Option<Request>,
    /// For a failure or an error: the same request as a curl command.
    pub curl: Option<String>,
}

/// A request as a failure shows it: the absolute URL, the headers sent (credentials masked),
/// the body, and the curl command that sends it again.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// `None` when the request was never sent (a link that could not be followed).
    pub curl: Option<String>,
}

impl Request {
    /// From a step's record; any of `credentials` still found (a server that echoed one
    /// into a linked value) becomes `[credential]`. As for the redactor, values shorter than
    /// 4 bytes are left alone: replacing them would garble the command.
    pub fn from_sent(sent: &crate::exec::Sent, credentials: &[&str]) -> Request {
        let hide = |text: &str| {
            credentials
                .iter()
                .filter(|c| c.len() >= 4)
                .fold(text.to_owned(), |t, c| t.replace(c, "[credential]"))
        };
        Request {
            method: sent.method.clone(),
            url: hide(&sent.url),
            headers: sent.headers.iter().map(|(k, v)| (k.clone(), hide(v))).collect(),
            body: sent.body.as_deref().map(hide),
            curl: sent.curl.as_deref().map(hide),
        }
    }

    /// The request in a few lines: `POST URL`, the headers, the body, the curl command.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("request: {} {}", self.method, self.url)];
        for (k, v) in &self.headers {
            out.push(format!("  {k}: {v}"));
        }
        if let Some(body) = &self.body {
            let shown: String = body.chars().take(2000).collect();
            let cut = if shown.len() < body.len() {
                format!("… ({} bytes; the curl command has all of it)", body.len())
            } else {
                String::new()
            };
            out.push(format!("  body: {shown}{cut}"));
        }
        if let Some(curl) = &self.curl {
            out.push(format!("reproduce: {curl}"));
        }
        out
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub api: String,
    /// What was tried before the cases, and what it found (equal tokens, ...).
    pub preflight: Vec<String>,
    pub cases: Vec<CaseResult>,
    /// Resources the run made and could not remove.
    pub cleanup_failures: Vec<String>,
    /// What the plan left out, and why.
    pub notes: Vec<String>,
    pub interrupted: bool,
    /// Where the snapshots were compared, and what was written (none without `--snapshots`).
    pub snapshots: Option<SnapshotRun>,
}

/// The snapshot side of a run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SnapshotRun {
    pub dir: std::path::PathBuf,
    pub update: Update,
}

impl Report {
    pub fn count(&self, status: Status) -> usize {
        self.cases.iter().filter(|c| c.status == status).count()
    }

    /// Snapshots that are new or changed and not accepted.
    pub fn pending_snapshots(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| c.snapshot.is_some_and(SnapshotOutcome::is_pending))
            .count()
    }

    fn snapshots_with(&self, outcome: SnapshotOutcome) -> usize {
        self.cases.iter().filter(|c| c.snapshot == Some(outcome)).count()
    }

    /// True when every check and snapshot passed and nothing stopped the run.
    pub fn passed(&self) -> bool {
        self.count(Status::Failed) == 0
            && self.count(Status::Error) == 0
            && self.pending_snapshots() == 0
            && !self.interrupted
            && self.cleanup_failures.is_empty()
    }

    /// By operation, the ones with failures or pending snapshots first; then each failure
    /// with its evidence, and each changed snapshot.
    pub fn summary(&self) -> String {
        // passed, failed, errors, skipped, new snapshots, changed snapshots
        let mut by_op: BTreeMap<&str, [usize; 6]> = BTreeMap::new();
        for c in &self.cases {
            let slot = match c.status {
                Status::Passed => 0,
                Status::Failed => 1,
                Status::Error => 2,
                Status::Skipped => 3,
            };
            let n = by_op.entry(&c.operation).or_default();
            n[slot] += 1;
            match c.snapshot {
                Some(SnapshotOutcome::New) => n[4] += 1,
                Some(SnapshotOutcome::Changed) => n[5] += 1,
                _ => {}
            }
        }
        let mut ops: Vec<(&str, [usize; 6])> = by_op.into_iter().collect();
        ops.sort_by_key(|(name, n)| (n[1] + n[2] + n[4] + n[5] == 0, *name));
        let mut out = format!("{}:\n", self.api);
        for note in &self.preflight {
            let _ = writeln!(out, "  {note}");
        }
        for (op, n) in &ops {
            let _ = write!(
                out,
                "  {op:<28} {:>4} passed {:>4} failed {:>4} errors {:>4} skipped",
                n[0], n[1], n[2], n[3]
            );
            if self.snapshots.is_some() {
                let _ = write!(out, " {:>4} new {:>4} changed snapshots", n[4], n[5]);
            }
            out.push('\n');
        }
        for c in self
            .cases
            .iter()
            .filter(|c| matches!(c.status, Status::Failed | Status::Error))
        {
            let _ = writeln!(out, "\n  FAIL {} ({})", c.name, c.varied);
            if let Some(e) = &c.error {
                let _ = writeln!(out, "    error: {e}");
            }
            for f in &c.failures {
                let _ = writeln!(out, "    {} [spec: #{}]", f.name, f.rule);
                for line in f.message.lines() {
                    let _ = writeln!(out, "      {line}");
                }
            }
            if c.failures.iter().any(|f| f.name != "snapshot") {
                for line in c.exchange.lines().take(24) {
                    let _ = writeln!(out, "      | {line}");
                }
            }
            if let Some(request) = &c.request {
                for line in request.lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
        }
        for c in self
            .cases
            .iter()
            .filter(|c| c.snapshot == Some(SnapshotOutcome::Changed))
        {
            let _ = writeln!(out, "\n  SNAPSHOT CHANGED {} ({})", c.name, c.varied);
        }
        if let Some(snapshots) = &self.snapshots {
            let (new, changed) = (
                self.snapshots_with(SnapshotOutcome::New),
                self.snapshots_with(SnapshotOutcome::Changed),
            );
            let accepted = self.snapshots_with(SnapshotOutcome::Accepted);
            let dir = snapshots.dir.display();
            if accepted > 0 {
                let _ = writeln!(out, "\n  {accepted} snapshots written to {dir} (INSTA_UPDATE)");
            }
            if new + changed > 0 {
                let what = format!("{new} snapshots are new and {changed} changed");
                let _ = match snapshots.update {
                    Update::Nothing => writeln!(
                        out,
                        "\n  {what}; nothing was written (CI or INSTA_UPDATE=no). Run without CI=true to get \
                         .snap.new files to review, or with INSTA_UPDATE=always to accept them"
                    ),
                    _ => writeln!(
                        out,
                        "\n  {what}: each waits beside its snapshot in {dir} as a .snap.new. Review them with \
                         `cargo insta review` (cargo install cargo-insta), or accept them all by running again \
                         with INSTA_UPDATE=always"
                    ),
                };
            }
        }
        for f in &self.cleanup_failures {
            let _ = writeln!(out, "  cleanup: {f}");
        }
        if self.interrupted {
            let _ = writeln!(out, "  interrupted: the cases not run are not counted");
        }
        out
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// JUnit XML: one test suite per operation, one test case per case.
    pub fn junit(&self) -> String {
        let mut by_op: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
        for c in &self.cases {
            by_op.entry(&c.operation).or_default().push(c);
        }
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let failures = self.count(Status::Failed);
        let errors = self.count(Status::Error);
        let _ = writeln!(
            out,
            "<testsuites name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">",
            xml(&self.api),
            self.cases.len()
        );
        for (op, cases) in by_op {
            let f = cases.iter().filter(|c| c.status == Status::Failed).count();
            let e = cases.iter().filter(|c| c.status == Status::Error).count();
            let s = cases.iter().filter(|c| c.status == Status::Skipped).count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}.{}\" tests=\"{}\" failures=\"{f}\" errors=\"{e}\" skipped=\"{s}\">",
                xml(&self.api),
                xml(op),
                cases.len()
            );
            for c in cases {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}.{}\" name=\"{}\"",
                    xml(&self.api),
                    xml(op),
                    xml(&c.name)
                );
                match c.status {
                    Status::Passed => out.push_str("/>\n"),
                    Status::Skipped => out.push_str("><skipped/></testcase>\n"),
                    Status::Error => {
                        let _ = writeln!(
                            out,
                            "><error message=\"{}\">{}{}</error></testcase>",
                            xml(c.error.as_deref().unwrap_or("error")),
                            xml(&c.exchange),
                            xml(&request_text(c))
                        );
                    }
                    Status::Failed => {
                        let names: Vec<&str> = c.failures.iter().map(|f| f.name).collect();
                        let detail: Vec<String> = c
                            .failures
                            .iter()
                            .map(|f| format!("{} [#{}]: {}", f.name, f.rule, f.message))
                            .collect();
                        let _ = writeln!(
                            out,
                            "><failure message=\"{}\">{}\n\n{}{}</failure></testcase>",
                            xml(&names.join(", ")),
                            xml(&detail.join("\n")),
                            xml(&c.exchange),
                            xml(&request_text(c))
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

/// The request of a failing case for the JUnit text, after the exchange.
fn request_text(c: &CaseResult) -> String {
    c.request
        .as_ref()
        .map(|r| format!("\n{}\n", r.lines().join("\n")))
        .unwrap_or_default()
}

fn xml(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}
