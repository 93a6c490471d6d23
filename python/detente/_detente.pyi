"""The native part of the package (Rust, through PyO3). Use the
``detente`` module's API; this one may change with any release."""

from typing import Any, Dict, List, Optional, Tuple, Union

__version__: str

Input = Union[str, Tuple[str, bytes]]

def shard_of(id: str, n: int) -> int: ...

class Failure(Exception):
    """``args``: (kind, code, message, details_json)."""

class Policy:
    @staticmethod
    def compile(text: str, name: str = "policy.detente") -> "Policy": ...
    @staticmethod
    def from_file(path: Any) -> "Policy": ...
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> Optional[int]: ...
    @property
    def hash(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def label(self) -> str: ...
    def warnings_json(self) -> str: ...
    def classify_raw(
        self,
        data: Dict[str, Any],
        as_of: Optional[str] = None,
        lifecycle: str = "contact",
        nested: bool = False,
        shard: Optional[str] = None,
    ) -> Tuple[str, Optional[str], str]: ...
    def report_raw(self, data: Dict[str, Any], span: Dict[str, Any]) -> Tuple[str, str]: ...
    def diff_raw(
        self, new: "Policy", data: Dict[str, Any], span: Dict[str, Any]
    ) -> Tuple[str, str, str]: ...
