//! The runner's integration tests, one module per subject, in one test binary: one link
//! step instead of one per file. `cargo test -p conformance --test it <module>::` runs one
//! subject.
//!
//! `signals` needs no process of its own either: it signals the `conformance` binary it
//! starts as a child, never this process.

mod support;

mod chaos;
mod cli;
mod config;
mod credentials;
mod deliveries;
mod docs;
mod floors;
mod foreign;
mod fuzz;
mod har;
mod in_process;
mod plan;
mod plugins;
mod preflight;
mod reproduce;
mod runner;
mod safety;
mod shards;
mod signals;
mod sweep;
mod tls;
