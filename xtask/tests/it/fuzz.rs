//! Fuzzing, bounded: mutants of real specs never make the generator panic or emit code that
//! does not parse; every input a fuzz run ever caught stays here as a regression test.
//! Longer runs: `cargo xtask fuzz --seconds 300`.

use std::path::{Path, PathBuf};

use xtask::mutate::{Rng, exercise, mutant};

fn seeds() -> Vec<(String, String)> {
    let root = testkit::workspace_root();
    let mut paths: Vec<PathBuf> = ["kejue", "kallima", "konpro", "sendkit"]
        .iter()
        .map(|n| root.join(format!("specs/{n}.yaml")))
        .collect();
    // The corpus seeds add 3.1 webhooks and callbacks; without them the vendor specs still run.
    if let Some(examples) = testkit::shared("corpus/examples") {
        for name in [
            "oai-v3.0-petstore-expanded.yaml",
            "oai-v3.1-webhook-example.yaml",
            "oai-v3.0-callback-example.yaml",
        ] {
            paths.push(examples.join(name));
        }
    }
    paths
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
            )
        })
        .collect()
}

#[test]
fn regressions_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert_eq!(exercise(&text), None, "{}", path.display());
        count += 1;
    }
    assert!(count > 0, "the regression corpus is empty");
}

#[test]
fn mutants_of_real_specs_never_panic() {
    let mut findings = Vec::new();
    for (i, (name, text)) in seeds().iter().enumerate() {
        let mut rng = Rng::new(0x5eed_0000 + i as u64);
        for round in 0..250 {
            let input = mutant(text, &mut rng);
            if let Some(finding) = exercise(&input) {
                let saved = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-finding-{i}-{round}.yaml"));
                let _ = std::fs::write(&saved, &input);
                findings.push(format!("{name} round {round}: {finding} (input: {})", saved.display()));
            }
        }
    }
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}
