//! A spec's `pattern`, matched as ECMA-262 reads it (with the `u` flag, as JSON Schema does)
//! and in time linear in the text wherever that can be done: a pattern the `regex` crate can
//! express once translated (`\d`, `\w`, `\b` as ASCII, `\s` as ECMA's white space and line
//! terminators, `.` short of the line terminators) runs there; one it cannot (lookaround,
//! back-references, control escapes) runs on `regress`, the ECMAScript engine, whose
//! backtracking a pattern with nested quantifiers can make exponential. The test against
//! the whole JSON-Schema-Test-Suite (`generator/tests/it/jsts.rs`) holds both to ECMA's
//! reading.

/// A compiled pattern.
#[derive(Debug)]
pub enum Pattern {
    /// Translated to the `regex` crate's syntax: linear time.
    Linear(regex::Regex),
    /// What only a backtracking engine can match.
    Backtracking(regress::Regex),
}

impl Pattern {
    /// Compiles `pattern`; an error when ECMA-262 (with `u`) cannot read it.
    pub fn new(pattern: &str) -> Result<Pattern, String> {
        // regress is the judge of what ECMA-262 reads; the translation only runs it faster.
        let ecma = regress::Regex::with_flags(pattern, "u").map_err(|e| e.to_string())?;
        Ok(match linear(pattern).and_then(|p| regex::Regex::new(&p).ok()) {
            Some(re) => Pattern::Linear(re),
            None => Pattern::Backtracking(ecma),
        })
    }

    /// Whether the pattern matches somewhere in `text` (patterns are unanchored).
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Pattern::Linear(re) => re.is_match(text),
            Pattern::Backtracking(re) => re.find(text).is_some(),
        }
    }
}

/// ECMA's `\s`: WhiteSpace and LineTerminator (ECMA-262 sections 12.2 and 12.3).
const SPACE: &str = r"\t\n\x0B\x0C\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";
const DIGIT: &str = "0-9";
const WORD: &str = "A-Za-z0-9_";

/// `pattern` in the `regex` crate's syntax with ECMA-262's meaning, or `None` where the
/// translation cannot be sure of it.
pub fn linear(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let next = *chars.get(i + 1)?;
                i += 2;
                match next {
                    'd' => out.push_str(if in_class { DIGIT } else { "[0-9]" }),
                    'w' => out.push_str(&if in_class { WORD.to_owned() } else { format!("[{WORD}]") }),
                    's' => out.push_str(&if in_class {
                        SPACE.to_owned()
                    } else {
                        format!("[{SPACE}]")
                    }),
                    'D' | 'W' | 'S' if in_class => return None,
                    'D' => out.push_str("[^0-9]"),
                    'W' => out.push_str(&format!("[^{WORD}]")),
                    'S' => out.push_str(&format!("[^{SPACE}]")),
                    'b' if in_class => out.push_str(r"\x08"),
                    'b' => out.push_str(r"(?-u:\b)"),
                    'B' if !in_class => out.push_str(r"(?-u:\B)"),
                    'p' | 'P' => {
                        // `\p{...}`: Unicode properties, spelled alike.
                        out.push('\\');
                        out.push(next);
                        if chars.get(i) != Some(&'{') {
                            return None;
                        }
                        while let Some(&c) = chars.get(i) {
                            out.push(c);
                            i += 1;
                            if c == '}' {
                                break;
                            }
                        }
                    }
                    'u' => {
                        // `\uHHHH` or `\u{H...}`; a surrogate (half of a pair) is not a char.
                        let (hex, used) = if chars.get(i) == Some(&'{') {
                            let end = chars[i..].iter().position(|&c| c == '}')?;
                            (chars[i + 1..i + end].iter().collect::<String>(), end + 1)
                        } else {
                            (chars.get(i..i + 4)?.iter().collect::<String>(), 4)
                        };
                        let code = u32::from_str_radix(&hex, 16).ok()?;
                        char::from_u32(code)?;
                        out.push_str(&format!(r"\x{{{code:X}}}"));
                        i += used;
                    }
                    'x' => {
                        let hex: String = chars.get(i..i + 2)?.iter().collect();
                        let code = u32::from_str_radix(&hex, 16).ok()?;
                        out.push_str(&format!(r"\x{{{code:X}}}"));
                        i += 2;
                    }
                    '0' if !chars.get(i).is_some_and(char::is_ascii_digit) => out.push_str(r"\x00"),
                    't' | 'n' | 'r' | 'f' | 'v' => out.push_str(match next {
                        't' => r"\t",
                        'n' => r"\n",
                        'r' => r"\r",
                        'f' => r"\x0C",
                        _ => r"\x0B",
                    }),
                    // Syntax characters (and `-` in a class) stand for themselves.
                    c if "^$\\.*+?()[]{}|/-".contains(c) => {
                        out.push('\\');
                        out.push(c);
                    }
                    // Back-references, `\k<name>`, `\cX` and the rest: not here.
                    _ => return None,
                }
                continue;
            }
            '[' if in_class => out.push_str(r"\["),
            '[' => {
                // `[]` matches nothing and `[^]` anything in ECMA; the `regex` crate reads
                // `]` first in a class as a literal.
                let rest = &chars[i + 1..];
                if rest.first() == Some(&']') || (rest.first() == Some(&'^') && rest.get(1) == Some(&']')) {
                    return None;
                }
                in_class = true;
                out.push('[');
                if rest.first() == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            // The `regex` crate's class operators (`&&`, `--`, `~~`) are plain text in ECMA.
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '-' if in_class && chars.get(i + 1) == Some(&'-') => return None,
            '.' if !in_class => out.push_str(r"[^\n\r\x{2028}\x{2029}]"),
            // Lookaround is not in the `regex` crate; `(?<name>` is.
            '(' if chars.get(i + 1) == Some(&'?') => {
                match chars.get(i + 2) {
                    Some('=' | '!') => return None,
                    Some('<') if matches!(chars.get(i + 3), Some('=' | '!')) => return None,
                    Some(':' | '<') => {}
                    _ => return None,
                }
                out.push('(');
            }
            c => out.push(c),
        }
        i += 1;
    }
    (!in_class).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_quantifiers_run_in_linear_time() {
        let pattern = Pattern::new("^(a+)+$").unwrap();
        assert!(matches!(pattern, Pattern::Linear(_)));
        // On regress this text takes minutes.
        assert!(!pattern.is_match(&format!("{}b", "a".repeat(64))));
        assert!(pattern.is_match("aaaa"));
    }

    #[test]
    fn ecma_classes_keep_their_ecma_meaning() {
        let is = |p: &str, t: &str| Pattern::new(p).unwrap().is_match(t);
        assert!(!is(r"^\d$", "٣"), "\\d is ASCII");
        assert!(!is(r"^\w$", "é"), "\\w is ASCII");
        assert!(is(r"^\s$", "\u{FEFF}"), "\\s has ECMA's white space");
        assert!(!is(r"^.$", "\u{2028}"), ". stops at line terminators");
        assert!(is(r"^[a&&b]$", "&"), "&& is text in a class");
        assert!(is(r"^\p{L}+$", "héllo"));
        assert!(is(r"^\u00e9$", "é"));
        assert!(!is("^abc$", "abc\n"), "$ is the end of the text");
    }

    #[test]
    fn what_the_regex_crate_cannot_say_runs_on_regress() {
        for pattern in [r"(?=a)a", r"(a)\1", r"\cJ", "[^]", r"(?<!a)b"] {
            assert!(
                matches!(Pattern::new(pattern).unwrap(), Pattern::Backtracking(_)),
                "{pattern}"
            );
        }
        assert!(Pattern::new("(").is_err());
    }
}
