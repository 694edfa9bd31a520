"""Fonts through fontconfig: CJK and emoji in the PDF and chart, warnings, no font at all."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from confsync.errors import ConfsyncError
from confsync.glyphs import glyph_warnings
from confsync.loading import load_repo
from confsync.render.charts import health_check_chart
from confsync.render.fonts import installed_fonts
from confsync.render.pdf import render_pdf
from confsync.reports import HealthCheck, report_adapter
from tests.render.notdef import notdef_glyphs

needs_noto = pytest.mark.skipif(
    installed_fonts.__wrapped__().missing("李😀") != "",
    reason="needs fonts-noto-cjk and fonts-noto-color-emoji (apt-get install them)",
)


@pytest.fixture
def no_fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fontconfig that knows no font: what a bare container has."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(f"<fontconfig><cachedir>{tmp_path}/cache</cachedir></fontconfig>")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    installed_fonts.cache_clear()
    yield
    installed_fonts.cache_clear()


def test_no_font_is_a_clear_error_naming_the_packages_before_weasyprint(no_fonts: None) -> None:
    with pytest.raises(ConfsyncError, match="fonts-noto-core fonts-noto-cjk"):
        render_pdf("<p>x</p>", title="T", cover="c", files={})


def test_no_font_is_a_clear_error_for_the_chart_too(no_fonts: None) -> None:
    report = report_adapter.validate_python(
        {"kind": "health-check", "date": "2026-11-20", "dimensions": [{"name": "x", "votes": {}}]}
    )
    assert isinstance(report, HealthCheck)
    with pytest.raises(ConfsyncError, match="no font is installed"):
        health_check_chart(report)


@needs_noto
@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs poppler-utils (pdffonts)")
def test_cjk_and_emoji_are_embedded_and_nothing_is_drawn_as_notdef(tmp_path: Path) -> None:
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(
        render_pdf(
            "<p>Zoë 李雷 joined 🎉 on 2026-11-20</p>", title="Sprint 😅", cover="c", files={}
        )
    )
    fonts = subprocess.run(["pdffonts", pdf], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts
    assert "Emoji" in fonts
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
    assert "李雷" in text
    assert "🎉" in text
    assert notdef_glyphs(pdf.read_bytes()) == []


@needs_noto
def test_the_chart_draws_accents_and_cjk_with_a_truetype_font() -> None:
    def chart(name: str) -> Image.Image:
        report = report_adapter.validate_python(
            {
                "kind": "health-check",
                "date": "2026-11-20",
                "dimensions": [{"name": name, "votes": {"green": 1}}],
            }
        )
        assert isinstance(report, HealthCheck)
        return Image.open(io.BytesIO(health_check_chart(report))).convert("L")

    def label(image: Image.Image) -> bytes:
        return image.crop((0, 44, 230, 74)).tobytes()

    # Different characters draw differently (a bitmap font's boxes would all look alike).
    assert label(chart("Équipe Zoë 李雷")) != label(chart("Équipe Zoë 李雪"))
    assert label(chart("Équipe")) != label(chart("Equipe"))


def test_plan_warns_naming_the_report_and_the_characters(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "confsync.yaml").write_text(
        "version: 1\nconfluence: {edition: cloud, sandbox: s.sqlite}\n"
        "teams: [{id: t, name: T, space: T, reports: reports}]\n"
    )
    (tmp_path / "reports" / "r.yaml").write_text(
        "kind: retrospective\ndate: 2026-11-20\n"
        'columns: [{name: C, items: [{text: "private \\U000F0001 use"}]}]\n'
    )
    (warning,) = glyph_warnings(load_repo(tmp_path))
    assert warning.file.endswith("r.yaml")
    assert "U+F0001" in warning.message
