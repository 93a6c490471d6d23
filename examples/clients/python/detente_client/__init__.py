"""A client of the Détente engine's HTTP API (``detente serve``; the API
is docs/openapi.json, and ``detente_client.types`` is generated from it).
Standard library only.

    from detente_client import Client
    client = Client("http://127.0.0.1:8080", token=None)
    answer = client.classify(contacts=[{"id": "c-1", "events": [...]}])
    answer["journeys"][0]["stage"]
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict, Mapping, Optional, Sequence, cast

from .types import Classified, Error, Explanation, PolicyInfo

__all__ = ["Client", "ApiError"]
__version__ = "0.1.0"


class ApiError(Exception):
    """The API refused the request. ``status`` is the HTTP status;
    ``code`` (A001...), ``error`` and ``problems`` are the answer's
    (docs/api.md), each problem naming the row it is about
    (``contacts[0].events[2]``)."""

    def __init__(self, status: int, body: Error) -> None:
        self.status = status
        self.code = body.get("code", "")
        self.error = body.get("error", "")
        self.problems = list(body.get("problems", []))
        lines = [f"HTTP {status} [{self.code}]: {self.error}"]
        lines += [f"  {p['at']}: {p['reason']}" for p in self.problems[:10]]
        super().__init__("\n".join(lines))


class Client:
    """One engine at ``url``; ``token`` is sent as a bearer token when the
    server was started with one (``detente serve --token-file``)."""

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        if "://" not in self.url:
            self.url = "http://" + self.url
        self.token = token
        self.timeout = timeout

    def classify(
        self,
        contacts: Sequence[Mapping[str, Any]],
        accounts: Optional[Sequence[Mapping[str, Any]]] = None,
        as_of: Optional[str] = None,
    ) -> Classified:
        """``POST /v1/classify`` (operation ``classify``): the contacts'
        journeys. Send a whole account's contacts in one request, so the
        buying-group rules see the group."""
        body: Dict[str, Any] = {"contacts": list(contacts)}
        if accounts is not None:
            body["accounts"] = list(accounts)
        if as_of is not None:
            body["as_of"] = as_of
        return cast(Classified, self._call("POST", "/v1/classify", body))

    def explain(
        self,
        contact: str,
        contacts: Sequence[Mapping[str, Any]],
        accounts: Optional[Sequence[Mapping[str, Any]]] = None,
        as_of: Optional[str] = None,
    ) -> Explanation:
        """``POST /v1/explain`` (operation ``explain``): the story of the
        contact whose id is ``contact``, one of ``contacts`` (its
        account's contacts, so the buying group is whole), and what is
        missing for each way out of its stage."""
        body: Dict[str, Any] = {"contact": contact, "contacts": list(contacts)}
        if accounts is not None:
            body["accounts"] = list(accounts)
        if as_of is not None:
            body["as_of"] = as_of
        return cast(Explanation, self._call("POST", "/v1/explain", body))

    def policy(self) -> PolicyInfo:
        """``GET /v1/policy`` (operation ``getPolicy``): the policy served."""
        return cast(PolicyInfo, self._call("GET", "/v1/policy", None))

    def healthy(self) -> bool:
        """``GET /healthz`` (operation ``getHealth``)."""
        return self._status("/healthz") == 200

    def ready(self) -> bool:
        """``GET /readyz`` (operation ``getReadiness``): false while the
        policy file's latest change was refused."""
        return self._status("/readyz") == 200

    def _request(self, method: str, path: str, body: Optional[Dict[str, Any]]) -> urllib.request.Request:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        return request

    def _call(self, method: str, path: str, body: Optional[Dict[str, Any]]) -> Any:
        try:
            with urllib.request.urlopen(self._request(method, path, body), timeout=self.timeout) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                answer = cast(Error, json.loads(text))
            except ValueError:
                answer = {"code": "", "error": text}
            raise ApiError(e.code, answer) from None

    def _status(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self._request("GET", path, None), timeout=self.timeout) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return int(e.code)
