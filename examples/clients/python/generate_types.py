#!/usr/bin/env python3
"""Writes detente_client/types.py from docs/openapi.json: one TypedDict
per object schema with fixed keys (required keys in a base class, the
rest optional), a ``Dict[str, Any]`` alias for the open ones (a row,
a contact with the policy's fields), nested TypedDicts for inline
objects. ``--check`` exits 1 when the committed file differs, which
python/tests and CI run, so the types cannot drift from the API.

    python3 examples/clients/python/generate_types.py [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
SPEC = HERE.parent.parent.parent / "docs" / "openapi.json"
OUT = HERE / "detente_client" / "types.py"


def py_type(schema: Dict[str, Any], name: str, out: List[str]) -> str:
    """The Python type of ``schema``; inline objects are written to
    ``out`` first, named ``name``."""
    if "$ref" in schema:
        return f'"{schema["$ref"].rsplit("/", 1)[1]}"'
    if "oneOf" in schema:
        parts = [py_type(s, f"{name}{i}", out) for i, s in enumerate(schema["oneOf"])]
        t = f"Union[{', '.join(parts)}]"
    elif "enum" in schema:
        t = f"Literal[{', '.join(json.dumps(v) for v in schema['enum'])}]"
    else:
        kind = schema.get("type")
        if kind == "string":
            t = "str"
        elif kind == "integer":
            t = "int"
        elif kind == "number":
            t = "float"
        elif kind == "boolean":
            t = "bool"
        elif kind == "array":
            t = f"List[{py_type(schema.get('items', {}), name + 'Item', out)}]"
        elif kind == "object" and schema.get("properties") and not schema.get("additionalProperties"):
            out.extend(typed_dict(name, schema, out))
            t = f'"{name}"'
        elif kind == "object" and isinstance(schema.get("additionalProperties"), dict):
            t = f"Dict[str, {py_type(schema['additionalProperties'], name + 'Value', out)}]"
        else:
            t = "Dict[str, Any]"
    return f"Optional[{t}]" if schema.get("nullable") else t


def typed_dict(name: str, schema: Dict[str, Any], out: List[str]) -> List[str]:
    """A TypedDict for an object schema with fixed keys."""
    required = set(schema.get("required", []))
    props = schema.get("properties", {})
    fields = {k: py_type(v, name + k.title().replace("_", ""), out) for k, v in props.items()}
    lines: List[str] = []
    doc = schema.get("description")
    must = [k for k in props if k in required]
    may = [k for k in props if k not in required]
    base = "TypedDict"
    if must and may:
        lines.append(f"class _{name}Required(TypedDict):")
        lines += [f"    {k}: {fields[k]}" for k in must]
        lines += ["", ""]
        base = f"_{name}Required"
    total = "" if not may else ", total=False"
    lines.append(f"class {name}({base}{total}):")
    if doc:
        lines.append(f'    """{doc}"""')
        lines.append("")
    keys = may if (must and may) else list(props)
    lines += [f"    {k}: {fields[k]}" for k in keys] or ["    pass"]
    lines += ["", ""]
    return lines


def generate() -> str:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    body: List[str] = []
    for name, schema in spec["components"]["schemas"].items():
        if schema.get("additionalProperties") is True or not schema.get("properties"):
            doc = schema.get("description", "")
            known = ", ".join(schema.get("properties", {}))
            note = f" Known keys: {known}." if known else ""
            body.append(f"#: {(doc + note).strip()}")
            body += [f"{name} = Dict[str, Any]", "", ""]
            continue
        nested: List[str] = []
        own = typed_dict(name, schema, nested)
        body += nested + own
    head = [
        '"""The API\'s types, generated from docs/openapi.json by',
        "generate_types.py: do not edit; run it again when the API changes.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any, Dict, List, Literal, Optional, TypedDict, Union",
        "",
        "",
    ]
    text = "\n".join(head + body).rstrip() + "\n"
    return text


def main() -> int:
    text = generate()
    if sys.argv[1:] == ["--check"]:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is not what docs/openapi.json gives: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
