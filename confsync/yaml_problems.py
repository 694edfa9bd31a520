"""ruamel.yaml's errors as ``Problem``s a person can act on: the line and column, and what to
do, never ruamel's advice (``allow_duplicate_keys``) nor the text of the file (a misplaced
secret). ``field_path`` spells a field's path as the messages show it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode
from ruamel.yaml.reader import ReaderError

from confsync.errors import Problem

__all__ = [
    "DEEP_MESSAGE",
    "MAX_DEPTH",
    "Loc",
    "field_path",
    "kind_of",
    "marked_problem",
    "problem_at",
    "reader_problem",
]

Loc = tuple[str | int, ...]

MAX_DEPTH = 50
"""Nesting levels: a report needs about six; thousands exhaust the parser's stack."""

DEEP_MESSAGE = f"nested more than {MAX_DEPTH} levels deep; a report needs only a few levels"


def problem_at(file: str, message: str, line: int = 1, column: int = 1) -> Problem:
    return Problem(file, line, column, "", message)


def kind_of(node: Any) -> str:
    if isinstance(node, CommentedSeq):
        return "a list"
    if isinstance(node, bool):
        return "true or false"
    if isinstance(node, int | float):
        return "a number"
    return "text"


def reader_problem(display: str, exc: ReaderError, text: str) -> Problem:
    """A character YAML does not allow anywhere in a file (NUL, ESC, ...), with its position."""
    index = exc.position if isinstance(exc.position, int) else 0
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(text[index : index + 1] or " ")
    return problem_at(
        display,
        f"a control character (U+{code:04X}), which a YAML file must not hold; remove it",
        line,
        column,
    )


def marked_problem(display: str, exc: MarkedYAMLError, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or "not valid YAML"
    context = exc.context or ""
    if problem == DEEP_MESSAGE:
        return Problem(display, line, column, "", DEEP_MESSAGE)
    if "duplicate key" in problem and exc.context_mark is not None:
        # ruamel's own text advises allow_duplicate_keys, which is no advice for a user.
        return _duplicate_key(display, exc, text, line, column)
    if "\\t" in problem or "\t" in problem:
        message = "a tab character: YAML allows only spaces here; replace the tab with spaces"
    elif problem.startswith("expected <block end>") and exc.context_mark is not None:
        start = exc.context_mark
        message = (
            "not valid YAML: this line is indented differently from the lines before it "
            f"(in the block that starts on line {start.line + 1}, column {start.column + 1}); "
            "line it up with the fields it belongs to"
        )
    elif problem == "mapping values are not allowed here":
        message = (
            "not valid YAML: a ': ' inside a value; put the whole value in quotes "
            "or write the field on a line of its own"
        )
    elif context.startswith("while scanning a quoted scalar") and exc.context_mark is not None:
        start = exc.context_mark
        message = (
            f"not valid YAML: the quoted text that starts on line {start.line + 1}, column "
            f"{start.column + 1} is never closed; add the closing quote"
        )
    elif context in _FLOW and exc.context_mark is not None:
        start = exc.context_mark
        opening, closing = _FLOW[context]
        message = (
            f"not valid YAML: {problem} (in the {opening} that opens on line {start.line + 1}, "
            f"column {start.column + 1}; is its closing {closing} missing?)"
        )
    elif context.startswith("while ") and exc.context_mark is not None:
        start = exc.context_mark
        what = context.removeprefix("while ").replace("parsing a ", "").replace("scanning a ", "")
        message = (
            f"not valid YAML: {problem} (in the {what} that starts on line "
            f"{start.line + 1}, column {start.column + 1})"
        )
    elif "single document" in context:
        message = "a second document (---): one file holds one report or one config"
    elif context:
        message = f"not valid YAML: {context}, {problem}"
    else:
        message = f"not valid YAML: {problem}"
    return Problem(display, line, column, "", message)


_FLOW = {
    "while parsing a flow sequence": ("'['", "']'"),
    "while parsing a flow mapping": ("'{'", "'}'"),
}


def _duplicate_key(
    display: str, exc: MarkedYAMLError, text: str, line: int, column: int
) -> Problem:
    problem = exc.problem or ""
    key = problem.split('"')[1] if problem.count('"') >= 2 else "key"
    first = _first_occurrence(text, exc, key)
    if first is None:
        return Problem(display, line, column, "", f"duplicate key {key!r}")
    loc, first_line = first
    return Problem(
        display,
        line,
        column,
        field_path(loc),
        f"duplicate key {key!r} (first written on line {first_line}); keep one of the two",
    )


def _first_occurrence(text: str, exc: MarkedYAMLError, key: str) -> tuple[Loc, int] | None:
    """The field path and line of the first ``key`` in the mapping the error is about."""
    mapping_mark = exc.context_mark
    if mapping_mark is None:
        return None
    target = (mapping_mark.line, mapping_mark.column)
    try:
        root = YAML(typ="rt").compose(text)
    except (YAMLError, RecursionError):
        return None
    seen: set[int] = set()
    todo: list[tuple[Node, Loc]] = [(root, ())] if root is not None else []
    while todo:
        node, loc = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            here = (node.start_mark.line, node.start_mark.column)
            for key_node, value_node in node.value:
                if here == target and str(key_node.value) == key:
                    return ((*loc, key), key_node.start_mark.line + 1)
                todo.append((value_node, (*loc, str(key_node.value))))
        elif isinstance(node, SequenceNode):
            todo.extend((item, (*loc, index)) for index, item in enumerate(node.value))
    return None


def field_path(loc: Iterable[str | int]) -> str:
    """``("teams", 1, "space")`` → ``teams[1].space``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
