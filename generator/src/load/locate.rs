//! Find where a JSON pointer lives in a YAML or JSON source text.
//!
//! Used on error paths to turn a pointer such as
//! `/paths/~1webhooks/post/responses/201` into a 1-based `line:column` a
//! human can jump to. The scanners are tolerant and never panic; when the text
//! does not have the expected shape they answer `None` rather than guess.
//!
//! What is returned:
//! * for an object member, the position of its key (the opening quote for a
//!   quoted key);
//! * for an array index, the start of the element (in YAML block style, the
//!   content after the `- ` dash, or the dash itself when the item has no
//!   content);
//! * for the empty pointer, the start of the document's content.
//!
//! Columns count characters (Unicode scalar values), not bytes. A leading
//! byte order mark is not counted.
//!
//! The format is picked by the first non-whitespace character: `{` or `[`
//! means JSON, anything else YAML.
//!
//! JSON is walked with a small tokenizer (strings with escapes, nesting
//! depth). If an object has duplicate keys the last one wins, as in
//! `serde_json`.
//!
//! YAML is read as block style, the way OpenAPI documents are written:
//! mappings by indentation, plain and quoted keys, `- ` sequences (also
//! sequences at the same indentation as their parent key, and compact
//! `- key: value` items), comments, block scalars (`|`, `>`) and multi-line
//! quoted or plain scalars, whose content is skipped. Limitations:
//! * flow collections (`{a: 1}`, `[x, y]`) are walked with the JSON tokenizer,
//!   which also accepts YAML's plain and single-quoted scalars and comments;
//!   if it cannot make sense of one, the position of the key (or sequence
//!   item) that holds the flow collection is returned instead, never a
//!   deeper guess;
//! * a pointer that goes through an alias (`*name`) yields the position of
//!   the alias's key; merge keys (`<<`) and complex keys (`? `) are not
//!   resolved;
//! * document markers (`---`, `...`) and directives are skipped, so a stream
//!   of documents is read as one; content on a `---` line is ignored;
//! * if a mapping has duplicate keys (an error in YAML) the first one wins.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::str::Chars;

use crate::error::Position;

/// Finds the position of what the RFC 6901 `pointer` names in `source`
/// (YAML or JSON text); see the module documentation for details.
///
/// Returns `None` if the pointer is malformed or names nothing in `source`.
/// To locate many pointers in one text, make one [`Locator`].
#[must_use]
pub fn locate(source: &str, pointer: &str) -> Option<Position> {
    Locator::new(source).locate(pointer)
}

/// Locates pointers in one text, keeping what it read between calls: the YAML tokens,
/// each JSON object's members and array's elements, the line starts. Each part of the text
/// is then read once however many pointers are asked (a spec with hundreds of warnings was
/// read once per warning, which took seconds on a 2.6 MB spec).
pub struct Locator<'a> {
    source: &'a str,
    /// Offset after a byte order mark.
    body: usize,
    /// Offsets where lines start, made on the first position asked for.
    line_starts: Vec<usize>,
    /// The YAML document's structural tokens, made on the first YAML pointer.
    yaml_items: Option<Vec<Item<'a>>>,
    flow: Flow<'a>,
}

impl<'a> Locator<'a> {
    #[must_use]
    pub fn new(source: &'a str) -> Self {
        let body = if source.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        Locator {
            source,
            body,
            line_starts: Vec::new(),
            yaml_items: None,
            flow: Flow::new(source),
        }
    }

    /// Where `pointer` lives in the text; see [`locate`].
    pub fn locate(&mut self, pointer: &str) -> Option<Position> {
        let segments = codegen_runtime::pointer::split(pointer)?;
        let first = self
            .source
            .as_bytes()
            .iter()
            .enumerate()
            .skip(self.body)
            .find(|(_, b)| !b.is_ascii_whitespace());
        let offset = match first {
            None => {
                return segments.is_empty().then_some(Position { line: 1, column: 1 });
            }
            Some((start, b'{' | b'[')) => match self.flow.walk(start, &segments) {
                Walk::Found(offset) => offset,
                Walk::Missing | Walk::Malformed => return None,
            },
            Some(_) => {
                let (source, body) = (self.source, self.body);
                let items = self.yaml_items.get_or_insert_with(|| Lexer::tokenize(source, body));
                locate_yaml(&self.flow, items, &segments)?
            }
        };
        self.position_of(offset)
    }

    /// Converts a byte offset into a 1-based line and character column.
    fn position_of(&mut self, offset: usize) -> Option<Position> {
        if self.line_starts.is_empty() {
            // `str::find` with a single char is a fast `memchr`; `match_indices` is not.
            self.line_starts.push(0);
            let mut from = 0;
            while let Some(at) = self.source.get(from..).and_then(|rest| rest.find('\n')) {
                from += at + 1;
                self.line_starts.push(from);
            }
        }
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = *self.line_starts.get(line.checked_sub(1)?)?;
        let mut column = self.source.get(line_start..offset)?.chars().count() + 1;
        if line_start == 0 && self.body > 0 {
            column = column.saturating_sub(1);
        }
        Some(Position { line, column })
    }
}

/// An RFC 6901 array index: `0` or decimal digits without a leading zero.
fn parse_index(segment: &str) -> Option<usize> {
    let well_formed = !segment.is_empty()
        && segment.bytes().all(|b| b.is_ascii_digit())
        && (segment == "0" || !segment.starts_with('0'));
    if well_formed { segment.parse().ok() } else { None }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

/// Decodes the body of a double-quoted JSON or YAML string.
fn unescape_double(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(escape) = chars.next() else {
            out.push('\\');
            break;
        };
        let decoded = match escape {
            'b' => '\u{8}',
            't' | '\t' => '\t',
            'n' => '\n',
            'f' => '\u{c}',
            'r' => '\r',
            '0' => '\0',
            'a' => '\u{7}',
            'v' => '\u{b}',
            'e' => '\u{1b}',
            'N' => '\u{85}',
            '_' => '\u{a0}',
            'L' => '\u{2028}',
            'P' => '\u{2029}',
            '"' | '\\' | '/' | ' ' => escape,
            'x' => hex_char(&mut chars, 2),
            'U' => hex_char(&mut chars, 8),
            'u' => utf16_char(&mut chars),
            '\n' | '\r' => {
                // Escaped line break (YAML): it and the next line's
                // indentation are dropped.
                let rest = chars.as_str().trim_start_matches(['\n', ' ', '\t']);
                chars = rest.chars();
                continue;
            }
            other => {
                out.push('\\');
                other
            }
        };
        out.push(decoded);
    }
    Cow::Owned(out)
}

fn hex_value(chars: &mut Chars<'_>, digits: usize) -> Option<u32> {
    let mut value: u32 = 0;
    for _ in 0..digits {
        value = value.checked_mul(16)?.checked_add(chars.next()?.to_digit(16)?)?;
    }
    Some(value)
}

fn hex_char(chars: &mut Chars<'_>, digits: usize) -> char {
    hex_value(chars, digits)
        .and_then(char::from_u32)
        .unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Decodes the digits after `\u`, joining a following `\uDC00`-style low
/// surrogate if there is one.
fn utf16_char(chars: &mut Chars<'_>) -> char {
    let Some(high) = hex_value(chars, 4) else {
        return char::REPLACEMENT_CHARACTER;
    };
    if !(0xD800..0xDC00).contains(&high) {
        return char::from_u32(high).unwrap_or(char::REPLACEMENT_CHARACTER);
    }
    let mut ahead = chars.clone();
    if ahead.next() == Some('\\')
        && ahead.next() == Some('u')
        && let Some(low) = hex_value(&mut ahead, 4).filter(|low| (0xDC00..0xE000).contains(low))
    {
        *chars = ahead;
        let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        return char::from_u32(combined).unwrap_or(char::REPLACEMENT_CHARACTER);
    }
    char::REPLACEMENT_CHARACTER
}

/// Decodes the body of a single-quoted YAML string (`''` is a quote).
fn unescape_single(raw: &str) -> Cow<'_, str> {
    if raw.contains("''") {
        Cow::Owned(raw.replace("''", "'"))
    } else {
        Cow::Borrowed(raw)
    }
}

// ---------------------------------------------------------------------------
// JSON and YAML flow collections
// ---------------------------------------------------------------------------

/// Result of walking a pointer through a JSON value / YAML flow collection.
enum Walk {
    /// Byte offset of the key or element.
    Found(usize),
    /// The text is well formed as far as it was read, the target is absent.
    Missing,
    /// The text could not be tokenized.
    Malformed,
}

/// A tokenizer for JSON that also accepts YAML flow syntax: plain
/// (unquoted) scalars and keys, single-quoted strings, `#` comments.
struct Flow<'a> {
    src: &'a str,
    s: &'a [u8],
    /// Each object read so far, by the offset of its `{`.
    objects: RefCell<HashMap<usize, Rc<Members<'a>>>>,
    /// Each array read so far, by the offset of its `[`.
    arrays: RefCell<HashMap<usize, Rc<Elements>>>,
}

/// An object's members by key (the last of duplicates): the offsets of the key and of its
/// value (`None` for a YAML key without a value); `Err` if the object is malformed.
type Members<'a> = Result<HashMap<Cow<'a, str>, (usize, Option<usize>)>, ()>;

/// An array's elements as far as they could be read, and whether reading stopped at
/// malformed text rather than at the closing `]`.
struct Elements {
    offsets: Vec<usize>,
    malformed: bool,
}

impl<'a> Flow<'a> {
    fn new(src: &'a str) -> Self {
        Flow {
            src,
            s: src.as_bytes(),
            objects: RefCell::default(),
            arrays: RefCell::default(),
        }
    }

    fn byte(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }

    /// Whether a `#` at `i` starts a comment (it must follow whitespace).
    fn starts_comment(&self, i: usize) -> bool {
        self.byte(i) == Some(b'#') && (i == 0 || i.checked_sub(1).and_then(|p| self.byte(p)).is_some_and(is_space))
    }

    /// Offset of the `\n` ending the line that contains `i` (or the end).
    fn line_end(&self, i: usize) -> usize {
        // `str::find` with a single char is a fast `memchr`.
        self.src
            .get(i..)
            .and_then(|rest| rest.find('\n'))
            .map_or(self.s.len(), |p| i + p)
    }

    /// Skips whitespace, line breaks and comments.
    fn skip_ws(&self, mut i: usize) -> usize {
        loop {
            match self.byte(i) {
                Some(b) if is_space(b) => i += 1,
                Some(b'#') if self.starts_comment(i) => i = self.line_end(i),
                _ => return i,
            }
        }
    }

    /// Skips YAML node properties (`&anchor`, `!tag`) and the space after.
    fn skip_props(&self, mut i: usize) -> usize {
        while matches!(self.byte(i), Some(b'&' | b'!')) {
            while self.byte(i).is_some_and(|b| !is_space(b) && !is_flow_indicator(b)) {
                i += 1;
            }
            i = self.skip_ws(i);
        }
        i
    }

    /// `i` is at an opening quote; returns the offset after the closing one.
    fn skip_quoted(&self, i: usize) -> Option<usize> {
        let quote = self.byte(i)?;
        let mut j = i + 1;
        loop {
            // `str::find` with a single char is a fast `memchr`.
            let close = j + self.src.get(j..)?.find(char::from(quote))?;
            if quote == b'"' {
                let backslashes = self
                    .s
                    .get(i + 1..close)?
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b'\\')
                    .count();
                if backslashes % 2 == 0 {
                    return Some(close + 1);
                }
                j = close + 1;
            } else if self.byte(close + 1) == Some(b'\'') {
                j = close + 2;
            } else {
                return Some(close + 1);
            }
        }
    }

    /// End of a plain scalar (or JSON number / literal) starting at `i`.
    fn plain_end(&self, mut i: usize) -> usize {
        while let Some(b) = self.byte(i) {
            let ends = match b {
                b',' | b'[' | b']' | b'{' | b'}' => true,
                b':' => self.byte(i + 1).is_none_or(|n| is_space(n) || is_flow_indicator(n)),
                b'#' => self.starts_comment(i),
                _ => false,
            };
            if ends {
                break;
            }
            i += 1;
        }
        i
    }

    /// `i` is at `{` or `[`; returns the offset after the matching bracket.
    fn skip_collection(&self, i: usize) -> Option<usize> {
        let s = self.s;
        let mut depth = 0usize;
        let mut j = i;
        // Quotes only open a string at the start of a token; elsewhere
        // they are part of a YAML plain scalar (`it's`).
        let mut token_start = true;
        // This loop runs over most of a large document, so it indexes
        // directly (guarded by the loop condition) to stay fast in debug
        // builds.
        while j < s.len() {
            match s[j] {
                b'{' | b'[' => {
                    depth += 1;
                    token_start = true;
                    j += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    j += 1;
                    if depth == 0 {
                        return Some(j);
                    }
                    token_start = false;
                }
                b',' | b':' => {
                    token_start = true;
                    j += 1;
                }
                b'"' | b'\'' if token_start => {
                    j = self.skip_quoted(j)?;
                    token_start = false;
                }
                b' ' | b'\t' | b'\r' | b'\n' => j += 1,
                b'#' if self.starts_comment(j) => j = self.line_end(j),
                _ => {
                    token_start = false;
                    j += 1;
                }
            }
        }
        None
    }

    /// Skips the value starting at `i` (after whitespace).
    fn skip_value(&self, i: usize) -> Option<usize> {
        let i = self.skip_props(i);
        match self.byte(i)? {
            b'"' | b'\'' => self.skip_quoted(i),
            b'{' | b'[' => self.skip_collection(i),
            _ => Some(self.plain_end(i)),
        }
    }

    /// Reads a mapping key at `i`; returns it decoded and the offset after it.
    fn read_key(&self, i: usize) -> Option<(Cow<'a, str>, usize)> {
        match self.byte(i)? {
            quote @ (b'"' | b'\'') => {
                let end = self.skip_quoted(i)?;
                let raw = self.src.get(i + 1..end.checked_sub(1)?)?;
                let key = if quote == b'"' {
                    unescape_double(raw)
                } else {
                    unescape_single(raw)
                };
                Some((key, end))
            }
            // Complex keys, aliases and properties are not supported.
            b'?' | b'*' | b'&' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' => None,
            _ => {
                let end = self.plain_end(i);
                Some((Cow::Borrowed(self.src.get(i..end)?.trim_end()), end))
            }
        }
    }

    /// `i` is at `{`. Finds the member named `name` (the last one if there
    /// are duplicates) and returns the offsets of its key and of its value
    /// (`None` for a YAML key without a value).
    fn find_member(&self, i: usize, name: &str) -> Result<Option<(usize, Option<usize>)>, ()> {
        let members = self.objects.borrow().get(&i).cloned();
        let members = members.unwrap_or_else(|| {
            let read = Rc::new(self.read_members(i));
            self.objects.borrow_mut().insert(i, Rc::clone(&read));
            read
        });
        match members.as_ref() {
            Ok(members) => Ok(members.get(name).copied()),
            Err(()) => Err(()),
        }
    }

    /// Reads every member of the object whose `{` is at `i`.
    fn read_members(&self, i: usize) -> Members<'a> {
        let mut members = HashMap::new();
        let mut j = i + 1;
        loop {
            j = self.skip_ws(j);
            match self.byte(j) {
                None => return Err(()),
                Some(b'}') => return Ok(members),
                _ => {}
            }
            let key_start = j;
            let (key, after) = self.read_key(j).ok_or(())?;
            j = self.skip_ws(after);
            let mut value = None;
            if self.byte(j) == Some(b':') {
                j = self.skip_ws(j + 1);
                if !matches!(self.byte(j), Some(b',' | b'}')) {
                    value = Some(j);
                    j = self.skip_value(j).ok_or(())?;
                }
            }
            members.insert(key, (key_start, value));
            j = self.skip_ws(j);
            match self.byte(j) {
                Some(b',') => j += 1,
                Some(b'}') => return Ok(members),
                _ => return Err(()),
            }
        }
    }

    /// `i` is at `[`. Returns the offset of element number `index`.
    fn find_element(&self, i: usize, index: usize) -> Result<Option<usize>, ()> {
        let elements = self.arrays.borrow().get(&i).cloned();
        let elements = elements.unwrap_or_else(|| {
            let read = Rc::new(self.read_elements(i));
            self.arrays.borrow_mut().insert(i, Rc::clone(&read));
            read
        });
        match elements.offsets.get(index) {
            Some(&offset) => Ok(Some(offset)),
            None if elements.malformed => Err(()),
            None => Ok(None),
        }
    }

    /// Reads the offsets of the elements of the array whose `[` is at `i`.
    fn read_elements(&self, i: usize) -> Elements {
        let mut offsets = Vec::new();
        let mut j = i + 1;
        let malformed = loop {
            j = self.skip_ws(j);
            match self.byte(j) {
                None => break true,
                Some(b']') => break false,
                _ => {}
            }
            offsets.push(j);
            let Some(after) = self.skip_value(j) else { break true };
            j = self.skip_ws(after);
            if self.byte(j) == Some(b':') {
                // YAML single-pair mapping inside a sequence: `[a: 1]`.
                j = self.skip_ws(j + 1);
                if !matches!(self.byte(j), Some(b',' | b']')) {
                    let Some(after) = self.skip_value(j) else { break true };
                    j = self.skip_ws(after);
                }
            }
            match self.byte(j) {
                Some(b',') => j += 1,
                Some(b']') => break false,
                _ => break true,
            }
        };
        Elements { offsets, malformed }
    }

    /// Follows `segments` from the value starting at (or after whitespace
    /// following) `start`.
    fn walk(&self, start: usize, segments: &[String]) -> Walk {
        let mut i = self.skip_ws(start);
        for (n, segment) in segments.iter().enumerate() {
            let last = n + 1 == segments.len();
            i = self.skip_props(i);
            let (found, value) = match self.byte(i) {
                Some(b'{') => match self.find_member(i, segment) {
                    Ok(Some((key, value))) => (key, value),
                    Ok(None) => return Walk::Missing,
                    Err(()) => return Walk::Malformed,
                },
                Some(b'[') => {
                    let Some(index) = parse_index(segment) else {
                        return Walk::Missing;
                    };
                    match self.find_element(i, index) {
                        Ok(Some(element)) => (element, Some(element)),
                        Ok(None) => return Walk::Missing,
                        Err(()) => return Walk::Malformed,
                    }
                }
                Some(_) => return Walk::Missing,
                None => return Walk::Malformed,
            };
            if last {
                return Walk::Found(found);
            }
            match value {
                Some(value) => i = value,
                None => return Walk::Missing,
            }
        }
        Walk::Found(i)
    }
}

// ---------------------------------------------------------------------------
// YAML block style
// ---------------------------------------------------------------------------

/// What a YAML structural token is.
#[derive(Debug)]
enum Kind<'a> {
    /// A mapping key (decoded).
    Key(Cow<'a, str>),
    /// A `-` sequence entry indicator.
    Dash,
    /// A scalar (plain, quoted or block) that is not a key.
    Scalar,
    /// An alias (`*name`).
    Alias,
    /// The start of a flow collection (`{` or `[`).
    Flow,
}

/// A structural token of a YAML document.
#[derive(Debug)]
struct Item<'a> {
    /// Byte offset in the source.
    offset: usize,
    /// Byte column in its line (only compared with other items' columns;
    /// everything before a key or dash on its line is ASCII).
    column: usize,
    kind: Kind<'a>,
}

/// Where to continue after a line.
struct After {
    /// Offset of the next line to read.
    next: usize,
    /// Skip following lines indented more than this (scalar content).
    skip_deeper_than: Option<usize>,
}

/// Turns a YAML document into a flat list of structural tokens, skipping
/// comments and the content of multi-line scalars and flow collections.
struct Lexer<'a> {
    flow: Flow<'a>,
    items: Vec<Item<'a>>,
}

impl<'a> Lexer<'a> {
    fn tokenize(src: &'a str, start: usize) -> Vec<Item<'a>> {
        let mut lexer = Lexer {
            flow: Flow::new(src),
            // Roughly one token per 32 bytes of a typical OpenAPI document.
            items: Vec::with_capacity(src.len() / 32),
        };
        let len = src.len();
        let mut pos = start;
        let mut skip_deeper_than: Option<usize> = None;
        while pos < len {
            let line_end = lexer.flow.line_end(pos);
            let next_line = line_end + 1;
            let mut end = line_end;
            if end > pos && lexer.byte(end - 1) == Some(b'\r') {
                end -= 1;
            }
            let mut start = pos;
            while start < end && matches!(lexer.byte(start), Some(b' ' | b'\t')) {
                start += 1;
            }
            let indent = start - pos;
            if start >= end {
                pos = next_line;
                continue;
            }
            if let Some(limit) = skip_deeper_than {
                if indent > limit {
                    pos = next_line;
                    continue;
                }
                skip_deeper_than = None;
            }
            let first = lexer.byte(start);
            let directive_or_marker = indent == 0
                && (first == Some(b'%')
                    || lexer.is_document_marker(start, end, b"---")
                    || lexer.is_document_marker(start, end, b"..."));
            if first == Some(b'#') || directive_or_marker {
                pos = next_line;
                continue;
            }
            let after = lexer.line(pos, start, end, next_line);
            pos = after.next.max(pos + 1);
            skip_deeper_than = after.skip_deeper_than;
        }
        lexer.items
    }

    fn byte(&self, i: usize) -> Option<u8> {
        self.flow.byte(i)
    }

    fn is_document_marker(&self, start: usize, end: usize, marker: &[u8]) -> bool {
        let after = start + marker.len();
        self.flow.s.get(start..after) == Some(marker) && (after >= end || self.byte(after).is_some_and(is_space))
    }

    fn push(&mut self, offset: usize, column: usize, kind: Kind<'a>) {
        self.items.push(Item { offset, column, kind });
    }

    fn skip_blanks(&self, mut i: usize, end: usize) -> usize {
        while i < end && matches!(self.byte(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        i
    }

    /// The colon ending a plain key that starts at `i`, if there is one
    /// before the end of the line or a comment.
    fn plain_key_colon(&self, i: usize, end: usize) -> Option<usize> {
        let text = self.flow.src.get(i..end)?;
        let bytes = text.as_bytes();
        let comment = text
            .match_indices('#')
            .map(|(k, _)| k)
            .find(|&k| k > 0 && matches!(bytes.get(k - 1), Some(b' ' | b'\t')))
            .unwrap_or(text.len());
        text.match_indices(':')
            .map(|(k, _)| k)
            .take_while(|&k| k < comment)
            .find(|&k| matches!(bytes.get(k + 1), None | Some(b' ' | b'\t')))
            .map(|k| i + k)
    }

    /// Tokenizes the content of one line, from `start` (after indentation)
    /// to `end` (before the line break).
    fn line(&mut self, line_start: usize, start: usize, end: usize, next_line: usize) -> After {
        let done = |skip_deeper_than| After {
            next: next_line,
            skip_deeper_than,
        };
        // Indentation of the node that owns a scalar found on this line;
        // more indented lines after it continue the scalar.
        let mut owner = (start - line_start).checked_sub(1);
        let mut after_key = false;
        // Start of the node properties (`&anchor`, `!tag`) before a value,
        // which is where that value is reported to start.
        let mut props: Option<usize> = None;
        let mut o = start;
        loop {
            o = self.skip_blanks(o, end);
            let Some(b) = self.byte(o).filter(|_| o < end) else {
                break;
            };
            let column = o - line_start;
            if b == b'#' && self.flow.starts_comment(o) {
                break;
            }
            match b {
                b'-' if !after_key && (o + 1 >= end || matches!(self.byte(o + 1), Some(b' ' | b'\t'))) => {
                    self.push(o, column, Kind::Dash);
                    owner = Some(column);
                    props = None;
                    o += 1;
                }
                b'&' | b'!' => {
                    props = props.or(Some(o));
                    while o < end && self.byte(o).is_some_and(|b| !is_space(b)) {
                        o += 1;
                    }
                }
                b'*' => {
                    self.push(props.unwrap_or(o), column, Kind::Alias);
                    break;
                }
                b'|' | b'>' => {
                    self.push(props.unwrap_or(o), column, Kind::Scalar);
                    return done(owner);
                }
                b'{' | b'[' => {
                    self.push(props.unwrap_or(o), column, Kind::Flow);
                    let next = match self.flow.skip_collection(o) {
                        Some(close) => self.flow.line_end(close) + 1,
                        None => self.flow.s.len(),
                    };
                    return After {
                        next,
                        skip_deeper_than: None,
                    };
                }
                b'"' | b'\'' => {
                    let Some(close) = self.flow.skip_quoted(o) else {
                        self.push(props.unwrap_or(o), column, Kind::Scalar);
                        return After {
                            next: self.flow.s.len(),
                            skip_deeper_than: None,
                        };
                    };
                    if close > end {
                        // A quoted scalar spanning lines.
                        self.push(props.unwrap_or(o), column, Kind::Scalar);
                        return After {
                            next: self.flow.line_end(close) + 1,
                            skip_deeper_than: None,
                        };
                    }
                    let colon = self.skip_blanks(close, end);
                    if after_key || colon >= end || self.byte(colon) != Some(b':') {
                        self.push(props.unwrap_or(o), column, Kind::Scalar);
                        break;
                    }
                    let Some((key, _)) = self.flow.read_key(o) else {
                        break;
                    };
                    self.push(o, column, Kind::Key(key));
                    props = None;
                    owner = Some(column);
                    after_key = true;
                    o = colon + 1;
                }
                _ => {
                    let colon = if after_key { None } else { self.plain_key_colon(o, end) };
                    let Some(colon) = colon else {
                        self.push(props.unwrap_or(o), column, Kind::Scalar);
                        return done(owner);
                    };
                    let Some(key) = self.flow.src.get(o..colon) else {
                        break;
                    };
                    self.push(o, column, Kind::Key(Cow::Borrowed(key.trim_end())));
                    props = None;
                    owner = Some(column);
                    after_key = true;
                    o = colon + 1;
                }
            }
        }
        done(None)
    }
}

/// Index of the key `name` in the block mapping whose first key is `items[start]`.
fn find_key(items: &[Item<'_>], start: usize, name: &str) -> Option<usize> {
    let column = items.get(start)?.column;
    for (i, item) in items.iter().enumerate().skip(start) {
        if item.column < column {
            break;
        }
        if item.column == column
            && let Kind::Key(key) = &item.kind
            && key == name
        {
            return Some(i);
        }
    }
    None
}

/// Index of the dash of entry `index` in the block sequence whose first dash
/// is `items[start]`.
fn find_entry(items: &[Item<'_>], start: usize, index: usize) -> Option<usize> {
    let column = items.get(start)?.column;
    let mut count = 0usize;
    for (i, item) in items.iter().enumerate().skip(start) {
        if item.column < column {
            break;
        }
        if item.column == column {
            if !matches!(item.kind, Kind::Dash) {
                break;
            }
            if count == index {
                return Some(i);
            }
            count += 1;
        }
    }
    None
}

/// Index of the first item of the value of the key or dash at `items[at]`.
fn child_of(items: &[Item<'_>], at: usize) -> Option<usize> {
    let parent = items.get(at)?;
    let next = items.get(at + 1)?;
    let is_child = next.column > parent.column
        // A sequence may sit at the same indentation as its parent key.
        || (next.column == parent.column
            && matches!(parent.kind, Kind::Key(_))
            && matches!(next.kind, Kind::Dash));
    is_child.then_some(at + 1)
}

fn locate_yaml(flow: &Flow<'_>, items: &[Item<'_>], segments: &[String]) -> Option<usize> {
    let mut node = 0usize;
    // Position of the node reached so far (its key, or its entry).
    let mut reached = items.first()?.offset;
    for (n, segment) in segments.iter().enumerate() {
        let last = n + 1 == segments.len();
        let item = items.get(node)?;
        let child = match item.kind {
            Kind::Key(_) => {
                let key = find_key(items, node, segment)?;
                reached = items.get(key)?.offset;
                if last {
                    return Some(reached);
                }
                child_of(items, key)?
            }
            Kind::Dash => {
                let dash = find_entry(items, node, parse_index(segment)?)?;
                let child = child_of(items, dash);
                reached = items.get(child.unwrap_or(dash))?.offset;
                if last {
                    return Some(reached);
                }
                child?
            }
            Kind::Flow => {
                return match flow.walk(item.offset, segments.get(n..)?) {
                    Walk::Found(offset) => Some(offset),
                    Walk::Missing => None,
                    Walk::Malformed => Some(reached),
                };
            }
            Kind::Alias => return Some(reached),
            Kind::Scalar => return None,
        };
        node = child;
    }
    Some(reached)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Option<Position> {
        Some(Position { line, column })
    }

    const JSON: &str = r#"{
  "openapi": "3.1.0",
  "info": {"title": "t \"quoted\" {not} [a, key]", "version": "1"},
  "paths": {
    "/webhooks": {
      "post": {
        "responses": {
          "201": {"description": "created"},
          "400": {"description": "bad", "type": "x"}
        }
      }
    }
  },
  "components": {
    "schemas": {
      "Foo": {
        "type": "object",
        "properties": {
          "bar": {"type": "string", "enum": ["a", "b", {"type": 1}]}
        }
      }
    }
  }
}"#;

    const YAML: &str = "\
# type: commented out at the top
openapi: 3.1.0
info:
  title: Test   # type: not a key
  description: |
    Some text with
    type: not a key either
      paths: nested
  version: '1'
paths:
  /webhooks:
    post:
      parameters:
      - name: id
        in: path
      - name: q
        in: query
      responses:
        '201':
          description: created
        \"400\":
          description: bad
components:
  schemas:
    Foo:
      type: object
      required: [bar, 'baz']
      properties:
        bar:
          type: string
        list:
          type: array
          items:
            - first
            - type: second
    Bar:
      description: >-
        folded
        type: text
      type: integer
";

    #[test]
    fn json_root_and_nested_keys() {
        assert_eq!(locate(JSON, ""), at(1, 1));
        assert_eq!(locate(JSON, "/openapi"), at(2, 3));
        assert_eq!(locate(JSON, "/info/version"), at(3, 52));
        assert_eq!(locate(JSON, "/components/schemas/Foo/properties/bar/type"), at(19, 19));
    }

    #[test]
    fn json_escaped_segment() {
        assert_eq!(locate(JSON, "/paths/~1webhooks/post/responses/201"), at(8, 11));
        assert_eq!(locate(JSON, "/paths/~1webhooks/post/responses/400/type"), at(9, 41));
        assert_eq!(locate(JSON, "/paths/webhooks"), None);
    }

    #[test]
    fn json_array_indices() {
        let enum_ptr = "/components/schemas/Foo/properties/bar/enum";
        assert_eq!(locate(JSON, &format!("{enum_ptr}/0")), at(19, 46));
        assert_eq!(locate(JSON, &format!("{enum_ptr}/1")), at(19, 51));
        assert_eq!(locate(JSON, &format!("{enum_ptr}/2")), at(19, 56));
        assert_eq!(locate(JSON, &format!("{enum_ptr}/2/type")), at(19, 57));
        assert_eq!(locate(JSON, &format!("{enum_ptr}/3")), None);
        assert_eq!(locate(JSON, &format!("{enum_ptr}/01")), None);
        assert_eq!(locate(JSON, &format!("{enum_ptr}/-")), None);
        assert_eq!(locate("[1, [2, 3], {\"a\": 4}]", "/1/1"), at(1, 9));
        assert_eq!(locate("[1, [2, 3], {\"a\": 4}]", "/2/a"), at(1, 14));
    }

    #[test]
    fn json_key_at_several_depths() {
        // `type` exists under 400, Foo, bar and the enum object.
        assert_eq!(locate(JSON, "/components/schemas/Foo/type"), at(17, 9));
        assert_eq!(locate(JSON, "/type"), None);
        assert_eq!(locate(JSON, "/components/type"), None);
    }

    #[test]
    fn json_strings_are_tokenized() {
        // Braces, brackets and escaped quotes inside strings do not count.
        assert_eq!(locate(JSON, "/info/title"), at(3, 12));
        assert_eq!(locate(JSON, "/info/key"), None);
        let escaped = r#"{"a\"b": 1, "c\/d": 2, "\u00e9": {"x": 3}, "\ud83d\ude00": 4}"#;
        assert_eq!(locate(escaped, "/a\"b"), at(1, 2));
        assert_eq!(locate(escaped, "/c~1d"), at(1, 13));
        assert_eq!(locate(escaped, "/é/x"), at(1, 35));
        assert_eq!(locate(escaped, "/😀"), at(1, 44));
    }

    #[test]
    fn json_descending_into_scalar_or_missing() {
        assert_eq!(locate(JSON, "/openapi/x"), None);
        assert_eq!(locate(JSON, "/missing"), None);
        assert_eq!(locate(JSON, "/info/title/0"), None);
        assert_eq!(locate("{\"a\": [1, 2", "/a/5"), None);
    }

    #[test]
    fn json_duplicate_keys_last_wins() {
        assert_eq!(locate(r#"{"a": {"x": 1}, "a": {"y": 2}}"#, "/a"), at(1, 17));
        assert_eq!(locate(r#"{"a": {"x": 1}, "a": {"y": 2}}"#, "/a/y"), at(1, 23));
        assert_eq!(locate(r#"{"a": {"x": 1}, "a": {"y": 2}}"#, "/a/x"), None);
    }

    #[test]
    fn json_columns_count_characters() {
        let src = "{\"é\": \"ü\", \"b\": 1}";
        assert_eq!(locate(src, "/b"), at(1, 12));
        let bom = "\u{feff}{\"a\": 1}";
        assert_eq!(locate(bom, "/a"), at(1, 2));
        let crlf = "{\r\n  \"a\": {\r\n    \"b\": 1\r\n  }\r\n}";
        assert_eq!(locate(crlf, "/a/b"), at(3, 5));
    }

    #[test]
    fn yaml_nested_keys() {
        assert_eq!(locate(YAML, ""), at(2, 1));
        assert_eq!(locate(YAML, "/openapi"), at(2, 1));
        assert_eq!(locate(YAML, "/info/version"), at(9, 3));
        assert_eq!(locate(YAML, "/components/schemas/Foo/properties/bar/type"), at(30, 11));
    }

    #[test]
    fn yaml_escaped_segment_and_quoted_keys() {
        assert_eq!(locate(YAML, "/paths/~1webhooks/post/responses/201"), at(19, 9));
        assert_eq!(
            locate(YAML, "/paths/~1webhooks/post/responses/400/description"),
            at(22, 11)
        );
        let quoted = "'it''s': 1\n\"a\\tb\": 2\n\"c: d\": 3\n'#e': 4\n";
        assert_eq!(locate(quoted, "/it's"), at(1, 1));
        assert_eq!(locate(quoted, "/a\tb"), at(2, 1));
        assert_eq!(locate(quoted, "/c: d"), at(3, 1));
        assert_eq!(locate(quoted, "/#e"), at(4, 1));
    }

    #[test]
    fn yaml_same_indent_sequence_under_key() {
        let params = "/paths/~1webhooks/post/parameters";
        assert_eq!(locate(YAML, &format!("{params}/0")), at(14, 9));
        assert_eq!(locate(YAML, &format!("{params}/1")), at(16, 9));
        assert_eq!(locate(YAML, &format!("{params}/1/in")), at(17, 9));
        assert_eq!(locate(YAML, &format!("{params}/2")), None);
        // The sequence does not swallow the sibling key after it.
        assert_eq!(locate(YAML, "/paths/~1webhooks/post/responses"), at(18, 7));
    }

    #[test]
    fn yaml_indented_sequences() {
        let items = "/components/schemas/Foo/properties/list/items";
        assert_eq!(locate(YAML, &format!("{items}/0")), at(34, 15));
        assert_eq!(locate(YAML, &format!("{items}/1/type")), at(35, 15));
        assert_eq!(locate(YAML, &format!("{items}/0/type")), None);
        assert_eq!(locate(YAML, &format!("{items}/x")), None);
        let nested = "a:\n  - - x\n    - y\n  - -   z: 1\n        w: 2\n  -\n  - q\n";
        assert_eq!(locate(nested, "/a/0/1"), at(3, 7));
        assert_eq!(locate(nested, "/a/1/0/w"), at(5, 9));
        assert_eq!(locate(nested, "/a/2"), at(6, 3));
        assert_eq!(locate(nested, "/a/3"), at(7, 5));
    }

    #[test]
    fn yaml_key_at_several_depths() {
        assert_eq!(locate(YAML, "/components/schemas/Foo/type"), at(26, 7));
        assert_eq!(locate(YAML, "/components/schemas/Bar/type"), at(40, 7));
        assert_eq!(locate(YAML, "/type"), None);
        assert_eq!(locate(YAML, "/components/schemas/type"), None);
    }

    #[test]
    fn yaml_comments_and_block_scalars_are_skipped() {
        // `type:` appears in a comment and in block scalar content.
        assert_eq!(locate(YAML, "/info/type"), None);
        assert_eq!(locate(YAML, "/info/paths"), None);
        assert_eq!(locate(YAML, "/info/description/paths"), None);
        assert_eq!(locate(YAML, "/info/description"), at(5, 3));
        assert_eq!(locate(YAML, "/components/schemas/Bar/description"), at(37, 7));
        let block = "a: |2\n   x: 1\n\n   y: 2\nb:\n  - >+\n    c: 3\n  - d: 4\n";
        assert_eq!(locate(block, "/x"), None);
        assert_eq!(locate(block, "/b"), at(5, 1));
        assert_eq!(locate(block, "/b/1/d"), at(8, 5));
        assert_eq!(locate(block, "/b/0/c"), None);
    }

    #[test]
    fn yaml_multiline_scalars_are_skipped() {
        let src = "a: plain text\n  b: still text\nc: \"quoted\n  d: text\"\ne: 'x'\nf:\n  long\n  g: text\n";
        assert_eq!(locate(src, "/a/b"), None);
        assert_eq!(locate(src, "/b"), None);
        assert_eq!(locate(src, "/d"), None);
        assert_eq!(locate(src, "/e"), at(5, 1));
        assert_eq!(locate(src, "/g"), None);
        assert_eq!(locate(src, "/f"), at(6, 1));
    }

    #[test]
    fn yaml_flow_collections() {
        assert_eq!(locate(YAML, "/components/schemas/Foo/required/0"), at(27, 18));
        assert_eq!(locate(YAML, "/components/schemas/Foo/required/1"), at(27, 23));
        assert_eq!(locate(YAML, "/components/schemas/Foo/required/2"), None);
        let src = "a: {b: [1, {c: 2}], 'd e': x}\nf: [\n  g,  # comment, ]\n  {h: i}\n]\nj: 1\n";
        assert_eq!(locate(src, "/a/b/1/c"), at(1, 13));
        assert_eq!(locate(src, "/a/d e"), at(1, 21));
        assert_eq!(locate(src, "/a/zz"), None);
        assert_eq!(locate(src, "/f/1/h"), at(4, 4));
        assert_eq!(locate(src, "/j"), at(6, 1));
        // Unsupported flow syntax: the key holding the collection.
        assert_eq!(locate("x:\n  y: {? a : b}\n", "/y/a"), None);
        assert_eq!(locate("x:\n  y: {? a : b}\n", "/x/y/a"), at(2, 3));
    }

    #[test]
    fn yaml_anchors_aliases_and_markers() {
        let src = "%YAML 1.2\n---\nbase: &b\n  k: 1\nuse: *b\nlist:\n- &x v\n- !!str w\n...\n";
        assert_eq!(locate(src, "/base/k"), at(4, 3));
        assert_eq!(locate(src, "/use/k"), at(5, 1));
        assert_eq!(locate(src, "/list/1"), at(8, 3));
        assert_eq!(locate(src, "/list/0/x"), None);
    }

    #[test]
    fn yaml_missing_keys_and_bad_pointers() {
        assert_eq!(locate(YAML, "/components/schemas/Baz"), None);
        assert_eq!(locate(YAML, "/openapi/x"), None);
        assert_eq!(locate(YAML, "components"), None);
        assert_eq!(locate(YAML, "/paths/~2webhooks"), None);
        assert_eq!(locate(YAML, "/paths/~"), None);
        assert_eq!(locate("", ""), at(1, 1));
        assert_eq!(locate("", "/a"), None);
        assert_eq!(locate("# only a comment\n", "/a"), None);
    }

    #[test]
    fn yaml_tilde_and_slash_in_keys() {
        let src = "paths:\n  /a~b/{id}:\n    get: {}\n  \"/x\": 1\n";
        assert_eq!(locate(src, "/paths/~1a~0b~1{id}/get"), at(3, 5));
        assert_eq!(locate(src, "/paths/~1x"), at(4, 3));
    }

    #[test]
    fn yaml_columns_and_line_endings() {
        let src = "é: 1\r\nb:\r\n  c: ü\r\n  d: 2\r\n";
        assert_eq!(locate(src, "/b/d"), at(4, 3));
        let src = "- ä: 1\n  b: 2\n";
        assert_eq!(locate(src, "/0/b"), at(2, 3));
        let bom = "\u{feff}a:\n  b: 1\n";
        assert_eq!(locate(bom, "/a"), at(1, 1));
        assert_eq!(locate(bom, "/a/b"), at(2, 3));
    }

    #[test]
    fn never_panics_on_truncated_input() {
        let pointers = [
            "",
            "/paths/~1webhooks/post/responses/201",
            "/components/schemas/Foo/properties/bar/enum/2/type",
            "/components/schemas/Foo/required/1",
            "/components/schemas/Foo/properties/list/items/1/type",
            "/info/description",
            "/0/0/0",
        ];
        let extra = "a: [\"\\\n'\n{x: \"\\u12\n- - 'é''\n  \"b\\\": |9\n";
        for source in [JSON, YAML, extra] {
            for (cut, _) in source.char_indices() {
                let prefix = source.get(..cut).unwrap_or_default();
                let suffix = source.get(cut..).unwrap_or_default();
                for pointer in pointers {
                    let _ = locate(prefix, pointer);
                    let _ = locate(suffix, pointer);
                }
            }
        }
    }

    #[test]
    fn one_locator_answers_as_fresh_ones() {
        // What a locator keeps between pointers (members, elements, tokens, lines) must not
        // change any answer, in any order, on whole, duplicated or cut text.
        let pointers = [
            "/components/schemas/Foo/properties/bar/enum/2/type",
            "/paths/~1webhooks/post/responses/400/type",
            "/components/schemas/Foo/required/1",
            "/components/schemas/Foo/properties/list/items/1/type",
            "/paths/~1webhooks/post/parameters/1/in",
            "/info/version",
            "/a/x",
            "/a/y",
            "/a/5",
            "",
            "/missing",
        ];
        let duplicated = r#"{"a": {"x": 1}, "a": {"y": 2}}"#;
        let sources = [
            JSON,
            YAML,
            duplicated,
            "{\"a\": [1, 2",
            &JSON[..JSON.len() / 2],
            &YAML[..YAML.len() / 2],
        ];
        for source in sources {
            let mut shared = Locator::new(source);
            for pointer in pointers.iter().chain(pointers.iter().rev()) {
                assert_eq!(shared.locate(pointer), locate(source, pointer), "{pointer} in {source}");
            }
        }
    }

    #[test]
    fn large_json_is_fast_enough() {
        let mut src = String::from("{\"items\": [");
        for i in 0..20_000 {
            if i > 0 {
                src.push(',');
            }
            src.push_str(&format!(
                "\n  {{\"id\": {i}, \"name\": \"item {i} {{[\\\"\", \"tags\": [\"a\", \"b\"]}}"
            ));
        }
        src.push_str("\n], \"last\": {\"key\": true}}");
        assert_eq!(locate(&src, "/last/key"), at(20_002, 13));
        assert_eq!(locate(&src, "/items/19999/tags/1"), at(20_001, 58));
    }
}
