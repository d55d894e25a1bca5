//! xtask's integration tests, one module per subject, in one test binary: one link step
//! instead of one per file. `cargo test -p xtask --test it <module>::` runs one subject.

mod codegen;
mod fuzz;
