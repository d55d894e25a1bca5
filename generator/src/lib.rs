//! OpenAPI 3.0 / 3.1 / 3.2 → one model of the API → Rust models and axum server stubs.
//!
//! Three stages, each knowing only its own end: [`load`] reads text into a document,
//! [`lower`] turns the document into the [`model`], [`emit`] writes Rust from the model.

#[cfg(feature = "emit")]
pub mod emit;
pub mod error;
pub mod load;
pub mod lower;
pub mod model;

use std::path::Path;

pub use error::{Error, ErrorKind};
pub use model::Api;

/// Loads and lowers a spec file.
pub fn load(path: &Path) -> Result<Api, Error> {
    let doc = load::read(path)?;
    lower::lower(&doc)
}

/// Lowers spec text (YAML or JSON); `name` is used in error messages.
pub fn load_str(text: &str, name: Option<&Path>) -> Result<Api, Error> {
    load_str_with(text, name, lower::Options::default())
}

/// Lowers spec text read as `options` say (`format` as a rule or an annotation, where other
/// documents are found).
pub fn load_str_with(text: &str, name: Option<&Path>, options: lower::Options) -> Result<Api, Error> {
    let mut doc = load::parse(text.to_owned(), name.map(Path::to_path_buf))?;
    load::embed_documents(&mut doc, &options.documents).map_err(|e| doc.locate(e))?;
    lower::lower_with(&doc, options)
}
