"""The PDF attachment says what the page says: printed from the page body, images included."""

from __future__ import annotations

import io
import re
import shutil
import sys
import types
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html
from PIL import Image
from pypdf import PdfReader

from confsync.desired import desired_pages, image_bytes, pdf_cover
from confsync.errors import ConfsyncError
from confsync.loading import Repo, load_repo
from confsync.render.html import storage_to_html
from confsync.render.pdf import print_html, render_pdf
from confsync.types import DesiredPage

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
_FOOTER = re.compile(r"^Page \d+ of \d+$", re.MULTILINE)


def _samples() -> tuple[Repo, list[DesiredPage]]:
    repo = load_repo(SAMPLES)
    return repo, [p for p in desired_pages(repo) if not p.address.is_parent]


def _squeeze(text: str) -> str:
    # Case folded: lozenges are printed in capitals, as Confluence shows them.
    return re.sub(r"\s+", "", text).casefold()


def _page_texts(body: str, images: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """Every text a reader of the page sees, in order, and the images it shows."""
    shown = storage_to_html(body, lambda name: name if name in images else None, lambda _: None)
    tree = lxml_html.fragment_fromstring(shown, create_parent="div")
    texts = [t.strip() for t in tree.itertext() if t.strip()]
    return texts, [str(img.get("src")) for img in tree.iter("img")]


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(_FOOTER.sub("", page.extract_text() or "") for page in reader.pages)


def _pdf_image_sizes(pdf: bytes) -> list[tuple[int, int]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [
        (img.image.width, img.image.height) for p in reader.pages for img in p.images if img.image
    ]


SAMPLE_IDS = [str(p.address) for p in _samples()[1]]


@pytest.mark.parametrize("address", SAMPLE_IDS)
def test_the_pdf_holds_every_text_and_image_of_the_page_in_order(address: str) -> None:
    repo, pages = _samples()
    page = next(p for p in pages if str(p.address) == address)
    loaded = next(r for r in repo.reports if str(r.address) == address)
    images = image_bytes(repo, page)
    pdf = render_pdf(page.body, title=page.title, cover=pdf_cover(loaded), files=images)

    printed = _squeeze(_pdf_text(pdf))
    texts, shown = _page_texts(page.body, images)
    at = 0
    for text in texts:
        found = printed.find(_squeeze(text), at)
        assert found >= 0, f"{text!r} is on the page but not in the PDF (after offset {at})"
        at = found + len(_squeeze(text))
    sizes = _pdf_image_sizes(pdf)
    for name in shown:
        if name.endswith(".svg"):  # drawn as vectors: its texts are in the PDF's text
            drawn = etree.fromstring(images[name]).iterfind(".//{http://www.w3.org/2000/svg}text")
            for text in drawn:
                assert _squeeze(text.text or "") in printed, f"the image {name} is not in the PDF"
            continue
        with Image.open(io.BytesIO(images[name])) as image:
            assert image.size in sizes, f"the image {name} is on the page but not in the PDF"


def test_the_samples_show_images_so_the_image_check_means_something() -> None:
    repo, pages = _samples()
    assert sum(len(image_bytes(repo, p)) for p in pages) >= 2


def test_a_text_missing_from_the_pdf_is_caught() -> None:
    """The check above fails when the PDF and the page drift apart."""
    body = "<p>Deploys are faster</p><p>Only on the page</p>"
    pdf = render_pdf("<p>Deploys are faster</p>", title="T", cover="c", files={})
    printed = _squeeze(_pdf_text(pdf))
    texts, _ = _page_texts(body, {})
    assert [_squeeze(t) in printed for t in texts] == [True, False]


def test_the_print_html_escapes_page_text_and_numbers_pages() -> None:
    document = print_html(
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", title="<b>x</b>", cover="c", files={}
    )
    assert "<script>" not in document
    assert "&lt;b&gt;x&lt;/b&gt;" in document
    pdf = render_pdf("<p>one</p>" * 200, title="Long", cover="Team", files={})
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 1
    first = reader.pages[0].extract_text()
    assert f"Page 1 of {len(reader.pages)}" in first
    assert first.index("Long") < first.index("Team") < first.index("one")


class _NoPango(types.ModuleType):
    def __getattr__(self, name: str) -> object:
        raise OSError("cannot load library 'libpango-1.0-0'")


def test_missing_pango_is_an_error_that_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", _NoPango("weasyprint"))
    with pytest.raises(ConfsyncError, match=r"apt-get install libpango-1\.0-0"):
        render_pdf("<p>x</p>", title="Sprint 22", cover="Platform", files={})


def _pdf_digest(root: Path, address: str) -> str:
    page = next(p for p in desired_pages(load_repo(root)) if str(p.address) == address)
    return next(a.digest for a in page.attachments if a.origin == "pdf")


def test_a_change_to_the_page_or_an_image_it_shows_prints_the_pdf_again(tmp_path: Path) -> None:
    root = tmp_path / "samples"
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns(".confsync"))
    address = "platform/retrospective/2026-10-23-sailboat"
    before = _pdf_digest(root, address)
    assert _pdf_digest(root, address) == before  # stable
    board = root / "reports/platform/boards/2026-10-23-sailboat.svg"
    board.write_text(board.read_text().replace("Island", "Iceland"))
    after_image = _pdf_digest(root, address)
    assert after_image != before
    report = root / "reports/platform/2026-10-23-sailboat.yaml"
    report.write_text(report.read_text().replace("format: sailboat", "format: sailboat 2", 1))
    assert _pdf_digest(root, address) != after_image
