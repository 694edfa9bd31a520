"""The fast (libyaml) and round-trip readers must agree on every value they accept."""

from __future__ import annotations

from pathlib import Path

import pytest

from confsync import yamlio
from confsync.yamlio import Document, read_yaml

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

TRICKY = """\
a: yes
b: no
c: on
d: 010
e: 0o17
f: 1_000
g: 2026-11-20
h: 1e3
i: .inf
j: ~
k: 12:30
l: '2026-11-20'
m: 0x1F
n: 2026-11-20T10:00:00
o: "tab\\tquote\\""
base: &base {x: 1, y: [1, 2]}
merged:
  <<: *base
  y: [3]
text: |
  line one
  line two
"""


def both(path: Path) -> tuple[Document, Document]:
    fast = read_yaml(path, path.name)
    slow = yamlio._load_round_trip(path.read_text(encoding="utf-8-sig"), path.name)
    assert isinstance(fast, Document), fast
    assert isinstance(slow, Document), slow
    return fast, slow


def test_the_fast_reader_is_available_here() -> None:
    # CI installs ruamel.yaml.clib; without it every load takes the slow path.
    assert yamlio._FAST is not None


@pytest.mark.parametrize(
    "path", sorted(SAMPLES.rglob("*.yaml")), ids=lambda p: str(p.relative_to(SAMPLES))
)
def test_fast_and_round_trip_readers_agree_on_the_samples(path: Path) -> None:
    fast, slow = both(path)
    assert fast.data == slow.data


def test_fast_and_round_trip_readers_agree_on_tricky_scalars(tmp_path: Path) -> None:
    path = tmp_path / "tricky.yaml"
    path.write_text(TRICKY)
    fast, slow = both(path)
    assert fast.data == slow.data
    assert fast.data["a"] == "yes"  # YAML 1.2: no "Norway problem"
    assert fast.data["g"] == "2026-11-20"  # dates stay text; pydantic parses them
    assert fast.data["merged"] == {"x": 1, "y": [3]}


def test_positions_of_a_fast_document_are_read_on_demand(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("kind: retrospective\ndate: 2026-11-20\ncolumns:\n  - name: A\n")
    document = read_yaml(path, "r.yaml")
    assert isinstance(document, Document)
    assert document.positions.of_value(("columns", 0, "name")) == (4, 11)
    assert document.positions.of_key(("date",)) == (2, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("a: [" * 60 + "]" * 60 + "\n", "nested more than 50 levels"),
        ("a:\n\t- b\n", "tab"),
    ],
)
def test_what_the_fast_reader_refuses_is_explained_by_the_round_trip_reader(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert yamlio._load_fast(text) is None
    problem = read_yaml(path, "bad.yaml")
    assert not isinstance(problem, Document)
    assert message in problem.message
