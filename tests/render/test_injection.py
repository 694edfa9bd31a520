"""Report text is untrusted: whatever it holds, the page stores it as text.

Every payload is put in every text field a report has (and in a file name, which lands in an
attribute). The page must be well-formed, have exactly the elements the same report with
harmless text has (no macro, no script, nothing else injected), and show the payload as text.
"""

from __future__ import annotations

from typing import Any, TypeVar

import pytest
from lxml import etree
from pydantic import BaseModel

from confsync.render.pages import PageFile, PageRenderer
from confsync.render.storage import text_safe
from confsync.reports import HealthCheck, Retrospective, Theme, report_adapter
from tests.render.storage import NS, parse, texts

PAYLOADS = {
    "html macro": (
        '<ac:structured-macro ac:name="html"><ac:plain-text-body><![CDATA[<script>alert(1)'
        "</script>]]></ac:plain-text-body></ac:structured-macro>"
    ),
    "CDATA end": "a ]]> b ]]&gt; c",
    "entities": "&entity; &amp; &#x3C; &lt;x&gt; &nbsp;",
    "script": '<script>alert("owned")</script>',
    "closing tags": "</td></tr></tbody></table></ac:rich-text-body></ac:structured-macro><p>",
    "quotes": 'Dana "the hammer" O\'Neil said \'ship\' & "stop"',
    "control characters": "nul\x00 bell\x07 vt\x0b ff\x0c esc\x1b us\x1f del\x7f end",
    "template syntax": "{{ 7 * 7 }} {% raw %} {# x #} ${HOME}",
    "status macro lookalike": '"><ac:parameter ac:name="colour">Red</ac:parameter>',
}


def _flat(text: str) -> str:
    """The payload as the page must show it: XML-illegal characters as visible stand-ins,
    white space collapsed (as ``texts`` collapses it)."""
    return " ".join(text_safe(text).split())


_MARK = "PAYLOAD"
_Model = TypeVar("_Model", bound=BaseModel)


def _unchecked(value: Any, text: str) -> Any:
    """``value`` with every ``_MARK`` replaced by ``text``, without validation: the models
    refuse control characters (and line breaks in names), but the renderer must not rely on it.
    """
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return value.model_copy(update={f: _unchecked(getattr(value, f), text) for f in fields})
    if isinstance(value, list):
        return [_unchecked(item, text) for item in value]
    if value == _MARK:
        return text
    return value


def _with_payload(report: _Model, text: str) -> _Model:
    swapped: _Model = _unchecked(report, text)
    return swapped


def _retro(text: str) -> Retrospective:
    return _with_payload(_retro_checked(_MARK), text)


def _retro_checked(text: str) -> Retrospective:
    report = report_adapter.validate_python(
        {
            "kind": "retrospective",
            "title": text,
            "date": "2026-11-20",
            "format": text,
            "facilitator": text[:200],
            "participants": [text[:200], "Lee Wong"],
            "summary": text,
            "columns": [
                {
                    "name": text[:200],
                    "items": [
                        {"text": text, "votes": 3, "author": text[:200], "comments": [text]},
                    ],
                }
            ],
            "themes": [{"name": text[:200], "description": text, "votes": 1, "items": [text]}],
            "actions": [
                {"text": text, "owner": text[:200], "due": "2026-12-04"},
                {"text": text, "status": "dropped"},
                {"text": text, "status": "in-progress"},
            ],
            "comments": [text],
            "notes": text,
        }
    )
    assert isinstance(report, Retrospective)
    return report


def _health(text: str) -> HealthCheck:
    return _with_payload(_health_checked(_MARK), text)


def _health_checked(text: str) -> HealthCheck:
    report = report_adapter.validate_python(
        {
            "kind": "health-check",
            "title": text,
            "date": "2026-11-20",
            "facilitator": text[:200],
            "participants": [text[:200]],
            "summary": text,
            "dimensions": [
                {
                    "name": text[:200],
                    "description": text,
                    "votes": {"green": 3, "amber": 1, "red": 0},
                    "comments": [text],
                }
            ],
            "actions": [{"text": text, "owner": text[:200]}],
            "notes": text,
        }
    )
    assert isinstance(report, HealthCheck)
    return report


def _file_name(text: str) -> str:
    # A file name is one line: tabs and newlines never occur in one.
    return " ".join(text.split()) + ".png"


def render_retro(text: str) -> str:
    files = (PageFile(_file_name(text), True), PageFile(_file_name(text) + ".pdf", False))
    return PageRenderer().retrospective(_retro(text), team_name=text, files=files)


def render_health(text: str) -> str:
    previous = _health("earlier")
    previous = previous.model_copy(update={"date": previous.date.replace(year=2025)})
    return PageRenderer().health_check(
        _health(text),
        team_name=text,
        previous=previous,
        files=(PageFile(_file_name(text), False),),
    )


def _shape(page: Any) -> list[str]:
    """Every element's tag, in document order: the structure the templates made."""
    return [str(e.tag) for e in page.iter()]


HARMLESS = "Harmless words"


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("render", [render_retro, render_health], ids=["retro", "health"])
def test_payload_is_stored_as_text(render: Any, payload: str) -> None:
    body = render(payload)
    page = parse(body)  # well-formed, or this raises

    baseline = parse(render(HARMLESS))
    assert _shape(page) == _shape(baseline)
    macros = "//ac:structured-macro"
    assert len(page.xpath(macros, namespaces=NS)) == len(baseline.xpath(macros, namespaces=NS))
    names = "//ac:structured-macro/@ac:name"
    assert page.xpath(names, namespaces=NS) == baseline.xpath(names, namespaces=NS)
    assert page.xpath("//*[local-name()='script']") == []
    assert page.xpath("//ac:plain-text-body", namespaces=NS) == []
    assert not [n for n in page.iter() if isinstance(n, etree._Entity)]

    expected = _flat(payload)
    details = page.xpath("ac:structured-macro[@ac:name='details']", namespaces=NS)[0]
    assert texts(details, ".//tr[th='Team']/td") == [expected]
    assert texts(page, "//ac:task-body")[0].startswith(expected)
    notes = texts(page, "h2[.='Notes']/following-sibling::*[1]")
    assert notes == [expected]
    filenames = page.xpath("//ri:attachment/@ri:filename", namespaces=NS)
    assert filenames[0] == text_safe(_file_name(payload))


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_retrospective_fields_hold_the_payload_as_text(payload: str) -> None:
    page = parse(render_retro(payload))
    expected = _flat(payload)
    assert texts(page, "h2")[0] == _flat(payload[:200])
    assert texts(page, "table/tbody/tr[td]/td[2]/p") == [expected]
    assert texts(page, "table/tbody/tr[td]/td[2]/ul/li") == [expected]
    assert texts(page, "h3") == [f"{_flat(payload[:200])} (1 votes)"]
    assert texts(page, "//ac:task-body/s") == [expected]
    summary = page.xpath("ac:structured-macro[@ac:name='info']", namespaces=NS)
    assert texts(summary[0], ".//ac:rich-text-body") == [expected]
    assert page.xpath("//ac:image/@ac:alt", namespaces=NS) == [text_safe(_file_name(payload))]


def test_tabs_and_newlines_are_kept() -> None:
    text = "first\tcolumn\nsecond line"
    page = parse(render_retro(text))
    (item,) = page.xpath("table/tbody/tr[td]/td[2]/p")
    assert item.text == text


def test_control_characters_become_visible_stand_ins() -> None:
    body = render_retro("a\x00b\x1bc\x7fd")
    page = parse(body)
    assert texts(page, "table/tbody/tr[td]/td[2]/p") == ["a\u2400b\u241bc\u2421d"]
    assert "\x00" not in body
    assert "\x1b" not in body


# ---- markdown in summary and notes: formatting, never markup ----------------------------------

MARKDOWN_PAYLOADS = {
    "raw html": ('<b onclick="x()">bold</b> <script>alert(1)</script>', []),
    "html block": ("<div>\n<ac:structured-macro ac:name='html'/>\n</div>", []),
    "macro in markdown": ('**<ac:structured-macro ac:name="html"/>**', ["strong"]),
    "javascript link": ("[click](javascript:alert(1))", []),
    "javascript autolink": ("<javascript:alert(1)>", []),
    "data link": ("[x](data:text/html;base64,PHNjcmlwdD4=)", []),
    "vbscript reference": ("[x][r]\n\n[r]: vbscript:msgbox(1)", []),
    "relative link": ("[x](../../secrets.txt)", []),
    "image": ("![alt text](https://example.com/x.png)", []),
    "link with quote": ('[x](https://example.com/"onmouseover="alert(1))', ["a"]),
    "entity": ("&lt;script&gt; &#60;b&#62;", []),
}


def _notes(notes: str) -> Any:
    report = _retro_checked("x").model_copy(update={"notes": notes})
    return parse(PageRenderer().retrospective(report, team_name="T"))


def _notes_elements(page: Any) -> list[Any]:
    heading = page.xpath("h2[.='Notes']")[0]
    return list(heading.itersiblings())


def _theme(description: str) -> Any:
    """A page whose one theme (no items) has ``description``."""
    theme = Theme(name="Release", description=description)
    report = _retro_checked("x").model_copy(update={"themes": [theme], "notes": None})
    return parse(PageRenderer().retrospective(report, team_name="T"))


def _theme_elements(page: Any) -> list[Any]:
    """What the theme's heading is followed by, up to the next section."""
    heading = page.xpath("h3[starts-with(., 'Release')]")[0]
    return list(
        heading.xpath(
            "following-sibling::*[not(self::h2) and preceding-sibling::h2[1][.='Themes']]"
        )
    )


_MARKDOWN_FIELDS = {"notes": (_notes, _notes_elements), "theme": (_theme, _theme_elements)}


@pytest.mark.parametrize("field", _MARKDOWN_FIELDS)
@pytest.mark.parametrize(
    ("payload", "tags"), MARKDOWN_PAYLOADS.values(), ids=MARKDOWN_PAYLOADS.keys()
)
def test_markdown_never_becomes_markup_or_a_macro(
    field: str, payload: str, tags: list[str]
) -> None:
    render, elements = _MARKDOWN_FIELDS[field]
    page = render(payload)
    inside = [e for block in elements(page) for e in block.iter()]
    made = sorted({str(e.tag) for e in inside} - {"p"})
    assert made == sorted(tags)
    assert page.xpath("//ac:structured-macro[@ac:name='html']", namespaces=NS) == []
    assert (
        page.xpath("//*[local-name()='script' or local-name()='img' or local-name()='div']") == []
    )
    hrefs = page.xpath("//a/@href")
    assert all(h.startswith(("https://", "http://", "mailto:")) for h in hrefs)
    assert not [a for e in inside for a in e.attrib if a.startswith("on")]


def test_raw_html_and_macros_in_markdown_are_shown_as_the_text_written() -> None:
    page = _notes('<b>x</b> <ac:structured-macro ac:name="html"/> &amp;')
    assert texts(page, "h2[.='Notes']/following-sibling::p") == [
        '<b>x</b> <ac:structured-macro ac:name="html"/> &amp;'
    ]


def test_a_theme_description_is_markdown_with_headings_under_the_theme() -> None:
    page = _theme(
        "**Why**: see [the runbook](https://example.com/run)\n\n- one\n- two\n\n# Next\n\nText"
    )
    blocks = _theme_elements(page)
    assert [b.tag for b in blocks] == ["p", "ul", "h4", "p"]  # h4: under the theme's h3
    assert page.xpath("//p/strong/text()") == ["Why"]
    assert page.xpath("//p/a/@href") == ["https://example.com/run"]
    assert texts(blocks[1], "li") == ["one", "two"]


def test_hostile_markup_in_a_theme_description_is_shown_as_the_text_written() -> None:
    hostile = (
        '<script>alert(1)</script> <ac:structured-macro ac:name="html"><ac:plain-text-body>'
        "x</ac:plain-text-body></ac:structured-macro> [click](javascript:alert(1)) &amp;"
    )
    page = _theme(hostile)
    (paragraph,) = _theme_elements(page)
    assert paragraph.tag == "p"
    assert list(paragraph) == []  # no element at all: a link, a macro or a script
    assert paragraph.text == hostile
    assert page.xpath("//ac:structured-macro[@ac:name='html']", namespaces=NS) == []


def test_markdown_formats_paragraphs_lists_links_code_and_tables() -> None:
    page = _notes(
        "# Timeline\n\n**Reminder**: *soon*, `make` and [docs](https://example.com/d) or "
        "<ops@example.com>\n\n- one\n- two\n\n1. first\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```\nx < 1\n```"
    )
    blocks = _notes_elements(page)
    assert [b.tag for b in blocks] == ["h3", "p", "ul", "ol", "table", "pre"]
    assert texts(blocks[0], ".") == ["Timeline"]  # an h3: under the report's own h2
    assert page.xpath("//p/strong/text()") == ["Reminder"]
    assert page.xpath("//p/em/text()") == ["soon"]
    assert page.xpath("//p/a/@href") == ["https://example.com/d", "mailto:ops@example.com"]
    assert texts(blocks[4], ".//td") == ["1", "2"]
    assert texts(blocks[5], "code") == ["x < 1"]


def test_one_line_fields_stay_plain() -> None:
    report = _retro_checked("**not bold**")
    page = parse(PageRenderer().retrospective(report, team_name="T"))
    assert texts(page, "h2")[0] == "**not bold**"
    assert texts(page, "table/tbody/tr[td]/td[2]/p") == ["**not bold**"]
