//! `conformance.toml`: what a team knows about its server that the spec does not say. Cases
//! to skip, statuses to expect instead of the spec's, headers to send with every request, and
//! known deviations, reported apart until their date passes. Read with `toml`, every key
//! checked; an error names the file, the line and column, and what was expected.
//!
//! ```toml
//! [headers]                       # sent with every request (no credentials: see below)
//! X-Environment = "staging"
//!
//! [[skip]]                        # not planned; the report's notes say so
//! operation = "rotateSecret"      # or case = "createWebhook.url.*"
//! reason = "rotation is off on staging"
//!
//! [[expect]]                      # statuses that count as the expected outcome
//! operation = "createWebhook"     # or case = "..."
//! rejected = [400]                # a request the spec forbids gets 400, not its documented 422
//! accepted = [202]                # a request the spec allows gets 202
//!
//! [[known]]                       # a failure reported as known, not failed, until its date
//! case = "createWebhook.timeout_ms.*"
//! check = "negative_data_rejection"
//! reason = "staging clamps timeout_ms (OPS-123)"
//! until = "2027-01-31"            # through that day (UTC); then it fails again
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::checks::{Check, CheckId};
pub use crate::error::ConfigError;
use crate::plan::{Case, Expect, Plan};

/// The file looked for beside the spec when no `--config` is given.
pub const FILE_NAME: &str = "conformance.toml";

/// A configuration, checked.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from (shown in notes and messages).
    pub file: Option<PathBuf>,
    /// Sent with every request, after the spec's parameters.
    pub headers: Vec<(String, String)>,
    pub skip: Vec<Skip>,
    pub expect: Vec<ExpectStatuses>,
    pub known: Vec<KnownDeviation>,
    /// `[delivery]`: how events are published and deliveries read; without it no delivery
    /// case runs.
    pub delivery: Option<crate::exec::DeliverySettings>,
}

/// Which cases a rule is about: an operationId, or a case-name pattern (`*` matches any run of
/// characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Operation(String),
    Case(String),
}

impl Scope {
    pub fn holds(&self, case: &Case) -> bool {
        match self {
            Scope::Operation(id) => glob(id, &case.operation),
            Scope::Case(pattern) => glob(pattern, &case.name),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Operation(id) => write!(f, "operation `{id}`"),
            Scope::Case(pattern) => write!(f, "case `{pattern}`"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Skip {
    pub scope: Scope,
    pub reason: Option<String>,
    pub line: usize,
}

/// Statuses that count as the expected outcome of the matched cases, instead of the spec's:
/// for a case that must be rejected, `rejected`; for one that must be accepted, `accepted`.
/// A status in the list passes the expectation check (`negative_data_rejection`,
/// `positive_data_acceptance`) and `status_code_conformance`; any other status fails the
/// expectation check, naming the list. Other cases, and the content type and schema checks,
/// are judged as the spec says.
#[derive(Debug, Clone)]
pub struct ExpectStatuses {
    pub scope: Scope,
    pub accepted: Vec<u16>,
    pub rejected: Vec<u16>,
    pub line: usize,
}

/// A failure the team knows of: reported as known (not failed) through `until`, then as a
/// failure again, saying that the deviation expired.
#[derive(Debug, Clone)]
pub struct KnownDeviation {
    /// A case-name pattern (`*` matches any run of characters).
    pub case: String,
    /// A check of [`crate::checks::CHECKS`].
    pub check: CheckId,
    pub reason: String,
    /// The last day (UTC) it counts as known.
    pub until: Date,
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    headers: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    skip: Vec<Spanned<RawSkip>>,
    #[serde(default)]
    expect: Vec<Spanned<RawExpect>>,
    #[serde(default)]
    known: Vec<Spanned<RawKnown>>,
    delivery: Option<Spanned<RawDelivery>>,
}

/// `[delivery]` as written (see `docs/config.md`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDelivery {
    publish: Option<String>,
    publish_command: Option<Vec<String>>,
    publish_body: Option<toml::Value>,
    #[serde(default)]
    create: toml::Table,
    url_field: Option<String>,
    events_field: Option<String>,
    signature: Option<Spanned<String>>,
    signature_field: Option<String>,
    #[serde(default)]
    signatures: BTreeMap<String, Spanned<String>>,
    secret: Option<Spanned<String>>,
    retries_field: Option<String>,
    retries: Option<u32>,
    timeout_field: Option<String>,
    timeout_ms: Option<u64>,
    backoff_ms: Option<u64>,
    disable: Option<RawDisable>,
    stats: Option<RawStats>,
    #[serde(default)]
    tls: bool,
    deadline_ms: Option<u64>,
    quiet_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStats {
    total: String,
    failed: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisable {
    operation: String,
    body: toml::Value,
}

/// A signature scheme by its name in `conformance.toml`.
fn scheme(name: &str) -> Option<crate::exec::Scheme> {
    use crate::exec::Scheme;
    Some(match name {
        "standard" => Scheme::Standard,
        "hmac-sha1" => Scheme::HmacSha1 {
            header: "webhook-signature".into(),
            prefix: "v1-sha1,".into(),
        },
        "bearer" => Scheme::Bearer,
        "none" => Scheme::None,
        "basic" => Scheme::Basic { user: "webhook".into() },
        other => Scheme::Basic {
            user: other.strip_prefix("basic:")?.to_owned(),
        },
    })
}

fn json(value: toml::Value) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSkip {
    operation: Option<String>,
    case: Option<String>,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    operation: Option<String>,
    case: Option<String>,
    #[serde(default)]
    accepted: Vec<Spanned<u16>>,
    #[serde(default)]
    rejected: Vec<Spanned<u16>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKnown {
    case: String,
    check: Spanned<String>,
    reason: String,
    until: Spanned<toml::Value>,
}

/// Makes the error of a place in the file (a byte range of its text) and a message.
type At<'a> = &'a dyn Fn(Option<std::ops::Range<usize>>, String) -> ConfigError;

/// `[headers]`, each a name and value HTTP allows and none a credential or one the runner sets.
fn headers(raw: BTreeMap<String, Spanned<String>>, at: At) -> Result<Vec<(String, String)>, ConfigError> {
    let mut headers = Vec::new();
    for (name, value) in raw {
        if let Some(why) = refused_header(&name) {
            return Err(at(
                Some(value.span()),
                format!("header `{name}` cannot be set here: {why}"),
            ));
        }
        if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(at(Some(value.span()), format!("`{name}` is not an HTTP header name")));
        }
        if http::HeaderValue::from_str(value.get_ref()).is_err() {
            return Err(at(
                Some(value.span()),
                format!("the value of header `{name}` holds a character no header may carry"),
            ));
        }
        headers.push((name, value.into_inner()));
    }
    Ok(headers)
}

/// An entry's scope: exactly one of an operation or a case pattern.
fn scope(
    operation: Option<String>,
    case: Option<String>,
    span: std::ops::Range<usize>,
    at: At,
) -> Result<Scope, ConfigError> {
    match (operation, case) {
        (Some(o), None) => Ok(Scope::Operation(o)),
        (None, Some(c)) => Ok(Scope::Case(c)),
        _ => Err(at(
            Some(span),
            "expected exactly one of `operation = \"operationId\"` or `case = \"pattern\"`".into(),
        )),
    }
}

/// An `[[expect]]` entry: statuses HTTP has, at least one list.
fn expect(entry: Spanned<RawExpect>, text: &str, at: At) -> Result<ExpectStatuses, ConfigError> {
    let span = entry.span();
    let RawExpect {
        operation,
        case,
        accepted,
        rejected,
    } = entry.into_inner();
    if accepted.is_empty() && rejected.is_empty() {
        return Err(at(
            Some(span),
            "expected `accepted = [...]` or `rejected = [...]` (statuses, e.g. [400])".into(),
        ));
    }
    let statuses = |list: Vec<Spanned<u16>>| -> Result<Vec<u16>, ConfigError> {
        list.into_iter()
            .map(|s| match *s.get_ref() {
                100..=599 => Ok(*s.get_ref()),
                n => Err(at(Some(s.span()), format!("{n} is not an HTTP status (100 to 599)"))),
            })
            .collect()
    };
    Ok(ExpectStatuses {
        scope: scope(operation, case, span.clone(), at)?,
        accepted: statuses(accepted)?,
        rejected: statuses(rejected)?,
        line: line_column(text, span.start).0,
    })
}

/// A `[[known]]` entry: a check the registry has and a date.
fn known(entry: Spanned<RawKnown>, text: &str, at: At) -> Result<KnownDeviation, ConfigError> {
    let span = entry.span();
    let RawKnown {
        case,
        check,
        reason,
        until,
    } = entry.into_inner();
    let name = check.get_ref();
    let Some(def) = crate::checks::find(name) else {
        let unknown = crate::checks::UnknownCheck { name: name.clone() };
        return Err(at(Some(check.span()), unknown.to_string()));
    };
    let date = match until.get_ref() {
        toml::Value::String(s) => Date::parse(s),
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => Date::parse(&d.to_string()),
        _ => None,
    };
    let Some(until_date) = date else {
        return Err(at(
            Some(until.span()),
            "expected `until` as a date, YYYY-MM-DD (e.g. \"2027-01-31\")".into(),
        ));
    };
    Ok(KnownDeviation {
        case,
        check: def.id,
        reason,
        until: until_date,
        line: line_column(text, span.start).0,
    })
}

/// `[delivery]`, checked.
fn delivery(raw: RawDelivery, at: At) -> Result<crate::exec::DeliverySettings, ConfigError> {
    use crate::exec::{DeliverySettings, Disable, SecretSource};
    let defaults = DeliverySettings::default();
    let named = |name: &Spanned<String>| {
        scheme(name.get_ref()).ok_or_else(|| {
            at(
                Some(name.span()),
                format!(
                    "unknown signature scheme `{}`; expected standard, hmac-sha1, bearer, basic, basic:USER or none",
                    name.get_ref()
                ),
            )
        })
    };
    let mut signatures = BTreeMap::new();
    for (value, name) in &raw.signatures {
        signatures.insert(value.clone(), named(name)?);
    }
    let secret = match &raw.secret {
        None => defaults.secret.clone(),
        Some(s) => match s.get_ref().split_once(':') {
            Some(("answer", pointer)) if pointer.starts_with('/') => SecretSource::Answer(pointer.to_owned()),
            Some(("sent", field)) if !field.is_empty() => SecretSource::Sent(field.to_owned()),
            _ => {
                return Err(at(
                    Some(s.span()),
                    "expected `secret = \"answer:/pointer\"` (the create answer) or `\"sent:field\"` (the value the run sends)".into(),
                ));
            }
        },
    };
    let create = match json(toml::Value::Table(raw.create)) {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let publish = match (raw.publish, raw.publish_command) {
        (Some(operation), None) => crate::exec::Publish::Operation(operation),
        (None, Some(command)) if !command.is_empty() => crate::exec::Publish::Command(command),
        _ => {
            return Err(at(
                None,
                "expected exactly one of `publish = \"operationId\"` or `publish_command = [\"program\", \"arg\", ...]`"
                    .into(),
            ));
        }
    };
    Ok(DeliverySettings {
        publish,
        publish_body: raw.publish_body.map(json).unwrap_or(defaults.publish_body),
        create_fields: create,
        url_field: raw.url_field.unwrap_or(defaults.url_field),
        events_field: raw.events_field.unwrap_or(defaults.events_field),
        signature: raw
            .signature
            .as_ref()
            .map(named)
            .transpose()?
            .unwrap_or(defaults.signature),
        signature_field: raw.signature_field,
        signatures,
        secret,
        retries_field: raw.retries_field,
        retries: raw.retries.unwrap_or(defaults.retries),
        timeout_field: raw.timeout_field,
        timeout: raw.timeout_ms.map(std::time::Duration::from_millis),
        backoff_ms: raw.backoff_ms.unwrap_or(defaults.backoff_ms),
        disable: raw.disable.map(|d| Disable {
            operation: d.operation,
            body: json(d.body),
        }),
        stats: raw.stats.map(|s| crate::exec::StatsFields {
            total: s.total,
            failed: s.failed,
        }),
        tls: raw.tls,
        deadline: raw
            .deadline_ms
            .map_or(defaults.deadline, std::time::Duration::from_millis),
        quiet: raw.quiet_ms.map_or(defaults.quiet, std::time::Duration::from_millis),
    })
}

/// Header names the runner sets itself, or that carry credentials: a committed file must not
/// hold a credential (they come from `CONFORMANCE_TOKEN`), and reports and snapshots show
/// these headers as they are.
fn refused_header(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if ["content-type", "accept", "host", "content-length"].contains(&lower.as_str()) {
        return Some("the runner sets it for each request");
    }
    let credential = [
        "auth",
        "cookie",
        "key",
        "token",
        "secret",
        "session",
        "password",
        "signature",
    ];
    credential
        .iter()
        .any(|w| lower.contains(w))
        .then_some("it looks like a credential, and this file is committed and its headers are shown in reports: pass credentials in CONFORMANCE_TOKEN (`--auth-header NAME` sends it as header NAME where the spec declares no security scheme)")
}

impl Config {
    /// The file to read for the spec at `spec`: `explicit` (`--config`), else
    /// `<spec's stem>.conformance.toml` beside it (`specs/kejue.conformance.toml`), else
    /// `conformance.toml` beside it, when there is one.
    pub fn path_for(spec: &Path, explicit: Option<&Path>) -> Option<PathBuf> {
        match explicit {
            Some(path) => Some(path.to_owned()),
            None => {
                let dir = spec.parent().unwrap_or(Path::new("."));
                let own = spec
                    .file_stem()
                    .map(|stem| dir.join(format!("{}.{FILE_NAME}", stem.to_string_lossy())));
                let beside = dir.join(FILE_NAME);
                own.filter(|p| p.is_file())
                    .or_else(|| beside.is_file().then_some(beside))
            }
        }
    }

    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_owned(),
            line: None,
            message: format!("cannot read it: {e}"),
        })?;
        Config::parse(&text, path)
    }

    /// Checks `text`, read from `file`.
    pub fn parse(text: &str, file: &Path) -> Result<Config, ConfigError> {
        let at = |span: Option<std::ops::Range<usize>>, message: String| ConfigError {
            file: file.to_owned(),
            line: span.map(|s| line_column(text, s.start)),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| at(e.span(), e.message().trim().to_owned()))?;
        let mut config = Config {
            file: Some(file.to_owned()),
            ..Config::default()
        };
        let at: At = &at;
        config.headers = headers(raw.headers, at)?;
        for entry in raw.skip {
            let span = entry.span();
            let RawSkip {
                operation,
                case,
                reason,
            } = entry.into_inner();
            config.skip.push(Skip {
                scope: scope(operation, case, span.clone(), at)?,
                reason,
                line: line_column(text, span.start).0,
            });
        }
        for entry in raw.expect {
            config.expect.push(expect(entry, text, at)?);
        }
        for entry in raw.known {
            config.known.push(known(entry, text, at)?);
        }
        if let Some(entry) = raw.delivery {
            let span = entry.span();
            config.delivery = Some(delivery(entry.into_inner(), &|s, m| at(s.or(Some(span.clone())), m))?);
        }
        Ok(config)
    }

    /// The file's name for messages.
    fn origin(&self) -> String {
        self.file
            .as_ref()
            .map_or_else(|| FILE_NAME.to_owned(), |f| f.display().to_string())
    }

    /// Takes the skipped cases out of `plan`, with a note for each rule that skipped any.
    pub fn apply_skips(&self, plan: &mut Plan) {
        for skip in &self.skip {
            let before = plan.cases.len();
            plan.cases.retain(|c| !skip.scope.holds(c));
            let skipped = before - plan.cases.len();
            if skipped > 0 {
                let reason = skip.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
                plan.notes.push(format!(
                    "{skipped} cases of {} skipped by {}:{}{reason}",
                    skip.scope,
                    self.origin(),
                    skip.line
                ));
            }
        }
    }

    /// Applies the `[[expect]]` rules to a case's checks, given the status it got.
    pub fn apply_expected_statuses(&self, case: &Case, status: u16, checks: &mut [Check]) {
        // An *either* case refused is held to the refusals' list: its status is all there is to judge.
        let judged = match case.expect {
            Expect::Accepted => Some(CheckId::PositiveDataAcceptance),
            Expect::Rejected => Some(CheckId::NegativeDataRejection),
            Expect::Either if (400..500).contains(&status) => None,
            _ => return,
        };
        let Some((rule, statuses)) = self.expect.iter().find_map(|e| {
            let statuses = if case.expect == Expect::Accepted {
                &e.accepted
            } else {
                &e.rejected
            };
            (e.scope.holds(case) && !statuses.is_empty()).then_some((e, statuses))
        }) else {
            return;
        };
        let listed = statuses.contains(&status);
        for check in checks.iter_mut() {
            if Some(check.id) == judged {
                check.passed = listed;
                check.rule = format!("{}:{}", self.origin(), rule.line);
                check.message = if listed {
                    String::new()
                } else {
                    let list: Vec<String> = statuses.iter().map(u16::to_string).collect();
                    format!(
                        "expected {} ({} of {}), got {status}",
                        list.join(" or "),
                        case.expect.as_str(),
                        rule.scope
                    )
                };
            } else if matches!(
                check.id,
                CheckId::StatusCodeConformance | CheckId::UndocumentedRefusalStatus
            ) && listed
            {
                check.passed = true;
                check.message = String::new();
            }
        }
    }

    /// The known deviation that covers a failed check of `case`, if one does.
    pub fn known(&self, case: &str, check: CheckId) -> Option<&KnownDeviation> {
        self.known.iter().find(|k| k.check == check && glob(&k.case, case))
    }

    /// `conformance.toml` text that marks each failed check of `report` as a known deviation
    /// until `until`, with a reason to replace.
    ///
    /// The `[[known]]` entries are written by the `toml` crate's serializer (quoting and
    /// escaping as TOML wants them); only the two comment lines on top are written here,
    /// since a serializer writes no comments.
    pub fn baseline(report: &crate::report::Report, today: Date, until: Date) -> String {
        #[derive(serde::Serialize)]
        struct Known<'a> {
            case: &'a str,
            check: &'a str,
            reason: &'a str,
            until: String,
        }
        #[derive(serde::Serialize)]
        struct Baseline<'a> {
            known: Vec<Known<'a>>,
        }
        let mut out = format!(
            "# Known deviations of {} on {today}: each failed check of the run, until {until}.\n\
             # Replace each reason with why the server differs (a ticket), or fix the server.\n",
            report.api
        );
        // One reason for all: the summary groups known deviations by check, reason and date.
        let reason = format!("baseline of {today}: replace with why (a ticket), or fix the server");
        let known: Vec<Known> = report
            .cases
            .iter()
            .filter(|c| c.status == crate::report::Status::Failed)
            .flat_map(|case| {
                case.failures.iter().map(|failure| Known {
                    case: &case.name,
                    check: failure.id.name(),
                    reason: &reason,
                    until: until.to_string(),
                })
            })
            .collect();
        if !known.is_empty() {
            out.push('\n');
            // Strings only: nothing here can fail to serialize.
            out.push_str(&toml::to_string(&Baseline { known }).unwrap_or_default());
        }
        out
    }
}

/// Line and column (1-based, in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// `*` matches any run of characters (none included); everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(tail) = text.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| glob(rest, &tail[i..]))
        }
    }
}

/// A day of the proleptic Gregorian calendar (UTC): the `time` crate's, read and printed as
/// `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(time::Date);

impl Date {
    /// `YYYY-MM-DD`, a day that exists.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
        if parts.next().is_some() || !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
            return None;
        }
        let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
        time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?)
            .ok()
            .map(Date)
    }

    /// Today in UTC, by the system clock.
    pub fn today() -> Date {
        Date::of(std::time::SystemTime::now())
    }

    /// The UTC day of `time`.
    pub fn of(time: std::time::SystemTime) -> Date {
        Date(time::UtcDateTime::from(time).date())
    }

    pub fn plus_days(self, days: i64) -> Date {
        Date(self.0.saturating_add(time::SignedDuration::days(days)))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.0.to_calendar_date();
        write!(f, "{y:04}-{:02}-{d:02}", u8::from(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("conformance.toml"))
    }

    #[test]
    fn dates_read_print_and_count() {
        assert_eq!(Date::parse("1970-01-01"), Some(Date::of(std::time::UNIX_EPOCH)));
        assert_eq!(Date::parse("2000-03-01").unwrap().to_string(), "2000-03-01");
        assert_eq!(
            Date::parse("2024-02-29").unwrap().plus_days(1).to_string(),
            "2024-03-01"
        );
        assert_eq!(
            Date::parse("2026-12-31").unwrap().plus_days(1).to_string(),
            "2027-01-01"
        );
        for bad in [
            "2023-02-29",
            "2027-13-01",
            "2027-1-31",
            "27-01-31",
            "2027-01-31T00",
            "+202-01-31",
            "2027-+1-31",
            "soon",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert!(Date::today() > Date::parse("2025-01-01").unwrap());
    }

    #[test]
    fn globs() {
        assert!(glob("createWebhook.*", "createWebhook.url.max_length"));
        assert!(glob("*.auth.*", "listWebhooks.auth.none"));
        assert!(glob("a*b*c", "abc") && glob("*", ""));
        assert!(!glob("createWebhook.*", "updateWebhook.url") && !glob("a", "ab"));
    }

    #[test]
    fn a_full_file_reads() {
        let config = parse(
            r#"
[headers]
X-Environment = "staging"

[[skip]]
operation = "rotateSecret"
reason = "off on staging"

[[expect]]
case = "createWebhook.*"
rejected = [400]

[[known]]
case = "createWebhook.timeout_ms.*"
check = "negative_data_rejection"
reason = "clamped"
until = 2027-01-31
"#,
        )
        .unwrap();
        assert_eq!(config.headers, [("X-Environment".to_owned(), "staging".to_owned())]);
        assert_eq!(config.skip[0].scope, Scope::Operation("rotateSecret".into()));
        assert_eq!(config.expect[0].rejected, [400]);
        assert_eq!(config.expect[0].line, 9);
        assert_eq!(config.known[0].until.to_string(), "2027-01-31");
        assert!(
            config
                .known("createWebhook.timeout_ms.above_maximum", CheckId::NegativeDataRejection)
                .is_some()
        );
        assert!(
            config
                .known("createWebhook.timeout_ms.above_maximum", CheckId::NotAServerError)
                .is_none()
        );
    }

    #[test]
    fn errors_say_where_and_what_was_expected() {
        let cases = [
            (
                "[[skip]]\noperation = \"x\"\nreson = \"typo\"\n",
                "conformance.toml:3:1",
                "unknown field `reson`",
            ),
            (
                "[[known]]\ncase = \"a.*\"\ncheck = \"negative_data\"\nreason = \"r\"\nuntil = \"2027-01-31\"\n",
                "conformance.toml:3:9",
                "unknown check `negative_data` (did you mean `negative_data_rejection`?); the checks are: not_a_server_error,",
            ),
            (
                "[[known]]\ncase = \"a.*\"\ncheck = \"use_after_free\"\nreason = \"r\"\nuntil = \"31/01/2027\"\n",
                "conformance.toml:5:9",
                "expected `until` as a date, YYYY-MM-DD",
            ),
            (
                "[[skip]]\nreason = \"r\"\n",
                "conformance.toml:1:1",
                "expected exactly one of `operation",
            ),
            (
                "[headers]\nAuthorization = \"Bearer k\"\n",
                "conformance.toml:2:17",
                "looks like a credential, and this file is committed and its headers are shown in reports: pass credentials in CONFORMANCE_TOKEN (`--auth-header NAME`",
            ),
            (
                "[headers]\nX-Api-Key = \"k\"\n",
                "conformance.toml:2:13",
                "looks like a credential",
            ),
            (
                "[[expect]]\noperation = \"a\"\nrejected = [4000]\n",
                "conformance.toml:3:13",
                "4000 is not an HTTP status",
            ),
            (
                "[[expect]]\noperation = \"a\"\n",
                "conformance.toml:1:1",
                "expected `accepted = [...]`",
            ),
            ("[owners]\nx = 1\n", "conformance.toml:1:2", "unknown field `owners`"),
        ];
        for (text, place, message) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.starts_with(place) && e.contains(message), "{text}\n→ {e}");
        }
    }

    #[test]
    fn a_baseline_reads_back_as_a_config() {
        let mut report: crate::report::Report = serde_json::from_value(serde_json::json!({
            "api": "kejue", "preflight": [], "planned": 1, "cleanup_failures": [], "notes": [],
            "interrupted": false, "stopped_after": null, "snapshots": null,
            "cases": [{
                "name": "createWebhook.url.\"quoted\"", "operation": "createWebhook", "expect": "rejected",
                "varied": "url", "status": "failed", "checks_run": 3, "error": null, "snapshot": null,
                "exchange": "", "request": null, "curl": null,
                "failures": [{"name": "negative_data_rejection", "severity": "critical", "passed": false,
                              "rule": "/paths", "message": "expected a 4xx, got 200\nmore"}]
            }]
        }))
        .unwrap();
        report.cases[0].status = crate::report::Status::Failed;
        let today = Date::parse("2026-11-30").unwrap();
        let text = Config::baseline(&report, today, today.plus_days(30));
        assert_eq!(
            text,
            "# Known deviations of kejue on 2026-11-30: each failed check of the run, until 2026-12-30.\n\
             # Replace each reason with why the server differs (a ticket), or fix the server.\n\
             \n\
             [[known]]\n\
             case = 'createWebhook.url.\"quoted\"'\n\
             check = \"negative_data_rejection\"\n\
             reason = \"baseline of 2026-11-30: replace with why (a ticket), or fix the server\"\n\
             until = \"2026-12-30\"\n"
        );
        let config = parse(&text).unwrap();
        assert_eq!(config.known.len(), 1, "{text}");
        assert_eq!(config.known[0].case, "createWebhook.url.\"quoted\"");
        assert_eq!(config.known[0].until.to_string(), "2026-12-30");
        assert!(
            config.known[0]
                .reason
                .starts_with("baseline of 2026-11-30: replace with why")
        );
    }
}
