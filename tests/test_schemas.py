"""The committed JSON Schemas match the models, and the samples satisfy them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from confsync.schemas import json_schemas
from confsync.yamlio import Document, read_yaml

ROOT = Path(__file__).parent.parent
SCHEMAS = ROOT / "schemas"
SAMPLE_FILES = sorted((ROOT / "samples").rglob("*.yaml"))
REFRESH = "the committed schemas are stale: run `confsync schema --out schemas` and commit them"


def _committed() -> dict[str, Any]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.json")}


def _validator(path: Path) -> jsonschema.protocols.Validator:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    schema = json.loads((path.parent / first.split("$schema=", 1)[1]).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _data(path: Path) -> Any:
    document = read_yaml(path, str(path))
    assert isinstance(document, Document), document
    return document.data


def test_the_committed_schemas_are_the_generated_ones() -> None:
    assert sorted(_committed()) == sorted(json_schemas()), REFRESH
    for name, schema in json_schemas().items():
        assert _committed()[name] == schema, f"{name}: {REFRESH}"


def test_the_committed_schemas_are_formatted_as_the_command_writes_them() -> None:
    for name, schema in json_schemas().items():
        written = (SCHEMAS / name).read_text(encoding="utf-8")
        assert written == json.dumps(schema, indent=2, sort_keys=True) + "\n", f"{name}: {REFRESH}"


@pytest.mark.parametrize("name", sorted(json_schemas()))
def test_each_schema_is_a_valid_2020_12_schema(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(json_schemas()[name])


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_each_sample_satisfies_its_schema(path: Path) -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in _validator(path).iter_errors(_data(path))
    ]
    assert errors == []


@pytest.mark.parametrize(
    ("sample", "change", "message"),
    [
        ("samples/confsync.yaml", {"versoin": 1},
         "Additional properties are not allowed ('versoin' was unexpected)"),
        ("samples/reports/platform/2026-11-06-sprint-22.yaml", {"kind": "retro"},
         "'retrospective' was expected"),
        ("samples/reports/platform/2026-11-18-q4-health-check.yaml", {"dimensions": []},
         "[] should be non-empty"),
    ],
)  # fmt: skip
def test_the_schemas_catch_mistakes_while_typing(
    sample: str, change: dict[str, Any], message: str
) -> None:
    path = ROOT / sample
    data = {**_data(path), **change}
    assert [e.message for e in _validator(path).iter_errors(data)] == [message]
