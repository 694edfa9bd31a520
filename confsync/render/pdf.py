"""A report printed to PDF (WeasyPrint), from an autoescaping HTML template.

Only apply calls this, and only for attachments it uploads: planning compares digests of the
inputs (the report, its title, the template), never PDF bytes, so it never renders one.
"""

from __future__ import annotations

from functools import cache

from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from confsync.errors import ConfsyncError
from confsync.reports import HealthCheck, Retrospective

__all__ = ["PRINT_TEMPLATE", "print_template_source", "render_pdf"]

PRINT_TEMPLATE = "print.html.j2"


@cache
def _environment() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        loader=PackageLoader("confsync.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )


def print_template_source() -> str:
    env = _environment()
    assert env.loader is not None
    return env.loader.get_source(env, PRINT_TEMPLATE)[0]


def render_html(report: Retrospective | HealthCheck, *, title: str, team_name: str) -> str:
    template = _environment().get_template(PRINT_TEMPLATE)
    return template.render(report=report, title=title, team_name=team_name)


def render_pdf(report: Retrospective | HealthCheck, *, title: str, team_name: str) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only apply ever needs.
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint raises OSError when Pango's shared library is missing
        raise ConfsyncError(
            "cannot print the PDF attachments: WeasyPrint needs the Pango library "
            "(Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0; see "
            "https://doc.courtbouillon.org/weasyprint/stable/first_steps.html). "
            "Or set pdf: false in confsync.yaml."
        ) from exc

    html = render_html(report, title=title, team_name=team_name)
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)
