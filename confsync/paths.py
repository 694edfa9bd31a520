"""May confsync read this path, and why not: the one answer for every file a repo names.

confsync reads only inside the repo (the folder holding confsync.yaml): report folders and
files, attachments, template overrides and the sandbox file. A committed symbolic link can
point anywhere (``~/.git-credentials``, ``/dev/zero``, itself), and a fifo blocks whoever
opens it, so every path is resolved and its type checked with ``stat`` before anything is
opened; reading then re-checks the open file (it may have changed since) and never reads
past a size limit. A refusal names what is wrong and never quotes the file's content.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Literal

from confsync.errors import ConfsyncError

__all__ = [
    "MAX_TEMPLATE_BYTES",
    "SQLITE_HEADER",
    "Refused",
    "TooLarge",
    "Why",
    "file_digest",
    "inside",
    "printable",
    "read_file",
    "sandbox_file",
]

MAX_TEMPLATE_BYTES = 1024 * 1024
"""A page template is a page of markup; a megabyte is far more than any needs."""

SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file (https://sqlite.org/fileformat.html)."""

_CHUNK = 1024 * 1024
# O_NONBLOCK: opening a fifo for reading would otherwise wait for a writer, forever.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)

Kind = Literal["file", "folder"]


class Why(Enum):
    NAME = "name"
    OUTSIDE = "outside"
    MISSING = "missing"
    BROKEN_LINK = "broken link"
    LOOP = "loop"
    WRONG_TYPE = "wrong type"
    TOO_LARGE = "too large"
    UNREADABLE = "unreadable"
    NOT_SQLITE = "not sqlite"


class Refused(ConfsyncError):
    """confsync may not read a path. ``str()`` is a phrase to follow the path's name
    ("'x.yaml' is a named pipe (fifo), not a regular file"); ``why`` sorts the cases."""

    def __init__(self, why: Why, reason: str) -> None:
        super().__init__(reason)
        self.why = why


class TooLarge(Refused):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            Why.TOO_LARGE, f"is {size:,} bytes, over the limit of {limit:,}; make it smaller"
        )
        self.size, self.limit = size, limit


def printable(text: str) -> str:
    """``text`` safe to print: undecodable bytes as ``\\xff``, control characters escaped.

    os.walk hands a name that is not UTF-8 over with its bytes as lone surrogates, which no
    terminal can be sent; a newline in a name would forge a line of output.
    """
    out: list[str] = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char.isprintable():
            out.append(char)
        else:
            out.append(repr(char)[1:-1])
    return "".join(out)


def _name_refusal(text: str) -> Refused | None:
    # Cc: control characters (newline, tab, escape); Cs: undecodable bytes (see printable);
    # Zl/Zp: line and paragraph separators, which break a line as a newline does.
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs":
            return Refused(
                Why.NAME,
                f"has a name that is not UTF-8 (the byte shown as {printable(char)}); rename it",
            )
        if category in ("Cc", "Zl", "Zp"):
            return Refused(
                Why.NAME, f"has a control character ({printable(char)}) in its name; rename it"
            )
    return None


def _kind_refusal(mode: int, kind: Kind) -> Refused | None:
    if kind == "folder":
        if stat.S_ISDIR(mode):
            return None
        what = "a file" if stat.S_ISREG(mode) else _special(mode)
        return Refused(Why.WRONG_TYPE, f"is {what}, not a folder")
    if stat.S_ISREG(mode):
        return None
    what = "a folder" if stat.S_ISDIR(mode) else _special(mode)
    return Refused(Why.WRONG_TYPE, f"is {what}, not a regular file; confsync reads only those")


def _special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (fifo)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file or folder"


_OUTSIDE = "confsync reads only files kept in the repo (the folder of confsync.yaml)"


def inside(root: Path, path: Path, *, kind: Kind = "file", limit: int | None = None) -> Path:
    """The real path of ``path`` (relative to ``root``, or absolute) when confsync may read it.

    Raises Refused unless the path, every symbolic link on the way resolved, lies inside
    ``root`` and is a ``kind`` (a regular file, or a folder), no larger than ``limit`` bytes.
    Only ``stat`` is used: nothing is opened. Read through the returned path, not ``path``,
    so that what was checked is what is read.
    """
    base, lexical = _lexical(root, path)
    try:
        real = os.path.realpath(lexical, strict=True)
    except OSError as exc:
        raise _resolve_refusal(exc, lexical, base) from None
    if not _is_within(real, os.path.realpath(base)):
        raise Refused(Why.OUTSIDE, f"is a symbolic link to a place outside the repo; {_OUTSIDE}")
    try:
        found = os.stat(real)
    except OSError as exc:
        raise _resolve_refusal(exc, lexical, base) from None
    refusal = _kind_refusal(found.st_mode, kind)
    if refusal is not None:
        raise refusal
    if limit is not None and found.st_size > limit:
        raise TooLarge(found.st_size, limit)
    return Path(real)


def _lexical(root: Path, path: Path | str) -> tuple[str, str]:
    """``root`` and ``path`` absolute and normalised, without asking the file system; Refused
    when ``path`` is outside ``root`` as written, or its name below ``root`` is unsafe."""
    base = os.path.abspath(root)
    lexical = os.path.normpath(os.path.join(base, path))
    if not _is_within(lexical, base):
        raise Refused(Why.OUTSIDE, f"is outside the repo; {_OUTSIDE}")
    refusal = _name_refusal(os.path.relpath(lexical, base))
    if refusal is not None:
        raise refusal
    return base, lexical


def _is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _resolve_refusal(exc: OSError, lexical: str, base: str) -> Refused:
    if exc.errno == errno.ELOOP:
        return Refused(Why.LOOP, "is a symbolic link that leads round in a loop; fix the link")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        if os.path.lexists(lexical):
            # A dangling link: say where it would lead only as far as inside or outside.
            if not _is_within(os.path.realpath(lexical), os.path.realpath(base)):
                return Refused(
                    Why.OUTSIDE, f"is a symbolic link to a place outside the repo; {_OUTSIDE}"
                )
            return Refused(Why.BROKEN_LINK, "is a symbolic link to nothing (its target is gone)")
        return Refused(Why.MISSING, "does not exist")
    return Refused(Why.UNREADABLE, f"cannot be read: {exc.strerror}")


@contextmanager
def _open_regular(path: Path) -> Iterator[tuple[int, int]]:
    """An open descriptor of the regular file ``path`` and its size.

    Checked before opening (a device may act on open) and again on the open file (the path
    may have been swapped since it was checked).
    """
    try:
        before = os.stat(path)
        refusal = _kind_refusal(before.st_mode, "file")
        if refusal is not None:
            raise refusal
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise Refused(Why.UNREADABLE, f"cannot be read: {exc.strerror}") from None
    try:
        found = os.fstat(fd)
        refusal = _kind_refusal(found.st_mode, "file")
        if refusal is not None:
            raise refusal
        yield fd, found.st_size
    finally:
        os.close(fd)


def _chunks(fd: int, limit: int | None) -> Iterator[bytes]:
    """The file's bytes in chunks; TooLarge as soon as it grows past ``limit`` while read."""
    total = 0
    while True:
        try:
            chunk = os.read(fd, _CHUNK)
        except OSError as exc:
            raise Refused(Why.UNREADABLE, f"cannot be read: {exc.strerror}") from None
        if not chunk:
            return
        total += len(chunk)
        if limit is not None and total > limit:
            raise TooLarge(total, limit)
        yield chunk


def read_file(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them, else Refused.

    Never blocks on a fifo and never reads a file over ``limit`` (checked before reading).
    Confinement is ``inside``'s job: pass the path it returned.
    """
    with _open_regular(path) as (fd, size):
        if size > limit:
            raise TooLarge(size, limit)
        return b"".join(_chunks(fd, limit))


def file_digest(path: Path, limit: int) -> str:
    """The SHA-256 of the regular file ``path`` (hex), read in chunks: a large attachment is
    digested at plan time without holding it in memory."""
    digest = hashlib.sha256()
    with _open_regular(path) as (fd, size):
        if size > limit:
            raise TooLarge(size, limit)
        for chunk in _chunks(fd, limit):
            digest.update(chunk)
    return digest.hexdigest()


def sandbox_file(root: Path, value: str) -> Path:
    """Where the embedded sandbox's SQLite file at ``value`` (relative to ``root``) is, or
    Refused: it must lie in the repo, and be an SQLite database or not exist yet (the
    sandbox creates it, and the folders above it). Open the returned path, not ``value``."""
    if not value.strip():
        raise Refused(Why.MISSING, "is empty; give a file name, such as .confsync/sandbox.sqlite")
    base, written = _lexical(root, value)
    lexical = Path(written)
    if not os.path.lexists(lexical):
        # Not there yet: the nearest folder that is must be in the repo; the rest is created.
        existing = lexical.parent
        while not os.path.lexists(existing):
            existing = existing.parent
        try:
            folder = inside(root, existing, kind="folder")
        except Refused as exc:
            shown = printable(os.path.relpath(existing, base))
            raise Refused(exc.why, f"cannot be created: {shown!r} {exc}") from None
        return folder / lexical.relative_to(existing)
    try:
        real = inside(root, lexical, kind="file")
    except Refused as exc:
        if exc.why is Why.WRONG_TYPE and lexical.is_dir():
            example = Path(value, "sandbox.sqlite").as_posix()
            raise Refused(
                Why.WRONG_TYPE, f"is a folder; give the name of a file, such as {example}"
            ) from None
        raise
    with _open_regular(real) as (fd, size):
        head = os.read(fd, len(SQLITE_HEADER)) if size else SQLITE_HEADER
    if head != SQLITE_HEADER:
        raise Refused(
            Why.NOT_SQLITE,
            "is not an SQLite database; name a new file and the sandbox creates it there",
        )
    return real
