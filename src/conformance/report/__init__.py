"""The org compliance report: ``build`` turns the history's runs into a :class:`~conformance.report.model.Report`,
and one module per format renders it (``html``, ``json_format``, ``csv_format``, ``markdown_format``)."""

from __future__ import annotations

FORMATS = ("html", "json", "csv", "markdown")
