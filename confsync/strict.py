"""The base of the config models (``config.py``, ``connection.py``): strict, closed, frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["StrictModel"]


class StrictModel(BaseModel):
    """strict: YAML says what type a value is, and converting it would hide a mistake
    (``pdf: "no"``, ``votes: true``); extra: a misspelt key is an error, not ignored; frozen:
    what was read is what is used."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
