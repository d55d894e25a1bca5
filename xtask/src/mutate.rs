//! Spec mutations for fuzzing the generator (`cargo xtask fuzz`, `xtask/tests/it/fuzz.rs`): real specs
//! bent structurally (types swapped, keys dropped, subtrees moved, odd values planted) and at
//! the byte level, so that loading, lowering and emitting meet every shape of bad input.

use serde_json::{Map, Value, json};

/// A small deterministic PRNG (xorshift64*): the same seed gives the same mutations.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Values that keywords do not expect.
fn odd_value(rng: &mut Rng) -> Value {
    match rng.below(14) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(1e308),
        4 => json!(""),
        5 => json!("#/components/schemas/Missing"),
        6 => json!([]),
        7 => json!({}),
        8 => json!(["null", "string", "strng"]),
        9 => json!({"$ref": "#/components/schemas"}),
        10 => json!({"$ref": "#"}),
        11 => json!("(?<=x)[unclosed"),
        12 => json!(u64::MAX),
        _ => json!({"type": "object", "properties": {"x": {"$ref": "#/components/schemas"}}}),
    }
}

const KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "required",
    "items",
    "enum",
    "const",
    "allOf",
    "anyOf",
    "oneOf",
    "nullable",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "additionalProperties",
    "discriminator",
    "$ref",
    "parameters",
    "requestBody",
    "responses",
    "security",
    "links",
];

/// Counts the nodes of a value (to pick one at random).
fn size(v: &Value) -> usize {
    1 + match v {
        Value::Object(m) => m.values().map(size).sum(),
        Value::Array(a) => a.iter().map(size).sum(),
        _ => 0,
    }
}

/// The path (keys and indices) to the `n`-th node in pre-order.
fn path_to(v: &Value, n: &mut usize, path: &mut Vec<Value>) -> bool {
    if *n == 0 {
        return true;
    }
    *n -= 1;
    match v {
        Value::Object(m) => m.iter().any(|(k, c)| {
            path.push(json!(k));
            let found = path_to(c, n, path);
            if !found {
                path.pop();
            }
            found
        }),
        Value::Array(a) => a.iter().enumerate().any(|(i, c)| {
            path.push(json!(i));
            let found = path_to(c, n, path);
            if !found {
                path.pop();
            }
            found
        }),
        _ => false,
    }
}

fn pick<'a>(v: &'a mut Value, rng: &mut Rng) -> &'a mut Value {
    let mut n = rng.below(size(v));
    let mut path = Vec::new();
    path_to(v, &mut n, &mut path);
    let mut node = v;
    for step in &path {
        node = match step {
            Value::String(k) => &mut node[k.as_str()],
            _ => &mut node[step.as_u64().unwrap_or_default() as usize],
        };
    }
    node
}

/// Applies one structural mutation somewhere in the document.
pub fn mutate_value(doc: &mut Value, rng: &mut Rng) {
    let donor = pick(&mut doc.clone(), rng).clone();
    let node = pick(doc, rng);
    match rng.below(7) {
        0 => *node = odd_value(rng),
        1 => *node = donor,
        2 => {
            if let Value::Object(m) = node
                && !m.is_empty()
            {
                let key = m.keys().nth(rng.below(m.len())).cloned().unwrap_or_default();
                m.remove(&key);
            }
        }
        3 => {
            if let Value::Object(m) = node {
                let key = KEYWORDS[rng.below(KEYWORDS.len())];
                m.insert(key.to_owned(), odd_value(rng));
            }
        }
        4 => {
            if let Value::Object(m) = node {
                let key = KEYWORDS[rng.below(KEYWORDS.len())];
                m.insert(key.to_owned(), donor);
            }
        }
        5 => {
            // Self-reference: a cycle through `$ref`.
            let mut m = Map::new();
            m.insert("$ref".into(), json!("#/components/schemas/Self"));
            *node = Value::Object(m.clone());
            if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
                schemas.insert("Self".into(), Value::Object(m));
            }
        }
        _ => {
            if let Value::Array(a) = node {
                a.push(donor);
            }
        }
    }
}

/// Applies one byte-level mutation to spec text.
pub fn mutate_text(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    if bytes.is_empty() {
        return String::from_utf8_lossy(&[rng.next_u64() as u8]).into_owned();
    }
    match rng.below(5) {
        0 => {
            let i = rng.below(bytes.len());
            bytes[i] = rng.next_u64() as u8;
        }
        1 => {
            let i = rng.below(bytes.len());
            let n = rng.below(64).min(bytes.len() - i);
            bytes.drain(i..i + n);
        }
        2 => {
            let i = rng.below(bytes.len());
            let j = rng.below(bytes.len());
            let (a, b) = (i.min(j), i.max(j));
            let slice = bytes[a..b.min(a + 200)].to_vec();
            let at = rng.below(bytes.len());
            bytes.splice(at..at, slice);
        }
        3 => {
            let tokens: [&[u8]; 8] = [b": ", b"- ", b"\n  ", b"{", b"}", b"[", b"'", b"&a *a "];
            let at = rng.below(bytes.len());
            bytes.splice(at..at, tokens[rng.below(tokens.len())].iter().copied());
        }
        _ => bytes.truncate(rng.below(bytes.len())),
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Runs one input through loading, lowering and emitting: `Some` describes a finding (a
/// panic, or generated code that does not parse); errors about the spec are the expected outcome.
pub fn exercise(text: &str) -> Option<String> {
    let outcome = std::panic::catch_unwind(|| {
        let api = match generator::load_str(text, None) {
            Ok(api) => api,
            Err(_) => return None,
        };
        match generator::emit::api_module(&api, "fuzzed", "fuzz input") {
            Err(e) if matches!(e.kind(), generator::ErrorKind::Internal(_)) => Some(e.to_string()),
            _ => None,
        }
    });
    match outcome {
        Ok(finding) => finding,
        Err(panic) => Some(format!(
            "panic: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default()
        )),
    }
}

/// A mutant of `seed`: one to four mutations, structural when the text parses, else bytes.
pub fn mutant(seed: &str, rng: &mut Rng) -> String {
    let rounds = 1 + rng.below(4);
    if rng.below(3) > 0
        && let Ok(mut doc) = serde_norway::from_str::<Value>(seed)
    {
        for _ in 0..rounds {
            mutate_value(&mut doc, rng);
        }
        return serde_json::to_string_pretty(&doc).unwrap_or_default();
    }
    let mut text = seed.to_owned();
    for _ in 0..rounds {
        text = mutate_text(&text, rng);
    }
    text
}
