"""Parsing storage format in tests: lxml, with the ``ac:`` and ``ri:`` namespaces declared."""

from __future__ import annotations

from lxml import etree

from confsync.render.storage import NAMESPACES

__all__ = ["NS", "parse", "texts"]

NS = {"ac": NAMESPACES["ac"], "ri": NAMESPACES["ri"]}

_ROOT = "<root " + " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items()) + ">{}</root>"


def parse(body: str) -> etree._Element:
    """The body under a root element; raises XMLSyntaxError unless it is well-formed.

    A parser that resolves no entities and loads nothing: what Confluence would see.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(_ROOT.format(body).encode(), parser)


def texts(element: etree._Element, path: str) -> list[str]:
    """The whole text of each element ``path`` selects, white space collapsed."""
    return [" ".join("".join(e.itertext()).split()) for e in element.xpath(path, namespaces=NS)]
