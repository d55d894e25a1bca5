//! Strings made from a `pattern` itself, for patterns no fixed candidate matches
//! (`^whsec_[A-Za-z0-9+/=]{32,100}$`). The same pattern and name give the same strings on
//! every run (the generator is seeded from them), so plans and snapshots stay stable. The
//! caller checks each string against the whole type before use: this only proposes.

use rand::SeedableRng;
use rand::distr::Distribution;
use rand_pcg::Pcg64Mcg;
use regex_syntax::hir::{self, Hir, HirKind};

/// How many strings are proposed: later ones are tried when earlier ones break another
/// rule (a length limit).
const PROPOSED: usize = 8;

/// Strings matching `pattern`, shortest repetitions first; empty when the pattern is one
/// the generator cannot read (lookaround, backreferences: ECMA 262 features regex-syntax
/// lacks).
pub fn matching(pattern: &str, name: &str) -> Vec<String> {
    let Ok(parsed) = regex_syntax::ParserBuilder::new().build().parse(pattern) else {
        return Vec::new();
    };
    let hir = generable(parsed);
    let mut rng = Pcg64Mcg::seed_from_u64(seed(pattern, name));
    let mut out: Vec<String> = Vec::new();
    // Small repetition counts first: `x+` as one `x` keeps values short and readable.
    for max_repeat in [0, 1, 4, 16] {
        let Ok(generator) = rand_regex::Regex::with_hir(hir.clone(), max_repeat) else {
            return out;
        };
        for _ in 0..PROPOSED / 4 {
            let s: String = generator.sample(&mut rng);
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// FNV-1a over the pattern and the name: a seed that no Rust or crate release changes.
fn seed(pattern: &str, name: &str) -> u64 {
    crate::text::fnv1a(pattern.bytes().chain([0]).chain(name.bytes()))
}

/// The pattern as the generator can use it. JSON Schema patterns search (they are not
/// anchored), so a string matching the pattern without its anchors, which the generator
/// cannot place, still matches it; the caller's check confirms it. Character classes keep
/// their printable ASCII part where they have one (`\d` as 0-9, `.` as a visible
/// character): what a server written in any language reads the same way.
fn generable(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Class(hir::Class::Unicode(class)) => {
            let mut ascii = hir::ClassUnicode::new([hir::ClassUnicodeRange::new(' ', '~')]);
            ascii.intersect(&class);
            Hir::class(hir::Class::Unicode(if ascii.ranges().is_empty() {
                class
            } else {
                ascii
            }))
        }
        HirKind::Repetition(rep) => Hir::repetition(hir::Repetition {
            sub: Box::new(generable(*rep.sub)),
            ..rep
        }),
        HirKind::Capture(cap) => Hir::capture(hir::Capture {
            sub: Box::new(generable(*cap.sub)),
            ..cap
        }),
        HirKind::Concat(parts) => Hir::concat(parts.into_iter().map(generable).collect()),
        HirKind::Alternation(parts) => Hir::alternation(parts.into_iter().map(generable).collect()),
        HirKind::Class(class @ hir::Class::Bytes(_)) => Hir::class(class),
        HirKind::Literal(hir::Literal(bytes)) => Hir::literal(bytes),
        HirKind::Empty => Hir::empty(),
    }
}
