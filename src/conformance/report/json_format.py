"""The report as JSON: :meth:`Report.to_dict`, described by ``schemas/org-report.schema.json``.

Finding ids (``F1``...) tie every count to the findings behind it, in the ``findings`` list.
"""

from __future__ import annotations

import json
from typing import IO

from conformance.report.model import Report


def render(report: Report, stream: IO[str]) -> None:
    json.dump(report.to_dict(), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
