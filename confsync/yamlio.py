"""Reading YAML with positions: the one module that imports the YAML library.

A document is read into plain Python values plus a ``Positions`` index from field paths to
``(line, column)``, so that a validation error deep in a model can name the line it came from.
Every hazard a hand-written or generated file can carry ends in a ``Problem``, never a traceback.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from confsync.errors import Problem

__all__ = ["MAX_FILE_BYTES", "MAX_VALUES", "Document", "Loc", "Positions", "read_yaml"]

MAX_FILE_BYTES = 2 * 1024 * 1024
"""A report is text a team typed; a file this large is a mistake (or an attack), not a report."""

MAX_VALUES = 100_000
"""Values after aliases are expanded: far above any real report, far below an alias bomb."""

Loc = tuple[str | int, ...]


@dataclass
class Positions:
    """1-based (line, column) of each key and value, by field path."""

    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def of_key(self, loc: Loc) -> tuple[int, int]:
        """Where the key of ``loc`` is written, else where its nearest ancestor is."""
        for n in range(len(loc), -1, -1):
            found = self.keys.get(loc[:n]) or self.values.get(loc[:n])
            if found:
                return found
        return (1, 1)

    def of_value(self, loc: Loc) -> tuple[int, int]:
        """Where the value of ``loc`` is written, else where its nearest ancestor is."""
        for n in range(len(loc), -1, -1):
            found = self.values.get(loc[:n])
            if found:
                return found
        return (1, 1)


@dataclass(frozen=True)
class Document:
    data: dict[str, Any]
    positions: Positions


class _TooLarge(Exception):
    pass


class _Constructor(RoundTripConstructor):  # type: ignore[misc]
    """Round-trip constructor that leaves timestamps as text.

    ruamel turns ``2026-11-20`` into a date itself and crashes with a bare ValueError on
    ``2026-13-20``; as text, pydantic parses dates and reports a bad one with its position.
    """


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)


def _problem(file: str, message: str, line: int = 1, column: int = 1) -> Problem:
    return Problem(file, line, column, "", message)


def read_yaml(path: Path, display: str) -> Document | Problem:
    """Read ``path`` as one YAML mapping; ``display`` is the name used in messages."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _problem(
                display,
                f"file is {size:,} bytes, over the limit of {MAX_FILE_BYTES:,}; "
                "split it or remove what is not part of the report",
            )
        raw = path.read_bytes()
    except OSError as exc:
        return _problem(display, f"cannot read file: {exc.strerror}", 0, 0)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return _problem(
            display,
            f"not UTF-8 text (byte 0x{raw[exc.start]:02X}); save the file as UTF-8",
            line,
            column,
        )
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    try:
        node = yaml.load(text)
    except MarkedYAMLError as exc:
        return _marked_problem(display, exc)
    except (YAMLError, ValueError, RecursionError) as exc:
        # RecursionError: a deeply nested document ([[[[...]]]]) exhausts the parser's stack.
        return _problem(display, f"not valid YAML: {type(exc).__name__}")
    if node is None:
        return _problem(display, "file is empty; expected a mapping of fields")
    if not isinstance(node, CommentedMap):
        found = "a list" if isinstance(node, CommentedSeq) else f"the value {node!r:.40}"
        return _problem(display, f"expected a mapping of fields at the top, found {found}")
    positions = Positions()
    try:
        data = _plain(node, (), positions, [0])
    except _TooLarge:
        return _problem(
            display,
            f"file expands to more than {MAX_VALUES:,} values through anchors and aliases",
        )
    return Document(data, positions)


def _marked_problem(display: str, exc: MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or exc.context or "not valid YAML"
    if "duplicate key" in (exc.problem or "") and exc.context_mark is not None:
        # ruamel's own text advises allow_duplicate_keys, which is no advice for a user.
        key = (exc.problem or "").split('"')[1] if '"' in (exc.problem or "") else "key"
        message = f"duplicate key {key!r} (first written on line {exc.context_mark.line + 1})"
    elif "\\t" in problem or "\t" in problem:
        message = "a tab character: YAML indents with spaces only"
    else:
        message = f"not valid YAML: {problem}"
    return Problem(display, line, column, "", message)


def _plain(node: Any, loc: Loc, positions: Positions, count: list[int]) -> Any:
    """ruamel's round-trip values → plain dict/list/str/int/..., recording positions."""
    count[0] += 1
    if count[0] > MAX_VALUES:
        raise _TooLarge
    if isinstance(node, CommentedMap):
        result: dict[str, Any] = {}
        for key, value in node.items():
            child = (*loc, str(key))
            try:
                kline, kcol = node.lc.key(key)
                positions.keys.setdefault(child, (kline + 1, kcol + 1))
                vline, vcol = node.lc.value(key)
                positions.values.setdefault(child, (vline + 1, vcol + 1))
            except (KeyError, TypeError):  # merged keys (<<: *x) carry no position of their own
                pass
            result[str(key)] = _plain(value, child, positions, count)
        return result
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for index, value in enumerate(node):
            child = (*loc, index)
            try:
                line, col = node.lc.item(index)
                positions.values.setdefault(child, (line + 1, col + 1))
            except (KeyError, TypeError):
                pass
            items.append(_plain(value, child, positions, count))
        return items
    if isinstance(node, bool | int | float | dt.date) or node is None:
        # ruamel's ScalarFloat/ScalarInt subclass these; normalise to the plain types.
        if isinstance(node, bool) or node is None:
            return node
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return float(node)
        return node
    return str(node)
