//! The reference servers' integration tests, one module per subject, in one test binary:
//! one link step instead of one per file. `cargo test -p reference --test it <module>::`
//! runs one subject.

mod support;

mod deliveries;
mod durability;
mod kallima;
mod kejue;
mod konpro;
mod lifecycle;
mod load;
mod receiver;
mod sendkit;
/// The four conformance suites in-process (`suites`, not `conformance`: that name is the
/// runner's crate).
mod suites;
