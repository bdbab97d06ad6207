"""Shards: a deterministic slice of the inventory by a stable hash of each repository id, so N machines (a
Kubernetes Indexed Job, a CI matrix, a loop) each scan one slice and write ``shard-I-of-N.json``."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from conformance.errors import ConfigError
from conformance.org.inventory import InventoryEntry

INDEX_VARIABLE = "JOB_COMPLETION_INDEX"
RUN_ID_VARIABLE = "CONFORMANCE_RUN_ID"
_SHARD = re.compile(r"^(?P<index>\d+|env)/(?P<count>\d+)$")
SHARD_FILE = re.compile(r"^shard-(?P<index>\d+)-of-(?P<count>\d+)\.json$")


@dataclass(frozen=True)
class Shard:
    index: int = 0
    """0-based, as Kubernetes numbers an Indexed Job's completions."""
    count: int = 1

    @property
    def file_name(self) -> str:
        return f"shard-{self.index}-of-{self.count}.json"

    def holds(self, repository_id: str) -> bool:
        digest = hashlib.sha256(repository_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index

    def select(self, entries: Iterable[InventoryEntry]) -> tuple[InventoryEntry, ...]:
        return tuple(entry for entry in entries if self.holds(entry.id))


def parse_shard(text: str | None, environ: Mapping[str, str] | None = None) -> Shard:
    """``I/N`` (0 ≤ I < N) or ``env/N`` (I from ``JOB_COMPLETION_INDEX``); None: the whole inventory."""
    if text is None:
        return Shard()
    match = _SHARD.match(text.strip())
    if not match:
        raise ConfigError(f"--shard {text!r}: expected I/N (such as 0/4) or env/N")
    count = int(match.group("count"))
    raw = match.group("index")
    if raw == "env":
        raw = (os.environ if environ is None else environ).get(INDEX_VARIABLE, "")
        if not raw.strip().isdigit():
            raise ConfigError(f"--shard {text}: {INDEX_VARIABLE} is {raw!r}, not a shard index")
    index = int(raw)
    if count < 1 or index >= count:
        raise ConfigError(f"--shard {text}: the index must be at least 0 and below the count ({count})")
    return Shard(index, count)


def run_id(explicit: str | None, environ: Mapping[str, str] | None = None) -> str:
    """``--run-id``, else ``CONFORMANCE_RUN_ID``, else the UTC time (shards of one run must share one id)."""
    value = explicit or (os.environ if environ is None else environ).get(RUN_ID_VARIABLE)
    if value:
        if not re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", value):
            raise ConfigError(f"run id {value!r}: use letters, digits and . _ : - (at most 128)")
        return value
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
