//! Validators for the OpenAPI / JSON Schema string formats, used by
//! generated code at runtime.
//!
//! [`Format::check`] validates a string against a `format`. A spec's format name is read
//! into a [`Format`] once, when the spec is lowered; formats this module does not know are
//! accepted, as JSON Schema prescribes (lowering keeps no rule for them). The numeric
//! formats (`int32`, `int64`, `float`, `double`) and the annotation-only ones
//! (`password`, `binary`) are known but put no constraint on strings.
//!
//! Every format of JSON Schema 2020-12 is checked: `iri`, `iri-reference` by `iri-string`,
//! `regex` by `regress` (ECMA-262, as `pattern`), `idn-hostname` and `idn-email` by `idna`
//! (UTS 46, behind the feature `idn`: their variants exist only with it), and the small
//! grammars of `duration`, `uri-template`, `json-pointer` and `relative-json-pointer` here.
//! Whether a format is checked at all is the reader's choice ([`FormatMode`]).
//!
//! Byte positions in error reasons are 0-based offsets into the checked
//! value.
//!
//! Deliberate leniencies: `uri` / `uri-reference` accept unencoded `[` and
//! `]` in the query and fragment (RFC 3986 allows them only around an IP
//! literal host, but `?filter[name]=x` is common); `email` requires a domain
//! with at least two labels (or an address literal).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A value that does not match its `format`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// The format that was checked, e.g. `"date-time"`.
    pub format: &'static str,
    /// What is wrong, briefly, e.g. `"month 13 is out of range"`.
    pub reason: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a valid {}: {}", self.format, self.reason)
    }
}

impl std::error::Error for FormatError {}

/// What a schema's `format` does, chosen per use of a spec (not per spec: the same document may be
/// read both ways).
///
/// - [`FormatMode::Assert`], the default: a known format is a rule, as `minLength` is. The
///   generated types, the validator and the conformance runner read specs this way (an API
///   that says `format: email` means it).
/// - [`FormatMode::Annotate`]: JSON Schema 2020-12's default (the format-annotation
///   vocabulary): a format is only a note, and every string passes it. The
///   JSON-Schema-Test-Suite's required tests expect this; its `optional/format/` tests expect
///   `Assert`.
///
/// The mode is applied once, when a spec is lowered (`generator::lower::Options`): in
/// `Annotate` no format reaches the model's rules, so everything downstream (generated code,
/// `model::validate`, the runner's edges) sees no format to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FormatMode {
    /// A known format refuses the strings it does not describe.
    #[default]
    Assert,
    /// A format refuses nothing: it is read for docs only.
    Annotate,
}

type Checker = fn(&str) -> Result<(), String>;

/// Every string format the workspace knows: its name in a spec, its check, and the samples the
/// conformance runner sends. One list: the lowering, the generated types, the runner's cases and
/// its redaction all read it from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Uri,
    UriReference,
    Uuid,
    DateTime,
    Date,
    Time,
    Email,
    Ipv4,
    Ipv6,
    Hostname,
    /// Base64 (`format: byte`).
    Byte,
    /// An RFC 3339 (appendix A) duration: `P1DT12H`, `P2W`.
    Duration,
    /// An RFC 6901 JSON pointer: `/a/b~1c`.
    JsonPointer,
    /// A relative JSON pointer: `0/a`, `1#`.
    RelativeJsonPointer,
    /// An RFC 3987 IRI (a URI that may hold non-ASCII characters), with a scheme.
    Iri,
    /// An RFC 3987 IRI reference (relative ones too).
    IriReference,
    /// An RFC 6570 URI template: `https://example.com/{id}`.
    UriTemplate,
    /// An ECMA-262 regular expression (read by `regress`, as `pattern` is).
    Regex,
    /// An internationalized host name (IDNA2008 through UTS 46, by the `idna` crate; runtime
    /// feature `idn`).
    #[cfg(feature = "idn")]
    IdnHostname,
    /// An RFC 6531 mailbox: non-ASCII local part, internationalized domain (feature `idn`).
    #[cfg(feature = "idn")]
    IdnEmail,
    // Known, but they put no constraint on strings (numeric widths, annotations).
    Int32,
    Int64,
    Float,
    Double,
    Password,
    Binary,
}

/// A value a format refuses, and a short name for what is wrong with it (`not_a_uri`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    pub what: &'static str,
    pub value: &'static str,
}

/// How many formats this build knows (the `idn` feature adds two).
const COUNT: usize = 24 + if cfg!(feature = "idn") { 2 } else { 0 };

impl Format {
    pub const ALL: [Format; COUNT] = [
        Format::Uri,
        Format::UriReference,
        Format::Uuid,
        Format::DateTime,
        Format::Date,
        Format::Time,
        Format::Email,
        Format::Ipv4,
        Format::Ipv6,
        Format::Hostname,
        Format::Byte,
        Format::Duration,
        Format::JsonPointer,
        Format::RelativeJsonPointer,
        Format::Iri,
        Format::IriReference,
        Format::UriTemplate,
        Format::Regex,
        #[cfg(feature = "idn")]
        Format::IdnHostname,
        #[cfg(feature = "idn")]
        Format::IdnEmail,
        Format::Int32,
        Format::Int64,
        Format::Float,
        Format::Double,
        Format::Password,
        Format::Binary,
    ];

    /// The name a spec uses: `"date-time"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Format::Uri => "uri",
            Format::UriReference => "uri-reference",
            Format::Uuid => "uuid",
            Format::DateTime => "date-time",
            Format::Date => "date",
            Format::Time => "time",
            Format::Email => "email",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
            Format::Hostname => "hostname",
            Format::Byte => "byte",
            Format::Duration => "duration",
            Format::JsonPointer => "json-pointer",
            Format::RelativeJsonPointer => "relative-json-pointer",
            Format::Iri => "iri",
            Format::IriReference => "iri-reference",
            Format::UriTemplate => "uri-template",
            Format::Regex => "regex",
            #[cfg(feature = "idn")]
            Format::IdnHostname => "idn-hostname",
            #[cfg(feature = "idn")]
            Format::IdnEmail => "idn-email",
            Format::Int32 => "int32",
            Format::Int64 => "int64",
            Format::Float => "float",
            Format::Double => "double",
            Format::Password => "password",
            Format::Binary => "binary",
        }
    }

    /// The format a spec names; `None` for formats the workspace does not know (case-sensitive).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    fn checker(self) -> Option<Checker> {
        Some(match self {
            Format::Uri => check_uri,
            Format::UriReference => check_uri_reference,
            Format::Uuid => check_uuid,
            Format::DateTime => check_date_time,
            Format::Date => check_date,
            Format::Time => check_time,
            Format::Email => check_email,
            Format::Ipv4 => check_ipv4,
            Format::Ipv6 => check_ipv6,
            Format::Hostname => check_hostname,
            Format::Byte => check_base64,
            Format::Duration => check_duration,
            Format::JsonPointer => check_json_pointer,
            Format::RelativeJsonPointer => check_relative_json_pointer,
            Format::Iri => check_iri,
            Format::IriReference => check_iri_reference,
            Format::UriTemplate => check_uri_template,
            Format::Regex => check_regex,
            #[cfg(feature = "idn")]
            Format::IdnHostname => check_idn_hostname,
            #[cfg(feature = "idn")]
            Format::IdnEmail => check_idn_email,
            Format::Int32 | Format::Int64 | Format::Float | Format::Double | Format::Password | Format::Binary => {
                return None;
            }
        })
    }

    /// The runtime feature a format's check needs beyond the default build (`idn`), which
    /// a crate of generated code that uses it must turn on.
    #[must_use]
    pub const fn feature(self) -> Option<&'static str> {
        match self {
            #[cfg(feature = "idn")]
            Format::IdnHostname | Format::IdnEmail => Some("idn"),
            _ => None,
        }
    }

    /// Whether a string can fail this format, i.e. whether generated code checks it at all.
    #[must_use]
    pub fn is_checked(self) -> bool {
        self.checker().is_some()
    }

    /// Checks `value`; always Ok for formats that put no constraint on strings.
    pub fn check(self, value: &str) -> Result<(), FormatError> {
        match self.checker() {
            Some(check) => check(value).map_err(|reason| FormatError {
                format: self.name(),
                reason,
            }),
            None => Ok(()),
        }
    }

    /// A short value the format accepts; `None` when any string will do. For `uri`,
    /// `uri-reference`, `email` and `hostname`, letters appended keep it valid.
    #[must_use]
    pub const fn valid_sample(self) -> Option<&'static str> {
        Some(match self {
            Format::Uri | Format::UriReference => "https://example.com/",
            Format::Uuid => "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            Format::DateTime => "2024-01-01T00:00:00Z",
            Format::Date => "2024-01-01",
            Format::Time => "00:00:00Z",
            Format::Email => "conformance@example.com",
            Format::Ipv4 => "192.0.2.1",
            Format::Ipv6 => "2001:db8::1",
            Format::Hostname => "example.com",
            Format::Byte => "Y29uZm9ybWFuY2U=",
            Format::Duration => "P1D",
            Format::JsonPointer => "/a/b",
            Format::RelativeJsonPointer => "0/a",
            Format::Iri | Format::IriReference => "https://example.com/",
            Format::UriTemplate => "https://example.com/{id}",
            Format::Regex => "^[a-z]+$",
            #[cfg(feature = "idn")]
            Format::IdnHostname => "example.com",
            #[cfg(feature = "idn")]
            Format::IdnEmail => "conformance@example.com",
            Format::Int32 | Format::Int64 | Format::Float | Format::Double | Format::Password | Format::Binary => {
                return None;
            }
        })
    }

    /// Values the format refuses, the most telling first; empty when it refuses nothing.
    #[must_use]
    pub const fn invalid_samples(self) -> &'static [Invalid] {
        match self {
            Format::Uri => &[
                Invalid {
                    what: "not_a_uri",
                    value: "not a uri",
                },
                Invalid {
                    what: "relative_uri",
                    value: "/relative/path",
                },
            ],
            Format::UriReference => &[Invalid {
                what: "not_a_uri",
                value: "not a uri",
            }],
            Format::Uuid => &[Invalid {
                what: "bad_uuid",
                value: "not-a-uuid",
            }],
            Format::DateTime => &[Invalid {
                what: "bad_date_time",
                value: "2024-13-45T25:61:00Z",
            }],
            Format::Date => &[Invalid {
                what: "bad_date",
                value: "2024-02-30",
            }],
            Format::Time => &[Invalid {
                what: "bad_time",
                value: "not valid",
            }],
            Format::Email => &[Invalid {
                what: "bad_email",
                value: "not-an-email",
            }],
            Format::Ipv4 => &[Invalid {
                what: "bad_ipv4",
                value: "not valid",
            }],
            Format::Ipv6 => &[Invalid {
                what: "bad_ipv6",
                value: "not valid",
            }],
            Format::Hostname => &[Invalid {
                what: "bad_hostname",
                value: "not valid",
            }],
            Format::Byte => &[Invalid {
                what: "bad_byte",
                value: "not valid",
            }],
            Format::Duration => &[Invalid {
                what: "bad_duration",
                value: "P1Y2D",
            }],
            Format::JsonPointer => &[Invalid {
                what: "bad_json_pointer",
                value: "a/b",
            }],
            Format::RelativeJsonPointer => &[Invalid {
                what: "bad_relative_json_pointer",
                value: "/a",
            }],
            Format::Iri => &[Invalid {
                what: "not_an_iri",
                value: "not an iri",
            }],
            Format::IriReference => &[Invalid {
                what: "not_an_iri",
                value: "not an iri",
            }],
            Format::UriTemplate => &[Invalid {
                what: "unclosed_expression",
                value: "https://example.com/{id",
            }],
            Format::Regex => &[Invalid {
                what: "bad_regex",
                value: "(",
            }],
            #[cfg(feature = "idn")]
            Format::IdnHostname => &[Invalid {
                what: "bad_idn_hostname",
                value: "not valid",
            }],
            #[cfg(feature = "idn")]
            Format::IdnEmail => &[Invalid {
                what: "bad_email",
                value: "not-an-email",
            }],
            Format::Int32 | Format::Int64 | Format::Float | Format::Double | Format::Password | Format::Binary => &[],
        }
    }

    /// The first of [`Format::invalid_samples`].
    #[must_use]
    pub const fn invalid_sample(self) -> Option<&'static str> {
        match self.invalid_samples() {
            [first, ..] => Some(first.value),
            [] => None,
        }
    }

    /// For formats whose values a server usually mints (timestamps, ids), what redaction calls
    /// such a value: `"timestamp"`, `"uuid"`.
    #[must_use]
    pub const fn volatile_kind(self) -> Option<&'static str> {
        match self {
            Format::DateTime => Some("timestamp"),
            Format::Uuid => Some("uuid"),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ---------------------------------------------------------------------------
// uri, uri-reference (RFC 3986)
// ---------------------------------------------------------------------------

fn check_uri(value: &str) -> Result<(), String> {
    check_reference(value, true)
}

fn check_uri_reference(value: &str) -> Result<(), String> {
    check_reference(value, false)
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

fn is_gen_delim(b: u8) -> bool {
    matches!(b, b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@')
}

/// Checks that `value` only holds characters a URI may contain, and that
/// every `%` starts a valid percent-encoding.
fn check_uri_chars(value: &str) -> Result<(), String> {
    let bytes = value.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'%' {
            let valid = bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit));
            if !valid {
                return Err(format!("invalid percent-encoding at byte {i}"));
            }
        } else if b == b' ' {
            return Err(format!("space at byte {i}"));
        } else if b.is_ascii_control() {
            return Err(format!("control character at byte {i}"));
        } else if !b.is_ascii() {
            return Err(format!("non-ASCII character at byte {i}"));
        } else if !(is_unreserved(b) || is_sub_delim(b) || is_gen_delim(b)) {
            return Err(format!("invalid character '{}' at byte {i}", char::from(b)));
        }
    }
    Ok(())
}

/// Substring by byte range; empty if the range does not fit (it always
/// does: every split point is an ASCII delimiter).
fn part(value: &str, start: usize, end: usize) -> &str {
    value.get(start..end).unwrap_or_default()
}

/// Offset of the first `needle` in `value[start..end]`.
fn find_in(value: &str, start: usize, end: usize, needle: char) -> Option<usize> {
    part(value, start, end).find(needle).map(|i| start + i)
}

fn check_reference(value: &str, require_scheme: bool) -> Result<(), String> {
    if require_scheme && value.is_empty() {
        return Err("missing scheme".to_owned());
    }
    check_uri_chars(value)?;
    let len = value.len();

    // scheme ":" — the first ':' before any '/', '?' or '#'.
    let scheme_end = value
        .find([':', '/', '?', '#'])
        .filter(|&i| value.as_bytes().get(i) == Some(&b':'));
    let scheme = match scheme_end {
        Some(end) => {
            let scheme = part(value, 0, end);
            check_scheme(scheme)?;
            Some(scheme)
        }
        None if require_scheme => {
            return Err("relative reference without a scheme".to_owned());
        }
        None => None,
    };
    let hier_start = scheme_end.map_or(0, |i| i + 1);

    let fragment = find_in(value, hier_start, len, '#');
    if let Some(hash) = fragment
        && let Some(second) = find_in(value, hash + 1, len, '#')
    {
        return Err(format!("second '#' at byte {second}"));
    }
    let query_end = fragment.unwrap_or(len);
    let path_end = find_in(value, hier_start, query_end, '?').unwrap_or(query_end);

    let is_http = scheme.is_some_and(|s| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"));
    // Brackets may only delimit an IP literal host; this is its range.
    let mut literal = None;
    if part(value, hier_start, path_end).starts_with("//") {
        let start = hier_start + 2;
        let end = find_in(value, start, path_end, '/').unwrap_or(path_end);
        literal = check_authority(value, start, end, is_http)?;
    } else if let Some(scheme) = scheme.filter(|_| is_http) {
        return Err(format!("missing \"//\" after \"{scheme}:\""));
    }

    // (Leniency: brackets are accepted in the query and fragment, where
    // they are common unencoded, e.g. `?filter[name]=x`.)
    for (i, b) in value.bytes().enumerate().take(path_end) {
        let in_literal = literal.is_some_and(|(open, close)| i == open || i == close);
        if matches!(b, b'[' | b']') && !in_literal {
            return Err(format!("'{}' at byte {i} outside of an IP literal host", char::from(b)));
        }
    }
    Ok(())
}

/// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
fn check_scheme(scheme: &str) -> Result<(), String> {
    let mut bytes = scheme.bytes();
    match bytes.next() {
        None => return Err("empty scheme".to_owned()),
        Some(b) if !b.is_ascii_alphabetic() => {
            return Err("scheme must start with a letter".to_owned());
        }
        Some(_) => {}
    }
    match bytes.find(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))) {
        Some(b) => Err(format!("invalid character '{}' in scheme", char::from(b))),
        None => Ok(()),
    }
}

/// Checks the authority `value[start..end]`; returns the offsets of the
/// brackets of an IP literal host, if there is one.
fn check_authority(value: &str, start: usize, end: usize, is_http: bool) -> Result<Option<(usize, usize)>, String> {
    // userinfo "@" — userinfo cannot contain '@', the host neither.
    let host_start = find_in(value, start, end, '@').map_or(start, |at| at + 1);
    if let Some(at) = find_in(value, host_start, end, '@') {
        return Err(format!("second '@' at byte {at}"));
    }
    let mut literal = None;
    let port_colon = if part(value, host_start, end).starts_with('[') {
        let close = find_in(value, host_start, end, ']').ok_or_else(|| "unclosed '[' in host".to_owned())?;
        check_ip_literal(part(value, host_start + 1, close))?;
        literal = Some((host_start, close));
        match value.as_bytes().get(close + 1) {
            Some(b':') if close + 1 < end => Some(close + 1),
            _ if close + 1 == end => None,
            _ => {
                return Err(format!("unexpected character after ']' at byte {}", close + 1));
            }
        }
    } else {
        find_in(value, host_start, end, ':')
    };
    let host_end = port_colon.unwrap_or(end);
    if is_http && host_end == host_start {
        return Err("missing host".to_owned());
    }
    if let Some(colon) = port_colon {
        check_port(part(value, colon + 1, end), is_http)?;
    }
    Ok(literal)
}

fn check_ip_literal(literal: &str) -> Result<(), String> {
    if let Some(future) = literal.strip_prefix(['v', 'V']) {
        // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
        let valid = future.split_once('.').is_some_and(|(version, rest)| {
            !version.is_empty()
                && version.bytes().all(|b| b.is_ascii_hexdigit())
                && !rest.is_empty()
                && rest.bytes().all(|b| is_unreserved(b) || is_sub_delim(b) || b == b':')
        });
        return if valid {
            Ok(())
        } else {
            Err("invalid IPvFuture literal".to_owned())
        };
    }
    literal
        .parse::<Ipv6Addr>()
        .map(|_| ())
        .map_err(|_| format!("invalid IPv6 literal [{literal}]"))
}

fn check_port(port: &str, is_http: bool) -> Result<(), String> {
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("invalid port \"{port}\""));
    }
    if is_http {
        if port.is_empty() {
            return Err("empty port".to_owned());
        }
        if port.parse::<u16>().is_err() {
            return Err(format!("port {port} is out of range"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// uuid
// ---------------------------------------------------------------------------

fn check_uuid(value: &str) -> Result<(), String> {
    if value.len() != 36 {
        return Err(format!(
            "expected 36 characters (8-4-4-4-12 hex digits), found {}",
            value.chars().count()
        ));
    }
    // With 36 bytes, every position before the first non-ASCII character
    // is also a character index.
    for (i, c) in value.char_indices() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != '-' {
                return Err(format!("expected '-' at position {i}"));
            }
        } else if !c.is_ascii_hexdigit() {
            return Err(format!("invalid hex digit {c:?} at position {i}"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// date-time, date, time (RFC 3339)
// ---------------------------------------------------------------------------

/// The decimal number in `value[start..end]`, if it is all ASCII digits.
fn number(value: &str, start: usize, end: usize) -> Option<u32> {
    let digits = value.get(start..end)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn is_leap_year(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// full-date = date-fullyear "-" date-month "-" date-mday
fn check_date(value: &str) -> Result<(), String> {
    let bytes = value.as_bytes();
    let shaped = bytes.len() == 10 && bytes.get(4) == Some(&b'-') && bytes.get(7) == Some(&b'-');
    let fields = (number(value, 0, 4), number(value, 5, 7), number(value, 8, 10));
    let (true, (Some(year), Some(month), Some(day))) = (shaped, fields) else {
        return Err("expected YYYY-MM-DD".to_owned());
    };
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} is out of range"));
    }
    if !(1..=days_in_month(year, month)).contains(&day) {
        return Err(format!("day {day} is out of range for {year:04}-{month:02}"));
    }
    Ok(())
}

/// full-time = partial-time time-offset
fn check_time(value: &str) -> Result<(), String> {
    let bytes = value.as_bytes();
    let shaped = bytes.len() >= 8 && bytes.get(2) == Some(&b':') && bytes.get(5) == Some(&b':');
    let fields = (number(value, 0, 2), number(value, 3, 5), number(value, 6, 8));
    let (true, (Some(hour), Some(minute), Some(second))) = (shaped, fields) else {
        return Err("expected HH:MM:SS".to_owned());
    };
    if hour > 23 {
        return Err(format!("hour {hour} is out of range"));
    }
    if minute > 59 {
        return Err(format!("minute {minute} is out of range"));
    }
    if second > 60 {
        return Err(format!("second {second} is out of range"));
    }

    // time-secfrac = "." 1*DIGIT
    let mut rest = value.get(8..).unwrap_or_default();
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err("missing digits after '.'".to_owned());
        }
        rest = fraction.get(digits..).unwrap_or_default();
    }

    // time-offset = "Z" / ("+" / "-") HH ":" MM
    let offset_minutes: i64 = match rest.as_bytes() {
        [] => return Err("missing time zone offset (Z or +HH:MM)".to_owned()),
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (Some(hours), Some(minutes)) = (number(rest, 1, 3), number(rest, 4, 6)) else {
                return Err(format!("invalid time zone offset \"{rest}\""));
            };
            if hours > 23 || minutes > 59 {
                return Err(format!("time zone offset \"{rest}\" is out of range"));
            }
            let minutes = i64::from(hours * 60 + minutes);
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return Err(format!("invalid time zone offset \"{rest}\"")),
    };

    if second == 60 {
        let utc = (i64::from(hour * 60 + minute) - offset_minutes).rem_euclid(24 * 60);
        if utc != 23 * 60 + 59 {
            return Err("leap second is only allowed at 23:59 UTC".to_owned());
        }
    }
    Ok(())
}

/// date-time = full-date "T" full-time
fn check_date_time(value: &str) -> Result<(), String> {
    let Some(date) = value.get(..10) else {
        return Err("expected YYYY-MM-DDTHH:MM:SS followed by Z or an offset".to_owned());
    };
    check_date(date)?;
    match value.as_bytes().get(10) {
        Some(b'T' | b't') => {}
        None => return Err("missing time".to_owned()),
        Some(_) => return Err("expected 'T' between date and time".to_owned()),
    }
    check_time(value.get(11..).unwrap_or_default())
}

// ---------------------------------------------------------------------------
// email, hostname, ipv4, ipv6
// ---------------------------------------------------------------------------

/// A pragmatic RFC 5321 mailbox check: a dot-atom or quoted local part, an
/// `@`, and a domain name with at least two labels (or an address literal
/// such as `[192.0.2.1]` or `[IPv6:2001:db8::1]`).
fn check_email(value: &str) -> Result<(), String> {
    if let Some(i) = value.find(char::is_control) {
        return Err(format!("control character at byte {i}"));
    }
    if !value.is_ascii() {
        return Err("non-ASCII characters are only allowed in idn-email".to_owned());
    }
    let (local, domain) = split_email(value)?;
    if !local.starts_with('"') {
        check_dot_atom(local)?;
    }
    if let Some(literal) = domain.strip_prefix('[') {
        let literal = literal
            .strip_suffix(']')
            .ok_or_else(|| "unclosed '[' in domain".to_owned())?;
        let valid = match literal.strip_prefix("IPv6:") {
            Some(v6) => v6.parse::<Ipv6Addr>().is_ok(),
            None => literal.parse::<Ipv4Addr>().is_ok(),
        };
        return if valid {
            Ok(())
        } else {
            Err(format!("invalid address literal [{literal}]"))
        };
    }
    check_hostname(domain).map_err(|reason| format!("domain: {reason}"))?;
    if !domain.contains('.') {
        return Err("domain needs at least two labels".to_owned());
    }
    Ok(())
}

/// Splits at the `@` that ends the local part (which may be a quoted string
/// containing `@`).
fn split_email(value: &str) -> Result<(&str, &str), String> {
    let at = if value.starts_with('"') {
        let bytes = value.as_bytes();
        let mut i = 1;
        loop {
            match bytes.get(i) {
                None => return Err("unclosed quoted local part".to_owned()),
                Some(b'\\') => i += 2,
                Some(b'"') => break,
                Some(_) => i += 1,
            }
        }
        if i == 1 {
            return Err("empty local part".to_owned());
        }
        if bytes.get(i + 1) != Some(&b'@') {
            return Err("expected '@' after the quoted local part".to_owned());
        }
        i + 1
    } else {
        value.find('@').ok_or_else(|| "missing '@'".to_owned())?
    };
    let local = value.get(..at).unwrap_or_default();
    let domain = value.get(at + 1..).unwrap_or_default();
    if local.is_empty() {
        return Err("empty local part".to_owned());
    }
    if domain.contains('@') {
        return Err("more than one '@'".to_owned());
    }
    if domain.is_empty() {
        return Err("empty domain".to_owned());
    }
    Ok((local, domain))
}

/// dot-atom = 1*atext *("." 1*atext)
fn check_dot_atom(local: &str) -> Result<(), String> {
    if local.contains(char::is_whitespace) {
        return Err("whitespace in local part".to_owned());
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("local part has a leading, trailing or double '.'".to_owned());
    }
    let is_atext = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b);
    match local.bytes().find(|&b| !is_atext(b)) {
        Some(b) => Err(format!("invalid character '{}' in local part", char::from(b))),
        None => Ok(()),
    }
}

/// RFC 1123 host name: dot-separated labels of letters, digits and
/// hyphens, each 1 to 63 characters, not starting or ending with a hyphen,
/// 253 characters in total at most.
fn check_hostname(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("empty".to_owned());
    }
    if value.len() > 253 {
        return Err(format!("{} characters, at most 253 allowed", value.len()));
    }
    for label in value.split('.') {
        if label.is_empty() {
            return Err("empty label".to_owned());
        }
        if label.len() > 63 {
            return Err(format!("label of {} characters, at most 63 allowed", label.len()));
        }
        if let Some(c) = label.chars().find(|&c| !(c.is_ascii_alphanumeric() || c == '-')) {
            return Err(format!("invalid character {c:?}"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label \"{label}\" starts or ends with '-'"));
        }
        if label.len() >= 4 && label[..4].eq_ignore_ascii_case("xn--") {
            check_a_label(&label[4..])?;
        }
    }
    Ok(())
}

/// An A-label (`xn--...`) must decode (RFC 3492) to a U-label that IDNA2008 allows
/// (RFC 5891, 5892): no leading mark, no `--` at positions 3 and 4, none of the DISALLOWED
/// exceptions, and the contextual rules for the characters that have them. Code points
/// outside those rules are not judged (no Unicode tables here).
fn check_a_label(encoded: &str) -> Result<(), String> {
    let label = punycode_decode(encoded).ok_or_else(|| format!("invalid Punycode \"xn--{encoded}\""))?;
    let chars: Vec<char> = label.chars().collect();
    if chars.get(2..4) == Some(&['-', '-']) {
        return Err(format!("U-label \"{label}\" has \"--\" in the 3rd and 4th position"));
    }
    if chars.first().is_some_and(|c| is_mark(*c)) {
        return Err(format!("U-label \"{label}\" begins with a combining mark"));
    }
    let in_range = |c: char, ranges: &[(u32, u32)]| ranges.iter().any(|(a, b)| (*a..=*b).contains(&(c as u32)));
    let has_arabic_indic = chars.iter().any(|c| ('\u{660}'..='\u{669}').contains(c));
    let has_extended = chars.iter().any(|c| ('\u{6F0}'..='\u{6F9}').contains(c));
    if has_arabic_indic && has_extended {
        return Err("Arabic-Indic digits mixed with Extended Arabic-Indic digits".to_owned());
    }
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        let allowed = match c {
            // DISALLOWED exceptions (RFC 5892, 2.6).
            '\u{640}' | '\u{7FA}' | '\u{302E}' | '\u{302F}' | '\u{3031}'..='\u{3035}' | '\u{303B}' => false,
            // CONTEXTO (RFC 5892, appendix A).
            '\u{B7}' => before == Some('l') && after == Some('l'),
            '\u{375}' => after.is_some_and(|a| in_range(a, &[(0x370, 0x3FF), (0x1F00, 0x1FFF)])),
            '\u{5F3}' | '\u{5F4}' => before.is_some_and(|b| in_range(b, &[(0x590, 0x5FF)])),
            '\u{30FB}' => chars.iter().any(|&o| {
                o != '\u{30FB}'
                    && in_range(
                        o,
                        &[(0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)],
                    )
            }),
            // CONTEXTJ: after a virama; a non-joiner also between joining letters (the joining
            // types approximated by the Arabic, Syriac and N'Ko letters).
            '\u{200D}' => before.is_some_and(is_virama),
            '\u{200C}' => {
                let joining = |c: char| {
                    in_range(
                        c,
                        &[
                            (0x620, 0x64A),
                            (0x66E, 0x6D3),
                            (0x6FA, 0x6FC),
                            (0x710, 0x74F),
                            (0x7CA, 0x7EA),
                        ],
                    )
                };
                before.is_some_and(is_virama) || (before.is_some_and(joining) && after.is_some_and(joining))
            }
            // PVALID exceptions (RFC 5892, 2.6) that are punctuation or symbols.
            '\u{DF}' | '\u{3C2}' | '\u{6FD}' | '\u{6FE}' | '\u{F0B}' | '\u{3007}' => true,
            // Punctuation and symbols are DISALLOWED (RFC 5892, 2.1: not letters, digits or marks).
            c => !is_punctuation_or_symbol(c),
        };
        if !allowed {
            return Err(format!(
                "U-label \"{label}\" has U+{:04X} where IDNA2008 does not allow it",
                c as u32
            ));
        }
    }
    Ok(())
}

/// General Category P or S, from `regress`'s Unicode tables.
fn is_punctuation_or_symbol(c: char) -> bool {
    static CLASS: std::sync::OnceLock<regress::Regex> = std::sync::OnceLock::new();
    let class = CLASS.get_or_init(|| regress::Regex::with_flags(r"^[\p{P}\p{S}]$", "u").expect("a valid class"));
    class.find(c.encode_utf8(&mut [0; 4])).is_some()
}

/// Combining marks (General Category M) in the blocks that hold most of them.
fn is_mark(c: char) -> bool {
    const MARKS: &[(u32, u32)] = &[
        (0x300, 0x36F),
        (0x483, 0x489),
        (0x591, 0x5BD),
        (0x610, 0x61A),
        (0x64B, 0x65F),
        (0x6D6, 0x6ED),
        (0x900, 0x903),
        (0x93A, 0x94F),
        (0x1AB0, 0x1AFF),
        (0x1DC0, 0x1DFF),
        (0x20D0, 0x20FF),
        (0xFE20, 0xFE2F),
    ];
    MARKS.iter().any(|(a, b)| (*a..=*b).contains(&(c as u32)))
}

/// Viramas (canonical combining class 9) of the Brahmic scripts.
fn is_virama(c: char) -> bool {
    matches!(
        c as u32,
        0x94D
            | 0x9CD
            | 0xA4D
            | 0xACD
            | 0xB4D
            | 0xBCD
            | 0xC4D
            | 0xCCD
            | 0xD4D
            | 0xDCA
            | 0xE3A
            | 0xF84
            | 0x1039
            | 0x103A
            | 0x1714
            | 0x1734
            | 0x17D2
            | 0x1A60
            | 0x1B44
            | 0x1BAA
            | 0x1BAB
            | 0x1BF2
            | 0x1BF3
            | 0x2D7F
            | 0xA806
            | 0xA8C4
            | 0xA953
            | 0xA9C0
            | 0xAAF6
            | 0xABED
    )
}

/// RFC 3492 Punycode, the part after `xn--`; `None` when it is not valid Punycode.
fn punycode_decode(input: &str) -> Option<String> {
    const BASE: u32 = 36;
    let (basic, extended) = match input.rfind('-') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => ("", input),
    };
    let mut output: Vec<char> = basic.chars().collect();
    if !basic.is_ascii() {
        return None;
    }
    let (mut n, mut i, mut bias) = (128u32, 0u32, 72u32);
    let mut digits = extended.bytes().peekable();
    while digits.peek().is_some() {
        let (old_i, mut weight, mut k) = (i, 1u32, BASE);
        loop {
            let digit = match digits.next()? {
                b @ b'a'..=b'z' => u32::from(b - b'a'),
                b @ b'A'..=b'Z' => u32::from(b - b'A'),
                b @ b'0'..=b'9' => u32::from(b - b'0') + 26,
                _ => return None,
            };
            i = i.checked_add(digit.checked_mul(weight)?)?;
            let t = if k <= bias {
                1
            } else if k >= bias + 26 {
                26
            } else {
                k - bias
            };
            if digit < t {
                break;
            }
            weight = weight.checked_mul(BASE - t)?;
            k += BASE;
        }
        let length = output.len() as u32 + 1;
        bias = {
            let mut delta = if old_i == 0 { (i - old_i) / 700 } else { (i - old_i) / 2 };
            delta += delta / length;
            let mut k = 0;
            while delta > ((BASE - 1) * 26) / 2 {
                delta /= BASE - 1;
                k += BASE;
            }
            k + (BASE * delta) / (delta + 38)
        };
        n = n.checked_add(i / length)?;
        i %= length;
        output.insert(i as usize, char::from_u32(n)?);
        i += 1;
    }
    Some(output.into_iter().collect())
}

/// An internationalized host name: UTS 46 processing (`idna`: IDNA2008's validity, the Bidi
/// and joiner rules, hyphens, DNS lengths; the full stops U+3002, U+FF0E, U+FF61 separate
/// labels), then the A-labels it gives are held to the host name rules above, whose
/// contextual rules (RFC 5892 appendix A) UTS 46 does not check.
#[cfg(feature = "idn")]
fn check_idn_hostname(value: &str) -> Result<(), String> {
    use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
    if value.is_empty() {
        return Err("empty".to_owned());
    }
    let ascii = Uts46::new()
        .to_ascii(value.as_bytes(), AsciiDenyList::STD3, Hyphens::Check, DnsLength::Verify)
        .map_err(|_| "not a host name IDNA2008 allows (UTS 46)".to_owned())?;
    check_hostname(&ascii)
}

/// RFC 6531: a mailbox whose local part may hold any non-ASCII character and whose domain is
/// an internationalized host name (or an address literal, as in `email`).
#[cfg(feature = "idn")]
fn check_idn_email(value: &str) -> Result<(), String> {
    let (local, domain) = split_email(value)?;
    if !local.starts_with('"') {
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err("local part has a leading, trailing or double '.'".to_owned());
        }
        let is_atext = |c: char| !c.is_ascii() || c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
        if let Some(c) = local.chars().find(|&c| !is_atext(c)) {
            return Err(format!("invalid character {c:?} in local part"));
        }
    }
    if domain.starts_with('[') {
        return check_email(&format!("a@{domain}"));
    }
    check_idn_hostname(domain).map_err(|reason| format!("domain: {reason}"))
}

fn check_ipv4(value: &str) -> Result<(), String> {
    value
        .parse::<Ipv4Addr>()
        .map(|_| ())
        .map_err(|_| "expected four decimal octets 0-255 without leading zeros".to_owned())
}

fn check_ipv6(value: &str) -> Result<(), String> {
    value
        .parse::<Ipv6Addr>()
        .map(|_| ())
        .map_err(|_| "not an IPv6 address".to_owned())
}

// ---------------------------------------------------------------------------
// duration, json-pointer, relative-json-pointer, iri, iri-reference, uri-template, regex
// ---------------------------------------------------------------------------

/// RFC 3339 appendix A, its ABNF as it stands (ASCII digits, no fractions, no sign):
///
/// ```text
/// duration = "P" (dur-date / dur-time / dur-week)
/// dur-date = (dur-day / dur-month / dur-year) [dur-time]
/// dur-time = "T" (dur-hour / dur-minute / dur-second)
/// dur-year = 1*DIGIT "Y" [dur-month]    dur-hour = 1*DIGIT "H" [dur-minute]
/// dur-month = 1*DIGIT "M" [dur-day]     dur-minute = 1*DIGIT "M" [dur-second]
/// dur-day = 1*DIGIT "D"                 dur-second = 1*DIGIT "S"
/// dur-week = 1*DIGIT "W"
/// ```
///
/// Each unit may only be followed by the next one (`P1Y2D` skips the month), which the
/// ISO 8601 crates do not hold to; the grammar is eleven lines, so it is read here.
fn check_duration(value: &str) -> Result<(), String> {
    /// The leading `digits unit` pairs, in order; `None` for digits without a unit.
    fn elements(text: &str) -> Option<Vec<char>> {
        let mut units = Vec::new();
        let mut digits = 0;
        for c in text.chars() {
            if c.is_ascii_digit() {
                digits += 1;
            } else if digits == 0 {
                return None;
            } else {
                units.push(c);
                digits = 0;
            }
        }
        (digits == 0).then_some(units)
    }
    /// Whether `units` are consecutive in `order`, starting anywhere.
    fn consecutive(units: &[char], order: &[char]) -> bool {
        let Some(first) = units.first().and_then(|u| order.iter().position(|o| o == u)) else {
            return false;
        };
        order.get(first..first + units.len()) == Some(units)
    }
    let rest = value
        .strip_prefix('P')
        .ok_or_else(|| "a duration starts with 'P'".to_owned())?;
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (rest, None),
    };
    let date_units = elements(date).ok_or_else(|| "a number without its unit".to_owned())?;
    let time_units = match time {
        Some(time) => Some(elements(time).ok_or_else(|| "a number without its unit".to_owned())?),
        None => None,
    };
    if date_units == ['W'] && time.is_none() {
        return Ok(());
    }
    if date_units.is_empty() && time_units.as_ref().is_none_or(Vec::is_empty) {
        return Err("no elements".to_owned());
    }
    if !date_units.is_empty() && !consecutive(&date_units, &['Y', 'M', 'D']) {
        return Err("date elements out of order, skipped or unknown (Y, M, D; or W alone)".to_owned());
    }
    if let Some(units) = time_units
        && !consecutive(&units, &['H', 'M', 'S'])
    {
        return Err("time elements missing, out of order or skipped (H, M, S)".to_owned());
    }
    Ok(())
}

/// RFC 6901: empty, or `/`-separated tokens where `~` is only `~0` or `~1` (read by
/// [`crate::pointer::split`], the one reading of pointers).
fn check_json_pointer(value: &str) -> Result<(), String> {
    crate::pointer::split(value)
        .map(|_| ())
        .ok_or_else(|| "not empty and not '/'-led, or a '~' not followed by 0 or 1".to_owned())
}

/// A relative JSON pointer (draft-bhutton-relative-json-pointer-00): a non-negative integer
/// without leading zeros, then `#` or a JSON pointer.
fn check_relative_json_pointer(value: &str) -> Result<(), String> {
    let digits = value.bytes().take_while(u8::is_ascii_digit).count();
    let (number, rest) = value.split_at(digits);
    if number.is_empty() {
        return Err("it starts with a non-negative integer".to_owned());
    }
    if number.len() > 1 && number.starts_with('0') {
        return Err("a leading zero".to_owned());
    }
    if rest == "#" {
        return Ok(());
    }
    check_json_pointer(rest)
}

fn check_iri(value: &str) -> Result<(), String> {
    iri_string::validate::iri::<iri_string::spec::IriSpec>(value).map_err(|e| e.to_string())
}

fn check_iri_reference(value: &str) -> Result<(), String> {
    iri_string::validate::iri_reference::<iri_string::spec::IriSpec>(value).map_err(|e| e.to_string())
}

/// RFC 6570 (level 4), its grammar as it stands. `iri-string`'s template reader is lenient
/// where the suite is not (it takes `{v:0}`, `{v:10000}`, `{a..b}` and refuses `a😀b`, a
/// `ucschar`), and no other well-kept crate checks the grammar, so it is read here:
///
/// ```text
/// URI-Template = *( literals / expression )
/// expression = "{" [ operator ] variable-list "}"      operator = one of + # . / ; ? &
/// variable-list = varspec *( "," varspec )             varspec = varname [ ":" max-length / "*" ]
/// varname = varchar *( ["."] varchar )                 varchar = ALPHA / DIGIT / "_" / pct-encoded
/// max-length = %x31-39 0*3DIGIT
/// ```
fn check_uri_template(value: &str) -> Result<(), String> {
    fn pct(bytes: &[u8], i: usize) -> bool {
        bytes.get(i) == Some(&b'%')
            && bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    }
    fn varspec(spec: &str) -> Result<(), String> {
        let (name, modifier) = match spec.find([':', '*']) {
            Some(i) => spec.split_at(i),
            None => (spec, ""),
        };
        let bytes = name.as_bytes();
        let mut i = 0;
        let mut after_dot = true;
        while i < bytes.len() {
            if pct(bytes, i) {
                i += 3;
                after_dot = false;
            } else if bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' {
                i += 1;
                after_dot = false;
            } else if bytes[i] == b'.' && !after_dot {
                i += 1;
                after_dot = true;
            } else {
                return Err(format!("invalid variable name {name:?}"));
            }
        }
        if after_dot {
            return Err(format!("invalid variable name {name:?}"));
        }
        match modifier.strip_prefix(':') {
            None if modifier.is_empty() || modifier == "*" => Ok(()),
            Some(n) if (1..=4).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0') => {
                Ok(())
            }
            _ => Err(format!("invalid modifier {modifier:?} (\":\" 1-9999 or \"*\")")),
        }
    }
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                let close = value[i..]
                    .find('}')
                    .map(|c| i + c)
                    .ok_or_else(|| format!("unclosed '{{' at byte {i}"))?;
                let mut body = &value[i + 1..close];
                if let Some(rest) = body.strip_prefix(['+', '#', '.', '/', ';', '?', '&']) {
                    body = rest;
                }
                for spec in body.split(',') {
                    varspec(spec)?;
                }
                i = close + 1;
            }
            b'%' if pct(bytes, i) => i += 3,
            b if b.is_ascii() => {
                // literals: any ASCII but CTL, space, " % < > \ ^ ` { | } (an apostrophe is
                // taken, as the JSON-Schema-Test-Suite takes it).
                if b.is_ascii_control() || b" \"%<>\\^`{|}".contains(&b) {
                    return Err(format!("{:?} at byte {i} is not allowed in a literal", char::from(b)));
                }
                i += 1;
            }
            _ => {
                // ucschar / iprivate: every non-ASCII character but the noncharacters outside them.
                let c = value[i..].chars().next().unwrap_or_default();
                i += c.len_utf8();
            }
        }
    }
    Ok(())
}

/// An ECMA-262 regular expression, read by `regress` in unicode mode.
fn check_regex(value: &str) -> Result<(), String> {
    regress::Regex::with_flags(value, "u")
        .map(|_| ())
        .map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------
// byte (base64)
// ---------------------------------------------------------------------------

/// Standard base64 (RFC 4648 section 4) with padding.
fn check_base64(value: &str) -> Result<(), String> {
    let data = value.trim_end_matches('=');
    let padding = value.len() - data.len();
    for (i, c) in data.char_indices() {
        if c == '=' {
            return Err(format!("misplaced '=' at byte {i}"));
        }
        if !(c.is_ascii_alphanumeric() || c == '+' || c == '/') {
            return Err(format!("invalid base64 character {c:?} at byte {i}"));
        }
    }
    if padding > 2 {
        return Err(format!("{padding} padding characters, at most 2 allowed"));
    }
    if !value.len().is_multiple_of(4) {
        return Err(format!("length {} is not a multiple of 4", value.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(format: &str) -> Format {
        Format::from_name(format).unwrap_or_else(|| panic!("{format} is not a format"))
    }

    fn ok(format: &str, value: &str) {
        if let Err(e) = known(format).check(value) {
            panic!("{format} {value:?} should be valid: {e}");
        }
    }

    fn bad(format: &str, value: &str) -> String {
        match known(format).check(value) {
            Ok(()) => panic!("{format} {value:?} should be invalid"),
            Err(e) => {
                assert_eq!(e.format, format);
                e.to_string()
            }
        }
    }

    #[test]
    fn uri() {
        ok("uri", "https://example.com/hook");
        ok("uri", "http://localhost:8080/x?y=1#z");
        ok("uri", "urn:isbn:123");
        ok("uri", "mailto:a@b.c");
        ok("uri", "HTTPS://user:pw@EXAMPLE.com:443/a%20b/?q=[x]#frag?/[y]");
        ok("uri", "http://-.~_!$&'()*+,;=:%40:80%2f::::::@example.com");
        ok("uri", "ldap://[2001:db8::7]/c=GB?objectClass?one");
        ok("uri", "http://foo.com/blah_(wikipedia)_blah#cite-1");
        ok("uri", "tel:+1-816-555-1212");
        ok("uri", "urn:oasis:names:specification:docbook:dtd:xml:4.1.2");
        ok("uri", "http://[2001:db8::1]:80/");
        ok("uri", "http://[v1.fe80::a+en1]/");
        ok("uri", "file:///etc/hosts");
        ok("uri", "ftp://example.com:/empty-port-is-allowed");
        assert_eq!(
            bad("uri", "/webhooks"),
            "not a valid uri: relative reference without a scheme"
        );
        assert_eq!(bad("uri", ""), "not a valid uri: missing scheme");
        assert_eq!(bad("uri", "https://"), "not a valid uri: missing host");
        assert_eq!(bad("uri", "https://exa mple.com"), "not a valid uri: space at byte 11");
        assert_eq!(
            bad("uri", "http://a.com/%zz"),
            "not a valid uri: invalid percent-encoding at byte 13"
        );
        assert_eq!(
            bad("uri", "http://a.com/%4"),
            "not a valid uri: invalid percent-encoding at byte 13"
        );
        assert!(bad("uri", "https:example.com").contains("missing \"//\""));
        assert!(bad("uri", "http://a.com:99999/").contains("port 99999 is out of range"));
        assert!(bad("uri", "http://a.com:8o/").contains("invalid port"));
        assert!(bad("uri", "http://a.com:/").contains("empty port"));
        assert!(bad("uri", "http://user@/").contains("missing host"));
        assert!(bad("uri", "1http://a.com").contains("scheme must start with a letter"));
        assert!(bad("uri", ":foo").contains("empty scheme"));
        assert!(bad("uri", "ht_tp://a.com").contains("invalid character '_' in scheme"));
        assert!(bad("uri", "http://a.com/<x>").contains("invalid character '<'"));
        assert!(bad("uri", "http://a.com/\u{7f}").contains("control character"));
        assert!(bad("uri", "http://a.com/\n").contains("control character"));
        assert!(bad("uri", "http://exämple.com/").contains("non-ASCII"));
        assert!(bad("uri", "http://a.com/#a#b").contains("second '#'"));
        assert!(bad("uri", "http://a.com/[x]").contains("outside of an IP literal"));
        assert!(bad("uri", "http://a[b].com/").contains("outside of an IP literal"));
        assert!(bad("uri", "//foo.bar/?baz=qux#quux").contains("without a scheme"));
        assert!(bad("uri", "abc").contains("without a scheme"));
        assert!(bad("uri", "://x").contains("empty scheme"));
        assert!(bad("uri", "http://[::g]/").contains("invalid IPv6 literal"));
        assert!(bad("uri", "http://[::1/").contains("unclosed '['"));
        assert!(bad("uri", "http://[::1]x/").contains("after ']'"));
        assert!(bad("uri", "http://a@b@c/").contains("second '@'"));
    }

    #[test]
    fn uri_reference() {
        ok("uri-reference", "/webhooks");
        ok("uri-reference", "");
        ok("uri-reference", "#/components/schemas/Pet");
        ok("uri-reference", "../a/b?c=d");
        ok("uri-reference", "//cdn.example.com/x.js");
        ok("uri-reference", "https://example.com/hook");
        ok("uri-reference", "urn:isbn:123");
        assert!(bad("uri-reference", "/a b").contains("space at byte 2"));
        assert!(bad("uri-reference", "/a%g0").contains("invalid percent-encoding at byte 2"));
        assert!(bad("uri-reference", "1a:b").contains("scheme"));
        assert!(bad("uri-reference", "https://").contains("missing host"));
        assert!(bad("uri-reference", "\\\\WINDOWS\\share").contains("invalid character '\\'"));
    }

    #[test]
    fn uuid() {
        ok("uuid", "123e4567-e89b-12d3-a456-426614174000");
        ok("uuid", "123E4567-E89B-12D3-A456-426614174000");
        ok("uuid", "00000000-0000-0000-0000-000000000000");
        assert!(bad("uuid", "123e4567e89b12d3a456426614174000").contains("expected 36 characters"));
        assert!(bad("uuid", "123e4567-e89b-12d3-a456-42661417400g").contains("invalid hex digit 'g'"));
        assert!(bad("uuid", "123e4567+e89b-12d3-a456-426614174000").contains("'-' at position 8"));
        assert!(bad("uuid", "{23e4567-e89b-12d3-a456-42661417400}").contains("invalid hex digit"));
        assert!(bad("uuid", "123e4567-e89b-12d3-a456-4266141740é").contains("invalid hex digit 'é'"));
        assert!(bad("uuid", "").contains("found 0"));
    }

    #[test]
    fn date_time() {
        ok("date-time", "2024-02-29T10:00:00Z");
        ok("date-time", "2026-04-23T10:00:00+00:00");
        ok("date-time", "2024-01-15T10:30:00.123Z");
        ok("date-time", "2024-01-15t10:30:00.123456789z");
        ok("date-time", "2000-02-29T23:59:59-12:30");
        ok("date-time", "1998-12-31T23:59:60Z");
        ok("date-time", "1998-12-31T15:59:60.123-08:00");
        assert_eq!(
            bad("date-time", "2023-02-29T10:00:00Z"),
            "not a valid date-time: day 29 is out of range for 2023-02"
        );
        assert_eq!(
            bad("date-time", "2024-13-01T10:00:00Z"),
            "not a valid date-time: month 13 is out of range"
        );
        assert!(bad("date-time", "1900-02-29T10:00:00Z").contains("day 29"));
        assert!(bad("date-time", "2024-04-31T10:00:00Z").contains("day 31"));
        assert!(bad("date-time", "2024-00-10T10:00:00Z").contains("month 0"));
        assert!(bad("date-time", "2024-01-15 10:30:00Z").contains("'T'"));
        assert!(bad("date-time", "2024-01-15T24:00:00Z").contains("hour 24"));
        assert!(bad("date-time", "2024-01-15T10:60:00Z").contains("minute 60"));
        assert!(bad("date-time", "2024-01-15T10:00:61Z").contains("second 61"));
        assert!(bad("date-time", "2024-01-15T10:00:60Z").contains("leap second"));
        assert!(bad("date-time", "2024-01-15T10:00:00").contains("missing time zone"));
        assert!(bad("date-time", "2024-01-15T10:00:00.Z").contains("after '.'"));
        assert!(bad("date-time", "2024-01-15T10:00:00+0100").contains("offset"));
        assert!(bad("date-time", "2024-01-15T10:00:00+24:00").contains("out of range"));
        assert!(bad("date-time", "2024-01-15T10:00Z").contains("HH:MM:SS"));
        assert!(bad("date-time", "2024-01-15").contains("missing time"));
        assert!(bad("date-time", "24-01-15T10:00:00Z").contains("YYYY-MM-DD"));
        assert!(bad("date-time", "2024-01-1é").contains("YYYY-MM-DD"));
        assert!(bad("date-time", "２０２４-01-15T10:00:00Z").contains("YYYY-MM-DD"));
    }

    #[test]
    fn date_and_time() {
        ok("date", "2024-02-29");
        ok("date", "2000-02-29");
        ok("date", "2023-12-31");
        assert!(bad("date", "2023-02-29").contains("day 29 is out of range"));
        assert!(bad("date", "2023-2-28").contains("YYYY-MM-DD"));
        assert!(bad("date", "2023-02-28T00:00:00Z").contains("YYYY-MM-DD"));
        assert!(bad("date", "2023-06-31").contains("day 31"));
        ok("time", "10:00:00Z");
        ok("time", "23:59:59.5+05:30");
        ok("time", "01:29:60+01:30");
        assert!(bad("time", "10:00:00").contains("missing time zone"));
        assert!(bad("time", "25:00:00Z").contains("hour 25"));
        assert!(bad("time", "10:00Z").contains("HH:MM:SS"));
        assert!(bad("time", "10:00:00 Z").contains("offset"));
    }

    #[test]
    fn email() {
        ok("email", "joe.bloggs@example.com");
        ok("email", "a@b.c");
        ok("email", "first+tag~x@mail.example.org");
        ok("email", "\"joe bloggs\"@example.com");
        ok("email", "\"joe@bloggs\"@example.com");
        ok("email", "joe@[127.0.0.1]");
        ok("email", "joe@[IPv6:::1]");
        assert!(bad("email", "joe.example.com").contains("missing '@'"));
        assert!(bad("email", "a@b@c.d").contains("more than one '@'"));
        assert!(bad("email", "@example.com").contains("empty local part"));
        assert!(bad("email", "joe@").contains("empty domain"));
        assert!(bad("email", "jo e@example.com").contains("whitespace"));
        assert!(bad("email", ".joe@example.com").contains("'.'"));
        assert!(bad("email", "jo..e@example.com").contains("'.'"));
        assert!(bad("email", "joe@localhost").contains("two labels"));
        assert!(bad("email", "joe@exa_mple.com").contains("domain"));
        assert!(bad("email", "joe@example..com").contains("empty label"));
        assert!(bad("email", "jo(e)@example.com").contains("'('"));
        assert!(bad("email", "joe@[127.0.0.300]").contains("address literal"));
        assert!(bad("email", "jöe@example.com").contains("non-ASCII"));
        assert!(bad("email", "\"unclosed@example.com").contains("unclosed"));
    }

    #[test]
    fn hostname() {
        ok("hostname", "example.com");
        ok("hostname", "localhost");
        ok("hostname", "1host");
        ok("hostname", "xn--bcher-kva.example");
        ok("hostname", &format!("{}.com", "a".repeat(63)));
        assert!(bad("hostname", "").contains("empty"));
        assert!(bad("hostname", "-example.com").contains("'-'"));
        assert!(bad("hostname", "example-.com").contains("'-'"));
        assert!(bad("hostname", "not_valid.com").contains("'_'"));
        assert!(bad("hostname", "example.com.").contains("empty label"));
        assert!(bad("hostname", &format!("{}.com", "a".repeat(64))).contains("at most 63"));
        let long = vec!["abcdefghi"; 26].join(".");
        assert!(bad("hostname", &long).contains("at most 253"));
        assert!(bad("hostname", "exämple.com").contains("invalid character 'ä'"));
        // A-labels decode to U-labels IDNA2008 allows (RFC 3492's sample: "bücher").
        assert_eq!(punycode_decode("bcher-kva").as_deref(), Some("bücher"));
        ok("hostname", "xn--bcher-kva.example");
        assert!(bad("hostname", "xn--X").contains("invalid Punycode"));
        assert!(
            bad("hostname", "xn--l-fda").contains("U+00B7"),
            "a middle dot needs an l on each side"
        );
    }

    #[test]
    fn ip_addresses() {
        ok("ipv4", "192.168.0.1");
        ok("ipv4", "0.0.0.0");
        assert!(bad("ipv4", "256.0.0.1").contains("octets"));
        assert!(bad("ipv4", "1.2.3").contains("octets"));
        assert!(bad("ipv4", "087.10.0.1").contains("leading zeros"));
        assert!(bad("ipv4", " 1.2.3.4").contains("octets"));
        ok("ipv6", "::1");
        ok("ipv6", "2001:db8::8a2e:370:7334");
        ok("ipv6", "::ffff:192.0.2.1");
        assert!(bad("ipv6", "2001:db8:::1").contains("IPv6"));
        assert!(bad("ipv6", "fe80::1%eth0").contains("IPv6"));
        assert!(bad("ipv6", "12345::").contains("IPv6"));
    }

    #[test]
    fn base64() {
        ok("byte", "");
        ok("byte", "aGVsbG8=");
        ok("byte", "aGVsbG8h");
        ok("byte", "aGk+/w==");
        assert!(bad("byte", "aGVsbG8").contains("multiple of 4"));
        assert!(bad("byte", "aGVs-G8=").contains("'-' at byte 4"));
        assert!(bad("byte", "aG=sbG8=").contains("misplaced '='"));
        assert!(bad("byte", "a===").contains("at most 2"));
        assert!(bad("byte", "aGVs bG8=").contains("' '"));
        assert!(bad("byte", "aGé=").contains("'é'"));
    }

    #[test]
    fn formats_without_string_constraints() {
        for format in ["int32", "int64", "float", "double", "password", "binary"] {
            ok(format, "anything at all");
            assert!(!known(format).is_checked());
        }
        // Unknown names (format names are case-sensitive) are no format: nothing to check.
        assert_eq!(Format::from_name("unknown-format"), None);
        assert_eq!(Format::from_name("URI"), None);
        assert!(Format::DateTime.is_checked() && Format::UriReference.is_checked());
    }

    #[test]
    fn every_format_names_itself_and_its_samples_hold() {
        for format in Format::ALL {
            assert_eq!(Format::from_name(format.name()), Some(format));
            assert_eq!(format.to_string(), format.name());
            assert_eq!(format.is_checked(), format.valid_sample().is_some(), "{format}");
            assert_eq!(format.is_checked(), !format.invalid_samples().is_empty(), "{format}");
            if let Some(valid) = format.valid_sample()
                && let Err(e) = format.check(valid)
            {
                panic!("{format}: the valid sample {valid:?} fails: {e}");
            }
            for bad in format.invalid_samples() {
                assert!(format.check(bad.value).is_err(), "{format}: {bad:?} passes");
                assert!(
                    bad.what
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{bad:?}"
                );
            }
            assert_eq!(
                format.invalid_sample(),
                format.invalid_samples().first().map(|i| i.value)
            );
        }
        // Every name in the list is distinct, and nothing else is known.
        let mut names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Format::ALL.len());
        assert_eq!(Format::from_name("URI"), None);
        assert_eq!(Format::from_name("unknown-format"), None);
    }

    #[test]
    fn formats_of_json_schema_2020_12() {
        for ok_value in ["P1Y2M3DT4H5M6S", "P2W", "PT36H", "P1M2D", "PT1M2S"] {
            ok("duration", ok_value);
        }
        for bad_value in ["P", "PT", "P1Y2D", "PT1H2S", "P1YT", "P1WT1H", "PT0.5S", "P\u{9e8}Y"] {
            bad("duration", bad_value);
        }
        ok("json-pointer", "");
        ok("json-pointer", "/a~1b/~0");
        bad("json-pointer", "/~2");
        bad("json-pointer", "a");
        ok("relative-json-pointer", "0#");
        ok("relative-json-pointer", "120/foo");
        bad("relative-json-pointer", "01/a");
        bad("relative-json-pointer", "1#/a");
        ok("iri", "http://ƒøø.ßår/?∂éœ=πîx#πîüx");
        bad("iri", "/abc");
        ok("iri-reference", "/âππ");
        bad("iri-reference", "#ƒräg\\mênt");
        ok("uri-template", "http://example.com/{term:1}/{+var}{?x,y*}");
        ok("uri-template", "a😀b");
        for bad_value in ["{v:0}", "{v:10000}", "{a..b}", "{}", "{a,}", "foo}bar", "a b"] {
            bad("uri-template", bad_value);
        }
        ok("regex", "(?<n>a)\\k<n>");
        bad("regex", "(?i)abc");
        bad("regex", "\\a");
    }

    #[cfg(feature = "idn")]
    #[test]
    fn internationalized_formats() {
        for ok_value in ["실례.테스트", "a。b", "l·l", "α͵β", "क्\u{200d}ष", "ßς་〇"] {
            ok("idn-hostname", ok_value);
        }
        for bad_value in ["", "〮실례.테스트", "xn--7a", "0a.א", "example.", "a·l"] {
            bad("idn-hostname", bad_value);
        }
        ok("idn-email", "실례@실례.테스트");
        ok("idn-email", "δοκιμή@example.com");
        bad("idn-email", "user＠example.com");
    }

    #[test]
    fn samples_that_grow_stay_valid() {
        // The runner pads these to reach a length limit; the doc of `valid_sample` promises it.
        for format in [Format::Uri, Format::UriReference, Format::Email, Format::Hostname] {
            let grown = format!("{}aaaa", format.valid_sample().unwrap());
            assert!(format.check(&grown).is_ok(), "{format}: {grown}");
        }
    }

    #[test]
    fn error_display() {
        let error = Format::Date.check("2024-13-01").unwrap_err();
        assert_eq!(
            error,
            FormatError {
                format: "date",
                reason: "month 13 is out of range".to_owned()
            }
        );
        assert_eq!(error.to_string(), "not a valid date: month 13 is out of range");
    }

    #[test]
    fn never_panics() {
        let samples = [
            "",
            "%",
            "%%",
            "[",
            "]",
            "@",
            "\"",
            "\"\\",
            "é",
            "2024-",
            "2024-01-15T",
            "::",
            "a:",
            "http://[",
            "http://[]",
            "http://:",
            "//",
            "T",
            "==",
            "\u{0}",
            "é@é.é",
            "\"é\"@a.b",
            "2024-01-15Té0:00:00Z",
            "10:00:00.é",
            "10:00:00+é0:00",
        ];
        for format in Format::ALL {
            for sample in samples {
                let _ = format.check(sample);
                for (cut, _) in sample.char_indices() {
                    let _ = format.check(sample.get(..cut).unwrap_or_default());
                }
            }
        }
    }
}
