"""What text confsync accepts: the one rule for a title or a name, one for longer text, and
one for a label.

A title or a name (a report title, a team name, a parent page title, a column, dimension or
theme name, a person) is one line of printable text: not empty, not only white space, no
control character (C0 such as NUL, BEL, ESC, a line break or a tab; DEL; C1; the Unicode line
and paragraph separators), nothing that is not a character (half of a surrogate pair, as two
JSON-style escapes make, which no output can encode; U+FFFE, U+FFFF), and no white space at
either end. It is refused, never cleaned: a title confsync quietly changed would no longer be
the one the file says, and would differ from what Confluence stores for it.

Longer text (an item, a note, a summary, a comment) may span lines and hold tabs, which the
page shows as they are; any other control character (or non-character) is refused, because XML
cannot hold most of them (``render/storage.py`` would have to replace them) and the rest are
invisible noise.

A label is one word as Confluence keeps it: no white space (Confluence would split the text
into several labels), none of ``: ; , . ? & [ ] ( ) # ^ * @ ! < >``, at most 255 characters,
and lower case. Confluence stores labels lower-cased, so a label written with upper case would
never read back as written; it is refused with its lower-case form, not lower-cased quietly.

``FieldError`` is what the models' validators raise about a field below the model: it names
that field as data, so that the message may be worded freely.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from confsync.errors import ConfsyncError

__all__ = [
    "CONTROL_PATTERN",
    "MAX_TITLE_LENGTH",
    "FieldError",
    "Label",
    "LongText",
    "NameText",
    "label_problem",
    "long_text_problem",
    "name_problem",
    "one_line",
    "title_key",
]


def title_key(title: str) -> str:
    """How Confluence tells page titles apart in a space: without regard to case, lower-cased
    as Java lower-cases (which ``str.lower`` follows). Not ``casefold``: that also merges "ß"
    with "ss", two titles Confluence keeps apart, and would report a collision there is not."""
    return title.lower()


MAX_TITLE_LENGTH = 255
"""Confluence refuses a longer page title with a 400 (docs/confluence-notes.md): checked on the
rendered title at load, and again by the client before it sends one."""

CONTROL_PATTERN = "[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]"
"""Every character a title or a name must not hold (white space aside, which may be inside)."""

_CONTROL = re.compile(CONTROL_PATTERN)
# Tab and line feed allowed; a carriage return only comes from a "\r" escape (YAML turns the
# line ends of a file into line feeds), and the page would not show it.
_CONTROL_IN_LONG_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

_NAMES = {
    0x00: "a NUL character (U+0000)",
    0x07: "a bell character (U+0007 BEL)",
    0x08: "a backspace (U+0008)",
    0x09: "a tab",
    0x0A: "a line break",
    0x0D: "a carriage return (U+000D)",
    0x1B: "an escape character (U+001B ESC)",
    0x7F: "a delete character (U+007F DEL)",
    0x85: "a line break (U+0085 NEL)",
    0x2028: "a line break (U+2028)",
    0x2029: "a paragraph break (U+2029)",
}


def _character(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        hint = "write the character itself, not as two \\u escapes"
        return f"half of a character (U+{code:04X}: {hint})"
    if code in (0xFFFE, 0xFFFF):
        return f"a non-character (U+{code:04X})"
    return _NAMES.get(code, f"a control character (U+{code:04X})")


def name_problem(value: str) -> str | None:
    """Why ``value`` is not acceptable as a title or a name, or None when it is.

    The message never quotes ``value``: it may be what a misplaced file held.
    """
    if not value:
        return "must not be empty"
    if not value.strip():
        return "must not be only white space"
    found = _CONTROL.search(value)
    if found is not None:
        return (
            f"holds {_character(found.group())} at character {found.start() + 1}; a title or "
            "name is one line of printable text: remove it"
        )
    if value[0].isspace():
        return "starts with white space; remove it (titles and names are used as written)"
    if value[-1].isspace():
        return "ends with white space; remove it (titles and names are used as written)"
    return None


def long_text_problem(value: str) -> str | None:
    """Why ``value`` is not acceptable as longer text (line breaks and tabs allowed), or None."""
    if not value.strip():
        return "must not be empty or only white space"
    found = _CONTROL_IN_LONG_TEXT.search(value)
    if found is not None:
        line = value.count("\n", 0, found.start()) + 1
        column = found.start() - (value.rfind("\n", 0, found.start()) + 1) + 1
        where = f"character {column}" + (f" of line {line}" if "\n" in value else "")
        return (
            f"holds {_character(found.group())} at {where}; text may hold line breaks and "
            "tabs but no other control character: remove it"
        )
    return None


_MAX_LABEL_LENGTH = 255
"""Confluence's limit on a label name, in characters."""

_LABEL_FORBIDDEN = ":;,.?&[]()#^*@!<>"
_LABEL_BAD = re.compile("[" + re.escape(_LABEL_FORBIDDEN) + "]")


def label_problem(value: str) -> str | None:
    """Why ``value`` is not acceptable as a label, or None when it is (see the module doc)."""
    if not value:
        return "must not be empty"
    found = _CONTROL.search(value)
    if found is not None:
        return f"holds {_character(found.group())}; a label is one word of printable text"
    found = re.search(r"\s", value)
    if found is not None:
        return (
            f"holds white space at character {found.start() + 1}; a label is one word "
            "(Confluence would split it into several labels): join the words with '-'"
        )
    found = _LABEL_BAD.search(value)
    if found is not None:
        listed = " ".join(_LABEL_FORBIDDEN)
        return (
            f"holds {found.group()!r}, which Confluence does not allow in a label "
            f"(none of {listed})"
        )
    if len(value) > _MAX_LABEL_LENGTH:
        return (
            f"is {len(value):,} characters long; Confluence allows {_MAX_LABEL_LENGTH} in a label"
        )
    if value != value.lower():
        return (
            f"has upper-case letters; Confluence stores labels in lower case: write "
            f"{value.lower()!r}"
        )
    return None


_CONTROL_RUN = re.compile(CONTROL_PATTERN + "+")


def one_line(value: str) -> str:
    """``value`` as one line for drawing: each run of control characters → a space.

    For output that must not break (a chart label), whatever slipped past validation; an
    acceptable name comes out as it went in.
    """
    return _CONTROL_RUN.sub(" ", value).strip()


class FieldError(ConfsyncError, ValueError):
    """A model validator's error about a field below the model, named as data, not in words.

    ``loc`` leads from the model to the field: ``("auth", "method")``, ``("teams", 2, "id")``;
    empty, the problem is about the model itself. ``rivals`` are keys of the model of which only
    one may be given, here all given: the problem is shown at the one written last (the one too
    many), which only the file knows. pydantic reports the error as a ``value_error`` holding
    this exception in ``ctx["error"]``; ``confsync.validation`` reads the field from there.
    """

    def __init__(
        self, message: str, *, loc: tuple[str | int, ...] = (), rivals: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.loc = loc
        self.rivals = rivals


def _check_name(value: str) -> str:
    problem = name_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _check_long_text(value: str) -> str:
    problem = long_text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _check_label(value: str) -> str:
    problem = label_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# For editors that read the JSON Schema: the same rule as a pattern (pydantic does not run it;
# the validator above does, with a message that says what is wrong).
_NAME_SCHEMA_PATTERN = (
    r"^[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029]"
    r"(?:[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029])?$"
)

NameText = Annotated[
    str,
    Field(min_length=1, json_schema_extra={"pattern": _NAME_SCHEMA_PATTERN}),
    AfterValidator(_check_name),
]
"""A title or a name: one line of printable text, nothing around it (see the module doc)."""

LongText = Annotated[str, Field(min_length=1), AfterValidator(_check_long_text)]
"""Text that may span lines: no control character but line breaks and tabs."""

Label = Annotated[
    str,
    Field(
        min_length=1,
        json_schema_extra={
            "pattern": r"^[^\s\u0000-\u001f\u007f-\u009f:;,.?&\[\]()#^*@!<>A-Z]{1,255}$",
            "description": "A Confluence label: one lower-case word, none of "
            + " ".join(_LABEL_FORBIDDEN),
        },
    ),
    AfterValidator(_check_label),
]
"""A page label: one lower-case word that Confluence keeps as written (see the module doc)."""
