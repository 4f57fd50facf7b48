"""Printed documents: an HTML page rendered to PDF by WeasyPrint.

The print templates are whole HTML documents with their own print CSS; the fonts they
name (``DejaVu Sans``) render Latin and Cyrillic alike, so a name prints as written.
WeasyPrint loads only when a document is printed.
"""

from __future__ import annotations

__all__ = ["render_pdf"]


def _refuse_fetch(url: str, timeout: int = 10, ssl_context: object = None) -> dict[str, object]:
    """Print templates are self-contained: a document fetches nothing from anywhere."""
    raise ValueError(f"a printed document may not fetch {url!r}")


def render_pdf(html: str) -> bytes:
    """``html`` (a whole document, styles inline) printed to PDF."""
    from weasyprint import HTML  # type: ignore[import-untyped,unused-ignore]

    document: bytes = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    return document
