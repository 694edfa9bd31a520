"""Pydantic validation errors → positioned, plainly worded ``Problem``s.

Each message names what is wrong in the user's terms (a field, a value as written) and, where
there is one, the fix: a "did you mean" for a misspelt key or value, the allowed keys, the
format a date takes. A check the models make across fields ("participant 'Zoë' is listed
twice") is positioned at the field its ``FieldError`` names, not at the start of the mapping.

A value is quoted only as a short excerpt of the user's own field (a misspelt key, a date
written in words), never from a field that holds a secret: there only its kind is named.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from confsync.errors import Problem
from confsync.text import FieldError
from confsync.yaml_problems import Loc, field_path
from confsync.yamlio import Document

__all__ = ["field_path", "problems_from"]


@dataclass(frozen=True)
class _Step:
    """One part of a pydantic ``loc``: a field of the document, or a union tag."""

    part: str | int
    is_tag: bool


def _steps(loc: tuple[Any, ...], data: Any, missing: bool) -> list[_Step]:
    """Tell the document's fields from the union tags pydantic puts in ``loc``."""
    steps: list[_Step] = []
    node = data
    for index, part in enumerate(loc):
        in_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        if in_dict and loc[index + 1 : index + 2] == (part,) and not _holds(node[part], part):
            # {create: TITLE}: the union's tag and the field below it share a name; the first
            # of the two is the tag.
            in_dict = False
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
            steps.append(_Step(part, False))
        elif isinstance(node, dict | list) and not (missing and index == len(loc) - 1):
            steps.append(_Step(str(part), True))  # names the branch of a union, not a field
        else:
            steps.append(_Step(part, False))
            node = None
    return steps


def _holds(node: Any, key: str) -> bool:
    return isinstance(node, dict) and key in node


def _node_at(data: Any, loc: Loc) -> Any:
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


# ---- the JSON schema, for the keys allowed at a place -------------------------------------------


def _allowed_keys(schema: dict[str, Any], steps: list[_Step]) -> set[str]:
    """The field names the JSON schema allows where ``steps`` lead (for "did you mean")."""
    defs = schema.get("$defs", {})

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        return resolve(defs[node["$ref"].split("/")[-1]]) if "$ref" in node else node

    def branches(node: dict[str, Any]) -> list[dict[str, Any]]:
        node = resolve(node)
        found = [node]
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []):
                found.extend(branches(sub))
        return found

    def select(current: list[dict[str, Any]], tag: str) -> list[dict[str, Any]]:
        for b in current:
            mapping = b.get("discriminator", {}).get("mapping", {})
            if tag in mapping:
                return branches({"$ref": mapping[tag]})
        by_title = [b for b in current if b.get("title") == tag]
        by_property = [b for b in current if tag in b.get("properties", {})]
        return by_title or by_property or current

    current = branches(schema)
    for step in steps:
        if step.is_tag:
            current = select(current, str(step.part))
            continue
        nxt: list[dict[str, Any]] = []
        for b in current:
            if isinstance(step.part, int) and "items" in b:
                nxt.extend(branches(b["items"]))
            elif isinstance(step.part, str) and step.part in b.get("properties", {}):
                nxt.extend(branches(b["properties"][step.part]))
        current = nxt
    return {key for b in current for key in b.get("properties", {})}


def _homes(schema: dict[str, Any], name: str, tag: str | None) -> list[str]:
    """The places (``columns[].items[]``) where the schema has a field ``name``; not the top.

    ``tag`` picks the branch of a union at the top (a retrospective's fields, not a health
    check's).
    """
    defs = schema.get("$defs", {})
    mapping = schema.get("discriminator", {}).get("mapping", {})
    start = {"$ref": mapping[tag]} if tag in mapping else None
    found: list[str] = []

    def walk(node: dict[str, Any], path: str, refs: tuple[str, ...]) -> None:
        if "$ref" in node:
            ref = node["$ref"].split("/")[-1]
            if ref not in refs:
                walk(defs[ref], path, (*refs, ref))
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []):
                walk(sub, path, refs)
        if "items" in node:
            walk(node["items"], f"{path}[]", refs)
        for key, sub in node.get("properties", {}).items():
            if key == name and path and path not in found:
                found.append(path)
            walk(sub, f"{path}.{key}" if path else key, refs)

    walk(start or schema, "", ())
    return found


def _unknown_field(loc: Loc, steps: list[_Step], schema: dict[str, Any]) -> tuple[str, str | None]:
    """The message for a field the schema does not allow here, and the name it suggests."""
    name = str(loc[-1]) if loc else "value"
    allowed = _allowed_keys(schema, steps[:-1])
    here = "".join("[]" if isinstance(p, int) else f".{p}" for p in loc[:-1]).lstrip(".")
    tag = str(steps[0].part) if steps and steps[0].is_tag else None
    homes = [home for home in _homes(schema, name, tag) if home != here]
    below = [home for home in homes if here and home.startswith(here)]
    homes = below or homes
    if 0 < len(homes) <= 3:
        return f"unknown field {name!r} here; it belongs under " + " or ".join(homes), None
    close = _close(name, allowed)
    if close:
        return f"unknown field {name!r}; did you mean {close!r}?", close
    if allowed:
        return f"unknown field {name!r}; allowed here: " + ", ".join(sorted(allowed)), None
    return f"unknown field {name!r}", None


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


# ---- checks across fields, pointed at the field they are about ----------------------------------


def _about(error: ErrorDetails, loc: Loc, data: Any) -> Loc:
    """The field a model validator's ``FieldError`` names, below the model at ``loc``; ``loc``
    for any other error."""
    raised = (error.get("ctx") or {}).get("error")
    if not isinstance(raised, FieldError):
        return loc
    if raised.rivals:
        node = _node_at(data, loc)
        written = [key for key in node if key in raised.rivals] if isinstance(node, dict) else []
        return (*loc, written[-1]) if written else loc
    return (*loc, *raised.loc)


# ---- messages ----------------------------------------------------------------------------------

_PATTERNS = {
    r"^[a-z0-9][a-z0-9_-]*$": "use lower-case letters, digits, '-' and '_', "
    "starting with a letter or a digit",
    r"^~?[A-Za-z0-9_]+$": "a space key has only letters, digits and '_' "
    "(and a personal space key starts with ~)",
}


_SECRET_FIELDS = frozenset({"token", "password", "client_secret", "refresh_token"})


class _Withheld:
    """A value from a secret field: described by its kind, never shown."""

    def __init__(self, value: Any) -> None:
        self.kind = (
            "true or false"
            if isinstance(value, bool)
            else "a number"
            if isinstance(value, int | float)
            else "text"
        )

    def __repr__(self) -> str:
        return f"{self.kind} (not shown: the field is for a secret)"


def _withheld(loc: Loc, value: Any) -> Any:
    """``value``, or a stand-in that does not show it when ``loc`` is a secret of ``auth``."""
    secret = len(loc) >= 2 and loc[-1] in _SECRET_FIELDS and "auth" in loc[:-1]
    if secret and value is not None and not isinstance(value, list | dict):
        return _Withheld(value)
    return value


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as YAML writes them, not Python's True
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _found(value: Any) -> str:
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return _describe(value)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _close(word: str, options: Iterable[str], cutoff: float = 0.6) -> str | None:
    found = difflib.get_close_matches(word, sorted(options), n=1, cutoff=cutoff)
    return found[0] if found else None


def _message(error: ErrorDetails, loc: Loc, steps: list[_Step], schema: dict[str, Any]) -> str:
    kind = error["type"]
    given = _withheld(loc, error.get("input"))
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "missing":
        return "required field is missing"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return f"{_found(given)} is not a date; write it as YYYY-MM-DD"
    if kind == "date_from_datetime_inexact":
        return f"{_describe(given)} has a time of day; write the date only, as YYYY-MM-DD"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _tag_message(kind, ctx, given, schema)
    if kind == "literal_error":
        expected = str(ctx.get("expected"))
        close = (
            _close(given, re.findall(r"'([^']*)'", expected)) if isinstance(given, str) else None
        )
        hint = f"; did you mean {close!r}?" if close else ""
        return f"{_found(given)} is not allowed; use {expected}{hint}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number, found {_found(given)}"
    if kind in ("float_parsing", "float_type"):
        return f"expected a number, found {_found(given)}"
    if kind == "finite_number":
        return f"expected a finite number, found {_found(given)}"
    if kind in ("bool_parsing", "bool_type"):
        return f"expected true or false, found {_found(given)}"
    if kind == "string_type":
        if isinstance(given, bool | int | float):
            return f"expected text, found {_describe(given)}; put it in quotes to use it as text"
        return f"expected text, found {_found(given)}"
    if kind == "list_type":
        hint = (
            "; write it as [a, b] or as lines starting with '- '" if isinstance(given, str) else ""
        )
        return f"expected a list, found {_found(given)}{hint}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping of fields, found {_found(given)}"
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return "must not be empty"
        return f"must be at least {_plural(int(ctx['min_length']), 'character')} long"
    if kind == "string_too_long" or (kind == "too_long" and isinstance(given, str)):
        # "too_long" for text when a length limit sits on top of a validator (confsync.text).
        length = f"{len(given):,}" if isinstance(given, str) else "too many"
        return f"is {length} characters long, over the limit of {ctx.get('max_length'):,}"
    if kind == "too_short":
        none = "; found none" if ctx.get("actual_length") == 0 else ""
        return f"must have at least {_plural(int(ctx['min_length']), 'item')}{none}"
    if kind == "too_long":
        return f"must have at most {_plural(int(ctx['max_length']), 'item')}"
    if kind == "greater_than_equal":
        return f"must be {ctx.get('ge')} or more, not {_describe(given)}"
    if kind == "less_than_equal":
        return f"must be {ctx.get('le')} or less, not {_describe(given)}"
    if kind == "greater_than":
        return f"must be more than {ctx.get('gt')}, not {_describe(given)}"
    if kind == "less_than":
        return f"must be less than {ctx.get('lt')}, not {_describe(given)}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        rule = _PATTERNS.get(pattern, f"it must match the pattern {pattern}")
        return f"{_describe(given)} is not valid here; {rule}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    message = str(error["msg"])
    return message[0].lower() + message[1:] if message else kind


def _tag_message(kind: str, ctx: dict[str, Any], given: Any, schema: dict[str, Any]) -> str:
    tag = str(ctx.get("discriminator", "")).strip("'")
    expected = str(ctx.get("expected_tags", ""))
    if kind == "union_tag_not_found":
        values = ", ".join(repr(v) for v in _tag_values(schema, tag)) or expected
        message = f"required field is missing: one of {values}"
        keys = [key for key in given if isinstance(key, str)] if isinstance(given, dict) else []
        misspelt = _close(tag, keys)
        if misspelt is not None:
            message += f"; is {misspelt!r} a misspelling of {tag!r}?"
        return message
    got = ctx.get("tag", "")
    options = [t.strip().strip("'") for t in expected.split(",")]
    close = _close(str(got), options, cutoff=0.5)
    hint = f"; did you mean {close!r}?" if close else ""
    return f"{got!r} is not known; use one of {expected}{hint}"


# ---- the entry point ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    loc: Loc
    kind: str
    message: str
    suggestion: str | None
    at_key: bool = False
    """About a mapping's key (a site's name), not its value: shown where the key is written."""


_KEY = "[key]"
"""What pydantic puts at the end of ``loc`` when a dict's key, not its value, is invalid."""


def problems_from(
    exc: ValidationError, document: Document, display: str, schema: dict[str, Any]
) -> list[Problem]:
    """One Problem per pydantic error, positioned in ``document``."""
    found: list[_Found] = []
    for error in exc.errors(include_url=False):
        kind = error["type"]
        at_key = tuple(error["loc"][-1:]) == (_KEY,)
        steps = _steps(
            tuple(error["loc"])[: -1 if at_key else None], document.data, kind == "missing"
        )
        loc: Loc = tuple(step.part for step in steps if not step.is_tag)
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            tag = str(error.get("ctx", {}).get("discriminator", "")).strip("'")
            loc = (*loc, tag) if tag.isidentifier() else loc
        suggestion = None
        if kind == "extra_forbidden":
            message, suggestion = _unknown_field(loc, steps, schema)
        else:
            message = _message(error, loc, steps, schema)
        if kind == "value_error":
            loc = _about(error, loc, document.data)
        found.append(_Found(loc, kind, message, suggestion, at_key))

    # "unknown field 'titel'; did you mean 'title'?" says all; "title: required" would repeat it.
    misspelt = {(*f.loc[:-1], f.suggestion) for f in found if f.suggestion is not None}
    problems: list[Problem] = []
    for f in found:
        if f.kind == "missing" and f.loc in misspelt:
            continue
        if f.kind == "extra_forbidden" or f.at_key:
            line, column = document.positions.of_key(f.loc)
        else:
            line, column = document.positions.of_value(f.loc)
        problems.append(Problem(display, line, column, field_path(f.loc), f.message))
    return problems
