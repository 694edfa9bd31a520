"""Storage format → HTML: macros as Confluence shows them, text always escaped."""

from __future__ import annotations

import pytest

from confsync.render.html import ChildPage, storage_to_html


def _html(body: str, children: list[ChildPage] | None = None) -> str:
    files = {"chart.png": "/files/chart.png", "notes.pdf": "/files/notes.pdf"}
    pages = {"Retrospectives": "/pages/1"}
    return storage_to_html(body, files.get, pages.get, children)


def _macro(name: str, body: str = "", **params: str) -> str:
    shown = "".join(f'<ac:parameter ac:name="{k}">{v}</ac:parameter>' for k, v in params.items())
    rich = f"<ac:rich-text-body>{body}</ac:rich-text-body>" if body else ""
    return f'<ac:structured-macro ac:name="{name}">{shown}{rich}</ac:structured-macro>'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            _macro("info", "<p>Deploys</p>", title="Summary"),
            '<div class="macro macro-info"><div class="macro-title">Summary</div>'
            "<p>Deploys</p></div>",
        ),
        (_macro("warning", "<p>x</p>"), '<div class="macro macro-warning"><p>x</p></div>'),
        (
            _macro("status", colour="Purple", title="new"),
            '<span class="status status-purple">new</span>',
        ),
        (
            _macro("status", colour="&lt;b&gt;", title="x"),
            '<span class="status status-grey">x</span>',
        ),
        (
            _macro("expand", "<p>more</p>", title="Details"),
            '<div class="expand"><div class="expand-title">&#9656; Details</div>'
            '<div class="expand-body"><p>more</p></div></div>',
        ),
        (
            _macro("details", "<table><tbody><tr><td>a</td></tr></tbody></table>"),
            '<div class="details"><table><tbody><tr><td>a</td></tr></tbody></table></div>',
        ),
        (
            _macro("toc", maxLevel="2"),
            '<div class="macro macro-toc"><div class="macro-name">toc</div>'
            '<div class="macro-param">maxLevel: 2</div></div>',
        ),
        ('<time datetime="2026-11-20" />', '<time datetime="2026-11-20">20 Nov 2026</time>'),
        (
            '<ac:image ac:alt="x"><ri:attachment ri:filename="chart.png" /></ac:image>',
            '<img src="/files/chart.png" alt="chart.png">',
        ),
        (
            '<ac:image><ri:attachment ri:filename="gone.png" /></ac:image>',
            '<span class="missing">[missing image gone.png]</span>',
        ),
        (
            '<ac:link><ri:attachment ri:filename="notes.pdf" />'
            "<ac:link-body>Notes</ac:link-body></ac:link>",
            '<a href="/files/notes.pdf">Notes</a>',
        ),
        (
            '<ac:link><ri:page ri:content-title="Retrospectives" /></ac:link>',
            '<a href="/pages/1">Retrospectives</a>',
        ),
        (
            '<a href="mailto:a@b.c">mail</a><a href="javascript:x()">js</a>',
            '<a href="mailto:a@b.c">mail</a>js',
        ),
        (
            '<p onclick="x()" style="color:red">&lt;b&gt;</p><script>x()</script>',
            "<p>&lt;b&gt;</p><span>x()</span>",
        ),
        ("<p>&nbsp;&hellip;</p>", "<p>\u00a0\u2026</p>"),
        ("<p>broken", '<pre class="invalid">mismatched tag at line 1, column 12</pre>'),
    ],
)
def test_storage_renders_as_a_reader_sees_it(body: str, expected: str) -> None:
    assert _html(body) == expected


def test_children_list_the_child_pages_when_known() -> None:
    body = _macro("children", sort="creation")
    assert _html(body, [ChildPage("Sprint <1>", "/p/2"), ChildPage("Sprint 2")]) == (
        '<ul class="children"><li><a href="/p/2">Sprint &lt;1&gt;</a></li><li>Sprint 2</li></ul>'
    )
    assert "child pages" in _html(body)
