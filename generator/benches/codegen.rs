//! Codegen time, spec text → formatted Rust: `cargo bench -p generator --bench codegen`.
//! Reports the median and the fastest of several runs; nothing here is asserted.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn generate(name: &str, text: &str) -> usize {
    let api = generator::load_str(text, Some(Path::new(name))).unwrap_or_else(|e| panic!("{e}"));
    let files = generator::emit::api_module(&api, "bench", name).unwrap_or_else(|e| panic!("{e}"));
    files.iter().map(|f| f.contents.len()).sum()
}

fn measure(label: &str, inputs: &[(String, String)], runs: usize) {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        bytes = inputs.iter().map(|(name, text)| generate(name, text)).sum();
        times.push(start.elapsed());
    }
    times.sort();
    let input: usize = inputs.iter().map(|(_, t)| t.len()).sum();
    println!(
        "{label:<28} {:>7.1} KiB in  {:>8.1} KiB out  median {:>8.1} ms  fastest {:>8.1} ms  ({runs} runs)",
        input as f64 / 1024.0,
        bytes as f64 / 1024.0,
        times[runs / 2].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0
    );
}

fn read(path: PathBuf) -> (String, String) {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path.file_name().unwrap().to_string_lossy().into_owned(), text)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let specs: Vec<_> = ["kejue", "kallima", "konpro", "sendkit"]
        .iter()
        .map(|n| read(root.join(format!("specs/{n}.yaml"))))
        .collect();
    measure("four vendor specs", &specs, 20);
    let Some(corpus) = testkit::shared("corpus/webhooks") else {
        return;
    };
    for name in ["svix-lib-openapi.json", "hookdeck-outpost.openapi.yaml"] {
        measure(name, &[read(corpus.join(name))], 10);
    }
}
