"""A team's own templates (``templates:`` in confsync.yaml): used, sandboxed, checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from confsync.errors import ConfsyncError, InputError
from confsync.render.pages import PageRenderer, RenderError
from confsync.reports import Retrospective, report_adapter
from confsync.types import ReportKind
from confsync.workflow import prepare
from tests.plan.sandbox_repo import RepoSpec, SandboxSite
from tests.render.storage import NS, parse, texts

CUSTOM = """<h1>{{ report.title }} by {{ team_name }}</h1>
{% for column, items in columns %}<h2>{{ column.name }}</h2>
<ul>{% for item in items %}<li>{{ item.text }} ({{ item.votes }})</li>{% endfor %}</ul>
{% endfor %}"""


def _retro() -> Retrospective:
    report = report_adapter.validate_python(
        {
            "kind": "retrospective",
            "title": "Sprint <22>",
            "date": "2026-11-20",
            "columns": [
                {"name": "Good", "items": [{"text": "a", "votes": 1}, {"text": "b", "votes": 4}]}
            ],
        }
    )
    assert isinstance(report, Retrospective)
    return report


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RepoSpec:
    monkeypatch.chdir(tmp_path)
    spec = RepoSpec(tmp_path / "repo")
    spec.root.mkdir()
    spec.team_settings["platform"] = {"templates": "templates/platform"}
    (spec.root / "templates" / "platform").mkdir(parents=True)
    spec.write()
    return spec


def _template(spec: RepoSpec, name: str, text: str) -> None:
    (spec.root / "templates" / "platform" / name).write_text(text)


def test_a_team_template_override_is_used_for_that_team_only(repo: RepoSpec) -> None:
    _template(repo, "retrospective.xml.j2", CUSTOM)
    pages = {str(d.address): d for d in prepare(repo.root).desired}

    page = parse(pages["platform/retrospective/2026-11-18-sprint-22"].body)
    assert texts(page, "h1") == ["Sprint 22 by Platform Team"]
    assert texts(page, "h2") == ["Went well", "To improve"]
    assert texts(page, "ul[1]/li") == ["Fewer pages at night (8)", "Deploys are faster (5)"]
    # The team's template has no macro: only the notice confsync puts on every page.
    macros = page.xpath("//ac:structured-macro/@ac:name", namespaces=NS)
    assert macros == ["note"]
    # Templates the team does not override come from confsync; other teams are untouched.
    health = parse(pages["platform/health-check/2026-11-18-q4-health"].body)
    assert texts(health, "h2")[0] == "Dimensions"
    mobile = parse(pages["mobile/retrospective/2026-11-19-sprint-9"].body)
    assert texts(mobile, "h2")[0] == "Went well"
    assert mobile.xpath("h1") == []


def test_a_template_change_changes_the_page_digest(repo: RepoSpec) -> None:
    before = {str(d.address): d.digest for d in prepare(repo.root).desired}
    _template(repo, "retrospective.xml.j2", CUSTOM)
    after = {str(d.address): d.digest for d in prepare(repo.root).desired}
    changed = sorted(a for a in before if before[a] != after[a])
    assert changed == [
        "platform/retrospective/2026-11-04-sprint-21",
        "platform/retrospective/2026-11-18-sprint-22",
    ]


def test_override_templates_autoescape_too(tmp_path: Path) -> None:
    (tmp_path / "retrospective.xml.j2").write_text(CUSTOM)
    body = PageRenderer(tmp_path).retrospective(_retro(), team_name="<b>T</b>")
    assert texts(parse(body), "h1") == ["Sprint <22> by <b>T</b>"]
    assert parse(body).xpath("//b") == []


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ report.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{% set x = report.columns.append(1) %}",
    ],
)
def test_unsafe_template_fails_with_render_error(tmp_path: Path, template: str) -> None:
    (tmp_path / "retrospective.xml.j2").write_text(template)
    with pytest.raises(RenderError, match=r"^template retrospective\.xml\.j2: "):
        PageRenderer(tmp_path).retrospective(_retro(), team_name="T")


@pytest.mark.anyio
async def test_unsafe_team_template_stops_the_plan_naming_the_report(repo: RepoSpec) -> None:
    _template(repo, "retrospective.xml.j2", "{{ ''.__class__.__mro__ }}")
    with pytest.raises(ConfsyncError) as caught:
        await SandboxSite(repo, in_memory=True).plan()
    assert str(caught.value).startswith(
        "cannot render a page: reports/platform/2026-11-04-sprint-21.yaml: "
        "template retrospective.xml.j2: "
    )


def test_a_template_that_renders_malformed_xml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "retrospective.xml.j2").write_text("<p>{{ report.title }}<p>")
    with pytest.raises(RenderError, match=r"storage format is not well-formed at 1:\d+"):
        PageRenderer(tmp_path).retrospective(_retro(), team_name="T")


def test_template_source_reports_the_override(tmp_path: Path) -> None:
    (tmp_path / "retrospective.xml.j2").write_text(CUSTOM)
    assert PageRenderer(tmp_path).template_source(ReportKind.RETROSPECTIVE.value) == CUSTOM
    assert PageRenderer(tmp_path).template_source("parent") == PageRenderer().template_source(
        "parent"
    )


def test_every_page_says_where_to_edit_it_unless_the_notice_is_off(repo: RepoSpec) -> None:
    config = repo.config()
    config["repository"] = "https://git.example.com/team/reports?x=<b>"
    (repo.root / "confsync.yaml").write_text(json.dumps(config))
    with pytest.raises(InputError):  # a query is no repository address
        prepare(repo.root)
    config["repository"] = "https://git.example.com/team/reports"
    (repo.root / "confsync.yaml").write_text(json.dumps(config))

    pages = {str(d.address): d for d in prepare(repo.root).desired}

    for address, page in pages.items():
        first = parse(page.body)[0]
        assert first.get(f"{{{NS['ac']}}}name") == "note", address
        note = " ".join("".join(first.itertext()).split())
        source = "confsync.yaml" if address.endswith("/parent") else page.source
        assert note == (
            f"Published from git by confsync: edit {source} in "
            "https://git.example.com/team/reports. Edits made here are reported as drift "
            "and are not kept."
        )
        assert first.xpath(".//a/@href") == ["https://git.example.com/team/reports"]

    config["notice"] = False
    (repo.root / "confsync.yaml").write_text(json.dumps(config))
    for page in prepare(repo.root).desired:
        assert "Published from git" not in page.body
