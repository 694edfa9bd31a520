"""No glyph of a PDF is drawn as .notdef (an empty box): read glyph by glyph (``notdef.py``)."""

from __future__ import annotations

import io

import pydyf
import pytest

from confsync.desired import image_bytes, pdf_cover
from confsync.render.fonts import installed_fonts
from confsync.render.pdf import render_pdf
from tests.render.notdef import drawn_glyphs, notdef_glyphs
from tests.render.test_pdf import SAMPLE_IDS, _samples

needs_noto = pytest.mark.skipif(
    installed_fonts.__wrapped__().missing("李😀") != "",
    reason="needs fonts-noto-cjk and fonts-noto-color-emoji (apt-get install them)",
)


def _sample_pdf(address: str) -> bytes:
    repo, pages = _samples()
    page = next(p for p in pages if str(p.address) == address)
    loaded = next(r for r in repo.reports if r.address == page.address)
    images = image_bytes(repo, page)
    return render_pdf(page.body, title=page.title, cover=pdf_cover(loaded), files=images)


@needs_noto
@pytest.mark.parametrize("address", SAMPLE_IDS)
def test_no_glyph_of_a_sample_pdf_is_notdef(address: str) -> None:
    drawn = notdef_glyphs(_sample_pdf(address))
    assert drawn == [], "\n".join(map(str, drawn))


@needs_noto
def test_the_cjk_and_emoji_sample_draws_them_with_real_glyphs() -> None:
    """Sprint 19 has 李雷 and emoji (title, column names): they are drawn, and not as .notdef."""
    drawn = drawn_glyphs(_sample_pdf("platform/retrospective/2026-09-25-sprint-19"))
    by_text = {d.text: d for d in drawn}
    for char in "李雷😅😠😢😊":
        assert char in by_text, f"{char} is not drawn"
        assert by_text[char].glyph, str(by_text[char])
    assert any("CJK" in d.font for d in drawn)
    assert any("Emoji" in d.font for d in drawn)


@pytest.mark.parametrize(
    "char",
    ["\ue000", "\u0378", "\U000f0001"],
    ids=["private-use", "unassigned", "supplementary-private-use"],
)
def test_a_character_no_font_has_is_found_as_notdef(char: str) -> None:
    """The companion: the check fires. WeasyPrint writes such a character as an unused code
    that the font's own CMap sends to CID 0, not as code 0 under Identity-H."""
    assert installed_fonts().missing(char) == char  # no installed font has it
    pdf = render_pdf(f"<p>Zoë {char} done</p>", title="T", cover="c", files={})
    (notdef,) = notdef_glyphs(pdf)
    assert notdef.text == char
    assert notdef.glyph == 0
    assert notdef.page == 1


def _hand_made(content: bytes) -> bytes:
    """A one-page PDF of fonts WeasyPrint does not write: simple fonts (Type1, Type3) and a
    Type0 font under ``/Identity-H``, named F1, F3 and F0, drawing ``content``."""
    pdf = pydyf.PDF()

    def add(item: pydyf.Dictionary | pydyf.Stream) -> pydyf.Dictionary | pydyf.Stream:
        pdf.add_object(item)
        return item

    helvetica = add(
        pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/Type1",
                "BaseFont": "/Helvetica",
                "Encoding": pydyf.Dictionary({"Differences": pydyf.Array([66, "/.notdef"])}),
            }
        )
    )
    procedure = add(pydyf.Stream([b"0 0 d0"]))
    type3 = add(
        pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/Type3",
                "FontBBox": pydyf.Array([0, 0, 1, 1]),
                "FontMatrix": pydyf.Array([1, 0, 0, 1, 0, 0]),
                "FirstChar": 65,
                "LastChar": 66,
                "Widths": pydyf.Array([1, 1]),
                "Encoding": pydyf.Dictionary({"Differences": pydyf.Array([65, "/a", "/b"])}),
                "CharProcs": pydyf.Dictionary({"a": procedure.reference}),
            }
        )
    )
    descendant = add(
        pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/CIDFontType2",
                "BaseFont": "/Anything",
                "CIDSystemInfo": pydyf.Dictionary(
                    {"Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"),
                     "Supplement": 0}
                ),
                "CIDToGIDMap": "/Identity",
            }
        )
    )  # fmt: skip
    identity = add(
        pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/Type0",
                "BaseFont": "/Anything",
                "Encoding": "/Identity-H",
                "DescendantFonts": pydyf.Array([descendant.reference]),
            }
        )
    )
    fonts = {"F1": helvetica.reference, "F3": type3.reference, "F0": identity.reference}
    stream = add(pydyf.Stream([content]))
    pdf.add_page(
        pydyf.Dictionary(
            {
                "Type": "/Page",
                "Parent": pdf.pages.reference,
                "MediaBox": pydyf.Array([0, 0, 200, 200]),
                "Contents": stream.reference,
                "Resources": pydyf.Dictionary({"Font": pydyf.Dictionary(fonts)}),
            }
        )
    )
    out = io.BytesIO()
    pdf.write(out)
    return out.getvalue()


def test_simple_fonts_and_code_zero_under_identity_h_are_checked_too() -> None:
    pdf = _hand_made(
        b"BT /F1 12 Tf (AB) Tj q /F3 1 Tf [(A) -10 (B)] TJ Q (A) ' "
        b'/F0 12 Tf <00410000> Tj 0 0 <0041> " ET'
    )
    # Helvetica's B is named .notdef; the Type3 font has no procedure for /b; code 0 of an
    # Identity-H font is CID 0, glyph 0. After Q, Helvetica is the font again.
    assert [(d.font, d.code) for d in notdef_glyphs(pdf)] == [
        ("Helvetica", 66),
        ("?", 66),
        ("Anything", 0),
    ]
    assert [d.code for d in drawn_glyphs(pdf)] == [65, 66, 65, 66, 65, 0x41, 0, 0x41]
