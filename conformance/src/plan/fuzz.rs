//! The fuzz phase: requests generated from an operation's schemas by proptest's strategies,
//! from a printed seed, drawing on the values that break servers (text outside ASCII, long
//! text where no `maxLength` bounds it, repeated items where `uniqueItems` is absent, huge,
//! negative and `-0` numbers, optional fields in every combination). A valid draw must be
//! accepted, and each is followed by an invalid one made from it (a number spelt as a
//! string, a required field left out, `null`, `[null]`...) that must be refused.
//!
//! Every draw is a proptest value tree made again from the seed, the operation and the
//! example's number, so a failing request can be shrunk (`Shrinker`) to the smallest one
//! that still fails: fewest fields, shortest strings, smallest numbers.

use std::sync::mpsc;

use codegen_runtime::formats::Format;
use codegen_runtime::pointer;
use generator::model::validate::validate;
use generator::model::{Api, Media, Operation, ParamLocation, Parameter, Rules, Struct, TypeKind, TypeRef, TypeUse};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::{SBoxedStrategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};

use super::values::{Hint, Sampler};
use super::{Case, Expect, ParamValue, RequestBody, as_read, set_param};

/// How big the fuzz phase is and where its randomness starts (`--seed`, `--max-examples`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuzzSettings {
    pub seed: u64,
    /// Valid draws per operation; each is followed by an invalid one.
    pub max_examples: u32,
}

impl Default for FuzzSettings {
    fn default() -> Self {
        FuzzSettings {
            seed: 0,
            max_examples: 10,
        }
    }
}

/// Which phases a run plans (`--phases coverage,fuzz,stateful`): the edges of each keyword,
/// generated requests, and the stateful scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phases {
    pub coverage: bool,
    pub fuzz: Option<FuzzSettings>,
    pub stateful: bool,
    /// Steps of each stateful walk (`--max-steps`); `None`: the scenario's own.
    pub max_steps: Option<usize>,
}

impl Default for Phases {
    /// Coverage and stateful: the cases whose answers are snapshots. Fuzzing is asked for.
    fn default() -> Self {
        Phases {
            coverage: true,
            fuzz: None,
            stateful: true,
            max_steps: None,
        }
    }
}

impl Phases {
    /// Reads `coverage,fuzz,stateful` (any of them, in any order), the fuzz phase sized by `fuzz`.
    pub fn parse(text: &str, fuzz: FuzzSettings) -> Result<Phases, String> {
        let mut phases = Phases {
            coverage: false,
            fuzz: None,
            stateful: false,
            max_steps: None,
        };
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "coverage" => phases.coverage = true,
                "fuzz" | "fuzzing" => phases.fuzz = Some(fuzz),
                "stateful" => phases.stateful = true,
                other => {
                    return Err(format!("`{other}` is not a phase (coverage, fuzz, stateful)"));
                }
            }
        }
        if !phases.coverage && phases.fuzz.is_none() && !phases.stateful {
            return Err("no phase named (coverage, fuzz, stateful)".into());
        }
        Ok(phases)
    }

    /// Whether `case` is in a phase the run plans. The fuzz phase keeps each operation's
    /// valid request: what its draws start from when they shrink.
    pub fn holds(&self, case: &Case) -> bool {
        if self.fuzz.is_some() && case.is_valid_request() {
            true
        } else if case.fuzzed.is_some() {
            self.fuzz.is_some()
        } else if case.stateful.is_some() {
            self.stateful
        } else {
            self.coverage
        }
    }
}

/// A seed no earlier run used, from the system's randomness (the time where it has none).
pub fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    }
}

/// Where a fuzz case came from: enough to draw its request again, and smaller ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Fuzzed {
    pub seed: u64,
    pub example: u32,
    /// A valid draw (must be accepted), or the invalid one made from it (must be refused).
    pub valid: bool,
}

/// One drawn request: the values of the parameters it varies (`None`: left out) and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Draw {
    pub params: Vec<(ParamLocation, String, Option<Value>)>,
    pub body: Option<Value>,
    /// For an invalid draw, what was broken, for people.
    pub broken: Option<String>,
}

/// The strategy of an operation's requests, valid or invalid.
pub type DrawStrategy = SBoxedStrategy<Draw>;

/// Text that breaks servers: accents, other scripts, emoji and other characters outside the
/// Basic Multilingual Plane, a combining accent, zero-width characters, a byte-order mark,
/// and the characters that need escaping in JSON, HTML, SQL and URLs.
const AWKWARD: &[char] = &[
    'é', 'ß', 'ñ', 'Ω', 'Ж', '中', 'ع', '😀', '🎉', '𝔘', '\u{0301}', '\u{200B}', '\u{200D}', '\u{FEFF}', '"', '\\',
    '\'', '<', '&', '%', '/', '?', '#', ' ', '\t', '\n',
];

/// What the draws of an operation are made of.
pub struct Drawing<'a> {
    pub api: &'a Api,
    pub sampler: &'a Sampler<'a>,
    pub op: &'a Operation,
}

impl Drawing<'_> {
    /// The strategy of the operation's valid requests, varying every parameter `base` does not
    /// take from a resource and the body; `None` when the operation has nothing to vary.
    pub fn valid(&self, base: &Case) -> Option<DrawStrategy> {
        let mut params: Vec<SBoxedStrategy<(ParamLocation, String, Option<Value>)>> = Vec::new();
        for p in &self.op.parameters {
            let linked = base
                .params
                .iter()
                .any(|b| b.name == p.name && b.location == p.location && matches!(b.value, ParamValue::Linked(_)));
            if linked
                || p.location == ParamLocation::Path
                || super::CLIENT_HEADERS.contains(&p.name.to_lowercase().as_str())
            {
                continue;
            }
            let (location, name) = (p.location, p.name.clone());
            let value = self.parameter(p)?;
            let value = if p.required {
                value.prop_map(Some).sboxed()
            } else {
                proptest::option::of(value).sboxed()
            };
            params.push(value.prop_map(move |v| (location, name.clone(), v)).sboxed());
        }
        let body = match &self.op.body {
            Some(b) if matches!(b.media, Media::Json(_) | Media::Form | Media::Multipart) => {
                let (api, ty) = (self.api.clone(), b.ty.clone());
                Some(
                    self.value(&b.ty.ty, Hint::default(), 0)
                        .prop_filter("a body valid by the spec", move |v| validate(&api, &ty, v).is_empty())
                        .sboxed(),
                )
            }
            _ => None,
        };
        if params.is_empty() && body.is_none() {
            return None;
        }
        let body = body.map_or_else(|| Just(None).sboxed(), |b| b.prop_map(Some).sboxed());
        Some(
            (params, body)
                .prop_map(|(params, body)| Draw {
                    params,
                    body,
                    broken: None,
                })
                .sboxed(),
        )
    }

    /// The invalid requests made from the valid ones: one value of the body broken, as the
    /// validator confirms.
    /// Fields `base` fills from its resource (`body_links`) are not broken: the link would
    /// mend them.
    pub fn invalid(&self, valid: DrawStrategy, base: &Case) -> DrawStrategy {
        let Some(body) = self.op.body.as_ref() else {
            return valid;
        };
        let (api, ty) = (self.api.clone(), body.ty.clone());
        let linked: Vec<String> = base.body_links.iter().map(|(field, _)| field.clone()).collect();
        (valid, any::<Index>(), any::<Index>())
            .prop_filter_map("a break the spec forbids", move |(draw, place, how)| {
                let value = draw.body.as_ref()?;
                let (broken, what) = break_one(&api, &ty, value, &linked, place, how)?;
                Some(Draw {
                    body: Some(broken),
                    broken: Some(what),
                    ..draw
                })
            })
            .sboxed()
    }

    /// A parameter's values: valid, and read back by the server as they were written.
    fn parameter(&self, p: &Parameter) -> Option<SBoxedStrategy<Value>> {
        let hint = Hint {
            name: &p.name,
            examples: &[],
            default: p.default.as_ref(),
        };
        // Header values are visible ASCII: other text is not a header's to carry.
        let values = if p.location == ParamLocation::Header {
            let sample = self.sampler.value(&p.ty.ty, hint)?;
            match self.api.unalias(&p.ty.ty) {
                TypeRef::String => "[a-zA-Z0-9]{1,24}".prop_map(Value::String).sboxed(),
                _ => self
                    .value(&p.ty.ty, hint, 0)
                    .prop_filter("text", |v| !v.is_string())
                    .sboxed(),
            }
            .prop_union(Just(sample).sboxed())
            .sboxed()
        } else {
            self.value(&p.ty.ty, hint, 0)
        };
        let (api, param) = (self.api.clone(), p.clone());
        Some(
            values
                .prop_filter("read back as written, and valid", move |v| {
                    as_read(&param, v).is_some_and(|read| &read == v && validate(&api, &param.ty, &read).is_empty())
                })
                .sboxed(),
        )
    }

    /// Values of `ty`, mostly valid (the caller filters by the validator), and where the spec
    /// gives examples, those among them.
    fn value(&self, ty: &TypeRef, hint: Hint, depth: usize) -> SBoxedStrategy<Value> {
        let fallback = || Just(self.sampler.value(ty, hint).unwrap_or(Value::Null)).sboxed();
        if depth > 5 {
            return fallback();
        }
        let given: Vec<Value> = hint
            .examples
            .iter()
            .chain(hint.default)
            .filter(|v| self.sampler.is_valid(ty, v))
            .cloned()
            .collect();
        let made = match self.api.unalias(ty) {
            TypeRef::String => self.text(&Rules::default(), hint),
            TypeRef::Integer(_) => integer(&Rules::default()),
            TypeRef::Number => number(&Rules::default()),
            TypeRef::Boolean => any::<bool>().prop_map(Value::Bool).sboxed(),
            TypeRef::Any | TypeRef::AnyObject => fallback(),
            TypeRef::OrNull(inner) => {
                prop_oneof![4 => self.value(inner, hint, depth + 1), 1 => Just(Value::Null)].sboxed()
            }
            TypeRef::Array(item) => self.array(item, &Rules::default(), hint, depth),
            TypeRef::Map(item) => {
                let values = self.value(item, Hint::named(hint.name), depth + 1);
                proptest::collection::btree_map("[a-z][a-z0-9_]{0,11}", values, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect()))
                    .sboxed()
            }
            TypeRef::Named(id) | TypeRef::Boxed(id) => match &self.api.type_def(*id).kind {
                TypeKind::Enum(values) => select(values.iter().map(|v| json!(v.wire)).collect::<Vec<_>>()).sboxed(),
                TypeKind::Constrained(c) => match self.api.unalias(&c.base) {
                    TypeRef::String => self.text(&c.rules, hint),
                    TypeRef::Integer(_) => integer(&c.rules),
                    TypeRef::Number => number(&c.rules),
                    TypeRef::Array(item) => self.array(item, &c.rules, hint, depth),
                    _ => fallback(),
                },
                TypeKind::Struct(s) => self.object(s, depth),
                TypeKind::Union(u) if !u.variants.is_empty() => {
                    let branches: Vec<SBoxedStrategy<Value>> = u
                        .variants
                        .iter()
                        .map(|v| self.value(&v.ty, Hint::default(), depth + 1))
                        .collect();
                    select_of(branches)
                }
                TypeKind::Alias(inner) => self.value(inner, hint, depth + 1),
                // A checked value or an empty union: the values the sampler makes for it.
                _ => fallback(),
            },
        };
        if given.is_empty() {
            made
        } else {
            prop_oneof![1 => select(given), 3 => made].sboxed()
        }
    }

    /// Strings for the rules. A format or a pattern takes the values made for it (random text
    /// would not keep it), as do names that say the text is an address the server may call
    /// or write to: those stay the run's own.
    fn text(&self, rules: &Rules, hint: Hint) -> SBoxedStrategy<Value> {
        let lower = hint.name.to_ascii_lowercase();
        let addressed = ["url", "uri", "endpoint", "email", "host", "domain"]
            .iter()
            .any(|w| lower.contains(w));
        if rules.format.is_some_and(|f| f != Format::Uuid) || rules.pattern.is_some() || addressed {
            let candidates: Vec<Value> = self
                .sampler
                .strings(rules, hint.name)
                .into_iter()
                .filter(|v| generator::model::validate::check_rules(hint.name, rules, v).is_ok())
                .collect();
            return if candidates.is_empty() {
                Just(Value::Null).sboxed()
            } else {
                select(candidates).sboxed()
            };
        }
        if rules.format == Some(Format::Uuid) {
            return any::<u128>().prop_map(|n| Value::String(uuid_text(n))).sboxed();
        }
        let min = rules.min_length.unwrap_or(0) as usize;
        let max = rules.max_length.map_or(usize::MAX, |m| m as usize);
        let short = min..=max.min(min + 24);
        let character = prop_oneof![6 => proptest::char::range('a', 'z'), 1 => proptest::char::range('A', 'Z'),
            1 => proptest::char::range('0', '9'), 3 => select(AWKWARD)];
        let short = proptest::collection::vec(character.clone(), short)
            .prop_map(|c| Value::String(c.into_iter().collect()))
            .sboxed();
        if max <= min + 64 {
            return short;
        }
        // Thousands of characters where nothing bounds the length: a few characters over and
        // over, so that shrinking halves the length rather than dropping one at a time.
        let long = (
            (min + 65)..=max.min(min + 4000),
            proptest::collection::vec(character, 1..=8),
        )
            .prop_map(|(n, cycle)| Value::String(cycle.into_iter().cycle().take(n).collect()));
        prop_oneof![3 => short, 1 => long].sboxed()
    }

    fn array(&self, item: &TypeRef, rules: &Rules, hint: Hint, depth: usize) -> SBoxedStrategy<Value> {
        let items = self.value(item, Hint::named(hint.name), depth + 1);
        let min = rules.min_items.unwrap_or(0) as usize;
        let max = rules.max_items.map_or(min + 3, |m| (m as usize).min(min + 3));
        let list = proptest::collection::vec(items.clone(), min..=max.max(min))
            .prop_map(Value::Array)
            .sboxed();
        if rules.unique_items || max < 2 {
            return list;
        }
        // The same item twice, where the spec lets items repeat.
        let repeated = items.prop_map(|v| Value::Array(vec![v.clone(), v]));
        prop_oneof![4 => list, 1 => repeated].sboxed()
    }

    /// Objects with every required field and each optional one present or not (read-only
    /// fields are the server's to write).
    fn object(&self, s: &Struct, depth: usize) -> SBoxedStrategy<Value> {
        let fields: Vec<SBoxedStrategy<Option<(String, Value)>>> = s
            .fields
            .iter()
            .filter(|f| !f.read_only)
            .map(|f| {
                let name = f.wire_name.clone();
                let value = self.value(&f.ty.ty, Hint::of(f), depth + 1);
                let value = if f.ty.nullable {
                    prop_oneof![5 => value, 1 => Just(Value::Null)].sboxed()
                } else {
                    value
                };
                let pair = value.prop_map(move |v| (name.clone(), v));
                if f.required {
                    pair.prop_map(Some).sboxed()
                } else {
                    proptest::option::of(pair).sboxed()
                }
            })
            .collect();
        fields
            .prop_map(|pairs| Value::Object(pairs.into_iter().flatten().collect::<Map<String, Value>>()))
            .sboxed()
    }
}

/// One of `branches`, each as likely.
fn select_of(branches: Vec<SBoxedStrategy<Value>>) -> SBoxedStrategy<Value> {
    let weighted: Vec<(u32, SBoxedStrategy<Value>)> = branches.into_iter().map(|b| (1, b)).collect();
    proptest::strategy::Union::new_weighted(weighted).sboxed()
}

fn uuid_text(n: u128) -> String {
    super::hyphenated(&format!("{n:032x}"))
}

/// Integers inside the rules' bounds (a 64-bit integer where none bounds them), their
/// bounds first, then small ones, then any.
fn integer(rules: &Rules) -> SBoxedStrategy<Value> {
    let low = rules.minimum.map_or(i64::MIN as i128, |b| {
        b.value.ceil() as i128 + i128::from(b.exclusive && b.value.fract() == 0.0)
    });
    let high = rules.maximum.map_or(i64::MAX as i128, |b| {
        b.value.floor() as i128 - i128::from(b.exclusive && b.value.fract() == 0.0)
    });
    let (low, high) = (low.max(i64::MIN as i128) as i64, high.min(i64::MAX as i128) as i64);
    if low > high {
        return Just(Value::Null).sboxed();
    }
    let step = rules
        .multiple_of
        .filter(|m| m.fract() == 0.0 && *m >= 1.0)
        .map_or(1, |m| m as i64);
    let (first, last) = (
        low.div_euclid(step) + i64::from(low.rem_euclid(step) != 0),
        high.div_euclid(step),
    );
    if first > last {
        return Just(Value::Null).sboxed();
    }
    let small = (first.max(-10))..=(last.min(100).max(first.max(-10)));
    prop_oneof![
        1 => Just(first),
        1 => Just(last),
        4 => small,
        2 => first..=last,
    ]
    .prop_map(move |k| json!(k.saturating_mul(step)))
    .sboxed()
}

/// Numbers inside the rules' bounds: fractions, `-0`, huge ones where nothing bounds them.
fn number(rules: &Rules) -> SBoxedStrategy<Value> {
    let low = rules.minimum.map_or(-1e300, |b| b.value);
    let high = rules.maximum.map_or(1e300, |b| b.value);
    if low > high {
        return Just(Value::Null).sboxed();
    }
    let near = (low.max(-1000.0))..=(high.min(1000.0).max(low.max(-1000.0)));
    prop_oneof![
        1 => Just(low),
        1 => Just(high),
        1 => Just(-0.0),
        4 => near,
        2 => low..=high,
    ]
    .prop_map(|n| json!(n))
    .sboxed()
}

/// `value` with one of its values broken so that the spec forbids it, and what was done;
/// `None` where no break at `place` is refused by the validator.
fn break_one(
    api: &Api,
    ty: &TypeUse,
    value: &Value,
    linked: &[String],
    place: Index,
    how: Index,
) -> Option<(Value, String)> {
    let mut paths = Vec::new();
    collect_paths(value, &mut Vec::new(), &mut paths);
    paths.retain(|p| p.first().is_none_or(|field| !linked.contains(field)));
    let start = place.index(paths.len());
    for path in paths[start..].iter().chain(&paths[..start]) {
        let here = at(value, path)?;
        let mut breaks = breaks_of(here);
        // Leaving out a linked field is no break either.
        if path.is_empty() {
            breaks.retain(|(v, _)| v.as_object().is_none_or(|m| linked.iter().all(|f| m.contains_key(f))));
        }
        let first = how.index(breaks.len().max(1));
        for (replacement, what) in breaks[first..].iter().chain(&breaks[..first]) {
            let mut broken = value.clone();
            *broken.pointer_mut(&pointer::from_segments(path))? = replacement.clone();
            if !validate(api, ty, &broken).is_empty() {
                let at = if path.is_empty() {
                    "the body".to_owned()
                } else {
                    format!("body {}", path.join("."))
                };
                return Some((broken, format!("{at}: {what}")));
            }
        }
    }
    None
}

/// What a value can be broken into: another JSON type spelling the same thing, `null`, a
/// required key left out, an unknown key, an item that is `null`.
fn breaks_of(value: &Value) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    match value {
        Value::Number(n) => out.push((json!(n.to_string()), format!("the number {n} spelt as a string"))),
        Value::Bool(b) => out.push((json!(b.to_string()), format!("{b} spelt as a string"))),
        Value::String(s) => {
            out.push((json!(5000), "a number for the text".to_owned()));
            out.push((json!([s]), "the text inside an array".to_owned()));
        }
        Value::Array(items) => {
            out.push((json!([null]), "an array of one null".to_owned()));
            if let Some(first) = items.first() {
                let mut twice = items.clone();
                twice.push(first.clone());
                out.push((Value::Array(twice), "its first item repeated".to_owned()));
            }
        }
        Value::Object(map) => {
            for key in map.keys() {
                let mut without = map.clone();
                without.remove(key);
                out.push((Value::Object(without), format!("`{key}` left out")));
            }
            let mut extra = map.clone();
            extra.insert("conformance_unknown".into(), json!(1));
            out.push((Value::Object(extra), "an unknown key".to_owned()));
            out.push((json!({}), "an empty object".to_owned()));
        }
        Value::Null => {}
    }
    out.push((Value::Null, "null".to_owned()));
    out
}

fn collect_paths(value: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                at.push(k.clone());
                collect_paths(v, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(i.to_string());
                collect_paths(v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// The value at a path of keys and indices (a JSON pointer's segments).
fn at<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    value.pointer(&pointer::from_segments(path))
}

/// The runner that draws example `example` of `operation` from `seed`: the same three give
/// the same draw, on every machine.
fn runner(seed: u64, operation: &str, example: u32) -> TestRunner {
    let mut bytes = [0u8; 32];
    let mut state = seed ^ crate::text::fnv1a(operation.bytes()) ^ (u64::from(example) << 32 | u64::from(example));
    for chunk in bytes.chunks_mut(8) {
        // splitmix64: spreads one 64-bit state over the ChaCha key.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    let config = Config {
        max_local_rejects: 4096,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// The draw of example `example` (`None` when the strategy finds no value: its filters
/// refused every try).
pub fn draw(strategy: &DrawStrategy, seed: u64, operation: &str, example: u32) -> Option<Draw> {
    strategy
        .new_tree(&mut runner(seed, operation, example))
        .ok()
        .map(|t| t.current())
}

/// `base` with `draw`'s parameters and body: the case of a fuzz example.
pub fn case(base: &Case, draw: &Draw, fuzzed: Fuzzed) -> Case {
    let mut case = base.clone();
    for (location, name, value) in &draw.params {
        set_param(&mut case.params, *location, name, value.as_ref().map(ParamValue::of));
    }
    if let Some(body) = &draw.body {
        case.body = RequestBody::Json(body.clone());
    }
    let kind = if fuzzed.valid { "fuzz" } else { "fuzz_invalid" };
    case.name = format!("{}.{kind}.{}", base.operation, fuzzed.example);
    case.expect = if fuzzed.valid {
        Expect::Accepted
    } else {
        Expect::Rejected
    };
    case.varied = match &draw.broken {
        None => format!("a request drawn from seed {}, example {}", fuzzed.seed, fuzzed.example),
        Some(what) => format!(
            "a request drawn from seed {}, example {}, broken: {what}",
            fuzzed.seed, fuzzed.example
        ),
    };
    case.fuzzed = Some(fuzzed);
    case
}

/// Walks a failing draw's value tree towards smaller requests on a thread of its own (a
/// value tree is neither `Send` nor `Sync`), one candidate at a time: the caller tries each
/// and says whether it still fails, and the tree goes on from the smallest that did.
pub struct Shrinker {
    candidates: tokio::sync::mpsc::Receiver<Draw>,
    verdicts: mpsc::Sender<bool>,
}

impl Shrinker {
    /// Starts shrinking the draw of example `example`; `None` when it cannot be drawn again.
    pub fn start(strategy: DrawStrategy, seed: u64, operation: String, example: u32) -> Shrinker {
        let (candidate_tx, candidates) = tokio::sync::mpsc::channel(1);
        let (verdicts, verdict_rx) = mpsc::channel::<bool>();
        std::thread::spawn(move || {
            let Ok(mut tree) = strategy.new_tree(&mut runner(seed, &operation, example)) else {
                return;
            };
            // The classic proptest loop: simplify while it fails, complicate when it passes.
            let mut more = tree.simplify();
            while more {
                if candidate_tx.blocking_send(tree.current()).is_err() {
                    return;
                }
                let Ok(fails) = verdict_rx.recv() else { return };
                more = if fails { tree.simplify() } else { tree.complicate() };
            }
        });
        Shrinker { candidates, verdicts }
    }

    /// The next smaller request to try, or `None` when the tree has none.
    pub async fn next(&mut self) -> Option<Draw> {
        self.candidates.recv().await
    }

    /// Whether the request last given still fails the same way.
    pub fn answer(&self, still_fails: bool) {
        let _ = self.verdicts.send(still_fails);
    }
}

/// The strategy of `base`'s operation's requests (its valid ones, or the invalid ones made
/// from them), with the run's tag where a create takes it; `None` when the operation has
/// nothing to vary.
pub fn strategy(api: &Api, tag: &str, base: &Case, valid: bool) -> Option<DrawStrategy> {
    let op = api.operation(&base.operation)?;
    let sampler = Sampler { api, tag };
    let drawing = Drawing {
        api,
        sampler: &sampler,
        op,
    };
    let draws = drawing.valid(base)?;
    // What a create makes carries the run's tag where the planned request carries it (so
    // that cleanup and `sweep` know it): the drawn text there follows the tag.
    let tagged = match &base.body {
        RequestBody::Json(body) if !base.needs_resource => super::tagged_paths(body)
            .into_iter()
            .filter_map(|path| Some((at(body, &path)?.as_str()?.to_owned(), path)))
            .collect(),
        _ => Vec::new(),
    };
    let draws = if tagged.is_empty() {
        draws
    } else {
        let (api, ty) = (api.clone(), op.body.as_ref().map(|b| b.ty.clone()));
        draws
            .prop_filter_map("a tagged body valid by the spec", move |mut draw| {
                let body = draw.body.as_mut()?;
                for (planned, path) in &tagged {
                    let tagged = match at(body, path) {
                        Some(Value::String(drawn)) if super::carries_tag(drawn) => drawn.clone(),
                        Some(Value::String(drawn)) => format!("{planned}-{drawn}"),
                        _ => planned.clone(),
                    };
                    super::apply(body, path, Some(Value::String(tagged)));
                }
                validate(&api, ty.as_ref()?, body).is_empty().then_some(draw)
            })
            .sboxed()
    };
    Some(if valid { draws } else { drawing.invalid(draws, base) })
}

/// Adds the fuzz cases of every operation `plan` tests, those `safety` allows.
pub fn extend(plan: &mut super::Plan, settings: FuzzSettings, safety: super::Safety) {
    let mut drawn = cases(&plan.api, &plan.tag, &plan.cases, settings, &mut plan.notes);
    plan.notes.push(format!(
        "fuzz: seed {}, {} valid requests per operation, each with an invalid one (--seed {} sends these again)",
        settings.seed, settings.max_examples, settings.seed
    ));
    let (api, kinds, unknown) = (&plan.api, &plan.resources, &plan.unknown_ids);
    let warnings = super::safety::keep_safe(api, kinds, safety, unknown, &mut drawn, &mut plan.notes);
    plan.warnings.extend(warnings);
    plan.cases.extend(drawn);
}

/// The fuzz cases of every operation whose valid request `cases` holds (`<operationId>.valid`):
/// `settings.max_examples` valid draws each, and the invalid one made from each. What could
/// not be drawn is noted.
pub fn cases(api: &Api, tag: &str, cases: &[Case], settings: FuzzSettings, notes: &mut Vec<String>) -> Vec<Case> {
    let mut out = Vec::new();
    for base in cases.iter().filter(|c| c.is_valid_request()) {
        let Some(valid) = strategy(api, tag, base, true) else {
            continue;
        };
        let invalid = strategy(api, tag, base, false);
        let mut missed = 0;
        for example in 0..settings.max_examples {
            let fuzzed = |valid| Fuzzed {
                seed: settings.seed,
                example,
                valid,
            };
            match draw(&valid, settings.seed, &base.operation, example) {
                Some(d) => out.push(case(base, &d, fuzzed(true))),
                None => missed += 1,
            }
            if let Some(d) = invalid
                .as_ref()
                .and_then(|s| draw(s, settings.seed, &base.operation, example))
            {
                out.push(case(base, &d, fuzzed(false)));
            }
        }
        if missed > 0 {
            notes.push(format!(
                "{}: fuzz: {missed} of {} examples could not be drawn (no value the spec allows was found)",
                base.operation, settings.max_examples
            ));
        }
    }
    out
}
