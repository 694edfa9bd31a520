"""The repo's YAML → validated models, or every problem in every file at once.

``load_repo`` is the only way in: it reads ``confsync.yaml``, discovers each team's report
files, validates all of them, renders their titles and checks what no single file can show
(two reports at one address, two pages with one title in a space). It raises ``InputError``
with all the problems it found, so a user fixes a repo in one round, not one error per run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from confsync.attachments import attachment_problems, generated_names
from confsync.config import Config, CreateParent, Team
from confsync.cores import map_on_cores
from confsync.errors import ConfsyncError, InputError, Problem
from confsync.paths import MAX_TEMPLATE_BYTES, Refused, Why, inside, printable, sandbox_file
from confsync.render.titles import TitleContext, TitleTemplateError, check_template, render_title
from confsync.reports import HealthCheck, Retrospective, report_adapter
from confsync.text import title_key
from confsync.types import PageAddress, ReportKind
from confsync.validation import problems_from
from confsync.yaml_problems import Loc, field_path
from confsync.yamlio import Document, read_yaml

__all__ = ["CONFIG_FILE", "LoadedReport", "Repo", "load_repo", "one_site"]

CONFIG_FILE = "confsync.yaml"
REPORT_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedReport:
    """A valid report with where it came from and the page title it renders to."""

    path: Path
    source: str
    team: Team
    report: Retrospective | HealthCheck
    address: PageAddress
    title: str
    document: Document = field(repr=False, compare=False)

    @property
    def kind(self) -> ReportKind:
        return ReportKind(self.report.kind)

    @property
    def title_position(self) -> tuple[int, int]:
        """Where the report's title (or, without one, its date) is written: for messages."""
        return self.document.positions.of_value(("title",) if self.report.title else ("date",))


@dataclass(frozen=True)
class Repo:
    root: Path
    config: Config
    reports: tuple[LoadedReport, ...]
    warnings: tuple[Problem, ...] = ()
    """What is allowed but probably not meant (a team without reports), for the CLI to show."""

    def on_site(self, name: str) -> Repo:
        """The repo as if its config named only the site ``name``: its teams and their reports
        (``Config.on_site``)."""
        config = self.config.on_site(name)
        teams = {team.id for team in config.teams}
        reports = tuple(r for r in self.reports if r.team.id in teams)
        return replace(self, config=config, reports=reports)


@cache
def _config_schema() -> dict[str, Any]:
    return Config.model_json_schema()


@cache
def _report_schema() -> dict[str, Any]:
    return report_adapter.json_schema()


def _display(path: Path) -> str:
    """A path as messages show it: relative to the working directory when below it, and
    printable (a file name may hold bytes that are not UTF-8, or a newline)."""
    try:
        return printable(os.path.relpath(path))
    except ValueError:  # another drive on Windows
        return printable(str(path))


def load_repo(root: Path) -> Repo:
    """Load and validate the repo at ``root``; raise InputError with every problem found."""
    config_path = root / CONFIG_FILE
    config_display = _display(config_path)
    try:
        real_config = inside(root, Path(CONFIG_FILE))
    except Refused as exc:
        message = "not found; run in your repo or pass -C DIR"
        if exc.why is not Why.MISSING:
            message = f"file {exc}"
        raise InputError([Problem(config_display, 0, 0, "", message)]) from None
    document = read_yaml(real_config, config_display)
    if isinstance(document, Problem):
        raise InputError([document])
    try:
        config = Config.model_validate(document.data)
    except ValidationError as exc:
        problems = problems_from(exc, document, config_display, _config_schema())
        # Still check the reports the config points at, so one run shows every problem.
        for folder in _raw_report_folders(root, document):
            for path in _report_files(folder, real_config):
                _validate_report(root, path, problems)
        raise InputError(problems) from None

    problems = [
        Problem(config_display, *document.positions.of_value(loc), field_path(loc), message)
        for loc, message in config.site_mistakes()
    ]
    problems += _template_problems(config, document, config_display)
    problems += _path_problems(root, config, document, config_display)
    warnings: list[Problem] = []
    jobs: list[_Job] = []
    for index, team in enumerate(config.teams):
        try:
            folder = inside(root, Path(team.reports), kind="folder")
        except Refused as exc:
            if exc.why is Why.MISSING:  # git keeps no empty folder: a fresh clone has none
                warnings.append(_no_reports(team, index, document, config_display, "missing"))
            continue  # else _path_problems said why
        found = [(root, config, team, path) for path in _report_files(folder, real_config)]
        if not found:
            warnings.append(_no_reports(team, index, document, config_display, "empty"))
        jobs.extend(found)
    reports: list[LoadedReport] = []
    for loaded, found_problems in map_on_cores(_load_job, jobs):
        problems.extend(found_problems)
        if loaded is not None:
            reports.append(loaded)
    if not problems:
        problems.extend(_collisions(config, reports, document, config_display))
    if problems:
        raise InputError(problems)
    return Repo(root=root, config=config, reports=tuple(reports), warnings=tuple(warnings))


def _no_reports(team: Team, index: int, document: Document, display: str, state: str) -> Problem:
    line, column = document.positions.of_value(("teams", index, "reports"))
    # A typo and a fresh clone (git keeps no empty folder) look alike: say what follows.
    then = (
        "with prune: true, plan deletes every page confsync made for it"
        if team.prune
        else "its pages in Confluence are kept (listed as orphans)"
    )
    return Problem(
        display,
        line,
        column,
        f"teams[{index}].reports",
        f"folder {team.reports!r} is {state}: team {team.id!r} has no reports; {then}",
    )


def _report_files(folder: Path, config: Path) -> Iterator[Path]:
    """Report files below ``folder``, skipping hidden ones and confsync.yaml itself (a team
    may keep its reports at the root of the repo)."""
    for path in _files_below(folder):
        if path.name.endswith(REPORT_SUFFIXES) and path != config:
            yield path


def _files_below(folder: Path) -> Iterator[Path]:
    """Every file (of any type) below ``folder`` but hidden ones, in a stable order.

    A link to a folder is not followed (os.walk's default): what lies below it is not read.
    """
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def _path_problems(root: Path, config: Config, document: Document, display: str) -> list[Problem]:
    """The folders and the sandbox file confsync.yaml names, each refused at its line when
    confsync may not use it (``paths`` decides)."""
    problems: list[Problem] = []

    def refused(loc: Loc, value: str, exc: Refused) -> None:
        line, column = document.positions.of_value(loc)
        message = f"{value!r} {exc}"
        if exc.why is Why.MISSING and loc[-1] != "sandbox":
            message = f"folder {value!r} does not exist (relative to {CONFIG_FILE})"
        problems.append(Problem(display, line, column, field_path(loc), message))

    for index, team in enumerate(config.teams):
        try:
            inside(root, Path(team.reports), kind="folder")
        except Refused as exc:
            if exc.why is not Why.MISSING:  # a missing one is only a warning (load_repo)
                refused(("teams", index, "reports"), team.reports, exc)
        if team.templates is None:
            continue
        loc: Loc = ("teams", index, "templates")
        try:
            folder = inside(root, Path(team.templates), kind="folder")
        except Refused as exc:
            refused(loc, team.templates, exc)
            continue
        # Every file in the folder, not only the templates confsync names: one may include
        # another, and jinja2 would read it at render time.
        for path in _files_below(folder):
            try:
                inside(root, path, limit=MAX_TEMPLATE_BYTES)
            except Refused as exc:
                shown = os.path.relpath(path, os.path.realpath(root))
                refused(loc, Path(shown).as_posix(), exc)
    for name, settings in config.sites().items():
        if settings.sandbox is not None:
            where: Loc = ("confluence", "sites", name) if name else ("confluence",)
            try:
                sandbox_file(root, settings.sandbox)
            except Refused as exc:
                refused((*where, "sandbox"), settings.sandbox, exc)
    return problems


def _template_problems(config: Config, document: Document, display: str) -> list[Problem]:
    problems: list[Problem] = []
    settings: list[tuple[Loc, str | None, ReportKind]] = [
        (
            ("defaults", "retrospectives", "title"),
            config.defaults.retrospectives.title,
            ReportKind.RETROSPECTIVE,
        ),
        (
            ("defaults", "health_checks", "title"),
            config.defaults.health_checks.title,
            ReportKind.HEALTH_CHECK,
        ),
    ]
    for index, team in enumerate(config.teams):
        settings.append(
            (
                ("teams", index, "retrospectives", "title"),
                team.retrospectives.title,
                ReportKind.RETROSPECTIVE,
            )
        )
        settings.append(
            (
                ("teams", index, "health_checks", "title"),
                team.health_checks.title,
                ReportKind.HEALTH_CHECK,
            )
        )
    for loc, template, kind in settings:
        if template is None:
            continue
        for message in check_template(template, kind):
            line, column = document.positions.of_value(loc)
            problems.append(Problem(display, line, column, field_path(loc), message))
    return problems


def _raw_report_folders(root: Path, document: Document) -> list[Path]:
    teams = document.data.get("teams")
    folders: set[Path] = set()
    for team in teams if isinstance(teams, list) else []:
        if isinstance(team, dict) and isinstance(team.get("reports"), str):
            try:
                folders.add(inside(root, Path(team["reports"]), kind="folder"))
            except Refused:
                continue  # not read; the config's own problems come first
    return sorted(folders)


def _validate_report(
    root: Path, path: Path, problems: list[Problem], display: str | None = None
) -> tuple[Retrospective | HealthCheck, Document] | None:
    display = display or _display(path)
    try:
        real = inside(root, path)
    except Refused as exc:
        problems.append(Problem(display, 1, 1, "", f"file {exc}"))
        return None
    document = read_yaml(real, display)
    if isinstance(document, Problem):
        problems.append(document)
        return None
    try:
        return report_adapter.validate_python(document.data), document
    except ValidationError as exc:
        problems.extend(problems_from(exc, document, display, _report_schema()))
        return None


_Job = tuple[Path, Config, Team, Path]
"""One report file to load: (repo root, config, its team, its path)."""


def _load_job(job: _Job) -> tuple[LoadedReport | None, list[Problem]]:
    root, config, team, path = job
    problems: list[Problem] = []
    return _load_report(root, config, team, path, problems), problems


def _load_report(
    root: Path, config: Config, team: Team, path: Path, problems: list[Problem]
) -> LoadedReport | None:
    display = _display(path)  # once: relpath costs more than parsing a small report
    validated = _validate_report(root, path, problems, display)
    if validated is None:
        return None
    report, document = validated

    kind = ReportKind(report.kind)
    try:
        address = PageAddress(team.id, kind, path.stem)
    except ValueError:
        address = None
    if address is None or address.is_parent:
        if address is not None:
            why = (
                "is reserved for the parent page confsync creates; "
                f"rename the report (for example to {report.date.isoformat()}-{path.name})"
            )
        else:
            why = "starts or ends with white space, which a page address cannot; rename it"
        problems.append(Problem(display, 1, 1, "", f"the file name {path.name!r} {why}"))
        return None

    settings = config.kind_settings(team, kind.value)
    problems += attachment_problems(
        root, path, report.attachments, generated_names(address, settings), document, display
    )

    template = settings.title
    if check_template(template, kind):
        return None  # the template's own problem is reported once, where confsync.yaml sets it
    try:
        title = render_title(
            template, TitleContext(kind, report.date, report.title, team_name=team.name)
        )
    except TitleTemplateError as exc:
        position = document.positions.of_value(("title",) if report.title else ("date",))
        problems.append(Problem(display, *position, "title", str(exc)))
        return None
    source = Path(os.path.relpath(path, root)).as_posix()
    return LoadedReport(path, source, team, report, address, title, document)


def _collisions(
    config: Config, reports: list[LoadedReport], document: Document, config_display: str
) -> list[Problem]:
    """Two reports at one address, or two pages that would share a title in one space."""
    problems: list[Problem] = []
    by_address: dict[PageAddress, LoadedReport] = {}
    # Confluence compares titles without regard to case; so do we, to fail before it does.
    # key → (what holds the title, the title): a report's is named only if a problem needs it.
    titles: dict[tuple[str, str, str], tuple[str | Path, str]] = {}

    # Created parents of one title in one space are one page, shared by the teams naming it
    # (desired.py): not a collision, but a report may not take their title.
    for team in config.teams:
        for kind in ReportKind:
            parent = config.kind_settings(team, kind.value).parent
            if isinstance(parent, CreateParent):
                key = (*config.place(team), title_key(parent.create))
                where = f"{kind.value} parent page of team {team.id!r}"
                titles.setdefault(key, (where, parent.create))

    for loaded in reports:
        first = by_address.get(loaded.address)
        if first is not None:
            problems.append(
                Problem(
                    _display(loaded.path),
                    1,
                    1,
                    "",
                    f"has the same page address ({loaded.address}) as "
                    f"{_display(first.path)}: the address is the file name without folder "
                    "and extension, so rename one of the two",
                )
            )
            continue
        by_address[loaded.address] = loaded
        key = (*config.place(loaded.team), title_key(loaded.title))
        if key in titles:
            taken_by, taken_title = titles[key]
            if isinstance(taken_by, Path):
                taken_by = f"page of {_display(taken_by)}"
            case = " (Confluence ignores case in titles)" if taken_title != loaded.title else ""
            site = f" on site {key[0]}" if key[0] else ""
            problems.append(
                Problem(
                    _display(loaded.path),
                    *loaded.title_position,
                    "title",
                    f"renders the page title {loaded.title!r}, already the title of the "
                    f"{taken_by} in space {loaded.team.space}{site}{case}; set a distinct title",
                )
            )
        else:
            titles[key] = (loaded.path, loaded.title)
    return problems


def one_site(repo: Repo, name: str | None) -> Repo:
    """The repo narrowed to the site ``name`` (``--site``), for the commands that speak to one
    site at a time; without a name, the only site there is."""
    sites = repo.config.sites()
    if name is None:
        if len(sites) > 1:
            raise ConfsyncError(
                f"confsync.yaml names {len(sites)} sites ({', '.join(sites)}): choose one "
                "with --site"
            )
        return repo.on_site(next(iter(sites)))
    if name not in sites:
        known = ", ".join(n for n in sites if n) or "none: confluence: is one site, unnamed"
        raise ConfsyncError(f"there is no site {name!r} in confsync.yaml (sites: {known})")
    return repo.on_site(name)
