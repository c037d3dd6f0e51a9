"""Turn the generated OpenAPI document into what the docs page lists: operations
grouped by tag, their parameters, bodies and responses, and every schema's fields.
Pure data in, data out, so the page needs no JavaScript and no CDN."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(slots=True)
class Row:
    name: str
    type: str
    required: bool
    description: str = ""
    ref: str | None = None  # name of a schema documented further down
    where: str = ""  # for parameters: query, path, header


@dataclass(slots=True)
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    secured: bool
    parameters: list[Row] = field(default_factory=list)
    body: str | None = None  # schema name, or a type
    responses: list[Row] = field(default_factory=list)


@dataclass(slots=True)
class Section:
    tag: str
    description: str
    operations: list[Operation] = field(default_factory=list)


@dataclass(slots=True)
class SchemaDoc:
    name: str
    description: str
    rows: list[Row]


@dataclass(slots=True)
class Reference:
    sections: list[Section]
    schemas: list[SchemaDoc]


def inline_code(text: str) -> Markup:
    """Markdown's `code` spans as <code>, everything else escaped."""
    parts = re.split(r"`([^`]+)`", str(text))
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any]) -> tuple[str, str | None]:
    """A short type label and, for an object schema, the name it is documented under."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return name, name
    if "allOf" in schema and len(schema["allOf"]) == 1:
        label, ref = type_of(schema["allOf"][0])
        return (f"{label} or null", ref) if schema.get("nullable") else (label, ref)
    kind = schema.get("type", "any")
    if kind == "array":
        inner, ref = type_of(schema.get("items", {}))
        label = f"array of {inner}"
    else:
        label = str(kind)
        if schema.get("format"):
            label += f" ({schema['format']})"
        ref = None
    if schema.get("enum"):
        label += ": " + " | ".join(str(v) for v in schema["enum"] if v is not None)
    if schema.get("nullable"):
        label += " or null"
    return label, ref


def _describe(schema: dict[str, Any]) -> str:
    text = str(schema.get("description", ""))
    bounds = []
    if "minimum" in schema:
        bounds.append(f"≥ {schema['minimum']}")
    if "maximum" in schema:
        bounds.append(f"≤ {schema['maximum']}")
    if "maxLength" in schema:
        bounds.append(f"at most {schema['maxLength']} characters")
    if "default" in schema:
        bounds.append(f"default {schema['default']!r}")
    if bounds:
        text = f"{text} ({', '.join(bounds)})" if text else ", ".join(bounds)
    return text


def schema_rows(schema: dict[str, Any]) -> list[Row]:
    required = set(schema.get("required", ()))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        label, ref = type_of(prop)
        rows.append(Row(name, label, name in required, _describe(prop), ref))
    return rows


def _operation(
    path: str,
    method: str,
    op: dict[str, Any],
    secured_default: bool,
    responses: dict[str, Any],
) -> Operation:
    doc = op.get("description", "")
    summary = op.get("summary", "")
    if not summary and doc:
        summary, _, doc = doc.partition("\n")
    secured = bool(op.get("security", [] if not secured_default else [{}]))
    result = Operation(
        method=method.upper(),
        path=path,
        anchor=op.get("operationId") or f"{method}-{path}".replace("/", "-").strip("-"),
        summary=summary.strip(),
        description=doc.strip(),
        secured=secured,
    )
    for param in op.get("parameters", []):
        label, ref = type_of(param.get("schema", {}))
        result.parameters.append(
            Row(
                param["name"],
                label,
                bool(param.get("required")),
                _describe({**param.get("schema", {}), "description": param.get("description", "")}),
                ref,
                param.get("in", ""),
            )
        )
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        result.body = type_of(body.get("schema", {}))[0]
    for status, response in sorted(op.get("responses", {}).items(), key=lambda kv: str(kv[0])):
        if "$ref" in response:
            response = responses.get(_ref_name(response["$ref"]), {})
        label, ref = "", None
        for media in response.get("content", {}).values():
            label, ref = type_of(media.get("schema", {}))
            break
        result.responses.append(
            Row(str(status), label, False, response.get("description", ""), ref)
        )
    return result


def reference(spec: dict[str, Any]) -> Reference:
    tags = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    sections: dict[str, Section] = {name: Section(name, text) for name, text in tags.items()}
    secured_default = bool(spec.get("security"))
    components = spec.get("components", {})
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            tag = (op.get("tags") or ["Other"])[0]
            section = sections.setdefault(tag, Section(tag, ""))
            section.operations.append(
                _operation(path, method, op, secured_default, components.get("responses", {}))
            )
    schemas = [
        SchemaDoc(name, str(body.get("description", "")), schema_rows(body))
        for name, body in sorted(components.get("schemas", {}).items())
    ]
    return Reference([s for s in sections.values() if s.operations], schemas)
