from __future__ import annotations

import re

import pytest

from conformance.history.schema import COUNT_COLUMNS, CURRENT_VERSION, build
from conformance.org.results import FINDING_STATUSES, FindingRecord
from conftest import REPO

KEYS = {"id", "run_pk", "repository_pk", "position"}


def _readme_tables() -> dict[str, set[str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Organisation scan — history database", 1)[1].split("\n## ", 1)[0]
    tables = {}
    for line in section.splitlines():
        match = re.match(r"\| `(\w+)` \| [^|]+ \| (.+) \|$", line)
        if match:
            tables[match.group(1)] = set(re.findall(r"`(\w+)`", match.group(2)))
    return tables


def test_the_readme_lists_every_column_of_the_current_schema() -> None:
    tables = build()
    documented = _readme_tables()
    assert set(documented) == {table.name for table in (tables.schema_version, *tables.data_tables)}
    for table in (tables.schema_version, *tables.data_tables):
        assert documented[table.name] == {column.name for column in table.c} - KEYS, table.name


def test_every_finding_status_has_a_count_column_and_findings_mirror_the_record() -> None:
    assert tuple(COUNT_COLUMNS) == FINDING_STATUSES
    findings = build().findings
    assert [c.name for c in findings.c if c.name not in KEYS] == list(FindingRecord.__dataclass_fields__)


@pytest.mark.parametrize("version", range(1, CURRENT_VERSION + 1))
def test_each_version_builds_its_own_tables(version: int) -> None:
    tables = build(version)
    assert tables.version == version
    assert ("level" in tables.repositories.c) is (version >= 2)
    assert len(tables.metadata.tables) == 5
