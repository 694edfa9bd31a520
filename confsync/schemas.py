"""JSON Schemas of the YAML files, generated from the models (never written by hand)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from confsync.config import Config
from confsync.reports import HealthCheck, Retrospective

__all__ = ["SCHEMA_FILES", "json_schemas"]

SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "confsync.schema.json": Config,
    "retrospective.schema.json": Retrospective,
    "health-check.schema.json": HealthCheck,
}

_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name → schema document, ready to be written as JSON."""
    documents: dict[str, dict[str, Any]] = {}
    for name, model in SCHEMA_FILES.items():
        document = {"$schema": _DIALECT, "$id": name, **model.model_json_schema()}
        documents[name] = document
    return documents
