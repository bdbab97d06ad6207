"""Waivers and suppressions of the latest run, grouped per repository, kind, policy, owner, reason and expiry,
with the findings each covers, and their state on the report's day (expired, expiring within 30 days, ...)."""

from __future__ import annotations

import re
from datetime import date

from conformance.model import EXPIRED_WAIVER
from conformance.org.results import FindingRecord, RunResult
from conformance.report.model import ACTIVE, Exemption, FindingIds

EXPIRING_DAYS = 30
"""A waiver ending within this many days of the report's day is highlighted."""

_EXPIRED_NOTICE = re.compile(
    r"^waiver (?P<key>.*?) for (?P<policy>\S+) \(owner (?P<owner>.*)\) expired on (?P<expires>\d{4}-\d{2}-\d{2}):"
)
"""The message of a ``conformance/expired-waiver`` notice (see ``conformance.suppressor``)."""
_STATE_ORDER = {"expired": 0, "expiring": 1, "unknown": 2, "active": 3, "permanent": 4}


def _expiry(expires: str | None, today: date) -> tuple[str, int | None]:
    if expires is None:
        return "permanent", None
    try:
        days = (date.fromisoformat(expires) - today).days
    except ValueError:
        return "unknown", None
    if days < 0:
        return "expired", days
    return ("expiring" if days <= EXPIRING_DAYS else "active"), days


def exemptions(latest: RunResult, ids: FindingIds, today: date) -> tuple[Exemption, ...]:
    """Waivers and suppressions in force at scan time, grouped with their findings; then the waivers the
    scan already found expired (their ``conformance/expired-waiver`` notices)."""
    groups: dict[tuple[str, str, str, str | None, str | None, str | None], list[str]] = {}
    expired: list[Exemption] = []
    for repository in latest.repositories:
        for index, record in enumerate(repository.findings):
            finding_id = ids[(repository.id, index)]
            if record.policy_id == EXPIRED_WAIVER:
                expired.append(_expired_notice(repository.id, record, finding_id, today))
            elif record.suppression_kind and record.status not in ACTIVE:
                key = (repository.id, record.suppression_kind, record.policy_id, record.owner, record.reason,
                       record.expires)
                groups.setdefault(key, []).append(finding_id)
    exemptions = [
        Exemption(repository, kind, policy_id, owner, reason, expires, *_expiry(expires, today), tuple(behind))
        for (repository, kind, policy_id, owner, reason, expires), behind in groups.items()
    ]
    exemptions.extend(expired)
    return tuple(
        sorted(
            exemptions,
            key=lambda e: (_STATE_ORDER[e.state], e.days_left if e.days_left is not None else 0, e.repository,
                           e.policy_id, e.kind),
        )
    )


def _expired_notice(repository: str, record: FindingRecord, finding_id: str, today: date) -> Exemption:
    match = _EXPIRED_NOTICE.match(record.message)
    if match is None:
        return Exemption(repository, "waiver", "", None, record.message, None, "expired", None, (finding_id,))
    expires = match.group("expires")
    _, days = _expiry(expires, today)
    return Exemption(
        repository, "waiver", match.group("policy"), match.group("owner"), None, expires, "expired", days,
        (finding_id,)
    )
