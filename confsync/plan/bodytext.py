"""Storage format as a reader sees it: the lines of text of a page, and a diff of two.

Plan shows reviewers what changes in a page's text (not its markup), and ownership rule 4
recognises a page by the text confsync renders for it.
"""

from __future__ import annotations

import difflib
import html
import re

__all__ = ["body_text", "unified"]

_BLOCK_END = re.compile(
    r"<br\s*/?>|</(p|h[1-6]|li|tr|th|td|ac:task|ac:task-status|ac:parameter)>", re.I
)
# A date is an empty element whose value is its attribute: keep it, or a changed date is an
# update with nothing to see in the diff.
_TIME = re.compile(r"""<time\s[^>]*datetime=["']([^"']*)["'][^>]*>""", re.I)
_TAG = re.compile(r"<[^>]+>")
# Macro settings (a colour, a sort order) are not text a reader sees; a title parameter is
# (a status lozenge's label, a panel's heading).
_SETTING = re.compile(
    r"""<ac:parameter\s+ac:name=["'](?!title["'])[^"']*["']\s*>.*?</ac:parameter>""", re.S
)


def body_text(storage: str) -> list[str]:
    """Storage format → the lines of text a reader sees, for a reviewable diff."""
    visible = _SETTING.sub("", _TIME.sub(r"\1", storage))
    text = _TAG.sub("", _BLOCK_END.sub("\n", visible))
    return [line.strip() for line in html.unescape(text).splitlines() if line.strip()]


def unified(before: str, after: str, names: tuple[str, str] = ("current", "desired")) -> str:
    lines = difflib.unified_diff(body_text(before), body_text(after), *names, n=2, lineterm="")
    return "\n".join(lines)
