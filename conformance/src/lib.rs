//! The conformance runner: spec-derived edge cases sent to a server, checked and snapshot-tested.
//! Empty for now; it will read specs through `generator`'s model.
