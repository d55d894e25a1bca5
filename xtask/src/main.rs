//! `cargo xtask codegen [--check]`: the workspace's own tasks.

mod codegen;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.task {
        Task::Codegen(args) => codegen::run(&args),
    }
}
