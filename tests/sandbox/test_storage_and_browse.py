"""Storage format checks and the browse page."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from confsync.sandbox import Sandbox
from confsync.sandbox.model import SandboxError
from confsync.sandbox.storage_format import check_storage, storage_to_html
from tests.sandbox.helpers import V1, V2, space_id, upload, v2_page
from tests.support.sandbox import sandbox_client


def test_entities_and_implicit_namespaces_are_accepted() -> None:
    check_storage("<p>&nbsp;&hellip;&copy;&#160;&#x00A0;</p>")
    check_storage('<ac:structured-macro ac:name="toc"/><ri:page ri:content-title="x"/>')
    with pytest.raises(SandboxError, match="Error parsing xhtml"):
        check_storage("<p>&nosuchentity;</p>")


def test_rendering_escapes_text_and_drops_unsafe_links() -> None:
    html = storage_to_html(
        '<p>&lt;script&gt;</p><a href="javascript:alert(1)">x</a><script>bad()</script>',
        lambda _: None,
        lambda _: None,
    )
    assert "<script>" not in html
    assert "javascript:" not in html
    assert "&lt;script&gt;" in html


def test_dates_and_task_lists_render_as_a_reader_sees_them() -> None:
    html = storage_to_html(
        "<ac:task-list>"
        "<ac:task><ac:task-status>complete</ac:task-status>"
        '<ac:task-body>Ship it by <time datetime="2026-12-04" /></ac:task-body></ac:task>'
        "<ac:task><ac:task-status>incomplete</ac:task-status>"
        "<ac:task-body>Write notes</ac:task-body></ac:task>"
        "</ac:task-list>",
        lambda _: None,
        lambda _: None,
    )
    assert html == (
        '<ul class="tasks"><li class="task">&#9745; Ship it by '
        '<time datetime="2026-12-04">4 Dec 2026</time></li>'
        '<li class="task">&#9744; Write notes</li></ul>'
    )


def test_a_status_macro_renders_as_a_coloured_lozenge() -> None:
    html = storage_to_html(
        '<ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">Yellow'
        '</ac:parameter><ac:parameter ac:name="title">&lt;b&gt;amber</ac:parameter>'
        "</ac:structured-macro>",
        lambda _: None,
        lambda _: None,
    )
    assert html == '<span class="status status-yellow">&lt;b&gt;amber</span>'


def _rules(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) of each rule, in order."""
    return re.findall(r"([^{}]+)\{([^{}]*)\}", css)


@pytest.mark.anyio
async def test_each_status_lozenge_keeps_its_own_colour(
    cloud: httpx.AsyncClient, cloud_app: Starlette
) -> None:
    space = await space_id(cloud)
    lozenges = "".join(
        f'<ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">{c}'
        f'</ac:parameter><ac:parameter ac:name="title">{c}</ac:parameter></ac:structured-macro>'
        for c in ("Green", "Yellow", "Red", "Blue", "Purple", "Grey")
    )
    page = (await cloud.post(f"{V2}/pages", json=v2_page(space, "Lozenges", lozenges))).json()
    async with sandbox_client(cloud_app, auth=None) as anonymous:
        shown = (await anonymous.get(f"/browse/page/{page['id']}")).text
    css = shown[shown.index("<style>") + 7 : shown.index("</style>")]
    colour: dict[str, str] = {}
    for selectors, declarations in _rules(css):  # later rules win, as in the browser
        found = re.search(r"(?:^|;)\s*color:\s*([^;]+)", declarations)
        for selector in selectors.split(","):
            if found:
                colour[selector.strip()] = found.group(1).strip()
    for name in ("green", "yellow", "red", "blue", "purple"):
        assert f'<span class="status status-{name}">' in shown
    # Nothing after the colour classes sets .status alone, and every colour is its own.
    last_plain = max(i for i, (s, _) in enumerate(_rules(css)) if ".status{" in s + "{")
    first_colour = min(i for i, (s, _) in enumerate(_rules(css)) if ".status-" in s)
    assert last_plain < first_colour
    shades = [colour[f".status-{n}"] for n in ("green", "yellow", "red", "blue", "purple")]
    assert len(set(shades)) == 5


@pytest.mark.anyio
async def test_browse_spaces_tree_and_a_rendered_page(
    cloud: httpx.AsyncClient, cloud_app: Starlette
) -> None:
    space = await space_id(cloud)
    body = (
        "<h1>Went well</h1>"
        '<ac:structured-macro ac:name="info"><ac:parameter ac:name="title">Note</ac:parameter>'
        "<ac:rich-text-body><p>Deploys are faster</p></ac:rich-text-body></ac:structured-macro>"
        '<ac:image><ri:attachment ri:filename="chart.png"/></ac:image>'
        '<p><ac:link><ri:attachment ri:filename="report.pdf"/></ac:link></p>'
        '<p><ac:link><ri:page ri:content-title="Retrospectives"/></ac:link></p>'
    )
    parent = (await cloud.post(f"{V2}/pages", json=v2_page(space, "Retrospectives"))).json()
    page = (
        await cloud.post(
            f"{V2}/pages", json=v2_page(space, "Sprint 22", body, parentId=parent["id"])
        )
    ).json()
    await cloud.post(
        f"{V1}/content/{page['id']}/child/attachment", **upload("chart.png", b"PNG", "c")
    )
    async with sandbox_client(cloud_app, auth=None) as anonymous:
        home = await anonymous.get("/")
        assert home.status_code == 200
        assert 'href="/browse/DEMO"' in home.text
        tree = await anonymous.get("/browse/DEMO")
        assert "Sprint 22" in tree.text
        assert tree.text.index("Retrospectives") < tree.text.index("Sprint 22")
        shown = await anonymous.get(f"/browse/page/{page['id']}")
        assert shown.status_code == 200
        assert 'class="macro macro-info"' in shown.text
        assert "Deploys are faster" in shown.text
        sandbox: Sandbox = cloud_app.state.sandbox
        [attachment], _ = sandbox.attachments.find(int(page["id"]))
        assert f'<img src="/browse/attachment/{attachment.id}"' in shown.text
        assert "report.pdf" in shown.text
        assert f'href="/browse/page/{parent["id"]}"' in shown.text
        image = await anonymous.get(f"/browse/attachment/{attachment.id}")
        assert image.content == b"PNG"
        assert (await anonymous.get("/browse/page/1")).status_code == 404
        assert (await anonymous.get("/browse/NOPE")).status_code == 404


@pytest.mark.anyio
@pytest.mark.parametrize("prefix", ["/wiki", "/confluence", ""])
async def test_viewpage_links_open_the_browse_page(
    prefix: str, cloud_app: Starlette, dc_app: Starlette
) -> None:
    """The links confsync prints (`.../pages/viewpage.action?pageId=N`) open in the browser."""
    app = cloud_app if prefix == "/wiki" else dc_app
    async with sandbox_client(app, auth=None) as anonymous:
        found = await anonymous.get(f"{prefix}/pages/viewpage.action", params={"pageId": "42"})
        assert found.status_code == 302
        assert found.headers["location"] == "/browse/page/42"
        bad = await anonymous.get(f"{prefix}/pages/viewpage.action", params={"pageId": "x"})
        assert bad.status_code == 404
