"""Reading YAML with positions: with ``yaml_problems`` (its errors, worded for people), the one
module that imports the YAML library.

A document is read into plain Python values plus a ``Positions`` index from field paths to
``(line, column)``, so that a validation error deep in a model can name the line it came from.
Every hazard a hand-written or generated file can carry ends in a ``Problem``, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import Node
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scanner import RoundTripScanner, ScannerError

from confsync.errors import Problem
from confsync.paths import Refused, TooLarge, Why, read_file
from confsync.yaml_problems import (
    DEEP_MESSAGE,
    MAX_DEPTH,
    Loc,
    kind_of,
    marked_problem,
    problem_at,
    reader_problem,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "Document",
    "Positions",
    "read_yaml",
]

MAX_FILE_BYTES = 2 * 1024 * 1024
"""A report is text a team typed; a file this large is a mistake (or an attack), not a report."""

MAX_VALUES = 100_000
"""Values after aliases are expanded: far above any real report, far below an alias bomb."""


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


class Document:
    """A YAML mapping as plain values, with the positions of its keys and values.

    Positions are only needed to report a problem, and reading them costs most of the time
    of a load: a document read by the fast path finds them on first use, from its text.
    """

    def __init__(
        self, data: dict[str, Any], positions: Positions | None = None, text: str = ""
    ) -> None:
        self.data = data
        self._positions = positions
        self._text = text

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            found = _load_round_trip(self._text, "")
            self._positions = found.positions if isinstance(found, Document) else Positions()
        return self._positions


class _TooLarge(Exception):
    """Too many values or levels; on the fast path also a value that is not plain data."""


class _BadNode(Exception):
    """A value ``_plain`` refuses, with the 1-based position of the node and why."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("map", "seq", "str", "null", "bool", "int", "float", "timestamp", "merge")
)
"""The YAML 1.2 core schema (timestamps are read as text, ``<<`` merges mappings). Any other tag
(``!!binary``, ``!!set``, ``!!omap``, ``!!python/...``, a custom ``!tag``) makes a value that is
not plain data: bytes shown as ``b'...'`` in a title, a set, an object."""


def _check_tag(node: Node) -> None:
    tag = str(getattr(node.tag, "value", node.tag))
    if tag in _CORE_TAGS or tag == "!":  # "!" is YAML's "no particular type"
        return
    shown = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml") else tag
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    raise _BadNode(
        node.start_mark.line + 1,
        node.start_mark.column + 1,
        f"the tag {shown} is not supported: confsync reads plain YAML (text, numbers, "
        "true/false, lists and mappings); remove the tag",
    )


def _construct_checked(construct: Any, node: Node, deep: bool) -> Any:
    """``construct(node, deep)`` once the node's tag is known to be a core one."""
    _check_tag(node)
    try:
        return construct(node, deep=deep)
    except ValueError as exc:  # `!!int abc`: the message would quote the value
        raise _BadNode(
            node.start_mark.line + 1,
            node.start_mark.column + 1,
            "this value is not what its tag says (such as !!int on text); remove the tag",
        ) from exc


class _Constructor(RoundTripConstructor):  # type: ignore[misc,unused-ignore]
    """Round-trip constructor that leaves timestamps as text and refuses non-core tags.

    ruamel turns ``2026-11-20`` into a date itself and crashes with a bare ValueError on
    ``2026-13-20``; as text, pydantic parses dates and reports a bad one with its position.
    """

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        return _construct_checked(super().construct_object, node, deep)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)


class _SafeConstructor(SafeConstructor):  # type: ignore[misc,unused-ignore]
    """The fast path's constructor: timestamps as text and tags checked, as in the round-trip
    reader (a refused tag sends the file to the round-trip reader, which reports it)."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        return _construct_checked(super().construct_object, node, deep)


_SafeConstructor.add_constructor("tag:yaml.org,2002:timestamp", _SafeConstructor.construct_yaml_str)


class _Scanner(RoundTripScanner):  # type: ignore[misc,unused-ignore]
    """Round-trip scanner that stops at MAX_DEPTH levels of brackets or indentation.

    Past that, ruamel's scanner slows down quadratically ([[[[... for 6,000 characters takes
    seconds) and its composer then exhausts Python's stack; this fails at the first level
    too many, with its position.
    """

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise ScannerError(None, None, DEEP_MESSAGE, self.reader.get_mark())
        super().fetch_flow_collection_start(TokenClass, to_push)

    def add_indent(self, column: int) -> bool:
        if len(self.indents) >= MAX_DEPTH and self.indent < column:
            raise ScannerError(None, None, DEEP_MESSAGE, self.reader.get_mark())
        return bool(super().add_indent(column))


def read_yaml(path: Path, display: str) -> Document | Problem:
    """Read ``path`` as one YAML mapping; ``display`` is the name used in messages.

    Only a regular file is read (a fifo never blocks), and only up to MAX_FILE_BYTES; that
    ``path`` lies in the repo is the caller's check (``paths.inside``).
    """
    try:
        raw = read_file(path, MAX_FILE_BYTES)
    except TooLarge as exc:
        return problem_at(
            display,
            f"file is {exc.size:,} bytes, over the limit of {MAX_FILE_BYTES:,}; "
            "split it or remove what is not part of the report",
        )
    except Refused as exc:
        if exc.why is Why.UNREADABLE:
            return problem_at(display, f"file {exc}", 0, 0)
        return problem_at(display, f"file {exc}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        # Count characters, not bytes, so the column matches what an editor shows.
        before = raw[line_start : exc.start].decode("utf-8", errors="replace")
        return problem_at(
            display,
            f"not UTF-8 text (byte 0x{raw[exc.start]:02X}); save the file as UTF-8",
            line,
            len(before.lstrip("\ufeff")) + 1,
        )
    fast = _load_fast(text)
    if fast is not None:
        return Document(fast, text=text)
    return _load_round_trip(text, display)


def _load_fast(text: str) -> dict[str, Any] | None:
    """The mapping in ``text`` through libyaml, or None for anything but a plain valid one.

    ruamel's pure-Python round-trip parser takes about 3 ms for a small report, 1,000 reports
    take seconds; libyaml is eight times faster. Both resolve scalars by ruamel's YAML 1.2
    rules, so they agree on values. Any irregularity (a YAML error, a hazard, a value the
    round-trip reader would refuse) returns None, and the round-trip reader explains it.
    """
    if _FAST is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = _FAST.load(text)
    except Exception:  # any failure is re-read, and reported, by the round-trip reader
        return None
    if not isinstance(data, dict):
        return None
    try:
        checked = _check_plain(data, 0, [0])
    except _TooLarge:
        return None
    return checked if isinstance(checked, dict) else None


def _check_plain(value: Any, depth: int, count: list[int]) -> Any:
    """``value`` as _plain would give it, or _TooLarge where _plain would refuse."""
    count[0] += 1
    if count[0] > MAX_VALUES:
        raise _TooLarge
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise _TooLarge
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not (key is None or isinstance(key, bool | int | float | str)):
                raise _TooLarge
            result[str(key)] = _check_plain(item, depth + 1, count)
        return result
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise _TooLarge
        return [_check_plain(item, depth + 1, count) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise _TooLarge  # bytes, a set, pairs: refused by the round-trip reader, which says why


def _fast_yaml() -> YAML | None:
    try:
        yaml = YAML(typ="safe", pure=False)
    except Exception:  # no libyaml binding on this platform: the round-trip reader serves
        return None
    if "CParser" not in getattr(yaml.Parser, "__name__", ""):
        return None
    yaml.Constructor = _SafeConstructor
    yaml.allow_duplicate_keys = False
    return yaml


def _load_round_trip(text: str, display: str) -> Document | Problem:
    yaml = YAML(typ="rt")
    yaml.Scanner = _Scanner
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    try:
        with warnings.catch_warnings():
            # A reused anchor is legal YAML (the later one wins); ruamel warns on stderr.
            warnings.simplefilter("ignore")
            node = yaml.load(text)
    except MarkedYAMLError as exc:
        return marked_problem(display, exc, text)
    except _BadNode as exc:
        return problem_at(display, exc.message, exc.line, exc.column)
    except ReaderError as exc:
        return reader_problem(display, exc, text)
    except RecursionError:  # _Scanner and _plain are meant to stop deep nesting before this
        return problem_at(display, DEEP_MESSAGE)
    except (YAMLError, ValueError):
        # Not the exception's text: it may quote what the file holds (a misplaced secret).
        return problem_at(display, "not valid YAML")
    if node is None:
        return problem_at(display, "file is empty; expected a mapping of fields")
    if not isinstance(node, CommentedMap):
        # What kind of value, never the value: the file may not be what it was meant to be.
        found = kind_of(node)
        return problem_at(display, f"expected a mapping of fields at the top, found {found}")
    positions = Positions()
    try:
        data = _plain(node, (), positions, [0])
    except _TooLarge:
        return problem_at(
            display,
            f"file expands to more than {MAX_VALUES:,} values through anchors and aliases",
        )
    except _BadNode as exc:
        return problem_at(display, exc.message, exc.line, exc.column)
    return Document(data, positions)


_FAST = _fast_yaml()


def _plain(node: Any, loc: Loc, positions: Positions, count: list[int]) -> Any:
    """ruamel's round-trip values → plain dict/list/str/int/..., recording positions."""
    count[0] += 1
    if count[0] > MAX_VALUES:
        raise _TooLarge
    if isinstance(node, CommentedMap | CommentedSeq) and len(loc) >= MAX_DEPTH:
        raise _BadNode(node.lc.line + 1, node.lc.col + 1, DEEP_MESSAGE)
    if isinstance(node, CommentedMap):
        result: dict[str, Any] = {}
        for key, value in node.items():
            if isinstance(key, CommentedMap | CommentedSeq | tuple | list | dict):
                try:
                    line, column = node.lc.key(key)
                except (KeyError, TypeError):
                    line, column = node.lc.line, node.lc.col
                raise _BadNode(
                    line + 1, column + 1, "a key must be plain text, not a list or a mapping"
                )
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
