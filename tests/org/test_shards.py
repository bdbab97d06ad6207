from __future__ import annotations

import pytest

from conformance.errors import ConfigError
from conformance.org.inventory import InventoryEntry
from conformance.org.shards import Shard, parse_shard, run_id


def test_shards_partition_the_inventory_deterministically() -> None:
    entries = [
        InventoryEntry(f"github.com/acme/service-{i}", url=f"https://github.com/acme/service-{i}") for i in range(400)
    ]
    shards = [Shard(index, 4).select(entries) for index in range(4)]
    ids = [entry.id for shard in shards for entry in shard]
    assert sorted(ids) == sorted(entry.id for entry in entries)  # every id in exactly one shard
    assert [len(shard) for shard in shards] == [len(Shard(i, 4).select(reversed(entries))) for i in range(4)]
    assert all(60 < len(shard) < 140 for shard in shards)
    # the hash is sha256 of the id: fixed across machines and Python versions (no PYTHONHASHSEED)
    assert [Shard(i, 4).holds("github.com/acme/api") for i in range(4)] == [False, False, True, False]
    assert Shard().select(entries) == tuple(entries)
    assert Shard(2, 4).file_name == "shard-2-of-4.json"


@pytest.mark.parametrize(
    ("text", "environ", "shard"),
    [
        (None, {}, Shard(0, 1)),
        ("0/4", {}, Shard(0, 4)),
        ("3/4", {}, Shard(3, 4)),
        ("env/8", {"JOB_COMPLETION_INDEX": "5"}, Shard(5, 8)),
    ],
)
def test_shard_options(text: str | None, environ: dict[str, str], shard: Shard) -> None:
    assert parse_shard(text, environ) == shard


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        ("4/4", {}, "the index must be at least 0 and below the count (4)"),
        ("1/0", {}, "the index must be at least 0 and below the count (0)"),
        ("a/4", {}, "expected I/N (such as 0/4) or env/N"),
        ("env/4", {}, "JOB_COMPLETION_INDEX is '', not a shard index"),
        ("env/4", {"JOB_COMPLETION_INDEX": "-1"}, "JOB_COMPLETION_INDEX is '-1', not a shard index"),
        ("env/4", {"JOB_COMPLETION_INDEX": "4"}, "below the count (4)"),
    ],
)
def test_bad_shard_options(text: str, environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_shard(text, environ)
    assert message in str(caught.value)


def test_run_id_from_option_then_environment_then_time() -> None:
    assert run_id("weekly-48", {"CONFORMANCE_RUN_ID": "env-id"}) == "weekly-48"
    assert run_id(None, {"CONFORMANCE_RUN_ID": "env-id"}) == "env-id"
    generated = run_id(None, {})
    assert len(generated) == 16 and generated.endswith("Z") and generated[8] == "T"
    with pytest.raises(ConfigError, match="use letters, digits"):
        run_id("../../etc", {})
