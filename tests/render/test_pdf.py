"""The PDF attachment: real WeasyPrint output, and a clear error when Pango is missing."""

from __future__ import annotations

import sys
import types

import pytest

from confsync.errors import ConfsyncError
from confsync.render.pdf import render_html, render_pdf
from confsync.reports import Retrospective, report_adapter

REPORT = {
    "kind": "retrospective",
    "date": "2026-11-20",
    "participants": ["Zoë", "李雷"],
    "summary": "<script>alert(1)</script> & more",
    "columns": [{"name": "Went well", "items": [{"text": "Deploys 🚀", "votes": 3}]}],
}


def report() -> Retrospective:
    found = report_adapter.validate_python(REPORT)
    assert isinstance(found, Retrospective)
    return found


def test_the_print_html_escapes_report_text() -> None:
    html = render_html(report(), title="Sprint 22", team_name="Platform")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_a_pdf_is_rendered() -> None:
    pdf = render_pdf(report(), title="Sprint 22", team_name="Platform")
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 1000


class _NoPango(types.ModuleType):
    def __getattr__(self, name: str) -> object:
        raise OSError("cannot load library 'libpango-1.0-0'")


def test_missing_pango_is_an_error_that_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", _NoPango("weasyprint"))
    with pytest.raises(ConfsyncError, match=r"apt-get install libpango-1\.0-0"):
        render_pdf(report(), title="Sprint 22", team_name="Platform")
