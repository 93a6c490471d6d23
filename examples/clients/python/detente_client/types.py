"""The API's types, generated from docs/openapi.json by
generate_types.py: do not edit; run it again when the API changes.
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, TypedDict, Union


class _ErrorRequired(TypedDict):
    code: str
    error: str


class Error(_ErrorRequired, total=False):
    problems: List["Problem"]


class _ProblemRequired(TypedDict):
    at: str
    reason: str


class Problem(_ProblemRequired, total=False):
    field: str


#: Fields of the policy's schema, by name.
Row = Dict[str, Any]


#: Known keys: at, type, id, opportunity.
Event = Dict[str, Any]


#: Known keys: id, account, created_at, events.
Contact = Dict[str, Any]


#: Known keys: id.
Account = Dict[str, Any]


class ClassifyRequest(TypedDict, total=False):
    as_of: str
    accounts: List["Account"]
    contacts: List["Contact"]


class PolicyRef(TypedDict, total=False):
    name: str
    version: Optional[int]
    hash: str


class JourneyPathItem(TypedDict, total=False):
    stage: str
    entered: str
    trigger: Dict[str, Any]
    label: str


class _JourneyRequired(TypedDict):
    contact: str
    policy: "PolicyRef"
    stage: str
    since: str
    path: List["JourneyPathItem"]


class Journey(_JourneyRequired, total=False):
    """A contact's journey, as docs/engine.md (Journeys) describes it"""

    account: Optional[str]
    highest: Optional[str]
    scores: Dict[str, float]
    criteria: Dict[str, Any]
    group: Dict[str, Any]
    slas: List[Dict[str, Any]]
    problem: str


class _ClassifiedRequired(TypedDict):
    as_of: str
    journeys: List["Journey"]


class Classified(_ClassifiedRequired, total=False):
    accounts: List[Dict[str, Any]]
    warnings: List["Problem"]


class Explanation(TypedDict, total=False):
    contact: str
    as_of: str
    journey: "Journey"
    story: List[str]
    exits: List[Dict[str, Any]]


class PolicyInfoLifecyclesItem(TypedDict, total=False):
    lifecycle: Literal["contact", "account"]
    stages: List[Dict[str, Any]]
    transitions: List[Dict[str, Any]]


class PolicyInfo(TypedDict, total=False):
    name: str
    version: Optional[int]
    hash: str
    timezone: str
    lifecycles: List["PolicyInfoLifecyclesItem"]
    account_lifecycle: bool
    mermaid: str
