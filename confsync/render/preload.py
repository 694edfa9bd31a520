"""Imported once by the process that PDF workers are forked from (``workflow.start_printing``):
WeasyPrint loads in about a second, and each worker forked from that process starts with it
loaded, instead of every worker importing it again before its first PDF."""

from __future__ import annotations

from contextlib import suppress

# No Pango (OSError): render_pdf says so, clearly, when a PDF is asked for.
with suppress(OSError):
    import weasyprint  # noqa: F401
