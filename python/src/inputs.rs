//! The package's inputs as the library's `Source`s: files by path, or
//! CSV text the package wrote from a data frame, each mapped by the
//! manifest's settings for its kind when a manifest is given.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;

use detente::data::manifest::Manifest;
use detente::data::source::FileFormat;
use detente::data::{RecordKind, Source};

use crate::failure::{Kind, failure};

/// One input: a file, or a data frame written as CSV with the name its
/// rows are given in messages (`(name, csv_bytes)`).
#[derive(FromPyObject)]
pub enum Input {
    Frame(String, PyBackedBytes),
    Path(PathBuf),
}

/// Every input of one replay, by kind.
#[derive(FromPyObject)]
pub struct Data {
    #[pyo3(item)]
    contacts: Vec<Input>,
    #[pyo3(item)]
    accounts: Vec<Input>,
    #[pyo3(item)]
    events: Vec<Input>,
    #[pyo3(item)]
    deals: Vec<Input>,
    #[pyo3(item)]
    deal_contacts: Vec<Input>,
    #[pyo3(item)]
    manifest: Option<PathBuf>,
}

impl Data {
    /// The sources to load: each input mapped by the manifest's first
    /// source of its kind; a kind given no input reads the manifest's
    /// files of that kind.
    pub fn sources(&self) -> PyResult<Vec<Source>> {
        let manifest = match &self.manifest {
            Some(path) => Some(Manifest::read(path).map_err(|e| {
                failure(
                    Kind::Data,
                    e.code(),
                    e.to_string(),
                    serde_json::json!({ "file": path.display().to_string() }),
                )
            })?),
            None => None,
        };
        let of_manifest = |kind: RecordKind| -> Vec<&Source> {
            manifest
                .iter()
                .flat_map(|m| &m.sources)
                .filter(|s| s.kind == kind)
                .collect()
        };
        let mut sources = Vec::new();
        for (kind, inputs) in [
            (RecordKind::Contacts, &self.contacts),
            (RecordKind::Accounts, &self.accounts),
            (RecordKind::Deals, &self.deals),
            (RecordKind::DealContacts, &self.deal_contacts),
            (RecordKind::Events, &self.events),
        ] {
            let mapped = of_manifest(kind);
            if inputs.is_empty() {
                sources.extend(mapped.into_iter().cloned());
                continue;
            }
            let template = mapped
                .first()
                .map_or_else(|| Source::new(kind, ""), |s| (*s).clone());
            sources.extend(inputs.iter().map(|i| source(&template, i)));
        }
        if sources.is_empty() {
            return Err(crate::failure::usage(
                "D002",
                "no data: give events (and contacts, accounts) as data frames or files, or a manifest that lists them".into(),
            ));
        }
        Ok(sources)
    }
}

/// `input` read with `template`'s mappings.
fn source(template: &Source, input: &Input) -> Source {
    let mut s = template.clone();
    match input {
        Input::Path(path) => {
            s.format = FileFormat::from_path(path)
                .map(|(f, _)| f)
                .or(template.format);
            s.path = path.clone();
        }
        Input::Frame(name, csv) => {
            let text: Arc<[u8]> = Arc::from(&**csv);
            s.format = Some(FileFormat::Csv);
            s.path = PathBuf::from(name);
            s.text = Some(text);
        }
    }
    s.inline = None;
    s
}
