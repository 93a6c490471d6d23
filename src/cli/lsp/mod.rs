//! `detente lsp`: the language server, over stdio. Diagnostics as you
//! type (the codes, places and help of `detente check`), hover, go to
//! definition, find references, completion, formatting and the outline.
//! A half-typed file is the normal case: nothing here may panic or exit
//! on it, and a request that fails is answered with an error, not a
//! crash.

mod analysis;
mod complete;
mod features;
mod help;
mod navigate;
mod text;

use std::collections::HashMap;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::{
    CompletionOptions, InitializeParams, OneOf, PositionEncodingKind, PublishDiagnosticsParams,
    ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
};

use analysis::Document;
use text::Encoding;

use super::Exit;

#[derive(clap::Args)]
pub struct Args {
    /// Talk LSP over standard input and output (the only transport; the
    /// flag is accepted because editors pass it).
    #[arg(long)]
    stdio: bool,
}

pub fn run(_args: Args) -> Exit {
    let (connection, threads) = Connection::stdio();
    let result = serve(&connection);
    drop(connection);
    let joined = threads.join();
    match (result, joined) {
        (Ok(()), Ok(())) => Exit::Ok,
        (Err(e), _) => {
            eprintln!("error: the language server stopped: {e}");
            Exit::Usage
        }
        (_, Err(e)) => {
            eprintln!("error: the language server's connection failed: {e}");
            Exit::Usage
        }
    }
}

/// The open documents, by URI (as text: `Uri` hashes its lazily parsed
/// parts), and how the client counts columns.
struct Server {
    docs: HashMap<String, Document>,
    encoding: Encoding,
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), ":".into(), "(".into(), ">".into()]),
            ..CompletionOptions::default()
        }),
        ..ServerCapabilities::default()
    }
}

fn serve(connection: &Connection) -> Result<(), String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let utf8 = params
        .capabilities
        .general
        .and_then(|g| g.position_encodings)
        .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
    let encoding = if utf8 {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    };
    let result = serde_json::json!({
        "capabilities": capabilities(encoding),
        "serverInfo": { "name": "detente", "version": env!("CARGO_PKG_VERSION") },
    });
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut server = Server {
        docs: HashMap::new(),
        encoding,
    };
    for message in &connection.receiver {
        match message {
            Message::Request(req) => {
                if connection
                    .handle_shutdown(&req)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                let response = answer(&server, req);
                send(connection, Message::Response(response))?;
            }
            Message::Notification(n) => {
                for out in server.notified(n) {
                    send(connection, Message::Notification(out))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

fn send(connection: &Connection, message: Message) -> Result<(), String> {
    connection
        .sender
        .send(message)
        .map_err(|e| format!("cannot reach the editor: {e}"))
}

/// A request's answer; one that fails (or, against every rule, panics)
/// is an error response, and the server carries on.
fn answer(server: &Server, req: Request) -> Response {
    let id = req.id.clone();
    let method = req.method.clone();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        features::handle(&server.docs, req)
    }));
    match outcome {
        Ok(Ok(Some(value))) => Response::new_ok(id, value),
        Ok(Ok(None)) => Response::new_err(
            id,
            ErrorCode::MethodNotFound as i32,
            format!("`{method}` is not supported"),
        ),
        Ok(Err(e)) => Response::new_err(id, ErrorCode::InvalidParams as i32, e),
        Err(_) => Response::new_err(
            id,
            ErrorCode::InternalError as i32,
            format!("`{method}` failed inside the server (please report this)"),
        ),
    }
}

impl Server {
    /// Keeps the open documents up to date; the diagnostics to publish.
    fn notified(&mut self, n: Notification) -> Vec<Notification> {
        let changed = match n.method.as_str() {
            DidOpenTextDocument::METHOD => n
                .extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                .ok()
                .map(|p| (p.text_document.uri, Some(p.text_document.text))),
            DidChangeTextDocument::METHOD => n
                .extract::<lsp_types::DidChangeTextDocumentParams>(DidChangeTextDocument::METHOD)
                .ok()
                .and_then(|p| {
                    let text = p.content_changes.into_iter().last()?.text;
                    Some((p.text_document.uri, Some(text)))
                }),
            DidCloseTextDocument::METHOD => n
                .extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                .ok()
                .map(|p| (p.text_document.uri, None)),
            _ => None,
        };
        let Some((uri, text)) = changed else {
            return Vec::new();
        };
        let diagnostics = match text {
            Some(text) => {
                let encoding = self.encoding;
                let before = self.docs.get(uri.as_str());
                let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    Document::new(uri.clone(), text.clone(), encoding, before)
                }));
                let Ok(doc) = checked else {
                    return Vec::new();
                };
                let d = doc.diagnostics.clone();
                self.docs.insert(uri.as_str().to_string(), doc);
                d
            }
            None => {
                self.docs.remove(uri.as_str());
                Vec::new()
            }
        };
        let params = PublishDiagnosticsParams::new(uri, diagnostics, None);
        vec![Notification::new(
            PublishDiagnostics::METHOD.to_string(),
            params,
        )]
    }
}
