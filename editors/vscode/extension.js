// Starts `detente lsp` for *.detente files: everything the editor shows
// beyond highlighting (errors as you type, hover, go to definition,
// completion, formatting, the outline) comes from the language server.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("detente").get("path") || "detente";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "detente",
    "Détente",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "detente" }, { scheme: "untitled", language: "detente" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
