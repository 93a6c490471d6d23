"""What every test reads: the project's root, the example data, and the
`detente` command (the CLI whose results the package must equal)."""

from __future__ import annotations

import functools
import json
import os
import subprocess
from pathlib import Path
from typing import List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
POLICY = ROOT / "policies" / "acme.detente"
MANIFEST = ROOT / "detente.toml"


def cli_path() -> Path:
    """DETENTE_BIN, else the debug build `cargo test` leaves."""
    path = Path(os.environ.get("DETENTE_BIN", ROOT / "target" / "debug" / "detente"))
    if not path.exists():
        pytest.fail(f"the detente command is not built at {path}: run `cargo build` or set DETENTE_BIN")
    return path


@functools.lru_cache(maxsize=None)
def _run(args: Tuple[str, ...]) -> Tuple[int, str, str]:
    out = subprocess.run([str(cli_path()), *args], cwd=ROOT, capture_output=True, text=True)
    return out.returncode, out.stdout, out.stderr


def cli(args: List[str], exits=(0, 3)) -> str:
    """The CLI's standard output, run from the project's root (where
    detente.toml names the example data); it must exit with one of
    ``exits``."""
    # The same command gives the same output: run once per session (the
    # debug build takes seconds on the example data).
    code, stdout, stderr = _run(tuple(args))
    assert code in exits, stderr
    return stdout


def cli_json(args: List[str]) -> object:
    return json.loads(cli(args))
