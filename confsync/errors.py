"""The one exception tree of confsync.

Every error confsync raises on purpose derives from ``ConfsyncError``; the CLI maps it to exit
code 1 and prints its message, which must say what happened and what to do about it. Anything
else escaping to the CLI is a bug (exit 3).

    ConfsyncError
    ├── InputError                  the repo's YAML is invalid (carries every Problem found)
    ├── FieldError (text.py)        a model validator's problem, naming its field as data (also
    │                               a ValueError, for pydantic; it ends up in an InputError)
    ├── Refused (paths.py)          confsync may not read a path (outside the repo, a fifo...)
    │   └── TooLarge (paths.py)     a file over its size limit
    ├── RenderError                 a template failed or rendered a body Confluence would refuse
    │   ├── StorageFormatError      a body that is not well-formed storage format (XML)
    │   └── TitleTemplateError      a title template that cannot render (names the placeholder)
    ├── FontsMissing (render/fonts.py)  no usable font, or no fontconfig, to print a PDF
    ├── ConfluenceError             Confluence refused or could not be reached
    │   ├── AuthError               credentials refused (401), or a sign-in flow failed
    │   │   └── ScopeError          the token lacks an OAuth scope the call needs
    │   ├── PermissionDeniedError   authenticated, but not allowed (403)
    │   ├── NotFoundError           space, page or attachment missing or not visible (404)
    │   ├── ConflictError           the change collides with what Confluence holds
    │   │   ├── TitleTakenError     another page in the space already has this title
    │   │   └── StaleVersionError   the page changed since it was read (409)
    │   ├── PayloadTooLargeError    body over Confluence's limit (413)
    │   ├── BadRequestError         any other 400 (malformed storage format, title too long...)
    │   ├── RateLimitError          429s outlasted the retry budget
    │   ├── GoneError               the endpoint was removed (410)
    │   ├── ServerError             5xx outlasted the retry budget
    │   └── ConnectionFailedError   network, TLS or timeout failures outlasted the retry budget
    ├── PlanError                   a plan cannot be made or applied
    │   └── StalePlanError          a saved plan no longer matches its config, commit or Confluence
    └── LockError (lock.py)         another apply holds a space's lock, or it cannot be taken

The classes marked with a module are defined there, beside the code that raises them. The
sandbox (``confsync/sandbox``) is a fake Confluence, not confsync: its exceptions become HTTP
answers inside it and are no part of this tree.

Messages never contain secrets: tokens, passwords, client secrets, ``Authorization`` or cookie
values. Code that builds a message from an HTTP exchange goes through ``confluence/http.py``,
which redacts them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AuthError",
    "BadRequestError",
    "ConflictError",
    "ConfluenceError",
    "ConfsyncError",
    "ConnectionFailedError",
    "GoneError",
    "InputError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PlanError",
    "Problem",
    "RateLimitError",
    "RenderError",
    "ScopeError",
    "ServerError",
    "StalePlanError",
    "StaleVersionError",
    "StorageFormatError",
    "TitleTakenError",
    "TitleTemplateError",
]


class ConfsyncError(Exception):
    """The root of every error confsync raises on purpose. ``str(err)`` is the user's message."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, positioned so an editor can jump to it.

    ``line`` and ``column`` are 1-based; 0 means the position is unknown (a whole-file problem).
    ``path`` is the field path inside the document, such as ``teams[1].space``, or "".
    """

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class InputError(ConfsyncError):
    """The repo's configuration or reports are invalid; nothing may be published from them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [str(p) for p in self.problems]
        super().__init__("\n".join([*lines, f"{count} {noun} found; nothing was published."]))


class RenderError(ConfsyncError):
    """A template failed or produced a body Confluence would refuse."""


class StorageFormatError(RenderError):
    """A body that does not parse as storage format; the message gives line and column."""


class TitleTemplateError(RenderError):
    """A title template that cannot render; the message names the offending placeholder."""


class ConfluenceError(ConfsyncError):
    """Confluence refused a request or could not be reached.

    ``status`` is the HTTP status when there was an answer, else None.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthError(ConfluenceError):
    pass


class ScopeError(AuthError):
    pass


class PermissionDeniedError(ConfluenceError):
    pass


class NotFoundError(ConfluenceError):
    pass


class ConflictError(ConfluenceError):
    pass


class TitleTakenError(ConflictError):
    pass


class StaleVersionError(ConflictError):
    pass


class PayloadTooLargeError(ConfluenceError):
    pass


class BadRequestError(ConfluenceError):
    pass


class RateLimitError(ConfluenceError):
    pass


class GoneError(ConfluenceError):
    pass


class ServerError(ConfluenceError):
    pass


class ConnectionFailedError(ConfluenceError):
    pass


class PlanError(ConfsyncError):
    pass


class StalePlanError(PlanError):
    pass
