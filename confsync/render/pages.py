"""Reports → Confluence storage format, through sandboxed, autoescaping Jinja2 templates.

Report text is untrusted: every value goes through autoescaping, so no report can inject markup
or a macro; the only markup on a page is what the templates write. A team may override the
templates from its repo (``templates:`` in confsync.yaml); the overrides run in the same sandbox.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files as package_files
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, StrictUndefined
from jinja2.exceptions import TemplateError, TemplateNotFound
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from confsync.errors import RenderError, StorageFormatError
from confsync.paths import MAX_TEMPLATE_BYTES, Refused, Why, inside, read_file
from confsync.render.markdown import markdown_to_storage
from confsync.render.storage import check_well_formed, text_safe
from confsync.reports import Dimension, HealthCheck, Retrospective, Votes

__all__ = ["PageFile", "PageRenderer", "RenderError", "Trend", "previous_of", "trend_of"]

TEMPLATE_NAMES = {
    "retrospective": "retrospective.xml.j2",
    "health-check": "health-check.xml.j2",
    "parent": "parent.xml.j2",
}

# Storage-format status macro colours; amber shows as Confluence's "Yellow".
_STATUS_COLOURS = {
    "green": "Green",
    "amber": "Yellow",
    "red": "Red",
    "grey": "Grey",
    "blue": "Blue",
}


@dataclass(frozen=True)
class PageFile:
    """A file attached to the page, for the template to show (images inline, others linked)."""

    filename: str
    is_image: bool


@dataclass(frozen=True)
class Trend:
    """A dimension's score against the same team's previous health check."""

    symbol: str
    label: str


def trend_of(current: Votes, previous: Votes | None) -> Trend | None:
    if previous is None:
        return None
    now, before = current.score, previous.score
    if now is None or before is None:
        return Trend("\u2013", "no votes to compare")
    if abs(now - before) < 0.05:
        return Trend("\u2192", "steady")
    return Trend("\u2191", "improving") if now > before else Trend("\u2193", "declining")


def _finalize(value: Any) -> Any:
    # Runs on every {{ expression }} before autoescaping: strip what XML cannot hold.
    if isinstance(value, str) and not isinstance(value, Markup):
        return text_safe(value)
    return value


def _paragraphs(text: str | None) -> Markup:
    """Plain text in paragraphs, for template overrides: blank lines separate paragraphs,
    "- " or "* " lines make a list. confsync's own templates render report text that may
    hold markdown with ``markdown``."""
    if not text:
        return Markup("")
    parts: list[Markup] = []
    for block in text_safe(text).strip().split("\n\n"):
        lines = [line.rstrip() for line in block.strip().splitlines() if line.strip()]
        if lines and all(line.lstrip().startswith(("- ", "* ")) for line in lines):
            items = Markup("").join(
                Markup("<li>{}</li>").format(line.lstrip()[2:].strip()) for line in lines
            )
            parts.append(Markup("<ul>{}</ul>").format(items))
        elif lines:
            parts.append(
                Markup("<p>{}</p>").format(Markup("<br />").join(escape(x) for x in lines))
            )
    return Markup("").join(parts)


def _status(title: object, colour: str) -> Markup:
    return Markup(
        '<ac:structured-macro ac:name="status">'
        '<ac:parameter ac:name="colour">{}</ac:parameter>'
        '<ac:parameter ac:name="title">{}</ac:parameter>'
        "</ac:structured-macro>"
    ).format(_STATUS_COLOURS.get(colour, colour), text_safe(str(title)))


def _date(value: Any) -> Markup:
    return Markup('<time datetime="{}" />').format(value.isoformat())


def _overall(dimension: Dimension) -> str:
    """The colour a dimension shows overall: the colour with most votes, ties to the worse."""
    votes = dimension.votes
    if not votes.total:
        return "grey"
    ranked = sorted(
        (("red", votes.red), ("amber", votes.amber), ("green", votes.green)),
        key=lambda pair: pair[1],
        reverse=True,
    )
    return ranked[0][0]


class _RepoLoader(BaseLoader):
    """A team's template overrides, read only as ``paths.inside`` allows (no link out of
    ``root``, no fifo, nothing over MAX_TEMPLATE_BYTES): a template is rendered into a page,
    so a link to a secret would publish it."""

    def __init__(self, folder: Path, root: Path) -> None:
        self.folder, self.root = Path(os.path.abspath(folder)), root

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        path = self.folder.joinpath(*split_template_path(template))
        shown = repr(os.path.relpath(path, self.root).replace(os.sep, "/"))
        try:
            real = inside(self.root, path, limit=MAX_TEMPLATE_BYTES)
            text = read_file(real, MAX_TEMPLATE_BYTES).decode("utf-8")
        except Refused as exc:
            if exc.why is Why.MISSING:
                raise TemplateNotFound(template) from None  # confsync's own template serves
            raise TemplateError(f"{shown} {exc}") from None
        except UnicodeDecodeError:
            raise TemplateError(f"{shown} is not UTF-8 text; save it as UTF-8") from None
        mtime = real.stat().st_mtime

        def uptodate() -> bool:
            try:
                return real.stat().st_mtime == mtime
            except OSError:
                return False

        return text, str(real), uptodate


class PageRenderer:
    """Renders report pages and parent pages; one instance per template folder.

    ``override_dir`` holds a team's templates; they are read only inside ``repo_root`` (by
    default, inside ``override_dir`` itself).
    """

    def __init__(self, override_dir: Path | None = None, *, repo_root: Path | None = None) -> None:
        self._overrides = override_dir
        self._root = repo_root or override_dir
        self._fingerprints: dict[str, str] = {}
        loaders: list[Any] = []
        if override_dir is not None:
            loaders.append(_RepoLoader(override_dir, repo_root or override_dir))
        loaders.append(PackageLoader("confsync.render", "templates"))
        self._env = ImmutableSandboxedEnvironment(
            loader=ChoiceLoader(loaders),
            autoescape=True,
            undefined=StrictUndefined,
            finalize=_finalize,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._env.filters.update(
            paragraphs=_paragraphs, markdown=markdown_to_storage, status=_status, date=_date
        )
        self._env.globals.update(overall=_overall)

    def fingerprint(self, kind: str) -> str:
        """A digest of every file the template for ``kind`` could read: confsync's own
        template, or the team's override, and every other file of the override folder (it may
        be included) but the other kinds' templates. It is part of each page's digest: a
        template edit republishes the pages it renders, and a page whose inputs are unchanged
        is never rendered again to find out."""
        if kind not in self._fingerprints:
            digest = hashlib.sha256()
            for name, data in self._template_files(kind):
                digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
            self._fingerprints[kind] = digest.hexdigest()[:20]
        return self._fingerprints[kind]

    def _template_files(self, kind: str) -> Iterator[tuple[str, bytes]]:
        own = package_files("confsync.render").joinpath("templates", TEMPLATE_NAMES[kind])
        yield f"confsync:{TEMPLATE_NAMES[kind]}", own.read_bytes()
        if self._overrides is None or self._root is None or not self._overrides.is_dir():
            return
        others = {name for k, name in TEMPLATE_NAMES.items() if k != kind}
        for folder, dirs, names in os.walk(self._overrides):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder, name)
                shown = path.relative_to(self._overrides).as_posix()
                if shown in others:
                    continue
                try:
                    data = read_file(
                        inside(self._root, path, limit=MAX_TEMPLATE_BYTES), MAX_TEMPLATE_BYTES
                    )
                except Refused as exc:
                    data = f"refused: {exc}".encode()  # rendering says why, if it reads it
                yield shown, data

    def template_source(self, kind: str) -> str:
        """The source text of the template this renderer uses for ``kind``: the team's override
        when it has one, else confsync's own (``fingerprint``, not this, is what digests
        cover)."""
        name = TEMPLATE_NAMES[kind]
        loader = self._env.loader
        assert loader is not None
        source, _, _ = loader.get_source(self._env, name)
        return source

    def _render(self, kind: str, context: Mapping[str, Any]) -> str:
        try:
            body = self._env.get_template(TEMPLATE_NAMES[kind]).render(context).strip()
        except TemplateError as exc:
            raise RenderError(f"template {TEMPLATE_NAMES[kind]}: {exc}") from exc
        try:
            check_well_formed(body)
        except StorageFormatError as exc:
            raise RenderError(f"template {TEMPLATE_NAMES[kind]}: {exc}") from exc
        return body

    def retrospective(
        self,
        report: Retrospective,
        *,
        team_name: str,
        files: Sequence[PageFile] = (),
        chart: str | None = None,
    ) -> str:
        columns = [
            (column, sorted(column.items, key=lambda item: -item.votes))
            for column in report.columns
        ]
        themes = sorted(report.themes, key=lambda theme: -theme.votes)
        return self._render(
            "retrospective",
            {
                "report": report,
                "team_name": team_name,
                "columns": columns,
                "themes": themes,
                "files": files,
                "chart": chart,
            },
        )

    def health_check(
        self,
        report: HealthCheck,
        *,
        team_name: str,
        previous: HealthCheck | None,
        files: Sequence[PageFile] = (),
        chart: str | None = None,
    ) -> str:
        before = {d.name.casefold(): d.votes for d in previous.dimensions} if previous else {}
        rows = [
            (dimension, trend_of(dimension.votes, before.get(dimension.name.casefold())))
            for dimension in report.dimensions
        ]
        return self._render(
            "health-check",
            {
                "report": report,
                "team_name": team_name,
                "rows": rows,
                "previous": previous,
                "files": files,
                "chart": chart,
            },
        )

    def parent(self, *, title: str, team_name: str, kind_label: str) -> str:
        return self._render(
            "parent", {"title": title, "team_name": team_name, "kind_label": kind_label}
        )


def previous_of(report: HealthCheck, history: Sequence[HealthCheck]) -> HealthCheck | None:
    """The latest of ``history`` dated before ``report``, if any."""
    earlier = [h for h in history if h.date < report.date]
    return max(earlier, key=lambda h: h.date) if earlier else None
