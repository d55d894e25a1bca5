//! Any bytes as a spec: loading, lowering and emitting must never panic, and the code they
//! emit must parse. From the repo root: `RUSTC_BOOTSTRAP=1 cargo fuzz run load_and_generate specs`

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(api) = generator::load_str(text, None) else { return };
    if let Err(e) = generator::emit::api_module(&api, "fuzzed", "fuzz input") {
        assert!(!matches!(e.kind(), generator::ErrorKind::Internal(_)), "{e}");
    }
});
