//! What `cargo xtask` shares with its tests: the spec mutator behind `cargo xtask fuzz`.

pub mod mutate;
