"""detente_client against a real `detente serve`: every operation, the
types generated from docs/openapi.json, errors with their codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Iterator

import pytest

from detente_client import ApiError, Client

HERE = Path(__file__).resolve().parents[1]
ROOT = HERE.parents[2]
SPEC = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    binary = Path(os.environ.get("DETENTE_BIN", ROOT / "target" / "debug" / "detente"))
    if not binary.exists():
        pytest.fail(f"the detente command is not built at {binary}: run `cargo build` or set DETENTE_BIN")
    server = subprocess.Popen(
        [str(binary), "serve", "--listen", "127.0.0.1:0", "--policy", str(ROOT / "policies" / "acme.detente")],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stderr is not None
    first = server.stderr.readline()
    address = first.split("listening on ")[1].split()[0]
    try:
        yield Client(address)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_types_are_what_the_spec_gives() -> None:
    out = subprocess.run([sys.executable, str(HERE / "generate_types.py"), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_every_operation_has_an_id_and_the_client_names_it() -> None:
    import detente_client

    ids = [op["operationId"] for ops in SPEC["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)) == 7
    docs = " ".join((getattr(Client, m).__doc__ or "") for m in dir(Client) if not m.startswith("_"))
    for op in ids:
        # /metrics and /openapi.json are for Prometheus and tools, not wrapped.
        if op not in ("getMetrics", "getOpenApi"):
            assert f"operation ``{op}``" in docs, op
    assert detente_client.__version__


def rfc3339(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_classify_explain_and_policy(client: Client) -> None:
    assert client.healthy() and client.ready()
    contact = {
        "id": "c-1",
        "email": "ana@buyer.example",
        "title": "VP Marketing",
        "created_at": "2026-03-01T09:00:00Z",
        "events": [{"type": "page_view", "at": "2026-03-02T09:00:00Z", "url": "/pricing"}],
    }
    answer = client.classify([contact], as_of="2026-03-31")
    [journey] = answer["journeys"]
    assert journey["contact"] == "c-1"
    # Every time the spec marks `date-time` is RFC 3339.
    assert rfc3339(answer["as_of"]) > rfc3339(journey["since"])
    assert all(rfc3339(step["entered"]) for step in journey["path"])
    explained = client.explain("c-1", [contact], as_of="2026-03-31")
    assert explained["contact"] == "c-1" and explained["story"]
    info = client.policy()
    assert info["name"] == "Acme B2B revenue policy"
    assert info["hash"].startswith("sha256:")


def test_a_bad_row_is_an_api_error_naming_it(client: Client) -> None:
    contact = {
        "id": "c-1",
        "email": "ana@buyer.example",
        "title": "VP Marketing",
        "events": [{"type": "page_view", "at": "yesterday", "url": "/"}],
    }
    with pytest.raises(ApiError) as e:
        client.classify([contact])
    assert e.value.status == 400
    assert e.value.code.startswith("A")
    assert e.value.problems[0]["at"] == "contacts[0].events[0]"
    assert "yesterday" in str(e.value)
