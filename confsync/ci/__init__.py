"""CI pipelines for a reports repo.

- ``scaffold``: ``confsync init --ci``, which writes a pipeline from the templates shipped
  beside this file (``github.yml``, ``gitlab-ci.yml``: package data);
- ``comment``: ``confsync ci-comment``, the one plan comment those pipelines keep on a pull or
  merge request.
"""

from __future__ import annotations

__all__: list[str] = []
