"""Text drawn on a chart (Pillow) with the fonts fontconfig found, falling back per character.

Pillow draws a string with one font, and its built-in default is a bitmap font with Latin-1
only ("Équipe Zoë" came out as "□quipe Zo□"). So a string is split into runs, each drawn with
the first of the text font, the CJK font and the emoji font that has its characters. Colour
emoji fonts hold bitmaps of one size only (109 px for Noto Color Emoji): such a run is drawn
at that size and scaled down to the text's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from confsync.render.fonts import FontFile, installed_fonts

__all__ = ["Painter"]

_BITMAP_SIZE = 109  # the one strike of Noto Color Emoji (CBDT)


@dataclass(frozen=True)
class _Face:
    file: FontFile
    font: ImageFont.FreeTypeFont
    scale: float  # 1 for outline fonts; target size / strike size for bitmap-only ones


def _load(file: FontFile, size: int) -> _Face:
    font, scale = _truetype(file.path, file.index, size)
    return _Face(file, font, scale)


@cache
def _truetype(path: str, index: int, size: int) -> tuple[ImageFont.FreeTypeFont, float]:
    # Cached: opening a CJK collection costs more than drawing a whole chart.
    try:
        return ImageFont.truetype(path, size, index=index), 1.0
    except OSError:  # a bitmap-only font refuses sizes it has no strike for
        return ImageFont.truetype(path, _BITMAP_SIZE, index=index), size / _BITMAP_SIZE


class Painter:
    """Draws and measures text at one size; raises FontsMissing when no font is installed."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.faces = [_load(f, size) for f in installed_fonts().faces]

    def _runs(self, text: str) -> list[tuple[_Face, str]]:
        runs: list[tuple[_Face, str]] = []
        for char in text:
            # Joiners and variation selectors belong to the run before them.
            face = next((f for f in self.faces if f.file.covers(char)), self.faces[0])
            if runs and (runs[-1][0] is face or char in "\u200d\ufe0f"):
                runs[-1] = (runs[-1][0], runs[-1][1] + char)
            else:
                runs.append((face, char))
        return runs

    def length(self, text: str) -> float:
        return sum(face.font.getlength(run) * face.scale for face, run in self._runs(text))

    def draw(self, image: Image.Image, xy: tuple[float, float], text: str, fill: str) -> None:
        x, y = xy
        draw = ImageDraw.Draw(image)
        for face, run in self._runs(text):
            if face.scale == 1.0:
                draw.text((x, y), run, fill=fill, font=face.font)
            else:
                self._paste_scaled(image, face, run, (x, y))
            x += face.font.getlength(run) * face.scale

    def _paste_scaled(
        self, image: Image.Image, face: _Face, run: str, xy: tuple[float, float]
    ) -> None:
        width = max(1, round(face.font.getlength(run)))
        big = Image.new("RGBA", (width, round(_BITMAP_SIZE * 1.25)), (255, 255, 255, 0))
        ImageDraw.Draw(big).text((0, 0), run, font=face.font, embedded_color=True)
        small = big.resize(
            (max(1, round(big.width * face.scale)), max(1, round(big.height * face.scale))),
            Image.Resampling.LANCZOS,
        )
        image.paste(small, (round(xy[0]), round(xy[1])), small)
