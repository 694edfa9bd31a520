"""The fonts the PDF and the charts draw with, found through fontconfig.

One ``fc-list`` call lists every installed font with the characters it covers. From that:
the text font (the family fontconfig picks for ``sans-serif``), a CJK and an emoji fallback
when one is installed, and the characters no installed font can draw, so that plan can warn
instead of a PDF or chart silently showing empty boxes. With no font at all, WeasyPrint has
been seen to crash the process (a segmentation fault): ``require_fonts`` is the check made
before it is called.
"""

from __future__ import annotations

import bisect
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache

from confsync.errors import ConfsyncError

__all__ = ["FONT_PACKAGES", "FontFile", "Fonts", "FontsMissing", "installed_fonts", "require_fonts"]

FONT_PACKAGES = "fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji libharfbuzz-subset0"
"""What to install (Debian/Ubuntu) for every script and emoji; named in the errors."""

_CJK_PROBE = 0x4E2D  # 中
_EMOJI_PROBE = 0x1F600  # 😀


class FontsMissing(ConfsyncError):
    """No usable font is installed (or fontconfig is missing)."""


@dataclass(frozen=True)
class FontFile:
    """One installed font face: where it is, and the ranges of code points it covers."""

    path: str
    index: int
    family: str
    style: str
    ranges: tuple[tuple[int, int], ...]

    def covers(self, char: str) -> bool:
        code = ord(char)
        at = bisect.bisect_right(self.ranges, (code, 0x10FFFF + 1)) - 1
        return at >= 0 and self.ranges[at][0] <= code <= self.ranges[at][1]


@dataclass(frozen=True)
class Fonts:
    """The text font first, then the CJK and emoji fallbacks that exist (chart and PDF)."""

    faces: tuple[FontFile, ...]
    coverage: tuple[tuple[int, int], ...]
    """Merged ranges of every installed font: what any of them can draw."""

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.family for f in self.faces))

    def css_font_family(self) -> str:
        # The emoji font is left to fontconfig's fallback: named in the list, Pango draws
        # digits and spaces with it too (it has keycap glyphs for them), spaced like emoji.
        text = [f for f in self.families if "emoji" not in f.lower()]
        quoted = ", ".join('"' + f.replace('"', "") + '"' for f in text)
        return f"{quoted}, sans-serif" if quoted else "sans-serif"

    def missing(self, text: str) -> str:
        """The characters of ``text`` (once each, in order) that no installed font has."""
        found: dict[str, None] = {}
        for char in text:
            code = ord(char)
            # Controls and joiners/selectors are not drawn; fonts need not list them.
            if code < 0x20 or char in "\u200d\ufe0e\ufe0f" or 0xE0020 <= code <= 0xE007F:
                continue
            at = bisect.bisect_right(self.coverage, (code, 0x10FFFF + 1)) - 1
            if not (at >= 0 and self.coverage[at][0] <= code <= self.coverage[at][1]):
                found[char] = None
        return "".join(found)


def _ranges(charset: str) -> tuple[tuple[int, int], ...]:
    ranges = []
    for part in charset.split():
        low, _, high = part.partition("-")
        try:
            ranges.append((int(low, 16), int(high or low, 16)))
        except ValueError:
            continue
    return tuple(sorted(ranges))


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return tuple(merged)


def _run(*args: str) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FontsMissing(f"fontconfig ({args[0]}) failed: {exc}") from exc
    return done.stdout if done.returncode == 0 else ""


def _pick(faces: list[FontFile], probe: int, prefer: str) -> FontFile | None:
    able = [f for f in faces if f.covers(chr(probe))]
    # Regular faces first, the preferred family next, then by name: stable across machines.
    able.sort(key=lambda f: (f.style != "Regular", prefer not in f.family, f.family, f.path))
    return able[0] if able else None


@cache
def installed_fonts() -> Fonts:
    """The fonts fontconfig knows; raises FontsMissing when there is none (or no fontconfig)."""
    if shutil.which("fc-list") is None or shutil.which("fc-match") is None:
        raise FontsMissing(
            "fontconfig is not installed, so no font can be found for the PDF and charts: "
            f"apt-get install fontconfig {FONT_PACKAGES} (or set pdf: false and chart: false)"
        )
    listing = _run("fc-list", "--format", "%{file}|%{index}|%{family[0]}|%{style[0]}|%{charset}\n")
    faces = []
    for line in listing.splitlines():
        parts = line.split("|")
        if len(parts) != 5 or not parts[0].lower().endswith((".ttf", ".otf", ".ttc", ".otc")):
            continue
        path, index, family, style, charset = parts
        ranges = _ranges(charset)
        if ranges:
            faces.append(FontFile(path, int(index or 0), family, style, ranges))
    if not faces:
        raise FontsMissing(
            "no font is installed, so the PDF and charts cannot be drawn: "
            f"apt-get install {FONT_PACKAGES} (or set pdf: false and chart: false)"
        )
    chosen = _run("fc-match", "--format", "%{file}|%{index}", "sans-serif:style=Regular")
    text = next((f for f in faces if f"{f.path}|{f.index}" == chosen), None)
    text = text or _pick(faces, ord("a"), "Sans") or faces[0]
    picked = [text]
    for probe, prefer in ((_CJK_PROBE, "Sans CJK SC"), (_EMOJI_PROBE, "Color Emoji")):
        if not text.covers(chr(probe)):
            fallback = _pick(faces, probe, prefer)
            if fallback is not None:
                picked.append(fallback)
    coverage = _merge([r for face in faces for r in face.ranges])
    return Fonts(tuple(picked), coverage)


def require_fonts() -> Fonts:
    """The installed fonts, checked before WeasyPrint or Pillow is asked to draw text."""
    return installed_fonts()
