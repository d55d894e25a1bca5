//! OpenAPI 3.0 / 3.1 / 3.2 and Swagger 2.0, in one file or many → one model of the API → Rust models and axum server stubs.
//!
//! Three stages, each knowing only its own end: [`load`] reads text into a document,
//! [`lower`] turns the document into the [`model`], [`emit`] writes Rust from the model.

#[cfg(feature = "emit")]
pub mod emit;
pub mod error;
pub mod load;
pub mod lower;
pub mod model;

use std::path::{Path, PathBuf};

pub use error::{Error, ErrorKind};
pub use model::Api;

/// Loads and lowers a spec file, and the files it references.
pub fn load(path: &Path) -> Result<Api, Error> {
    read(path, lower::Options::default()).map(|loaded| loaded.api)
}

/// A spec read from its files.
#[derive(Debug)]
pub struct Loaded {
    pub api: Api,
    /// Every file read: the spec's own, then each other file its `$ref`s named. A change in
    /// any of them may change the API.
    pub files: Vec<PathBuf>,
}

/// Loads and lowers a spec file read as `options` say (where the documents its `$ref`s name
/// by URL are found), with the other files it references (relative to the file that names
/// each).
pub fn read(path: &Path, options: lower::Options) -> Result<Loaded, Error> {
    let mut doc = load::read(path)?;
    load::embed_documents(&mut doc, &options.documents).map_err(|e| doc.locate(e))?;
    let files = doc.files();
    let api = lower::lower_with(&doc, options)?;
    Ok(Loaded { api, files })
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
