"""Contract checks against Atlassian's published OpenAPI files.

Every request a client sends, and every answer the sandbox gives, can be checked against the
OpenAPI file of the API it belongs to:

    checker = ContractChecker()
    checker.check_request(request)            # raises AssertionError naming spec and operation
    checker.check_response(request, response)

or, wrapping any async transport:

    transport = ValidatingTransport(inner, checker)

The files are Atlassian's and are never copied into this repository: they are found through
the environment variable ``CONFSYNC_OPENAPI_DIR``, else ``../shared/specs`` beside the repo root.

Validation is a layer, on when the files are there (issue 15). ``ContractChecker()`` without a
folder finds them; without them it is off: it lets every exchange through unchecked, so behaviour
tests (the sandbox, respx, end-to-end) run on a fresh clone all the same. When the files are
there, the same checks run on the same traffic. Tests whose subject is conformance itself (what
the checker catches or covered, the committed catalogue's staleness, the named spec gaps) skip
without the files, saying so and naming the downloads: through ``require_specs()`` (or
``ContractChecker(require_specs())``) or the ``needs_specs`` marker. Reading what an off checker
saw (``covered``, ``unchecked``, ``gaps_seen``) or asking it for an operation skips the same way,
so no conformance assertion can pass on a checker that validated nothing. ``requests_checked``
and ``responses_checked`` count the exchanges validated (tests/sandbox/test_layer.py holds them
above zero when the files are there). The pytest header says whether the layer is on.

Routing is by URL path: a leading ``/ex/confluence/{cloudId}`` (the OAuth gateway) is stripped;
``/wiki/api/v2/X`` is Cloud v2 path ``/X``; ``/wiki/rest/api/X`` is Cloud v1 (full path); any
other path containing ``/rest/api/`` is Data Center (``/rest/api/X``, context path stripped).
Other paths (OAuth, edge, the sandbox admin API) are in no spec: they are recorded as unchecked.

Schemas are validated with jsonschema (OpenAPI 3.0 dialect from openapi-schema-validator) over
a referencing registry holding the whole spec; compiled validators are cached per schema
location, and each spec is loaded once per process (about 0.3 s for all three); a response
check takes about 0.4 ms. Where the specs and the real servers differ, ``spec_gaps`` names
each difference and nothing broader is accepted.

For fixtures: ``contract_checker`` (import it into a conftest) and
``validating_transport_fixture()``.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.support.spec_gaps import (
    BROKEN_PATTERNS,
    GLOBAL_STATUSES,
    KNOWN_GAPS,
    OVERLAPPING_ONE_OF,
    STATUS_ALIASES,
    undocumented_reason,
)

__all__ = [
    "DOWNLOAD_URLS",
    "GLOBAL_STATUSES",
    "KNOWN_GAPS",
    "OVERLAPPING_ONE_OF",
    "SPEC_FILES",
    "STATUS_ALIASES",
    "ContractChecker",
    "Operation",
    "ValidatingTransport",
    "contract_checker",
    "iter_operations",
    "layer_status",
    "needs_specs",
    "require_specs",
    "route",
    "specs_dir",
    "undocumented_reason",
    "validating_transport_fixture",
]

REPO_ROOT = Path(__file__).resolve().parents[2]

SPEC_FILES: dict[str, str] = {
    "cloud-v2": "confluence-cloud-v2.openapi-v2.v3.2026-06-10.json",
    "cloud-v1": "confluence-cloud-v1.swagger.v3.2023-08.json",
    "dc": "confluence-dc-10.0.3.swagger.v3.json",
}

DOWNLOAD_URLS: dict[str, str] = {
    "cloud-v2": "https://developer.atlassian.com/cloud/confluence/openapi-v2.v3.json",
    "cloud-v1": "https://developer.atlassian.com/cloud/confluence/swagger.v3.json",
    "dc": "https://dac-static.atlassian.com/server/confluence/10.0.3.swagger.v3.json",
}

_STRICT_ONE_OF = OAS30ReadValidator.VALIDATORS["oneOf"]


def _one_of(validator: Any, one_of: Any, instance: Any, schema: Any) -> Any:
    refs = frozenset(alt.get("$ref", "") for alt in one_of if isinstance(alt, dict))
    if refs not in OVERLAPPING_ONE_OF:
        yield from _STRICT_ONE_OF(validator, one_of, instance, schema)
        return
    errors = []
    for index, subschema in enumerate(one_of):
        found = list(validator.descend(instance, subschema, schema_path=index))
        if not found:
            return
        errors.extend(found)
    yield ValidationError(
        f"{instance!r} is valid under none of the oneOf alternatives", context=errors
    )


_ReadValidator = extend(OAS30ReadValidator, {"oneOf": _one_of})
_WriteValidator = extend(OAS30WriteValidator, {"oneOf": _one_of})

_GATEWAY = re.compile(r"^/ex/confluence/[^/]+(?=/)")


def specs_dir() -> Path | None:
    """The folder holding all three spec files, or None when they are not there."""
    env = os.environ.get("CONFSYNC_OPENAPI_DIR")
    folder = Path(env) if env else REPO_ROOT.parent / "shared" / "specs"
    if all((folder / name).is_file() for name in SPEC_FILES.values()):
        return folder
    return None


def _looked_in() -> Path:
    env = os.environ.get("CONFSYNC_OPENAPI_DIR")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "specs"


def _missing_reason() -> str:
    urls = ", ".join(f"{DOWNLOAD_URLS[k]} as {v}" for k, v in SPEC_FILES.items())
    return (
        "conformance test: Atlassian's OpenAPI files are not available (looked in "
        f"{_looked_in()}): set CONFSYNC_OPENAPI_DIR to a folder holding {urls}"
    )


def require_specs() -> Path:
    """The specs folder; skips the calling test (naming the downloads) when it is missing.

    Only for tests whose subject is conformance: behaviour tests take ``ContractChecker()``,
    which validates when the files are there and lets traffic through when they are not.
    """
    folder = specs_dir()
    if folder is None:
        pytest.skip(_missing_reason())
    return folder


needs_specs = pytest.mark.skipif(specs_dir() is None, reason=_missing_reason())
"""Marks a conformance test (or, as ``pytestmark``, a module of them): skipped without the files."""


def layer_status() -> str:
    """One line for the pytest header: whether requests and answers are validated."""
    folder = specs_dir()
    if folder is not None:
        return f"openapi contract layer: on, validating against {folder}"
    return (
        f"openapi contract layer: OFF, no specs in {_looked_in()}: behaviour tests run "
        "unvalidated and conformance tests skip (set CONFSYNC_OPENAPI_DIR; downloads: "
        + ", ".join(DOWNLOAD_URLS.values())
        + ")"
    )


def route(path: str) -> tuple[str, str] | None:
    """(spec name, path as the spec writes it) for a request path, or None if in no spec."""
    path = _GATEWAY.sub("", path, count=1)
    if path.startswith("/wiki/api/v2/"):
        return "cloud-v2", path[len("/wiki/api/v2") :]
    if path.startswith("/wiki/rest/api/"):
        return "cloud-v1", path
    if not path.startswith("/wiki/") and "/rest/api/" in path:
        return "dc", path[path.index("/rest/api/") :]
    return None


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Operation:
    """One (method, path template) of a spec, with its parameters de-duplicated by (name, in)."""

    spec: str
    method: str
    template: str
    pointer: str  # JSON pointer of the operation object inside the spec
    regex: re.Pattern[str]
    literal_segments: int
    params: Mapping[tuple[str, str], Mapping[str, Any]]
    doc: Mapping[str, Any] = field(repr=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.spec, self.method, self.template)


class _Spec:
    """One loaded spec: its operations and a cache of compiled schema validators."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.uri = f"urn:confsync-spec:{name}"
        self.doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        resource: Resource[Any] = DRAFT4.create_resource(self.doc)
        self.registry: Registry[Any] = Registry().with_resource(self.uri, resource)
        self.operations: list[Operation] = []
        self._validators: dict[tuple[str, bool], Any] = {}
        for template, item in self.doc["paths"].items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method not in {"get", "put", "post", "delete", "patch", "head", "options"}:
                    continue
                self.operations.append(self._operation(template, method, op, shared))
        # Most literal segments first, so /content/search wins over /content/{id}.
        self.operations.sort(key=lambda o: -o.literal_segments)

    def _operation(
        self, template: str, method: str, op: dict[str, Any], shared: list[Any]
    ) -> Operation:
        params: dict[tuple[str, str], Mapping[str, Any]] = {}
        for raw in [*shared, *op.get("parameters", [])]:
            param = self.deref(raw)
            # The DC spec lists many parameters twice (a generator quirk): keep the first.
            params.setdefault((param["name"], param["in"]), param)
        segments = template.strip("/").split("/")
        pattern = "/".join(
            "[^/]+" if s.startswith("{") and s.endswith("}") else re.escape(s) for s in segments
        )
        return Operation(
            spec=self.name,
            method=method.upper(),
            template=template,
            pointer=f"/paths/{_escape(template)}/{method}",
            regex=re.compile(f"^/{pattern}/?$"),
            literal_segments=sum(1 for s in segments if not s.startswith("{")),
            params=params,
            doc=op,
        )

    def deref(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise AssertionError(f"{self.name}: external $ref {ref} is not supported")
            node = self.doc
            for token in ref[2:].split("/"):
                node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def find(self, method: str, path: str) -> Operation | None:
        for op in self.operations:
            if op.method == method and op.regex.match(path):
                return op
        return None

    def methods_for(self, path: str) -> list[str]:
        return sorted({op.method for op in self.operations if op.regex.match(path)})

    def validate(self, pointer: str, instance: Any, *, response: bool) -> list[str]:
        key = (pointer, response)
        validator = self._validators.get(key)
        if validator is None:
            cls = _ReadValidator if response else _WriteValidator
            validator = cls(
                {"$ref": f"{self.uri}#{pointer}"},
                registry=self.registry,
                format_checker=oas30_format_checker,
            )
            self._validators[key] = validator
        return [_describe(e) for e in validator.iter_errors(instance)]


def _describe(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"at {where}: {error.message[:300]}"


@functools.cache
def _load(name: str, folder: str) -> _Spec:
    return _Spec(name, Path(folder) / SPEC_FILES[name])


def _coerce(value: str, schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


class ContractChecker:
    """Checks requests and responses against the spec their path belongs to.

    ``covered`` holds (spec, METHOD, path template) of every operation seen; ``unchecked``
    holds (METHOD, path) of requests that belong to no spec (OAuth, edge, admin);
    ``gaps_seen`` the KNOWN_GAPS entries that answers relied on; ``requests_checked`` and
    ``responses_checked`` count the exchanges validated against an operation.

    Given a folder, it checks against the files there. Without one, it finds them
    (``specs_dir()``); when they are not there it is off (``active`` is False): checks pass
    everything and count nothing, and reading ``covered``, ``unchecked`` or ``gaps_seen``, or
    asking for an operation, skips the test as ``require_specs()`` does.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder: Path | None = folder if folder is not None else specs_dir()
        self._covered: set[tuple[str, str, str]] = set()
        self._unchecked: set[tuple[str, str]] = set()
        self._gaps_seen: set[tuple[str, str, str, int]] = set()
        self.requests_checked = 0
        self.responses_checked = 0

    @property
    def active(self) -> bool:
        return self.folder is not None

    def _folder(self) -> Path:
        return self.folder if self.folder is not None else require_specs()

    @property
    def covered(self) -> set[tuple[str, str, str]]:
        self._folder()
        return self._covered

    @property
    def unchecked(self) -> set[tuple[str, str]]:
        self._folder()
        return self._unchecked

    @property
    def gaps_seen(self) -> set[tuple[str, str, str, int]]:
        self._folder()
        return self._gaps_seen

    def spec(self, name: str) -> _Spec:
        return _load(name, str(self._folder()))

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation a request addresses; None if its path is in no spec."""
        self._folder()
        routed = route(path)
        if routed is None:
            return None
        name, spec_path = routed
        spec = self.spec(name)
        op = spec.find(method.upper(), spec_path)
        if op is None:
            allowed = spec.methods_for(spec_path)
            detail = f"methods there: {', '.join(allowed)}" if allowed else "no such path"
            raise AssertionError(
                f"{name}: {method} {spec_path} is not an operation of {SPEC_FILES[name]} ({detail})"
            )
        return op

    def check_request(self, request: httpx.Request) -> None:
        if not self.active:
            return
        op = self.operation(request.method, request.url.path)
        if op is None:
            self._unchecked.add((request.method, request.url.path))
            return
        self._covered.add(op.key)
        self.requests_checked += 1
        spec = self.spec(op.spec)
        where = f"{op.spec} {op.method} {op.template} ({op.doc.get('operationId')})"
        problems = self._check_parameters(spec, op, request)
        problems += self._check_request_body(spec, op, request)
        if problems:
            raise AssertionError(f"request {where} breaks the contract: " + "; ".join(problems))

    def _check_parameters(self, spec: _Spec, op: Operation, request: httpx.Request) -> list[str]:
        problems: list[str] = []
        routed = route(request.url.path)
        assert routed is not None
        path_values = _path_values(op.template, routed[1])
        query = request.url.params
        for (name, place), param in op.params.items():
            schema = spec.deref(param.get("schema", {}))
            pointer = _param_pointer(op, spec, name, place)
            if (op.spec, op.method, op.template, name) in BROKEN_PATTERNS:
                pointer = None
            if place == "path":
                values: list[Any] = [_coerce(path_values.get(name, ""), schema)]
            elif place == "query":
                raw = query.get_list(name)
                if not raw:
                    if param.get("required"):
                        problems.append(f"query parameter {name!r} is required")
                    continue
                if schema.get("type") == "array":
                    items = spec.deref(schema.get("items", {}))
                    parts = [p for r in raw for p in r.split(",")]
                    values = [[_coerce(p, items) for p in parts]]
                else:
                    if len(raw) > 1:
                        problems.append(f"query parameter {name!r} given {len(raw)} times")
                    values = [_coerce(raw[0], schema)]
            else:
                continue  # headers and cookies: auth is checked by behaviour tests
            for value in values:
                errors = spec.validate(pointer, value, response=False) if pointer else []
                problems += [f"{place} parameter {name!r}={value!r} {e}" for e in errors]
        known = {name for (name, place) in op.params if place == "query"}
        for name in request.url.params:
            if name not in known:
                problems.append(f"query parameter {name!r} is not in the spec")
        return problems

    def _check_request_body(self, spec: _Spec, op: Operation, request: httpx.Request) -> list[str]:
        body_doc = spec.deref(op.doc.get("requestBody")) if "requestBody" in op.doc else None
        content = request.content
        if body_doc is None:
            if content and request.method in {"POST", "PUT"}:
                return ["a body is sent but the spec documents none"]
            return []
        if not content:
            return ["the request body is required"] if body_doc.get("required") else []
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        declared = body_doc.get("content", {})
        if media not in declared:
            return [f"content type {media!r} is not one of {sorted(declared)}"]
        if media != "application/json":
            return []  # multipart: only path and query are checked
        try:
            body = json.loads(content)
        except ValueError as exc:
            return [f"the body is not JSON: {exc}"]
        if "schema" not in declared[media]:
            return []
        pointer = _body_pointer(op, spec, media)
        return [f"body {e}" for e in spec.validate(pointer, body, response=False)]

    def check_response(self, request: httpx.Request, response: httpx.Response) -> None:
        if not self.active:
            return
        op = self.operation(request.method, request.url.path)
        if op is None:
            self._unchecked.add((request.method, request.url.path))
            return
        self._covered.add(op.key)
        self.responses_checked += 1
        spec = self.spec(op.spec)
        where = f"{op.spec} {op.method} {op.template} ({op.doc.get('operationId')})"
        status = response.status_code
        responses: dict[str, Any] = op.doc.get("responses", {})
        key = str(STATUS_ALIASES.get((op.spec, op.method, op.template, status), status))
        if key not in responses:
            if f"{key[0]}XX" in responses:
                key = f"{key[0]}XX"
            elif undocumented_reason(op, status):
                if (op.spec, op.method, op.template, status) in KNOWN_GAPS:
                    self._gaps_seen.add((op.spec, op.method, op.template, status))
                return
            elif "default" in responses:
                key = "default"
            else:
                raise AssertionError(
                    f"response {where}: status {status} is not documented "
                    f"(documented: {', '.join(sorted(responses))}); body: {response.text[:300]}"
                )
        documented = spec.deref(responses[key])
        content = documented.get("content") or {}
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        schema_media = "application/json" if "application/json" in content else None
        if schema_media is None or "schema" not in content[schema_media]:
            return
        if not response.content:
            raise AssertionError(f"response {where} {status}: empty body, spec documents JSON")
        if media != "application/json":
            raise AssertionError(f"response {where} {status}: content type {media!r}, not JSON")
        body = json.loads(response.content)
        pointer = (
            f"{op.pointer}/responses/{key}/content/application~1json/schema"
            if "$ref" not in responses[key]
            else _ref_pointer(responses[key]["$ref"]) + "/content/application~1json/schema"
        )
        errors = spec.validate(pointer, body, response=True)
        if errors:
            raise AssertionError(
                f"response {where} {status} breaks the contract: " + "; ".join(errors[:5])
            )


def _ref_pointer(ref: str) -> str:
    return ref[1:]


def _param_pointer(op: Operation, spec: _Spec, name: str, place: str) -> str | None:
    """Pointer to the schema of the first (name, in) parameter, through $refs."""
    item = spec.doc["paths"][op.template]
    sources = [
        (f"/paths/{_escape(op.template)}/parameters", item.get("parameters", [])),
        (f"{op.pointer}/parameters", op.doc.get("parameters", [])),
    ]
    for base, params in sources:
        for index, raw in enumerate(params):
            pointer = f"{base}/{index}"
            if isinstance(raw, dict) and "$ref" in raw:
                pointer = _ref_pointer(raw["$ref"])
            param = spec.deref(raw)
            if param["name"] == name and param["in"] == place:
                return f"{pointer}/schema" if "schema" in param else None
    return None


def _body_pointer(op: Operation, spec: _Spec, media: str) -> str:
    raw = op.doc["requestBody"]
    base = _ref_pointer(raw["$ref"]) if "$ref" in raw else f"{op.pointer}/requestBody"
    return f"{base}/content/{_escape(media)}/schema"


def _path_values(template: str, path: str) -> dict[str, str]:
    names = template.strip("/").split("/")
    values = path.strip("/").split("/")
    return {
        n[1:-1]: v
        for n, v in zip(names, values, strict=False)
        if n.startswith("{") and n.endswith("}")
    }


class ValidatingTransport(httpx.AsyncBaseTransport):
    """Checks every request and every response (either can be turned off).

    Turn requests off to test how the server answers requests that break the contract on
    purpose (a limit above the maximum, say); the responses are still checked. With a checker
    that is off (no specs), every exchange passes through unchecked, read in full as when on.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        checker: ContractChecker | None = None,
        *,
        check_requests: bool = True,
        check_responses: bool = True,
    ) -> None:
        self.inner = inner
        self.checker = checker or ContractChecker()
        self.check_requests = check_requests
        self.check_responses = check_responses

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        if self.check_requests:
            self.checker.check_request(request)
        response = await self.inner.handle_async_request(request)
        if self.check_responses:
            await response.aread()
            self.checker.check_response(request, response)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def contract_checker() -> ContractChecker:
    """A fresh checker (specs cached per process); off when the specs are missing."""
    return ContractChecker()


def validating_transport_fixture(
    *, check_requests: bool = True, check_responses: bool = True
) -> Any:
    """A pytest fixture giving ``wrap(inner) -> ValidatingTransport`` with a fresh checker.

    In a conftest: ``validating_transport = validating_transport_fixture()``; in a test:
    ``client = httpx.AsyncClient(transport=validating_transport(inner))``.
    """

    @pytest.fixture
    def fixture() -> Callable[[httpx.AsyncBaseTransport], ValidatingTransport]:
        checker = ContractChecker()

        def wrap(inner: httpx.AsyncBaseTransport) -> ValidatingTransport:
            return ValidatingTransport(
                inner, checker, check_requests=check_requests, check_responses=check_responses
            )

        return wrap

    return fixture


def iter_operations(spec: str, folder: Path | None = None) -> Iterator[Operation]:
    """Every operation of one spec (for coverage listings)."""
    yield from _load(spec, str(folder or require_specs())).operations
