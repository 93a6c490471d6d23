//! Finding and reading policy files.

use std::path::{Path, PathBuf};

use detente::Diagnostics;
use detente::diagnostic::Problem;

/// `-` among the paths: the policy is read from standard input (for
/// editors and pre-commit hooks).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Every `*.detente` file named or found (recursively, sorted) under the
/// given paths; `-` stands for standard input, named at most once. Errors
/// are for the user, ready to print.
pub fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    if paths.iter().filter(|p| is_stdin(p)).count() > 1 {
        return Err("`-` (standard input) can be named only once".into());
    }
    for p in paths {
        if is_stdin(p) {
            out.push(p.clone());
        } else if p.is_dir() {
            let before = out.len();
            walk(p, &mut out).map_err(|e| format!("cannot read folder `{}`: {e}", p.display()))?;
            if out.len() == before {
                return Err(format!("no policy files (*.detente) in `{}`", p.display()));
            }
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("`{}` does not exist", p.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "detente") {
            out.push(p);
        }
    }
    Ok(())
}

/// A policy's text, or the diagnostic for bytes that are not UTF-8 (with
/// a lossy copy of the text so the diagnostic can show where).
pub fn read_policy(path: &Path) -> Result<Result<String, Diagnostics>, String> {
    let bytes = if is_stdin(path) {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        bytes
    } else {
        std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
    };
    Ok(match detente::syntax::decode(&bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(Diagnostics::new(
            &display(path),
            &String::from_utf8_lossy(&bytes),
            vec![Problem::from(e)],
        )),
    })
}

/// How messages name the file: `<stdin>` for standard input.
pub fn display(path: &Path) -> String {
    if is_stdin(path) {
        "<stdin>".into()
    } else {
        path.display().to_string()
    }
}

/// Writes `bytes` to `path` whole or not at all, making its folder first
/// when it is missing (`--out-dir`).
pub fn write_in_dir(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot make the folder `{}`: {e}", dir.display()))?;
    }
    super::atomic::write(path, bytes)
}

/// `-o parquet` writes files into `--out-dir`, and only it does: either
/// without the other is a usage error, printed here. `writes`: "a file"
/// or "files", as the command writes.
pub fn parquet_out_dir(
    parquet: bool,
    out_dir: Option<&Path>,
    writes: &str,
) -> Result<(), super::Exit> {
    if parquet == out_dir.is_some() {
        return Ok(());
    }
    eprintln!(
        "error: -o parquet writes {writes}, so it needs --out-dir DIR; the other formats print (leave out --out-dir)"
    );
    Err(super::Exit::Usage)
}
