"""confsync preview: static HTML of the pages a plan would write, opened in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html

from confsync.desired import desired_pages
from confsync.loading import load_repo
from confsync.plan.model import Action, Change, PageState, Plan, PlanOrigin
from confsync.preview import mark_changes, write_preview
from confsync.render.html import storage_to_html
from tests.plan.cli import confsync

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install -y chromium): the preview is not opened",
)


def _samples(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns(".confsync", "preview"))
    return root


def _chromium(tmp_path: Path, page: Path, *args: str) -> str:
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium'}",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_offline_preview_of_the_samples_mirrors_every_page_as_new(tmp_path: Path) -> None:
    root = _samples(tmp_path)
    out = tmp_path / "preview"
    result = confsync(root, "preview", "--offline", "--out", str(out))
    assert result.code == 0, result.err
    assert result.out.strip() == f"{out / 'index.html'}: 16 pages."
    index = lxml_html.parse(str(out / "index.html")).getroot()
    rows = index.xpath("//table[@class='index']/tbody/tr")
    assert len(rows) == 16
    assert {r.xpath("string(td[1])").split()[-1] for r in rows} == {"create"}
    for link in index.xpath("//tbody//a/@href"):
        assert (out / link).is_file()
    sprint = out / "pages/platform__retrospective__2026-09-25-sprint-19.html"
    page = lxml_html.parse(str(sprint)).getroot()
    for image in page.xpath("//img/@src"):
        assert (sprint.parent / image).is_file()
    pdf = sprint.parent / sprint.stem / "2026-09-25-sprint-19.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")


@needs_chromium
def test_the_preview_opens_in_chromium_with_report_text_escaped(tmp_path: Path) -> None:
    root = _samples(tmp_path)
    report = root / "reports/platform/2026-09-25-sprint-19.yaml"
    hostile = "<script>document.title='owned'</script><img src=x onerror=alert(1)>"
    assert "summary:" not in report.read_text()
    report.write_text(report.read_text() + f'summary: "**{hostile}** [x](javascript:alert(1))"\n')
    out = tmp_path / "preview"
    assert confsync(root, "preview", "--offline", "--out", str(out)).code == 0
    page = out / "pages/platform__retrospective__2026-09-25-sprint-19.html"

    dom = lxml_html.fromstring(_chromium(tmp_path, page, "--dump-dom"))
    assert dom.xpath("//script") == []
    assert dom.xpath("//*[@onerror]") == []
    assert dom.xpath("string(//title)") == "Sprint 19 😅 - Retrospective"
    assert not [h for h in dom.xpath("//a/@href") if h.startswith("javascript:")]
    summary = dom.xpath("//div[contains(@class,'macro-info')]")[0]
    assert summary.xpath("string(.//strong)") == hostile  # shown as the text written
    assert dom.xpath("//ul[@class='tasks']/li")  # the action items, as a task list

    shot = tmp_path / "page.png"
    _chromium(tmp_path, page, "--window-size=1100,1500", f"--screenshot={shot}")
    assert shot.read_bytes().startswith(b"\x89PNG")


def test_preview_against_confluence_marks_the_changed_text_of_an_update(tmp_path: Path) -> None:
    root = _samples(tmp_path)
    assert confsync(root, "apply", "--auto-approve").code == 0
    report = root / "reports/platform/2026-11-06-sprint-22.yaml"
    text = report.read_text()
    first_item = re.search(r"- text: (.+)", text)
    assert first_item is not None
    report.write_text(text.replace(first_item.group(1), "A brand new sticky note", 1))

    out = tmp_path / "preview"
    result = confsync(root, "preview", "--changed-only", "--out", str(out))
    assert result.code == 0, result.err
    index = lxml_html.parse(str(out / "index.html")).getroot()
    (row,) = index.xpath("//table[@class='index']/tbody/tr")
    assert row.xpath("string(td[1])").split() == ["~", "update"]
    assert row.xpath("string(td[4])") == "report changed"
    assert "pages/viewpage.action?pageId=" in row.xpath("string(td[5]/a/@href)")
    page = lxml_html.parse(str(out / row.xpath("string(td[2]/a/@href)"))).getroot()
    assert page.xpath("//ins/text()") == ["A brand new sticky note"]
    assert page.xpath("//del/text()") == [first_item.group(1)]


# ---- the changed text of an update: a diff of the two renderings, block by block --------------


def _marked(current: str, desired: str) -> lxml_html.HtmlElement:
    def render(body: str) -> str:
        return storage_to_html(body, lambda _name: None, lambda _title: None)

    shown = mark_changes(render(current), render(desired))
    assert render(desired) == re.sub(r"<ins class=\"diff\">|</ins>|<del [^>]*>.*?</del>", "", shown)
    return lxml_html.fragment_fromstring(shown, create_parent="div")


def _changes(tree: lxml_html.HtmlElement) -> tuple[list[str], list[str]]:
    return tree.xpath("//ins/text()"), tree.xpath("//del/text()")


def test_one_changed_word_is_marked_and_the_same_text_elsewhere_is_not() -> None:
    faster = "<p>Deploys are faster than last sprint</p>"
    table = "<table><tbody><tr><td><p>{}</p></td><td>5</td></tr></tbody></table>"
    tree = _marked(
        faster + "<h2>Went well</h2>" + table.format("Deploys are faster than last sprint"),
        faster + "<h2>Went well</h2>" + table.format("Deploys are slower than last sprint"),
    )
    assert _changes(tree) == (["slower"], ["faster"])
    assert tree.xpath("//td/p/ins/text()") == ["slower"]  # in the cell, not the first paragraph
    assert tree.xpath("p[1]/*") == []


@pytest.mark.parametrize(
    ("current", "desired", "added", "removed"),
    [
        ("<p>Alpha</p><p>Beta</p>", "<p>Alpha</p><p>Beta</p><p>Alpha</p>", ["Alpha"], []),
        ("<p>Alpha</p><p>Beta</p><p>Gamma</p>", "<p>Beta</p><p>Gamma</p><p>Alpha</p>",
         ["Alpha"], ["Alpha"]),
        ("<p>Alpha</p><p>Beta</p>", "<p>Beta</p>", [], ["Alpha"]),
        ("<p>One two three</p>", "<p>Something else entirely</p>", ["Something else entirely"],
         ["One two three"]),
        ("<p>Same</p>", "<p>Same</p>", [], []),
    ],
    ids=["repeated", "moved", "removed", "rewritten", "unchanged"],
)  # fmt: skip
def test_moved_and_repeated_paragraphs_are_changes(
    current: str, desired: str, added: list[str], removed: list[str]
) -> None:
    """Matching by text alone would call a moved or repeated paragraph unchanged."""
    assert _changes(_marked(current, desired)) == (added, removed)


def test_a_moved_paragraph_is_shown_struck_out_where_it_was() -> None:
    tree = _marked("<p>Alpha</p><p>Beta</p><p>Gamma</p>", "<p>Beta</p><p>Gamma</p><p>Alpha</p>")
    assert tree.xpath("p[1]/del[@class='diff block']/text()") == ["Alpha"]
    assert tree.xpath("p[3]/ins/text()") == ["Alpha"]
    assert tree.xpath("p[2]/*") == []


def test_changed_text_is_escaped_in_both_marks() -> None:
    tree = _marked(
        "<p>run &lt;script&gt;alert(1)&lt;/script&gt; now</p>",
        "<p>run &lt;img src=x onerror=alert(1)&gt; now</p>",
    )
    assert tree.xpath("//script | //img") == []
    added, removed = _changes(tree)
    assert " ".join(added) == "<img src=x onerror=alert(1)>"
    assert removed == ["<script>alert(1)</script>"]


def _update_plan(address: str, page_id: str) -> Plan:
    before = PageState(title="Before", parent=None, page_id=page_id)
    change = Change(address, Action.UPDATE, "PLAT", "report changed", before=before)
    return Plan(PlanOrigin("0", "digest", None), (change,))


def test_write_preview_marks_an_update_against_the_current_body(tmp_path: Path) -> None:
    repo = load_repo(SAMPLES)
    address = "platform/retrospective/2026-11-06-sprint-22"
    page = next(p for p in desired_pages(repo) if str(p.address) == address)
    assert "Alerts nobody can act on" in page.body
    current = page.body.replace("Alerts nobody can act on", "Alerts anybody can act on", 1)
    plan = _update_plan(address, "123")

    entries = write_preview(repo, [page], tmp_path, plan=plan, current={address: current})
    shown = lxml_html.parse(str(tmp_path / str(entries[0].file))).getroot()
    assert _changes(shown) == (["nobody"], ["anybody"])

    write_preview(repo, [page], tmp_path, plan=plan)  # no current body: nothing marked, said so
    shown = lxml_html.parse(str(tmp_path / str(entries[0].file))).getroot()
    assert _changes(shown) == ([], [])
    assert shown.xpath("string(//p[@class='note'])") == (
        "The page in Confluence was not read: its changes are not marked."
    )
