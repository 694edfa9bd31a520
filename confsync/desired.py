"""A loaded repo → the pages and attachments Confluence should hold (pure, no I/O but reads).

For each team and kind with reports, a parent page when the config says ``{create: TITLE}``;
then one page per report. Each desired value carries a digest of everything that defines it,
which is what plan compares with the ``confsync <digest>`` version message in Confluence.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from confsync.attachments import (
    MAX_ATTACHMENT_BYTES,
    attachment_name,
    chart_filename,
    pdf_filename,
)
from confsync.config import (
    Config,
    CreateParent,
    ExistingParent,
    KindDefaults,
    Team,
)
from confsync.errors import ConfsyncError, StalePlanError
from confsync.loading import LoadedReport, Repo
from confsync.paths import Refused, file_digest, inside, read_file
from confsync.render.charts import chart_inputs, has_votes, report_chart
from confsync.render.notice import notice
from confsync.render.pages import PageFile, PageRenderer, RenderError, previous_of
from confsync.render.pdf import print_inputs
from confsync.reports import HealthCheck
from confsync.text import title_key
from confsync.types import DesiredAttachment, DesiredPage, PageAddress, ParentRef, ReportKind

__all__ = [
    "DIGEST_FORMAT",
    "attachment_bytes",
    "chart_filename",
    "desired_pages",
    "digest_of",
    "image_bytes",
    "pdf_cover",
    "read_attachment",
]

DIGEST_FORMAT = 3
"""Bumped when what a digest covers changes, so every page is re-published once (2: the body's
inputs instead of the body; 3: the page's labels)."""

RENDER_FORMAT = 1
"""Bumped when confsync renders the same inputs differently (a filter, the markdown
converter, the notice): the inputs a body digest covers cannot show that, so this does.
``tests/render/test_render_format.py`` fails when a body changes while its digest does not."""

_KIND_LABELS = {
    ReportKind.RETROSPECTIVE: "Retrospectives",
    ReportKind.HEALTH_CHECK: "Health checks",
}
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp")


def digest_of(value: Any) -> str:
    """A short, stable fingerprint of a JSON-able value (80 bits: ample for one site)."""
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


_Place = tuple[str, str, str]
"""A created parent's site, space and title key: teams naming one share one page."""


def _shared_key(config: Config, team: Team, setting: CreateParent) -> _Place:
    return (*config.place(team), title_key(setting.create))


def _sharers(repo: Repo) -> dict[_Place, list[tuple[Team, ReportKind]]]:
    """Per site, space and title of a created parent: the teams and kinds whose reports hang under
    it, by team id then kind. The first is its owner: the parent page's address is the
    owner's, and the page is one, whatever number of teams name its title."""
    found: dict[_Place, list[tuple[Team, ReportKind]]] = {}
    for loaded in repo.reports:
        setting = repo.config.kind_settings(loaded.team, loaded.kind.value).parent
        if isinstance(setting, CreateParent):
            users = found.setdefault(_shared_key(repo.config, loaded.team, setting), [])
            if (loaded.team, loaded.kind) not in users:
                users.append((loaded.team, loaded.kind))
    for users in found.values():
        users.sort(key=lambda user: (user[0].id, user[1].value))
    return found


def _parent_ref(
    config: Config,
    team: Team,
    kind: ReportKind,
    sharers: dict[_Place, list[tuple[Team, ReportKind]]],
) -> ParentRef:
    parent = config.kind_settings(team, kind.value).parent
    if isinstance(parent, CreateParent):
        owner, owner_kind = sharers[_shared_key(config, team, parent)][0]
        return ParentRef(address=PageAddress.parent_of(owner.id, owner_kind))
    if isinstance(parent, ExistingParent):
        text = parent.existing
        return ParentRef(page_id=text) if text.isdigit() else ParentRef(title=text)
    return ParentRef()


def _parent_json(ref: ParentRef) -> dict[str, str | None]:
    return {
        "address": str(ref.address) if ref.address else None,
        "title": ref.title,
        "page_id": ref.page_id,
    }


def _page_digest(
    address: PageAddress, space: str, parent: ParentRef, title: str, body: str,
    attachments: tuple[DesiredAttachment, ...], labels: tuple[str, ...],
) -> str:  # fmt: skip
    """``body`` is the digest of the body's inputs (``_body_digest``), not the body."""
    return digest_of(
        {
            "format": DIGEST_FORMAT,
            "address": str(address),
            "space": space,
            "parent": _parent_json(parent),
            "title": title,
            "body": body,
            "attachments": sorted((a.filename, a.digest) for a in attachments),
            "labels": list(labels),
        }
    )


def _body_digest(
    renderer: PageRenderer, kind: str, config: Config, source: str, **inputs: Any
) -> str:
    """What a body is rendered from: the templates, the report's values and what the template
    is given besides, and the notice. Rendering is a function of exactly these (a test holds
    it to that), so equal inputs mean an equal body, and no page is rendered to compare."""
    return digest_of(
        {
            "render": RENDER_FORMAT,
            "template": renderer.fingerprint(kind),
            "notice": [config.notice, config.repository, source],
            **inputs,
        }
    )


def pdf_cover(loaded: LoadedReport) -> str:
    """The line under the title on the PDF's first page."""
    day = loaded.report.date
    return f"{loaded.team.name} · {loaded.kind.value.replace('-', ' ')} of {day.day} {day:%B %Y}"


def _pdf(
    loaded: LoadedReport, body: str, files: tuple[DesiredAttachment, ...]
) -> DesiredAttachment:
    """The PDF is printed from the page body and the images it shows: its digest covers
    exactly those (the body by the digest of its inputs) and the print stylesheet, so any
    change to the page prints it again."""
    inputs = {
        "body": body,
        "title": loaded.title,
        "cover": pdf_cover(loaded),
        "images": sorted((a.filename, a.digest) for a in files if a.media_type in _IMAGE_TYPES),
        **print_inputs(),
    }
    return DesiredAttachment(
        filename=pdf_filename(loaded.address),
        media_type="application/pdf",
        digest=digest_of(inputs),
        origin="pdf",
    )


def _attachments(
    repo: Repo, loaded: LoadedReport, settings: KindDefaults
) -> tuple[DesiredAttachment, ...]:
    """The chart and the report's files (the PDF is added once the body is rendered)."""
    found: list[DesiredAttachment] = []
    if settings.chart and has_votes(loaded.report):
        found.append(
            DesiredAttachment(
                filename=chart_filename(loaded.address),
                media_type="image/png",
                digest=digest_of(chart_inputs(loaded.report)),
                origin="chart",
            )
        )
    root = Path(os.path.realpath(repo.root))
    for name in loaded.report.attachments:
        # Checked at load; checked again, as the file may have changed since.
        try:
            path = inside(root, loaded.path.parent / name, limit=MAX_ATTACHMENT_BYTES)
            digest = file_digest(path, MAX_ATTACHMENT_BYTES)[:20]
        except Refused as exc:
            raise ConfsyncError(f"{loaded.source}: the attachment {name!r} {exc}") from exc
        filename = attachment_name(name)
        media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        found.append(
            DesiredAttachment(
                filename=filename,
                media_type=media_type,
                digest=digest,
                origin="file",
                path=path.relative_to(root).as_posix(),
            )
        )
    return tuple(found)


def desired_pages(repo: Repo) -> list[DesiredPage]:
    """Every page the repo asks for: parents first, then reports, each sorted by address.

    Renders nothing: a page's ``body`` is rendered when first asked for, and raises
    RenderError (naming the report) if a template fails or renders malformed XML.
    """
    # One renderer per template folder: teams on the default templates share one, so each
    # template is compiled once (compiling costs more than rendering a hundred pages).
    renderers: dict[Path | None, PageRenderer] = {}

    def renderer(team: Team) -> PageRenderer:
        overrides = repo.root / team.templates if team.templates else None
        if overrides not in renderers:
            renderers[overrides] = PageRenderer(overrides, repo_root=repo.root)
        return renderers[overrides]

    history: dict[str, list[HealthCheck]] = {}
    for loaded in repo.reports:
        if isinstance(loaded.report, HealthCheck):
            history.setdefault(loaded.team.id, []).append(loaded.report)

    sharers = _sharers(repo)
    parents: dict[PageAddress, DesiredPage] = {}
    pages: list[DesiredPage] = []
    for loaded in repo.reports:
        team, kind = loaded.team, loaded.kind
        parent = _parent_ref(repo.config, team, kind, sharers)
        settings = repo.config.kind_settings(team, kind.value)
        if parent.address is not None and parent.address not in parents:
            assert isinstance(settings.parent, CreateParent)
            users = sharers[_shared_key(repo.config, team, settings.parent)]
            owner, owner_kind = users[0]
            parents[parent.address] = _parent_page(
                repo.config, renderer(owner), users, owner_kind, settings.parent
            )
        attachments = _attachments(repo, loaded, settings)
        files = [
            PageFile(a.filename, a.media_type in _IMAGE_TYPES)
            for a in attachments
            if a.origin == "file"
        ]
        chart = next((a.filename for a in attachments if a.origin == "chart"), None)
        previous = None
        if isinstance(loaded.report, HealthCheck):
            previous = previous_of(loaded.report, history.get(team.id, []))
        body = _body_digest(
            renderer(team),
            kind.value,
            repo.config,
            loaded.source,
            report=loaded.report.model_dump(mode="json"),
            team_name=team.name,
            previous=_previous_inputs(previous, overridden=team.templates is not None),
            files=[[f.filename, f.is_image] for f in files],
            chart=chart,
        )
        if settings.pdf:
            attachments = (*attachments, _pdf(loaded, body, attachments))
        labels = repo.config.page_labels(team, kind.value)
        digest = _page_digest(
            loaded.address, team.space, parent, loaded.title, body, attachments, labels
        )
        pages.append(
            DesiredPage(
                address=loaded.address,
                space_key=team.space,
                parent=parent,
                title=loaded.title,
                digest=digest,
                source=loaded.source,
                attachments=attachments,
                labels=labels,
                render=partial(
                    _report_body, repo.config, renderer(team), loaded, previous, files, chart
                ),
            )
        )
    ordered = sorted(parents.values(), key=lambda p: p.address)
    return ordered + sorted(pages, key=lambda p: p.address)


def _previous_inputs(previous: HealthCheck | None, *, overridden: bool) -> Any:
    """What a health check's page shows of the one before it: confsync's template shows its
    title or date and compares the votes per dimension (``render.pages.trend_of``), so an edit
    of anything else there (a summary, a comment) republishes nothing. A team's own template
    may show any of it: then all of it counts."""
    if previous is None:
        return None
    if overridden:
        return previous.model_dump(mode="json")
    return {
        "title": previous.title,
        "date": previous.date.isoformat(),
        "votes": [[d.name.casefold(), d.votes.model_dump()] for d in previous.dimensions],
    }


def _report_body(
    config: Config,
    renderer: PageRenderer,
    loaded: LoadedReport,
    previous: HealthCheck | None,
    files: list[PageFile],
    chart: str | None,
) -> str:
    team = loaded.team
    try:
        if isinstance(loaded.report, HealthCheck):
            body = renderer.health_check(
                loaded.report, team_name=team.name, previous=previous, files=files, chart=chart
            )
        else:
            body = renderer.retrospective(
                loaded.report, team_name=team.name, files=files, chart=chart
            )
    except RenderError as exc:
        raise RenderError(f"cannot render a page: {loaded.source}: {exc}") from exc
    return _with_notice(config, loaded.source, body)


def _with_notice(config: Config, source: str, body: str) -> str:
    """The body with the notice on top, in every page alike (template overrides included)."""
    return notice(source, config.repository) + "\n" + body if config.notice else body


def _parent_page(
    config: Config,
    renderer: PageRenderer,
    users: list[tuple[Team, ReportKind]],
    kind: ReportKind,
    setting: CreateParent,
) -> DesiredPage:
    """The parent page of ``users`` (its owner first), rendered with the owner's templates."""
    team = users[0][0]
    address = PageAddress.parent_of(team.id, kind)
    names = ", ".join(dict.fromkeys(user.name for user, _ in users))
    inputs = {"title": setting.create, "team_name": names, "kind_label": _KIND_LABELS[kind]}
    body = _body_digest(renderer, "parent", config, "confsync.yaml", parent=inputs)

    def render() -> str:
        try:
            return _with_notice(config, "confsync.yaml", renderer.parent(**inputs))
        except RenderError as exc:
            raise RenderError(f"cannot render a page: confsync.yaml: {exc}") from exc

    root = ParentRef()
    # A parent page holds its teams' reports: their ids are its labels (the kind's label
    # would list it among the reports of that kind).
    labels = tuple(sorted({user.id for user, _ in users}))
    return DesiredPage(
        address=address,
        space_key=team.space,
        parent=root,
        title=setting.create,
        digest=_page_digest(address, team.space, root, setting.create, body, (), labels),
        source="confsync.yaml",
        labels=labels,
        render=render,
    )


def read_attachment(root: Path, attachment: DesiredAttachment) -> bytes:
    """The bytes of a file attachment (PDFs are produced by render.pdf instead).

    The file is checked as at load (in the repo, a regular file, within the size limit) and
    must still be what the plan digested: apply never uploads what was not reviewed.
    """
    assert attachment.path is not None
    try:
        path = inside(root, Path(attachment.path), limit=MAX_ATTACHMENT_BYTES)
        data = read_file(path, MAX_ATTACHMENT_BYTES)
    except Refused as exc:
        raise ConfsyncError(f"the attachment {attachment.path!r} {exc}") from exc
    if hashlib.sha256(data).hexdigest()[:20] != attachment.digest:
        raise StalePlanError(f"{attachment.path} changed since the plan was made: run plan again")
    return data


def attachment_bytes(repo: Repo, page: DesiredPage, filename: str) -> bytes:
    """The bytes of a chart or file attachment of ``page`` (a PDF is printed by render.pdf)."""
    found = next(a for a in page.attachments if a.filename == filename)
    if found.origin == "chart":
        return report_chart(next(r.report for r in repo.reports if r.address == page.address))
    return read_attachment(Path(os.path.realpath(repo.root)), found)


def image_bytes(
    repo: Repo,
    page: DesiredPage,
    read: Callable[[DesiredPage, str], bytes] | None = None,
) -> dict[str, bytes]:
    """The images ``page`` attaches, by name: what its PDF shows, the very bytes attached
    (``read``, by default ``attachment_bytes``, gives the bytes of one)."""
    read = read or (lambda page, name: attachment_bytes(repo, page, name))
    return {
        a.filename: read(page, a.filename)
        for a in page.attachments
        if a.origin != "pdf" and a.media_type in _IMAGE_TYPES
    }
