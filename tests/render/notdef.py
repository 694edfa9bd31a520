"""Glyph by glyph, what a PDF draws as .notdef (the empty box): read from its content streams.

Every text-show operator (``Tj``, ``TJ``, ``'``, ``"``) of every page, and of the form
XObjects a page draws, is split into character codes with the font ``Tf`` chose, and each
code is followed to the glyph it selects:

- Type0 fonts: 2-byte codes, through the font's ``Encoding`` CMap to a CID (``/Identity-H``:
  the code is the CID; an embedded CMap: its ``cidchar``/``cidrange`` entries, any other code
  is CID 0), then to a glyph: ``CIDToGIDMap`` for TrueType outlines (CIDFontType2), the CFF
  charset for a CID-keyed CFF (CIDFontType0). Glyph 0 is .notdef, and so is a glyph past the
  end of the embedded font.
- Simple fonts (Type1, TrueType, Type3): 1-byte codes; .notdef when the encoding names
  ``.notdef``, when a Type3 font has no procedure for the name, or when an embedded TrueType
  font's cmap has no glyph for the code.

How WeasyPrint 70 writes text (``weasyprint/draw/text.py``, ``pdf/fonts.py``): every font is a
Type0 font whose codes are the glyph ids of the original font (``<04x>``), ``CIDToGIDMap
/Identity``, and the font subset keeps glyph ids (HarfBuzz ``RETAIN_GIDS``). A character no
font has is *not* written as code 0: it gets an unused code past the font's last glyph, and the
font's encoding becomes an embedded CMap that sends that code to CID 0 (``/WP-Encod-0``). A
check that only looked for code 0 under ``/Identity-H`` would never fire; this one reads the
CMap, so it does.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fontTools import agl
from fontTools.cffLib import CFFFontSet
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, NameObject

__all__ = ["Drawn", "drawn_glyphs", "notdef_glyphs"]


@dataclass(frozen=True)
class Drawn:
    """One glyph a text-show operator draws: page (from 1), font, code and the glyph it selects.

    ``glyph`` is 0 for .notdef, None where only the encoding could be checked (a simple font
    with no embedded program); ``text`` is what the font's ToUnicode map says the code means.
    """

    page: int
    font: str
    code: int
    glyph: int | None
    text: str

    def __str__(self) -> str:
        chars = " ".join(f"U+{ord(c):04X}" for c in self.text) or "?"
        return (
            f"page {self.page}, {self.font}: code {self.code:#06x} ({chars}) -> glyph {self.glyph}"
        )


_HEX = r"<([0-9a-fA-F]+)>"


def _hex(value: str) -> int:
    return int(value, 16)


def _cmap_sections(data: str, kind: str) -> Iterator[str]:
    yield from re.findall(rf"begin{kind}(.*?)end{kind}", data, re.DOTALL)


def _to_unicode(font: DictionaryObject) -> dict[int, str]:
    """The font's ToUnicode CMap: code → text (bfchar and bfrange entries)."""
    if "/ToUnicode" not in font:
        return {}
    data = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    mapping: dict[int, str] = {}
    for section in _cmap_sections(data, "bfchar"):
        for code, text in re.findall(rf"{_HEX}\s*{_HEX}", section):
            mapping[_hex(code)] = bytes.fromhex(text).decode("utf-16-be")
    for section in _cmap_sections(data, "bfrange"):
        for low, high, text in re.findall(rf"{_HEX}\s*{_HEX}\s*{_HEX}", section):
            start = int.from_bytes(bytes.fromhex(text).decode("utf-16-be").encode("utf-32-be"))
            for n, code in enumerate(range(_hex(low), _hex(high) + 1)):
                mapping[code] = chr(start + n)
    return mapping


def _embedded(descriptor: DictionaryObject | None) -> bytes | None:
    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        if descriptor is not None and key in descriptor:
            return bytes(descriptor[key].get_object().get_data())
    return None


@dataclass
class _Font:
    name: str
    two_byte: bool
    to_unicode: dict[int, str]
    resolve: Any  # code -> glyph id (0: .notdef; None: not known, and not .notdef)
    cache: dict[int, int | None] = field(default_factory=dict)

    def glyph(self, code: int) -> int | None:
        if code not in self.cache:
            self.cache[code] = self.resolve(code)
        return self.cache[code]


def _cid_encoding(encoding: Any) -> Any:
    """Code → CID for a Type0 font's ``Encoding``."""
    if isinstance(encoding, NameObject):
        if encoding in ("/Identity-H", "/Identity-V"):
            return lambda code: code
        raise AssertionError(f"a predefined CMap this check does not know: {encoding}")
    data = encoding.get_object().get_data().decode("latin-1")
    for section in _cmap_sections(data, "codespacerange"):
        for low, high in re.findall(rf"{_HEX}\s*{_HEX}", section):
            assert len(low) == len(high) == 4, f"not a 2-byte code space: <{low}> <{high}>"
    table: dict[int, int] = {}
    for section in _cmap_sections(data, "cidchar"):
        for code, cid in re.findall(rf"{_HEX}\s*(\d+)", section):
            table[_hex(code)] = int(cid)
    ranges = [
        (_hex(low), _hex(high), int(cid))
        for section in _cmap_sections(data, "cidrange")
        for low, high, cid in re.findall(rf"{_HEX}\s*{_HEX}\s*(\d+)", section)
    ]

    def cid(code: int) -> int:
        if code in table:
            return table[code]
        # A code the CMap does not map selects CID 0 (.notdef).
        return next((start + code - low for low, high, start in ranges if low <= code <= high), 0)

    return cid


def _cid_to_gid(descendant: DictionaryObject, program: bytes | None) -> Any:
    """CID → glyph id for a CIDFont, and the number of glyphs its embedded program has."""
    if descendant["/Subtype"] == "/CIDFontType0":
        if program is None:
            return lambda cid: cid
        if program.startswith(b"OTTO"):
            cff = TTFont(io.BytesIO(program))["CFF "].cff
        else:
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(program), None)
        top = cff.topDictIndex[0]
        charset = list(top.charset)
        if not hasattr(top, "ROS"):  # not CID-keyed: CIDs are glyph ids
            return lambda cid: cid if cid < len(charset) else 0
        by_cid = {int(name[3:]): gid for gid, name in enumerate(charset) if name.startswith("cid")}
        return lambda cid: by_cid.get(cid, 0)
    glyphs = TTFont(io.BytesIO(program))["maxp"].numGlyphs if program is not None else 1 << 16
    mapping = descendant.get("/CIDToGIDMap", NameObject("/Identity"))
    if isinstance(mapping, NameObject):
        assert mapping == "/Identity", mapping
        return lambda cid: cid if cid < glyphs else 0
    data = mapping.get_object().get_data()

    def gid(cid: int) -> int:
        found = int.from_bytes(data[2 * cid : 2 * cid + 2]) if 2 * cid + 2 <= len(data) else 0
        return found if found < glyphs else 0

    return gid


def _simple_names(font: DictionaryObject) -> tuple[dict[int, str], str]:
    """A simple font's ``Differences`` (code → glyph name) and its base encoding's codec."""
    encoding = font.get("/Encoding")
    encoding = encoding.get_object() if encoding is not None else None
    base = encoding if isinstance(encoding, NameObject) else None
    names: dict[int, str] = {}
    if isinstance(encoding, DictionaryObject):
        base = encoding.get("/BaseEncoding")
        code = 0
        for item in encoding.get("/Differences", ArrayObject()):
            if isinstance(item, NameObject):
                names[code] = item[1:]
                code += 1
            else:
                code = int(item)
    codec = "mac_roman" if base == "/MacRomanEncoding" else "cp1252"
    return names, codec


def _simple(font: DictionaryObject) -> Any:
    """Code → glyph for a simple font: 0 (.notdef) when the encoding or program has none."""
    names, codec = _simple_names(font)
    subtype = font["/Subtype"]
    procs = font.get("/CharProcs")
    descriptor = font.get("/FontDescriptor")
    program = _embedded(descriptor.get_object() if descriptor is not None else None)
    cmap: dict[int, str] = {}
    order: list[str] = []
    symbolic = False
    if subtype == "/TrueType" and program is not None:
        tt = TTFont(io.BytesIO(program))
        order = tt.getGlyphOrder()
        symbolic = bool(int(descriptor.get_object().get("/Flags", 0)) & 4)
        table = tt["cmap"].getcmap(3, 0) if symbolic else tt["cmap"].getcmap(3, 1)
        table = table or tt["cmap"].getcmap(1, 0)
        cmap = dict(table.cmap) if table is not None else {}

    def glyph(code: int) -> int:
        name = names.get(code)
        if name == ".notdef":
            return 0
        if subtype == "/Type3":
            known = procs is not None and name is not None and f"/{name}" in procs.get_object()
            # WeasyPrint's bitmap fonts name each glyph by its id: "0" is .notdef.
            return 0 if not known or name == "0" else None
        if not order:  # no program to look into: the encoding is all there is to check
            return None
        if symbolic:
            found = next((cmap[c] for c in (code, 0xF000 + code) if c in cmap), None)
        else:
            text = agl.toUnicode(name) if name else codecs.decode(bytes([code]), codec, "ignore")
            found = cmap.get(ord(text)) if len(text) == 1 else None
        return order.index(found) if found else 0

    return glyph


def _font(ref: Any) -> _Font:
    font = ref.get_object()
    name = str(font.get("/BaseFont", "/?"))[1:]
    if font["/Subtype"] != "/Type0":
        return _Font(name, False, _to_unicode(font), _simple(font))
    descendant = font["/DescendantFonts"][0].get_object()
    descriptor = descendant.get("/FontDescriptor")
    program = _embedded(descriptor.get_object() if descriptor is not None else None)
    cid, gid = _cid_encoding(font["/Encoding"]), _cid_to_gid(descendant, program)
    return _Font(name, True, _to_unicode(font), lambda code: gid(cid(code)))


def _shown(operands: list[Any], operator: bytes) -> Iterator[bytes]:
    """The strings a text-show operator draws."""
    if operator in (b"Tj", b"'"):
        yield operands[0].original_bytes
    elif operator == b'"':
        yield operands[2].original_bytes
    elif operator == b"TJ":
        for item in operands[0]:
            if not isinstance(item, int | float):
                yield item.original_bytes


def _walk(
    reader: PdfReader, content: Any, resources: DictionaryObject, page: int, fonts: dict[int, _Font]
) -> Iterator[Drawn]:
    font_resources = resources.get("/Font", DictionaryObject()).get_object()
    xobjects = resources.get("/XObject", DictionaryObject()).get_object()
    current: list[_Font | None] = [None]  # q/Q save and restore the text state with the rest
    for operands, operator in ContentStream(content, reader).operations:
        if operator == b"q":
            current.append(current[-1])
        elif operator == b"Q" and len(current) > 1:
            current.pop()
        elif operator == b"Tf":
            ref = font_resources.raw_get(operands[0])
            key = ref.idnum if hasattr(ref, "idnum") else id(ref)
            if key not in fonts:
                fonts[key] = _font(ref)
            current[-1] = fonts[key]
        elif operator in (b"Tj", b"TJ", b"'", b'"'):
            font = current[-1]
            assert font is not None, f"page {page}: text shown before any Tf"
            step = 2 if font.two_byte else 1
            for string in _shown(operands, operator):
                for at in range(0, len(string) - step + 1, step):
                    code = int.from_bytes(string[at : at + step])
                    text = font.to_unicode.get(code, "")
                    yield Drawn(page, font.name, code, font.glyph(code), text)
        elif operator == b"Do":
            xobject = xobjects[operands[0]].get_object()
            if xobject.get("/Subtype") == "/Form":
                inner = xobject.get("/Resources")
                inner = inner.get_object() if inner is not None else resources
                yield from _walk(reader, xobject, inner, page, fonts)


def drawn_glyphs(pdf: bytes) -> list[Drawn]:
    """Every glyph the PDF's text operators draw, in content-stream order."""
    reader = PdfReader(io.BytesIO(pdf))
    fonts: dict[int, _Font] = {}
    drawn: list[Drawn] = []
    for number, page in enumerate(reader.pages, start=1):
        contents = page.get_contents()
        if contents is not None:
            resources = page["/Resources"].get_object()
            drawn.extend(_walk(reader, contents, resources, number, fonts))
    return drawn


def notdef_glyphs(pdf: bytes) -> list[Drawn]:
    """The glyphs drawn as .notdef: empty for a PDF where every character has its glyph."""
    return [d for d in drawn_glyphs(pdf) if d.glyph == 0]
