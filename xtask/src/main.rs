//! `cargo xtask codegen [--check]`, `cargo xtask conformance`, `cargo xtask fuzz`: the workspace's own tasks.

mod bench;
mod codegen;
mod conformance;
mod fuzz;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// glibc's allocator spent 45% of a 13 MB spec's codegen in malloc, free and consolidation
// (syn and prettyplease allocate per token); mimalloc's per-thread heaps take most of it back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Tasks of this workspace")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate `generated/` from every spec in `specs/`, or one spec into a standalone crate.
    Codegen(codegen::Args),
    /// Run every spec's conformance suite against its reference server, with the committed snapshots.
    Conformance,
    /// Fuzz spec loading and generation with mutants of real specs for a bounded time.
    Fuzz(fuzz::Args),
    /// Measure codegen and conformance against openapi-generator and Schemathesis; writes BENCHMARKS.md.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.task {
        Task::Codegen(args) => codegen::run(&args),
        Task::Conformance => conformance::run(),
        Task::Fuzz(args) => fuzz::run(&args),
        Task::Bench(args) => bench::run(&args),
    }
}
