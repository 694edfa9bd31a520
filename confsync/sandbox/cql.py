"""The CQL subset confsync and common clients use: ``space``, ``title`` (``=``, ``!=``, ``~``),
``type``, ``ancestor``, ``parent``, ``id``, ``label``, ``IN (...)``, joined by ``AND``, with an
optional ``ORDER BY``. Anything else is refused with 400, as Confluence refuses CQL it cannot
parse."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from confsync.sandbox.api import ApiError
from confsync.sandbox.pages import PageFilter

__all__ = ["CqlQuery", "parse_cql"]

_TOKEN = re.compile(
    r"""\s*(?:(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|=|~|\(|\)|,)"""
    r"""|(?P<word>[A-Za-z0-9_.\-:]+))"""
)
_SORTS = {"title": "title", "id": "id", "created": "created-date", "lastmodified": "modified-date"}


@dataclass
class CqlQuery:
    """A parsed query: the page filter, the content types asked for, and the order."""

    where: PageFilter
    types: set[str] = field(default_factory=lambda: {"page"})
    sort: str = "id"
    excluded_titles: set[str] = field(default_factory=set)


def _tokens(cql: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = cql.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ApiError(400, f"Could not parse cql : {cql}")
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        found.append((kind, value))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return found


def parse_cql(cql: str) -> CqlQuery:
    tokens = _tokens(cql)
    bad = ApiError(400, f"Could not parse cql : {cql}")
    spaces: list[str] = []
    titles: list[str] = []
    contains: list[str] = []
    ids: list[int] = []
    ancestor: int | None = None
    parent: int | None = None
    labels: list[tuple[str, ...]] = []
    query = CqlQuery(PageFilter())
    types: set[str] | None = None
    i = 0
    while i < len(tokens):
        kind, word = tokens[i]
        if kind == "word" and word.lower() == "order" and i + 2 < len(tokens):
            if tokens[i + 1][1].lower() != "by" or tokens[i + 2][1].lower() not in _SORTS:
                raise bad
            query.sort = _SORTS[tokens[i + 2][1].lower()]
            if i + 3 < len(tokens) and tokens[i + 3][1].lower() == "desc":
                query.sort = "-" + query.sort
            break
        if kind != "word" or i + 2 >= len(tokens):
            raise bad
        name, (op_kind, op) = word.lower(), tokens[i + 1]
        if op_kind == "word" and op.lower() == "in":
            values, i = _list(tokens, i + 2, bad)
            op = "in"
        elif op_kind == "op" and op in {"=", "!=", "~"}:
            values, i = [tokens[i + 2][1]], i + 3
        else:
            raise bad
        if name in {"space", "space.key"} and op in {"=", "in"}:
            spaces += values
        elif name == "title" and op in {"=", "in"}:
            titles += values
        elif name == "title" and op == "~":
            contains += [v.strip("*") for v in values]
        elif name == "title" and op == "!=":
            query.excluded_titles.update(values)
        elif name == "label" and op in {"=", "in"}:
            labels.append(tuple(values))
        elif name == "type" and op in {"=", "in"}:
            types = (types or set()) | {v.lower() for v in values}
        elif name in {"ancestor", "parent", "id"} and op in {"=", "in"}:
            if not all(v.isdigit() for v in values):
                raise bad
            if name == "id":
                ids += [int(v) for v in values]
            elif name == "ancestor":
                ancestor = int(values[0])
            else:
                parent = int(values[0])
        else:
            raise bad
        if i < len(tokens):
            if tokens[i][1].lower() == "and":
                i += 1
            elif tokens[i][1].lower() != "order":
                raise bad
    query.types = types if types is not None else {"page"}
    query.where = PageFilter(
        space_keys=tuple(spaces),
        titles=tuple(titles),
        title_contains=tuple(contains),
        ids=tuple(ids),
        parent_id=parent,
        ancestor_id=ancestor,
        labels=tuple(labels),
    )
    return query


def _list(tokens: list[tuple[str, str]], i: int, bad: ApiError) -> tuple[list[str], int]:
    if i >= len(tokens) or tokens[i][1] != "(":
        raise bad
    values: list[str] = []
    i += 1
    while i < len(tokens) and tokens[i][1] != ")":
        if tokens[i][1] != ",":
            values.append(tokens[i][1])
        i += 1
    if i >= len(tokens) or not values:
        raise bad
    return values, i + 1
