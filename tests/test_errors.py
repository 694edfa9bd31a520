"""The one exception tree: every exception confsync defines derives from ConfsyncError and is
drawn in the docstring of confsync/errors.py.

Left out: ``confsync.sandbox``, a fake Confluence whose exceptions become HTTP answers inside
it (confsync meets them as a ConfluenceError of its own), ``confsync.__main__`` (importing it
runs the program), and private classes (``_Name``), which never leave their module.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import confsync
from confsync import errors
from confsync.errors import ConfsyncError


def _defined_exceptions() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for module in pkgutil.walk_packages(confsync.__path__, "confsync."):
        name = module.name
        if name == "confsync.__main__" or name.startswith("confsync.sandbox"):
            continue
        for value in vars(importlib.import_module(name)).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == name
                and not value.__name__.startswith("_")
            ):
                found.append(value)
    return found


EXCEPTIONS = _defined_exceptions()


def test_the_errors_raised_in_render_are_among_them() -> None:
    names = {e.__name__ for e in EXCEPTIONS}
    assert {"RenderError", "StorageFormatError", "TitleTemplateError", "LockError"} <= names


@pytest.mark.parametrize("error", EXCEPTIONS, ids=lambda e: f"{e.__module__}.{e.__name__}")
def test_every_error_is_a_confsync_error_drawn_in_the_tree(error: type[BaseException]) -> None:
    assert issubclass(error, ConfsyncError)
    assert errors.__doc__ is not None
    assert re.search(rf"^[ │├└─]*{error.__name__}\b", errors.__doc__, re.MULTILINE)


@pytest.mark.parametrize(
    ("module", "name"),
    [("confsync.render.pages", "RenderError"), ("confsync.render.storage", "StorageFormatError"),
     ("confsync.render.titles", "TitleTemplateError")],
)  # fmt: skip
def test_the_render_errors_are_still_importable_where_they_are_raised(
    module: str, name: str
) -> None:
    assert getattr(importlib.import_module(module), name) is getattr(errors, name)
