//! `cargo xtask fuzz [--seconds N] [--seed S]`: mutants of every spec in `specs/` and of the
//! corpus, run through the generator until the time is up. A finding (a panic, or emitted code
//! that does not parse) is saved to `xtask/tests/fuzz-regressions/`, which the test suite
//! replays; exit 1 when there is one.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use xtask::mutate::{Rng, exercise, mutant};

use crate::codegen::root;

#[derive(clap::Args)]
pub struct Args {
    /// How long to run.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// The first seed (runs are reproducible from it).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn run(args: &Args) -> ExitCode {
    let root = root();
    let mut seeds: Vec<PathBuf> = Vec::new();
    // The corpus adds foreign shapes when it is beside the repository; the specs alone do too.
    let corpus = ["corpus/examples", "corpus/webhooks"]
        .into_iter()
        .filter_map(testkit::shared);
    for dir in std::iter::once(root.join("specs")).chain(corpus) {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            // The 2.6 MB spec would slow every round; smaller ones give more rounds.
            seeds.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() < 400_000)),
            );
        }
    }
    seeds.sort();
    let texts: Vec<(PathBuf, String)> = seeds
        .into_iter()
        .filter_map(|p| Some((p.clone(), std::fs::read_to_string(&p).ok()?)))
        .collect();
    if texts.is_empty() {
        eprintln!("error: no seed specs found");
        return ExitCode::from(2);
    }
    let out = root.join("xtask/tests/fuzz-regressions");
    let current = root.join("target/fuzz-current-input.yaml");
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut rng = Rng::new(args.seed);
    let (mut rounds, mut findings) = (0u64, 0u64);
    // Panics are caught and counted; their default report would flood the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    while Instant::now() < deadline {
        let (path, text) = &texts[rng.below(texts.len())];
        let input = mutant(text, &mut rng);
        rounds += 1;
        // A stack overflow aborts the process before anything is caught: the input on disk
        // is then the one that did it.
        let _ = std::fs::write(&current, &input);
        if let Some(finding) = exercise(&input) {
            findings += 1;
            let hash = conformance::fnv1a(input.bytes());
            let saved = out.join(format!("finding-{hash:016x}.yaml"));
            let _ = std::fs::write(&saved, &input);
            eprintln!(
                "finding from {}: {finding}\n  saved as {}",
                path.display(),
                saved.display()
            );
        }
    }
    let _ = std::panic::take_hook();
    let _ = std::fs::remove_file(&current);
    println!("{rounds} mutants in {} s, {findings} findings", args.seconds);
    if findings == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
