"""Pydantic validation errors → positioned, plainly worded ``Problem``s."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from confsync.errors import Problem
from confsync.yamlio import Document, Loc

__all__ = ["field_path", "problems_from"]


def field_path(loc: Iterable[str | int]) -> str:
    """``("teams", 1, "space")`` → ``teams[1].space``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _document_loc(loc: tuple[Any, ...], data: Any, missing: bool) -> Loc:
    """Drop the union tags pydantic puts in ``loc`` (``"retrospective"``, ``"api-token"``...)."""
    result: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        in_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
            result.append(part)
        elif isinstance(node, dict | list) and not (missing and index == len(loc) - 1):
            continue  # a tag: it names the branch of a union, not a field
        else:
            result.append(part)
            node = None
    return tuple(result)


def _allowed_keys(schema: dict[str, Any], loc: Loc) -> set[str]:
    """The field names the JSON schema allows at ``loc`` (for "did you mean" hints)."""
    defs = schema.get("$defs", {})

    def branches(node: dict[str, Any]) -> list[dict[str, Any]]:
        if "$ref" in node:
            return branches(defs[node["$ref"].split("/")[-1]])
        found = [node]
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []):
                found.extend(branches(sub))
        return found

    current = branches(schema)
    for part in loc:
        nxt: list[dict[str, Any]] = []
        for b in current:
            if isinstance(part, int) and "items" in b:
                nxt.extend(branches(b["items"]))
            elif isinstance(part, str) and part in b.get("properties", {}):
                nxt.extend(branches(b["properties"][part]))
        current = nxt
    return {key for b in current for key in b.get("properties", {})}


def _tag_values(schema: Any, tag: str) -> list[str]:
    """The values a discriminated union accepts for ``tag``, found anywhere in the schema."""
    if isinstance(schema, dict):
        found = schema.get("discriminator")
        if isinstance(found, dict) and found.get("propertyName") == tag:
            return sorted(found.get("mapping", {}))
        children: list[Any] = list(schema.values())
    elif isinstance(schema, list):
        children = schema
    else:
        return []
    for child in children:
        values = _tag_values(child, tag)
        if values:
            return values
    return []


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: ErrorDetails, loc: Loc, schema: dict[str, Any]) -> str:
    kind = error["type"]
    name = str(loc[-1]) if loc else "value"
    given = error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(schema, loc[:-1])
        close = difflib.get_close_matches(name, sorted(allowed), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        if not close and allowed:
            hint = "; allowed here: " + ", ".join(sorted(allowed))
        return f"unknown field {name!r}{hint}"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return f"{_describe(given)} is not a date; write it as YYYY-MM-DD"
    if kind == "date_from_datetime_inexact":
        return f"{_describe(given)} has a time of day; write the date only, as YYYY-MM-DD"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        ctx = error.get("ctx", {})
        tag = str(ctx.get("discriminator", "")).strip("'")
        expected = str(ctx.get("expected_tags", ""))
        if kind == "union_tag_not_found":
            options = ", ".join(repr(v) for v in _tag_values(schema, tag)) or expected
            return f"required field is missing: one of {options}"
        got = ctx.get("tag", "")
        options = [t.strip().strip("'") for t in expected.split(",")]
        close = difflib.get_close_matches(str(got), options, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{got!r} is not known; use one of {expected}{hint}"
    if kind == "literal_error":
        return f"{_describe(given)} is not allowed; use {error.get('ctx', {}).get('expected')}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{_describe(given)} is not a whole number"
    if kind in ("bool_parsing", "bool_type"):
        return f"{_describe(given)} is not true or false"
    if kind in ("string_type",):
        return f"expected text, found {_describe(given)}"
    if kind in ("list_type",):
        return f"expected a list, found {_describe(given)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping of fields, found {_describe(given)}"
    if kind == "string_pattern_mismatch":
        return (
            f"{_describe(given)} does not match the pattern {error.get('ctx', {}).get('pattern')}"
        )
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    message = str(error["msg"])
    return message[0].lower() + message[1:] if message else kind


def problems_from(
    exc: ValidationError, document: Document, display: str, schema: dict[str, Any]
) -> list[Problem]:
    """One Problem per pydantic error, positioned in ``document``."""
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = _document_loc(tuple(error["loc"]), document.data, error["type"] == "missing")
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            tag = str(error.get("ctx", {}).get("discriminator", "")).strip("'")
            loc = (*loc, tag) if tag.isidentifier() else loc
        if error["type"] == "extra_forbidden":
            line, column = document.positions.of_key(loc)
        else:
            line, column = document.positions.of_value(loc)
        problems.append(
            Problem(display, line, column, field_path(loc), _message(error, loc, schema))
        )
    return problems
