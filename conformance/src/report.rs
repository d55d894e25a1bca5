//! Results: the summary people read (by operation, failures first), and the JSON and JUnit
//! files CI reads. Everything here is already redacted.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::checks::{Check, CheckId, Severity};
use crate::plan::Expect;
use crate::snapshot::{SnapshotOutcome, Update};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    /// The case could not run to the end (timeout, reset, setup failure).
    Error,
    Skipped,
    /// Every failed check is a known deviation of `conformance.toml`, still within its date:
    /// shown apart, and does not fail the run.
    Known,
}

/// A failed check that a known deviation covers.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Known {
    pub check: Check,
    pub reason: String,
    /// The deviation's last day (`YYYY-MM-DD`, UTC).
    pub until: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CaseResult {
    pub name: String,
    pub operation: String,
    pub expect: Expect,
    pub varied: String,
    pub status: Status,
    /// The checks that failed.
    pub failures: Vec<Check>,
    /// The checks that failed as `conformance.toml` says they do (known deviations).
    #[serde(default)]
    pub known: Vec<Known>,
    pub checks_run: usize,
    /// The status the case's own request was answered with.
    #[serde(default)]
    pub answered: Option<u16>,
    pub error: Option<String>,
    pub snapshot: Option<SnapshotOutcome>,
    /// The exchange as snapshotted, for the failure report.
    pub exchange: String,
    /// For a failure or an error: the request to send again by hand.
    pub request: Option<Request>,
    /// For a failure or an error: the same request as a curl command.
    pub curl: Option<String>,
    /// A delivery case: how long it waited at the receiver, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_wait_ms: Option<u64>,
}

/// A request as a failure shows it: the absolute URL, the headers sent (credentials masked),
/// the body, and the curl command that sends it again.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
    /// into a linked value) becomes `[credential]`, and so does a part of one as a whole
    /// token ([`crate::redact::credential_parts`]). As for the redactor, values shorter than
    /// 4 bytes are left alone: replacing them would garble the command.
    pub fn from_sent(sent: &crate::exec::Sent, credentials: &[&str]) -> Request {
        // Only the credentials: the run tag stays, so that the command sends what was sent.
        let parts = crate::redact::Redactor::new("", credentials);
        let hide = |text: &str| {
            let whole = credentials
                .iter()
                .filter(|c| c.len() >= 4)
                .fold(text.to_owned(), |t, c| t.replace(c, "[credential]"));
            parts.message(&whole)
        };
        Request {
            method: sent.method.clone(),
            url: hide(&sent.url),
            headers: sent.headers.iter().map(|(k, v)| (k.clone(), hide(v))).collect(),
            body: sent.body.as_deref().map(hide),
            curl: sent.curl.as_deref().map(hide),
        }
    }

    /// The request in a few lines: `POST URL`, the headers, the body, the curl command, each
    /// whole (files: JUnit).
    pub fn lines(&self) -> Vec<String> {
        self.lines_within(None)
    }

    /// As [`Request::lines`], a body or curl command longer than `limit` characters cut with
    /// a pointer to the files that keep it whole (the summary).
    fn lines_within(&self, limit: Option<usize>) -> Vec<String> {
        let mut out = vec![format!("request: {} {}", self.method, self.url)];
        for (k, v) in &self.headers {
            out.push(format!("  {k}: {v}"));
        }
        if let Some(body) = &self.body {
            out.push(format!("  body: {}", screen(body, limit)));
        }
        if let Some(curl) = &self.curl {
            out.push(format!("reproduce: {}", screen(curl, limit)));
        }
        out
    }
}

/// The longest body, curl command or exchange line the summary prints whole: about a
/// screen. The JSON report and the HAR file keep every one whole.
pub const SCREEN: usize = 2_000;

/// `text` as the summary prints it: whole up to `limit` characters, else its start and where
/// the rest is.
fn screen(text: &str, limit: Option<usize>) -> String {
    match limit.and_then(|limit| crate::text::clipped(text, limit, limit)) {
        Some(start) => format!(
            "{start}… ({} characters in all: --report-json and --har keep it whole)",
            text.chars().count()
        ),
        None => text.to_owned(),
    }
}

/// A run's results; `json()` writes it and `serde_json` reads it back (`conformance merge`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub api: String,
    /// What was tried before the cases, and what it found (equal tokens, ...).
    pub preflight: Vec<String>,
    /// The cases that ran (all of them, unless the run was interrupted or stopped early).
    pub cases: Vec<CaseResult>,
    /// How many cases the plan had.
    pub planned: usize,
    /// Resources the run made and could not remove.
    pub cleanup_failures: Vec<String>,
    /// What the plan left out, and why.
    pub notes: Vec<String>,
    /// Cancelled (Ctrl-C): the cases not run are not counted.
    pub interrupted: bool,
    /// Stopped sending cases once this many had failed (`--max-failures`).
    pub stopped_after: Option<usize>,
    /// Where the snapshots were compared, and what was written (none without `--snapshots`).
    pub snapshots: Option<SnapshotRun>,
    /// The share of the plan this run sent (`--shard I/N`); `planned` counts that share.
    #[serde(default)]
    pub shard: Option<crate::shard::Shard>,
    /// Every exchange of the cases as HAR 1.2, redacted as snapshots are (`Settings::har`).
    #[serde(skip)]
    pub har: Option<serde_json::Value>,
}

/// The snapshot side of a run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SnapshotRun {
    pub dir: std::path::PathBuf,
    pub update: Update,
    /// `.snap` files in `dir` that no case of the whole plan writes (renamed or removed cases);
    /// removed when `update` accepts. Not looked for when the run sends part of the plan
    /// (`--operation`, `--read-only`, `--allow-leftovers`).
    #[serde(default)]
    pub unreferenced: Vec<String>,
}

/// A failed case and the check it failed.
type Failed<'a> = (&'a CaseResult, &'a Check);
/// (severity, operation, check, rule) → the cases that failed it; the most severe first.
type Groups<'a> = BTreeMap<(Severity, &'a str, &'a str, &'a str), Vec<Failed<'a>>>;
type Names<'a> = std::collections::BTreeSet<&'a str>;

/// How many cases of a group are listed in the summary; the JSON report has them all.
const LISTED: usize = 50;

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

    /// Snapshots that fail the run: a changed one (not accepted), and a new one where nothing
    /// is written (`CI=true`, `INSTA_UPDATE=no`). Elsewhere a new snapshot waits as a
    /// `.snap.new` for review and does not fail the run: a first run passes when its checks do.
    pub fn failing_snapshots(&self) -> usize {
        let strict = self.snapshots.as_ref().is_some_and(|s| s.update == Update::Nothing);
        // On CI a stale snapshot fails too: the committed folder must match the plan.
        let stale = match &self.snapshots {
            Some(s) if strict => s.unreferenced.len(),
            _ => 0,
        };
        stale
            + self
                .cases
                .iter()
                .filter(|c| match c.snapshot {
                    Some(SnapshotOutcome::Changed) => true,
                    Some(SnapshotOutcome::New) => strict,
                    _ => false,
                })
                .count()
    }

    fn snapshots_with(&self, outcome: SnapshotOutcome) -> usize {
        self.cases.iter().filter(|c| c.snapshot == Some(outcome)).count()
    }

    /// True when every check passed, no snapshot fails ([`Report::failing_snapshots`]) and
    /// nothing stopped the run.
    pub fn passed(&self) -> bool {
        self.count(Status::Failed) == 0
            && self.count(Status::Error) == 0
            && self.failing_snapshots() == 0
            && !self.interrupted
            && self.stopped_after.is_none()
            && self.cleanup_failures.is_empty()
    }

    /// By operation, the ones with failures or pending snapshots first; the plan's notes (what
    /// was not tested); then the failures grouped by operation and check, each group once with
    /// its cases and one case's exchange; the errors by operation; the snapshots.
    pub fn summary(&self) -> String {
        // passed, failed, errors, skipped, new snapshots, changed snapshots, known
        let mut by_op: BTreeMap<&str, [usize; 7]> = BTreeMap::new();
        for c in &self.cases {
            let slot = match c.status {
                Status::Passed => 0,
                Status::Failed => 1,
                Status::Error => 2,
                Status::Skipped => 3,
                Status::Known => 6,
            };
            let n = by_op.entry(&c.operation).or_default();
            n[slot] += 1;
            match c.snapshot {
                Some(SnapshotOutcome::New) => n[4] += 1,
                Some(SnapshotOutcome::Changed) => n[5] += 1,
                _ => {}
            }
        }
        let mut ops: Vec<(&str, [usize; 7])> = by_op.into_iter().collect();
        let any_known = self.count(Status::Known) > 0;
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
            if any_known {
                let _ = write!(out, " {:>4} known", n[6]);
            }
            if self.snapshots.is_some() {
                let _ = write!(out, " {:>4} new {:>4} changed snapshots", n[4], n[5]);
            }
            out.push('\n');
        }
        let waits: Vec<(&str, u64)> = self
            .cases
            .iter()
            .filter_map(|c| Some((c.name.as_str(), c.delivery_wait_ms?)))
            .collect();
        if let Some((longest, ms)) = waits.iter().max_by_key(|(_, ms)| *ms) {
            let total: u64 = waits.iter().map(|(_, ms)| ms).sum();
            let _ = writeln!(
                out,
                "  deliveries: {} cases waited {:.1} s at the receiver in all; the longest, {longest}, {:.1} s",
                waits.len(),
                total as f64 / 1000.0,
                *ms as f64 / 1000.0
            );
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "\n  not tested ({} notes from the plan):", self.notes.len());
            for note in &self.notes {
                let _ = writeln!(out, "    {note}");
            }
        }
        self.failure_groups(&mut out);
        self.expect_hints(&mut out);
        self.error_groups(&mut out);
        self.known_groups(&mut out);
        let changed: Vec<&CaseResult> = self
            .cases
            .iter()
            .filter(|c| c.snapshot == Some(SnapshotOutcome::Changed))
            .collect();
        if !changed.is_empty() {
            let _ = writeln!(out, "\n  SNAPSHOTS CHANGED ({}):", changed.len());
            for c in changed {
                let _ = writeln!(out, "    {} ({})", c.name, c.varied);
            }
        }
        if let Some(snapshots) = &self.snapshots {
            self.snapshot_lines(snapshots, &mut out);
        }
        // The same cleanup failure for many resources is one line with its count.
        let mut cleanup: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &self.cleanup_failures {
            *cleanup.entry(f).or_default() += 1;
        }
        for (f, n) in cleanup {
            let times = if n > 1 {
                format!(" ({n} resources)")
            } else {
                String::new()
            };
            let _ = writeln!(out, "  cleanup: {f}{times}");
        }
        if let Some(max) = self.stopped_after {
            let _ = writeln!(
                out,
                "  stopped after {max} failed cases (--max-failures): {} of {} cases ran",
                self.cases.len(),
                self.planned
            );
        }
        if self.interrupted {
            let _ = writeln!(out, "  interrupted: the cases not run are not counted");
        }
        out
    }

    /// Failed checks: first a digest by check (cases and operations, the most severe first),
    /// then one group per operation and check, each printed once: the cases that failed it,
    /// one line each, and one case's exchange as evidence. A check that failed one case in
    /// each of several operations is one group listing them (a server that ignores every
    /// credential fails `ignored_auth` once per operation).
    fn failure_groups(&self, out: &mut String) {
        let mut groups: Groups = BTreeMap::new();
        for c in self.cases.iter().filter(|c| c.status == Status::Failed) {
            for f in &c.failures {
                groups
                    .entry((f.severity, &c.operation, f.id.name(), &f.rule))
                    .or_default()
                    .push((c, f));
            }
        }
        if groups.is_empty() {
            return;
        }
        self.digest(out, &groups);
        // One-case groups by check; merged where a check has more than one.
        let mut single: BTreeMap<(Severity, &str), usize> = BTreeMap::new();
        for ((severity, _, check, _), cases) in &groups {
            if cases.len() == 1 {
                *single.entry((*severity, check)).or_default() += 1;
            }
        }
        let merged = |severity: Severity, check: &str, count: usize| count == 1 && single[&(severity, check)] > 1;
        // (severity, merged, operation or "", check, rule or "") → the cases, in that order.
        let mut shown_groups: BTreeMap<(Severity, bool, &str, &str, &str), Vec<Failed>> = BTreeMap::new();
        for ((severity, op, check, rule), cases) in &groups {
            let key = if merged(*severity, check, cases.len()) {
                (*severity, true, "", *check, "")
            } else {
                (*severity, false, *op, *check, *rule)
            };
            shown_groups.entry(key).or_default().extend(cases.iter().copied());
        }
        let mut shown: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for ((severity, merged, op, check, rule), cases) in &shown_groups {
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            let _ = if *merged {
                writeln!(
                    out,
                    "\n  FAIL {check} in {} operations, one case each ({})",
                    cases.len(),
                    severity.as_str()
                )
            } else {
                writeln!(
                    out,
                    "\n  FAIL {op}: {check} [spec: #{rule}], {} case{} ({})",
                    cases.len(),
                    plural(cases.len()),
                    severity.as_str()
                )
            };
            for (c, f) in cases.iter().take(LISTED) {
                // Messages often start with what was varied, which the line already shows.
                let message = f.message.strip_prefix(&format!("{}: ", c.varied)).unwrap_or(&f.message);
                let _ = writeln!(
                    out,
                    "    {} [{}] ({}): {}",
                    c.name,
                    c.expect.as_str(),
                    c.varied,
                    one_line(message)
                );
                if *merged {
                    let _ = writeln!(out, "      spec: #{}", f.rule);
                }
                // Every listed failure can be sent again by hand.
                if let Some(curl) = &c.curl {
                    let _ = writeln!(out, "      reproduce: {}", screen(curl, Some(SCREEN)));
                }
            }
            listed_more(out, cases.len());
            // One exchange per group, each case's at most once in the whole summary; its curl
            // command only when the list above did not print it.
            let listed = |name: &str| cases.iter().take(LISTED).any(|(c, _)| c.name == name);
            match cases.iter().find(|(c, _)| !shown.contains(c.name.as_str())) {
                Some((c, _)) => {
                    shown.insert(&c.name);
                    evidence(out, c, !listed(&c.name));
                }
                None => {
                    let _ = writeln!(out, "    evidence: shown above for {}", cases[0].0.name);
                }
            }
        }
    }

    /// Each failed check once: how many cases and operations failed it, the most severe first
    /// (then the most cases).
    fn digest(&self, out: &mut String, groups: &Groups) {
        // (severity, check) → (cases, operations)
        let mut by_check: BTreeMap<(Severity, &str), (Names, Names)> = BTreeMap::new();
        for ((severity, op, check, _), cases) in groups {
            let entry = by_check.entry((*severity, check)).or_default();
            entry.0.extend(cases.iter().map(|(c, _)| c.name.as_str()));
            entry.1.insert(op);
        }
        let mut rows: Vec<_> = by_check.into_iter().collect();
        rows.sort_by_key(|((severity, check), (cases, _))| (*severity, std::cmp::Reverse(cases.len()), *check));
        let _ = writeln!(out, "\n  FAILED CHECKS ({}, the most severe first):", rows.len());
        for ((severity, check), (cases, ops)) in rows {
            let _ = writeln!(
                out,
                "    {check:<30} {:<8} {:>5} case{} in {} operation{}",
                severity.as_str(),
                cases.len(),
                if cases.len() == 1 { "" } else { "s" },
                ops.len(),
                if ops.len() == 1 { "" } else { "s" }
            );
        }
    }

    /// Known deviations, apart from the failures: one group per check, reason and date.
    fn known_groups(&self, out: &mut String) {
        let mut groups: BTreeMap<(&str, &str, &str), Vec<&CaseResult>> = BTreeMap::new();
        for c in self.cases.iter() {
            for k in &c.known {
                groups
                    .entry((k.check.id.name(), k.reason.as_str(), k.until.as_str()))
                    .or_default()
                    .push(c);
            }
        }
        if groups.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n  KNOWN DEVIATIONS ({} cases; conformance.toml, not failures until their date):",
            self.cases.iter().filter(|c| !c.known.is_empty()).count()
        );
        for ((check, reason, until), cases) in &groups {
            let _ = writeln!(
                out,
                "    {check}, until {until}: {reason}: {} case{}",
                cases.len(),
                if cases.len() == 1 { "" } else { "s" }
            );
            for c in cases.iter().take(LISTED) {
                let _ = writeln!(out, "      {} ({})", c.name, c.varied);
            }
            if cases.len() > LISTED {
                let _ = writeln!(
                    out,
                    "      … and {} more (all are in --report-json)",
                    cases.len() - LISTED
                );
            }
        }
    }

    /// Cases that could not run to the end, one group per operation.
    /// The operations whose spec documents no status the server refuses bad input with:
    /// each with every 4xx its must-reject cases got, where one of them failed
    /// `undocumented_refusal_status` (or `status_code_conformance`). Those lines in `conformance.toml`
    /// record what the server does.
    pub fn unmet_refusals(&self) -> Vec<(&str, Vec<u16>)> {
        let mut by_op: BTreeMap<&str, (bool, Vec<u16>)> = BTreeMap::new();
        for c in self.cases.iter().filter(|c| c.expect == Expect::Rejected) {
            let Some(status) = c.answered.filter(|s| (400..500).contains(s)) else {
                continue;
            };
            let entry = by_op.entry(&c.operation).or_default();
            entry.0 |= c.failures.iter().any(|f| {
                matches!(
                    f.id,
                    CheckId::StatusCodeConformance | CheckId::UndocumentedRefusalStatus
                )
            });
            if !entry.1.contains(&status) {
                entry.1.push(status);
            }
        }
        by_op
            .into_iter()
            .filter(|(_, (undocumented, _))| *undocumented)
            .map(|(op, (_, mut statuses))| {
                statuses.sort_unstable();
                (op, statuses)
            })
            .collect()
    }

    fn expect_hints(&self, out: &mut String) {
        let unmet = self.unmet_refusals();
        if unmet.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n  SPEC GAPS: {} operation(s) refused bad input with a status their spec does not document, so \
             status_code_conformance fails on each such case. If the server is right, record what it does in \
             conformance.toml (beside the spec, or --config):",
            unmet.len()
        );
        for (op, statuses) in unmet {
            let list: Vec<String> = statuses.iter().map(u16::to_string).collect();
            let _ = writeln!(
                out,
                "    [[expect]]\n    operation = \"{op}\"\n    rejected = [{}]",
                list.join(", ")
            );
        }
    }

    fn error_groups(&self, out: &mut String) {
        let mut groups: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
        for c in self.cases.iter().filter(|c| c.status == Status::Error) {
            groups.entry(&c.operation).or_default().push(c);
        }
        for (op, cases) in &groups {
            let _ = writeln!(
                out,
                "\n  ERROR {op}: {} case{} could not run to the end",
                cases.len(),
                if cases.len() == 1 { "" } else { "s" }
            );
            for c in cases.iter().take(LISTED) {
                let error = c.error.as_deref().unwrap_or("error");
                let _ = writeln!(out, "    {} ({}): {}", c.name, c.varied, one_line(error));
                if let Some(curl) = &c.curl {
                    let _ = writeln!(out, "      reproduce: {}", screen(curl, Some(SCREEN)));
                }
            }
            listed_more(out, cases.len());
        }
    }

    /// One line on what happened to the snapshots, and what to do about it.
    fn snapshot_lines(&self, snapshots: &SnapshotRun, out: &mut String) {
        let (new, changed) = (
            self.snapshots_with(SnapshotOutcome::New),
            self.snapshots_with(SnapshotOutcome::Changed),
        );
        let accepted = self.snapshots_with(SnapshotOutcome::Accepted);
        let dir = snapshots.dir.display();
        if accepted > 0 {
            let _ = writeln!(out, "\n  {accepted} snapshots written to {dir} (INSTA_UPDATE)");
        }
        if !snapshots.unreferenced.is_empty() {
            let stale = &snapshots.unreferenced;
            let what = if matches!(snapshots.update, Update::Accept | Update::Force) {
                "were removed (INSTA_UPDATE)"
            } else {
                "name no case of this plan (a case was renamed or removed): delete them, or run again with INSTA_UPDATE=always"
            };
            let _ = writeln!(out, "\n  {} snapshots in {dir} {what}:", stale.len());
            for file in stale.iter().take(LISTED) {
                let _ = writeln!(out, "    {file}");
            }
            listed_more(out, stale.len());
        }
        if new + changed == 0 {
            return;
        }
        let _ = match snapshots.update {
            Update::Nothing => writeln!(
                out,
                "\n  {new} snapshots missing and {changed} changed in {dir}; nothing was written (CI=true or \
                 INSTA_UPDATE=no), so the run fails: run without CI to write them as .snap.new for review, or \
                 with INSTA_UPDATE=always to accept them"
            ),
            _ if changed == 0 => writeln!(
                out,
                "\n  {new} new snapshots written to {dir} as .snap.new: review them with `cargo insta review` \
                 (cargo install cargo-insta) or accept them all with INSTA_UPDATE=always"
            ),
            _ => writeln!(
                out,
                "\n  {changed} snapshots changed and {new} new: each waits beside its snapshot in {dir} as a \
                 .snap.new; review them with `cargo insta review` (cargo install cargo-insta), or accept them \
                 all by running again with INSTA_UPDATE=always"
            ),
        };
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// JUnit XML: one test suite per operation, one test case per case.
    ///
    /// Written here rather than with `quick-junit`: that crate brings chrono, uuid,
    /// newtype-uuid, indexmap, quick-xml and strip-ansi-escapes into every build of the
    /// runner, for the four elements and the escaping (`xml`) this needs.
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
            let s = cases
                .iter()
                .filter(|c| matches!(c.status, Status::Skipped | Status::Known))
                .count();
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
                    // Skipped with the reason: CI shows it, and it does not fail the build.
                    Status::Known => {
                        let reasons: Vec<String> = c
                            .known
                            .iter()
                            .map(|k| format!("known deviation ({}, until {}): {}", k.check.id, k.until, k.reason))
                            .collect();
                        let _ = writeln!(out, "><skipped message=\"{}\"/></testcase>", xml(&reasons.join("; ")));
                    }
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
                        let names: Vec<&str> = c.failures.iter().map(|f| f.id.name()).collect();
                        let detail: Vec<String> = c
                            .failures
                            .iter()
                            .map(|f| format!("{} [#{}]: {}", f.id, f.rule, f.message))
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

/// Why reports cannot be merged into one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("no report to merge")]
    Nothing,
    #[error("{origin} is a report of `{api}` and {first} of `{first_api}`: merge the shards of one suite")]
    OtherSuite {
        origin: String,
        api: String,
        first: String,
        first_api: String,
    },
    #[error("case `{case}` is in both {first} and {second}: were they shards of one split, each given once?")]
    Twice {
        case: String,
        first: String,
        second: String,
    },
    #[error("{origin} is shard {shard} and {first} is shard {first_shard}: merge the shards of one split")]
    OtherSplit {
        origin: String,
        shard: String,
        first: String,
        first_shard: String,
    },
    #[error("shard {missing} is missing: its cases would not be counted (given: {given})")]
    Missing { missing: String, given: String },
}

/// One report from the reports of a suite's shards (`origin` names each in errors: a file):
/// every case once, the counts added up, notes and preflight lines once each. Reports of
/// `--shard I/N` must be all N shards of one split; reports without a shard are taken as
/// they are, as long as no case is in two.
pub fn merge(reports: Vec<(String, Report)>) -> Result<Report, MergeError> {
    let mut reports = reports.into_iter();
    let (first_origin, mut merged) = reports.next().ok_or(MergeError::Nothing)?;
    let mut seen: std::collections::HashMap<String, String> = merged
        .cases
        .iter()
        .map(|c| (c.name.clone(), first_origin.clone()))
        .collect();
    let mut shards = vec![(first_origin.clone(), merged.shard)];
    for (origin, report) in reports {
        if report.api != merged.api {
            return Err(MergeError::OtherSuite {
                origin,
                api: report.api,
                first: first_origin,
                first_api: merged.api,
            });
        }
        for c in &report.cases {
            if let Some(first) = seen.insert(c.name.clone(), origin.clone()) {
                return Err(MergeError::Twice {
                    case: c.name.clone(),
                    first,
                    second: origin,
                });
            }
        }
        shards.push((origin, report.shard));
        merged.cases.extend(report.cases);
        merged.planned += report.planned;
        merged.cleanup_failures.extend(report.cleanup_failures);
        for line in report.preflight {
            if !merged.preflight.contains(&line) {
                merged.preflight.push(line);
            }
        }
        for note in report.notes {
            if !merged.notes.contains(&note) {
                merged.notes.push(note);
            }
        }
        merged.interrupted |= report.interrupted;
        merged.stopped_after = match (merged.stopped_after, report.stopped_after) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        merged.snapshots = merged.snapshots.or(report.snapshots);
    }
    // Shards of one split, all of them: else some cases would silently not count.
    let show = |s: Option<crate::shard::Shard>| s.map_or("none".to_owned(), |s| s.to_string());
    let (first, first_shard) = (&shards[0].0, shards[0].1);
    for (origin, shard) in &shards[1..] {
        if shard.map(|s| s.count) != first_shard.map(|s| s.count) {
            return Err(MergeError::OtherSplit {
                origin: origin.clone(),
                shard: show(*shard),
                first: first.clone(),
                first_shard: show(first_shard),
            });
        }
    }
    if let Some(count) = first_shard.map(|s| s.count) {
        let given: Vec<u32> = shards.iter().filter_map(|(_, s)| s.map(|s| s.index)).collect();
        if let Some(missing) = (1..=count).find(|i| !given.contains(i)) {
            let mut listed: Vec<String> = shards.iter().map(|(_, s)| show(*s)).collect();
            listed.sort();
            return Err(MergeError::Missing {
                missing: format!("{missing}/{count}"),
                given: listed.join(", "),
            });
        }
    }
    merged.shard = None;
    Ok(merged)
}

/// The request of a failing case for the JUnit text, after the exchange.
fn request_text(c: &CaseResult) -> String {
    c.request
        .as_ref()
        .map(|r| format!("\n{}\n", r.lines().join("\n")))
        .unwrap_or_default()
}

/// A message on one line (its lines joined with ` / `), at most 240 characters.
fn one_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    match crate::text::clipped(&line, 240, 240) {
        Some(start) => format!("{start}…"),
        None => line,
    }
}

fn listed_more(out: &mut String, count: usize) {
    if count > LISTED {
        let _ = writeln!(out, "    … and {} more (all are in --report-json)", count - LISTED);
    }
}

/// What a failed case sent and got, as its snapshot shows it; `curl` when its curl command
/// was not printed already.
fn evidence(out: &mut String, c: &CaseResult, curl: bool) {
    let _ = writeln!(out, "    evidence, {}:", c.name);
    for line in c.exchange.lines().take(24) {
        let _ = writeln!(out, "      | {}", screen(line, Some(SCREEN)));
    }
    // The request as sent, to paste into a terminal.
    if let Some(request) = &c.request {
        for line in request.lines_within(Some(SCREEN)) {
            if curl || !line.starts_with("reproduce: ") {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn case(op: &str, n: usize, status: Status, failures: Vec<Check>) -> CaseResult {
        CaseResult {
            name: format!("{op}.field{n}.edge"),
            operation: op.to_owned(),
            expect: Expect::Rejected,
            varied: format!("field{n} = {n}"),
            status,
            failures,
            known: Vec::new(),
            checks_run: 3,
            answered: None,
            error: (status == Status::Error).then(|| "timed out after 1 s".to_owned()),
            snapshot: None,
            exchange: format!("case: {op}.field{n}.edge\nrequest: POST /things\nstatus: 200\n"),
            request: None,
            curl: None,
            delivery_wait_ms: None,
        }
    }

    #[test]
    fn the_summary_says_how_long_delivery_cases_waited() {
        let mut cases = vec![case("createWebhook", 0, Status::Passed, Vec::new())];
        for (n, ms) in [(1, 1000), (2, 2500)] {
            cases.push(CaseResult {
                delivery_wait_ms: Some(ms),
                ..case("createWebhook", n, Status::Passed, Vec::new())
            });
        }
        let report = report(cases);
        assert!(
            report.summary().contains(
                "deliveries: 2 cases waited 3.5 s at the receiver in all; the longest, createWebhook.field2.edge, 2.5 s"
            ),
            "{}",
            report.summary()
        );
        let without = report.cases[..1].to_vec();
        assert!(
            !super::Report {
                cases: without,
                ..report
            }
            .summary()
            .contains("deliveries:")
        );
    }

    fn failed(name: &'static str, rule: &str, message: &str) -> Check {
        Check {
            id: CheckId::built_in(name).unwrap_or(CheckId::Plugin(name)),
            severity: crate::checks::Severity::High,
            passed: false,
            rule: rule.to_owned(),
            message: message.to_owned(),
        }
    }

    fn report(cases: Vec<CaseResult>) -> Report {
        Report {
            api: "things".into(),
            preflight: Vec::new(),
            planned: cases.len(),
            cases,
            cleanup_failures: Vec::new(),
            notes: vec!["deleteThing: not tested: no valid value for parameter `env_id`".into()],
            interrupted: false,
            stopped_after: None,
            snapshots: None,
            shard: None,
            har: None,
        }
    }

    #[test]
    fn failures_are_grouped_by_operation_and_check() {
        let mut cases = Vec::new();
        for n in 0..300 {
            let mut failures = vec![failed(
                "negative_data_rejection",
                "/paths/~1things/post/responses",
                &format!("field{n} = {n}: expected a 4xx, got 200\nsecond line"),
            )];
            if n % 2 == 0 {
                failures.push(failed(
                    "status_code_conformance",
                    "/paths/~1things/post/responses",
                    "200 is fine",
                ));
            }
            cases.push(case("createThing", n, Status::Failed, failures));
        }
        for n in 0..5 {
            cases.push(case(
                "getThing",
                n,
                Status::Failed,
                vec![failed("negative_data_rejection", "/x", "got 200")],
            ));
            cases.push(case("getThing", 100 + n, Status::Error, Vec::new()));
            cases.push(case("getThing", 200 + n, Status::Passed, Vec::new()));
        }
        let summary = report(cases).summary();
        let headers: Vec<&str> = summary.lines().filter(|l| l.starts_with("  FAIL ")).collect();
        assert_eq!(
            headers,
            [
                "  FAIL createThing: negative_data_rejection [spec: #/paths/~1things/post/responses], 300 cases (high)",
                "  FAIL createThing: status_code_conformance [spec: #/paths/~1things/post/responses], 150 cases (high)",
                "  FAIL getThing: negative_data_rejection [spec: #/x], 5 cases (high)",
            ],
            "{summary}"
        );
        assert_eq!(summary.matches("  ERROR getThing: 5 cases").count(), 1, "{summary}");
        assert_eq!(
            summary
                .matches("getThing.field101.edge (field101 = 101): timed out")
                .count(),
            1
        );
        // Each group lists its cases one line each, and shows one exchange, never one twice.
        assert_eq!(summary.matches("      | request: POST /things").count(), 3, "{summary}");
        assert_eq!(
            summary.matches("    evidence, createThing.field0.edge:").count(),
            1,
            "{summary}"
        );
        assert!(summary.contains("    evidence, createThing.field2.edge:"), "{summary}");
        assert_eq!(
            summary
                .matches("    createThing.field7.edge [rejected] (field7 = 7): expected a 4xx, got 200 / second line\n")
                .count(),
            1,
            "{summary}"
        );
        assert!(
            summary.contains("    … and 250 more (all are in --report-json)"),
            "{summary}"
        );
        assert!(summary.contains("    … and 100 more"), "{summary}");
        assert!(
            summary.lines().count() < 200,
            "{} lines for 310 failures",
            summary.lines().count()
        );
    }

    fn with_request(mut c: CaseResult, curl: &str, body: &str) -> CaseResult {
        c.request = Some(Request {
            method: "POST".into(),
            url: "http://127.0.0.1:1/things".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(body.to_owned()),
            curl: Some(curl.to_owned()),
        });
        c.curl = Some(curl.to_owned());
        c
    }

    #[test]
    fn long_bodies_and_curl_lines_are_cut_in_the_summary_and_whole_in_the_json() {
        let long = format!("curl -i -X POST 'http://127.0.0.1:1/things?u={}'", "a".repeat(65_000));
        let body = format!("{{\"url\": \"{}\"}}", "b".repeat(10_000));
        let c = with_request(
            case(
                "createThing",
                1,
                Status::Failed,
                vec![failed("negative_data_rejection", "/x", "got 200")],
            ),
            &long,
            &body,
        );
        let r = report(vec![c]);
        let summary = r.summary();
        assert!(summary.lines().all(|l| l.chars().count() < SCREEN + 200), "{summary}");
        for whole in [&long, &body] {
            let pointer = format!(
                "… ({} characters in all: --report-json and --har keep it whole)",
                whole.len()
            );
            assert_eq!(summary.matches(&pointer).count(), 1, "{pointer}\n{summary}");
        }
        let json = r.json();
        assert!(
            json.contains(&long) && json.contains(&body.replace('"', "\\\"")),
            "the JSON keeps them whole"
        );
        // A short one is printed as it is.
        let short = with_request(
            case(
                "createThing",
                2,
                Status::Failed,
                vec![failed("negative_data_rejection", "/x", "got 200")],
            ),
            "curl -i 'http://127.0.0.1:1/things'",
            "{}",
        );
        let summary = report(vec![short]).summary();
        assert!(
            summary.contains("reproduce: curl -i 'http://127.0.0.1:1/things'\n"),
            "{summary}"
        );
        assert!(!summary.contains("keep it whole"), "{summary}");
    }

    #[test]
    fn a_curl_line_is_printed_once_when_its_case_is_the_evidence() {
        let curl = "curl -i -X POST 'http://127.0.0.1:1/things/one'";
        let mut cases = vec![with_request(
            case(
                "createThing",
                1,
                Status::Failed,
                vec![failed("negative_data_rejection", "/x", "got 200")],
            ),
            curl,
            "{}",
        )];
        // An error lists its curl command once too.
        cases.push(with_request(
            case("getThing", 2, Status::Error, Vec::new()),
            "curl -i 'http://e/2'",
            "",
        ));
        let summary = report(cases).summary();
        assert_eq!(summary.matches(curl).count(), 1, "{summary}");
        assert_eq!(summary.matches("curl -i 'http://e/2'").count(), 1, "{summary}");
        assert!(summary.contains("    evidence, createThing.field1.edge:"), "{summary}");
        // The evidence still shows the request itself.
        assert!(
            summary.contains("    request: POST http://127.0.0.1:1/things\n"),
            "{summary}"
        );
    }

    #[test]
    fn a_digest_by_check_comes_first_and_one_case_groups_of_a_check_are_one_group() {
        let critical = |name: &'static str, rule: &str| Check {
            severity: Severity::Critical,
            ..failed(name, rule, "expected 401 or 403, got 200")
        };
        let mut cases = Vec::new();
        for n in 0..234 {
            let op = format!("op{n:03}");
            cases.push(case(
                &op,
                0,
                Status::Failed,
                vec![critical("ignored_auth", &format!("/paths/~1p{n}"))],
            ));
        }
        for n in 0..3 {
            cases.push(case(
                "createThing",
                n,
                Status::Failed,
                vec![failed("status_code_conformance", "/c", "422")],
            ));
        }
        cases.push(case(
            "getThing",
            0,
            Status::Failed,
            vec![failed("status_code_conformance", "/g", "418")],
        ));
        cases.push(case(
            "getThing",
            1,
            Status::Failed,
            vec![critical("not_a_server_error", "/g")],
        ));
        let summary = report(cases).summary();
        let digest: Vec<&str> = summary
            .lines()
            .skip_while(|l| !l.starts_with("  FAILED CHECKS"))
            .take(4)
            .collect();
        assert_eq!(
            digest,
            [
                "  FAILED CHECKS (3, the most severe first):",
                "    ignored_auth                   critical   234 cases in 234 operations",
                "    not_a_server_error             critical     1 case in 1 operation",
                "    status_code_conformance        high         4 cases in 2 operations",
            ],
            "{summary}"
        );
        let headers: Vec<&str> = summary.lines().filter(|l| l.starts_with("  FAIL ")).collect();
        assert_eq!(
            headers,
            [
                "  FAIL getThing: not_a_server_error [spec: #/g], 1 case (critical)",
                "  FAIL ignored_auth in 234 operations, one case each (critical)",
                "  FAIL createThing: status_code_conformance [spec: #/c], 3 cases (high)",
                "  FAIL getThing: status_code_conformance [spec: #/g], 1 case (high)",
            ],
            "{summary}"
        );
        let digest_at = summary.find("  FAILED CHECKS").unwrap();
        assert!(digest_at < summary.find("  FAIL ").unwrap(), "{summary}");
        // The merged group lists each case with its rule, up to the limit, and one exchange.
        assert!(
            summary.contains("    op007.field0.edge [rejected] (field0 = 0): expected 401 or 403, got 200\n      spec: #/paths/~1p7\n"),
            "{summary}"
        );
        assert!(
            summary.contains("    … and 184 more (all are in --report-json)"),
            "{summary}"
        );
        assert_eq!(
            summary.matches("    evidence, op000.field0.edge:").count(),
            1,
            "{summary}"
        );
        // A check with a single one-case group stays a group of its operation (getThing above).
    }

    #[test]
    fn the_plans_notes_are_in_the_summary() {
        let summary = report(vec![case("getThing", 1, Status::Passed, Vec::new())]).summary();
        assert!(
            summary.contains(
                "  not tested (1 notes from the plan):\n    deleteThing: not tested: no valid value for parameter `env_id`\n"
            ),
            "{summary}"
        );
    }

    fn with_snapshots(outcomes: &[SnapshotOutcome], update: Update) -> Report {
        let mut r = report(
            outcomes
                .iter()
                .enumerate()
                .map(|(n, o)| CaseResult {
                    snapshot: Some(*o),
                    ..case("getThing", n, Status::Passed, Vec::new())
                })
                .collect(),
        );
        r.snapshots = Some(SnapshotRun {
            dir: "/tmp/snaps".into(),
            update,
            unreferenced: Vec::new(),
        });
        r
    }

    #[test]
    fn a_stale_snapshot_is_named_and_fails_only_on_ci() {
        use SnapshotOutcome::Matched;
        for (update, fails) in [(Update::Review, false), (Update::Nothing, true)] {
            let mut r = with_snapshots(&[Matched], update);
            if let Some(s) = &mut r.snapshots {
                s.unreferenced = vec!["gone.valid.snap".into()];
            }
            assert_eq!(r.passed(), !fails, "{update:?}");
            let summary = r.summary();
            assert!(
                summary.contains("1 snapshots in /tmp/snaps name no case of this plan")
                    && summary.contains("    gone.valid.snap"),
                "{summary}"
            );
        }
    }

    #[test]
    fn new_snapshots_pass_a_first_run_except_on_ci() {
        use SnapshotOutcome::{Changed, Matched, New};
        let first = with_snapshots(&[New, New, New], Update::Review);
        assert!(first.passed());
        let summary = first.summary();
        let advice: Vec<&str> = summary.lines().filter(|l| l.contains("cargo insta review")).collect();
        assert_eq!(
            advice,
            [
                "  3 new snapshots written to /tmp/snaps as .snap.new: review them with `cargo insta review` \
              (cargo install cargo-insta) or accept them all with INSTA_UPDATE=always"
            ],
            "{summary}"
        );
        assert!(
            !with_snapshots(&[New, Matched], Update::Nothing).passed(),
            "CI: a missing snapshot fails"
        );
        let ci = with_snapshots(&[New, Matched], Update::Nothing).summary();
        assert!(
            ci.contains("1 snapshots missing and 0 changed") && !ci.contains("cargo insta review"),
            "{ci}"
        );
        assert!(
            !with_snapshots(&[Changed, New], Update::Review).passed(),
            "a changed snapshot fails"
        );
        assert!(with_snapshots(&[Matched], Update::Nothing).passed());
    }

    #[test]
    fn a_stopped_run_fails_and_says_how_far_it_got() {
        let mut r = report(vec![case("getThing", 1, Status::Passed, Vec::new())]);
        r.planned = 40;
        r.stopped_after = Some(3);
        r.cleanup_failures = vec!["cleanup of /w/{id}: no id".into(); 35];
        assert!(
            r.summary()
                .contains("  cleanup: cleanup of /w/{id}: no id (35 resources)\n")
        );
        assert!(!r.passed());
        assert!(
            r.summary()
                .contains("  stopped after 3 failed cases (--max-failures): 1 of 40 cases ran")
        );
    }
}
