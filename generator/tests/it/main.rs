//! The generator's integration tests, one module per subject, in one test binary: one link
//! step instead of one per file. `cargo test -p generator --test it <module>::` runs one
//! subject (`jsts::` prints its table with `-- --nocapture`).

mod run_generated;
mod support;

mod checked_keywords;
mod compile_fail;
mod corpus;
mod errors;
mod features;
mod generated_code;
mod jsts;
mod left_out;
mod lowering;
mod models;
mod multifile;
mod nested;
mod nullable_items;
mod oas32;
mod server_stubs;
mod styles;
mod swagger2;
