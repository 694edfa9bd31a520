"""The sandbox's operation inventory, generated from Atlassian's OpenAPI files.

    python -m confsync.sandbox.inventory [--specs DIR] [--check]

reads the three spec files (``CONFSYNC_OPENAPI_DIR``, else ``../shared/specs`` beside the
repository) and writes two files: ``confsync/sandbox/spec_operations.json`` (every operation's
method, path and operationId: what lets the sandbox answer 501 for a documented operation it
lacks) and ``docs/sandbox-inventory.md`` (the operations a publishing client uses, each marked
implemented or not from the app's own routes, with counts per spec). ``--check`` writes
nothing and exits 1 when either file is stale.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from starlette.routing import Mount, Route

from confsync.sandbox.app import create_app
from confsync.sandbox.spec_catalog import CATALOG_FILE, catalog, find_operation

__all__ = ["SPEC_FILES", "catalog_json", "inventory_markdown", "main", "publishing_category"]

REPO_ROOT = Path(__file__).resolve().parents[2]
INVENTORY_FILE = REPO_ROOT / "docs" / "sandbox-inventory.md"

SPEC_FILES: dict[str, str] = {
    "cloud-v2": "confluence-cloud-v2.openapi-v2.v3.2026-06-10.json",
    "cloud-v1": "confluence-cloud-v1.swagger.v3.2023-08.json",
    "dc": "confluence-dc-10.0.3.swagger.v3.json",
}
_METHODS = ("get", "put", "post", "delete", "patch")

# What a publishing client uses, by path (v1 paths without their /wiki/rest/api or /rest/api
# prefix), in the order the table lists them. A method list narrows a rule to reads.
_V = r"\{[^/}]+\}"
_RULES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("pages", "v1", rf"^/content(/{_V})?$", ()),
    ("pages", "v1", rf"^/content/{_V}/(child|descendant)(/{_V}|/page)?$", ()),
    ("pages", "v1", rf"^/content/{_V}/(history|version)(/{_V})?$", ()),
    ("pages", "v1", rf"^/content/{_V}/(move/{_V}/{_V}|copy|pagehierarchy/copy)$", ()),
    ("pages", "v1", rf"^/space/{_V}/content(/{_V})?$", ("GET",)),
    ("pages", "v2", rf"^/pages(/{_V})?$", ()),
    ("pages", "v2", rf"^/pages/{_V}/(children|direct-children|descendants|ancestors)$", ()),
    ("pages", "v2", rf"^/pages/{_V}/(versions(/{_V})?|title)$", ()),
    ("pages", "v2", rf"^/spaces/{_V}/pages$", ()),
    ("attachments", "v1", rf"^/content/{_V}/child/attachment(/{_V}(/data|/download)?)?$", ()),
    ("attachments", "v2", rf"^/(pages/{_V}/)?attachments(/{_V})?$", ()),
    ("attachments", "v2", rf"^/attachments/{_V}/(versions(/{_V})?|download)$", ()),
    ("properties", "v1", rf"^/content/{_V}/property(/{_V})?$", ()),
    ("properties", "v2", rf"^/(pages|attachments)/{_V}/properties(/{_V})?$", ()),
    ("labels", "v1", rf"^/content/{_V}/label(/{_V})?$", ()),
    ("labels", "v2", rf"^/(pages|attachments)/{_V}/labels$", ()),
    ("watches", "v1", rf"^/user/watch/content/{_V}$", ()),
    ("restrictions", "v1", rf"^/content/{_V}/restriction(/byOperation(/{_V})?)?$", ("GET",)),
    ("spaces", "v1", rf"^/space(/{_V})?$", ("GET",)),
    ("spaces", "v1", rf"^/space/{_V}/property(/{_V})?$", ()),
    ("spaces", "v1", rf"^/space/{_V}/permissions?$", ("GET",)),
    ("spaces", "v2", rf"^/spaces(/{_V})?$", ("GET",)),
    ("spaces", "v2", rf"^/spaces/{_V}/(properties(/{_V})?)$", ()),
    ("spaces", "v2", rf"^/spaces/{_V}/permissions$", ("GET",)),
    ("search", "v1", r"^/(content/)?search$", ("GET",)),
    ("user", "v1", r"^/user/current$", ("GET",)),
    ("long tasks", "v1", rf"^/longtask(/{_V})?$", ("GET",)),
)
_CATEGORIES = list(dict.fromkeys(rule[0] for rule in _RULES))


def specs_dir(explicit: str | None = None) -> Path | None:
    env = explicit or os.environ.get("CONFSYNC_OPENAPI_DIR")
    folder = Path(env) if env else REPO_ROOT.parent / "shared" / "specs"
    if all((folder / name).is_file() for name in SPEC_FILES.values()):
        return folder
    return None


def _operations(folder: Path) -> dict[str, list[tuple[str, str, str, bool]]]:
    """(METHOD, template, operationId, deprecated) of each spec, in the spec's order."""
    found: dict[str, list[tuple[str, str, str, bool]]] = {}
    for spec, name in SPEC_FILES.items():
        doc = json.loads((folder / name).read_text(encoding="utf-8"))
        rows = found.setdefault(spec, [])
        for template, item in doc["paths"].items():
            for method in _METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    op_id = str(op.get("operationId") or f"{method}:{template}")
                    rows.append((method.upper(), template, op_id, bool(op.get("deprecated"))))
    return found


def catalog_json(folder: Path) -> str:
    data = {
        spec: [[m, t, op_id] for m, t, op_id, _ in rows]
        for spec, rows in _operations(folder).items()
    }
    lines = ",\n".join(
        f"  {json.dumps(spec)}: [\n"
        + ",\n".join(f"    {json.dumps(row)}" for row in rows)
        + "\n  ]"
        for spec, rows in data.items()
    )
    return "{\n" + lines + "\n}\n"


def publishing_category(spec: str, method: str, template: str) -> str | None:
    """The inventory row group of an operation a publishing client uses, else None."""
    dialect = "v2" if spec == "cloud-v2" else "v1"
    relative = re.sub(r"^(/wiki)?/rest/api", "", template)
    for category, rule_dialect, pattern, methods in _RULES:
        chosen = rule_dialect == dialect and re.match(pattern, relative)
        if chosen and (not methods or method in methods):
            return category
    return None


def _sample(path: str) -> str:
    path = re.sub(r"\{attachment_id\}", "att123", path)
    path = re.sub(r"\{type\}", "page", path)
    path = re.sub(r"\{key\}", "KEY", path)
    path = re.sub(r"\{label:path\}", "some-label", path)
    return re.sub(r"\{[a-z_]+\}", "123", path)


def implemented() -> set[tuple[str, str, str]]:
    """(spec, METHOD, template) of every operation the app routes, in either edition."""
    found: set[tuple[str, str, str]] = set()
    for edition in ("cloud", "datacenter"):
        app = create_app(edition=edition)
        for mount in app.routes:
            if not isinstance(mount, Mount) or "/ex/confluence" in mount.path:
                continue
            for route in mount.routes:
                if not isinstance(route, Route):
                    continue
                for method in sorted(route.methods or ()):
                    path = mount.path + _sample(route.path)
                    op = find_operation(method, path, cloud=edition == "cloud")
                    if op is not None and method != "HEAD":
                        found.add((op.spec, op.method, op.template))
    return found


def inventory_markdown(folder: Path) -> str:
    operations = _operations(folder)
    done = implemented()
    counts: list[str] = []
    table: list[str] = []
    for spec, rows in operations.items():
        chosen = [
            (category, m, t, op_id, deprecated)
            for m, t, op_id, deprecated in rows
            if (category := publishing_category(spec, m, t)) is not None
        ]
        chosen.sort(key=lambda r: (_CATEGORIES.index(r[0]), r[2], r[1]))
        ok = sum(1 for _, m, t, _, _ in chosen if (spec, m, t) in done)
        everywhere = sum(1 for m, t, _, _ in rows if (spec, m, t) in done)
        counts.append(
            f"| {spec} | `{SPEC_FILES[spec]}` | {len(rows)} | {len(chosen)} | {ok} | "
            f"{len(chosen) - ok} | {everywhere} |"
        )
        table += [f"\n## {spec}\n", "| group | method | path | operationId | sandbox |"]
        table.append("|---|---|---|---|---|")
        for category, m, t, op_id, deprecated in chosen:
            mark = "implemented" if (spec, m, t) in done else "501"
            note = " (deprecated)" if deprecated else ""
            table.append(f"| {category} | {m} | `{t}` | {op_id}{note} | {mark} |")
    header = [
        "# Sandbox operation inventory",
        "",
        "Generated by `python -m confsync.sandbox.inventory` from Atlassian's OpenAPI files;",
        "do not edit (tests/sandbox/test_inventory.py fails when it is stale). Rows are the",
        "operations a publishing client uses: pages and content, attachments, content and",
        "attachment properties, labels, watches, restrictions (read), spaces, search, the",
        "current user and long tasks. Any other documented operation answers 501 naming its",
        "operationId; a path in no spec answers 404.",
        "",
        "| spec | file | operations | publishing | implemented | 501 | implemented (all) |",
        "|---|---|---|---|---|---|---|",
    ]
    return "\n".join([*header, *counts, *table]) + "\n"


def _write_or_check(path: Path, text: str, check: bool) -> bool:
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if current == text:
        return True
    if check:
        print(f"{path} is stale: run python -m confsync.sandbox.inventory", file=sys.stderr)
        return False
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m confsync.sandbox.inventory")
    parser.add_argument("--specs", help="folder of the three OpenAPI files")
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    args = parser.parse_args(argv)
    folder = specs_dir(args.specs)
    if folder is None:
        names = ", ".join(SPEC_FILES.values())
        print(
            f"Atlassian's OpenAPI files are not available: put {names} in a folder and pass "
            "--specs or set CONFSYNC_OPENAPI_DIR (download URLs: tests/support/openapi.py)",
            file=sys.stderr,
        )
        return 2
    results = [_write_or_check(CATALOG_FILE, catalog_json(folder), args.check)]
    # The table marks what the app routes, and the app reads the catalogue: write it first.
    catalog.cache_clear()
    results = [*results, _write_or_check(INVENTORY_FILE, inventory_markdown(folder), args.check)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
