//! What the generated models promise, checked by the compiler: a constrained newtype cannot
//! be built or changed around its checks (`generated::kejue::models::WebhookCreateTimeoutMs`
//! holds `minimum: 1000`). Each case in `tests/compile-fail/` must fail to compile with the
//! error in its `.stderr`; `TRYBUILD=overwrite cargo test -p generator --test it compile_fail`
//! rewrites them after a deliberate change (a new rustc wording, or moved generated lines).

#[test]
fn constrained_newtypes_cannot_skip_their_checks() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile-fail/*.rs");
}
