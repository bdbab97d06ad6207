from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.errors import ConfigError
from conformance.org.merge import merge_shards, write_run
from conformance.org.results import RepositoryResult, RunResult


def shard(out: Path, index: int, count: int, ids: list[str], **fields: str) -> None:
    values = {"run_id": "r1", "tool_version": "0.1.0", "policy_digest": "p1", **fields}
    run = RunResult(
        started=f"2026-12-01T10:0{index}:00+00:00",
        finished=f"2026-12-01T10:1{index}:00+00:00",
        shard_index=index,
        shard_count=count,
        levels=("bronze",),
        repositories=tuple(RepositoryResult(i, f"https://h/{i}", "scanned") for i in ids),
        **values,
    )
    out.mkdir(parents=True, exist_ok=True)
    write_run(run, str(out / f"shard-{index}-of-{count}.json"))


def test_shards_merge_into_one_run(tmp_path: Path) -> None:
    shard(tmp_path / "a", 0, 3, ["b", "d"])
    shard(tmp_path / "a", 2, 3, ["a"])
    shard(tmp_path / "b", 1, 3, ["c"])
    run = merge_shards([str(tmp_path / "a"), str(tmp_path / "b" / "shard-1-of-3.json")])
    assert [r.id for r in run.repositories] == ["a", "b", "c", "d"]
    assert (run.run_id, run.shard_index, run.shard_count, run.levels) == ("r1", 0, 1, ("bronze",))
    assert (run.started, run.finished) == ("2026-12-01T10:00:00+00:00", "2026-12-01T10:12:00+00:00")


def test_a_missing_shard_is_refused_by_name_unless_allowed(tmp_path: Path) -> None:
    shard(tmp_path, 0, 4, ["a"])
    shard(tmp_path, 2, 4, ["c"])
    with pytest.raises(ConfigError) as caught:
        merge_shards([str(tmp_path)])
    assert "missing 2 of 4 shards: shard-1-of-4.json, shard-3-of-4.json" in str(caught.value)
    assert [r.id for r in merge_shards([str(tmp_path)], allow_incomplete=True).repositories] == ["a", "c"]


@pytest.mark.parametrize("field", ["run_id", "tool_version", "policy_digest"])
def test_mixed_shards_are_refused(tmp_path: Path, field: str) -> None:
    shard(tmp_path, 0, 2, ["a"])
    shard(tmp_path, 1, 2, ["b"], **{field: "other"})
    with pytest.raises(ConfigError, match=f"shard-1-of-2.json has {field} 'other'"):
        merge_shards([str(tmp_path)])


def test_bad_inputs(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"no shard-I-of-N\.json file in it"):
        merge_shards([str(tmp_path / "empty")])
    with pytest.raises(ConfigError, match="no such directory or file"):
        merge_shards([str(tmp_path / "nowhere")])
    bad = tmp_path / "bad" / "shard-0-of-1.json"
    bad.parent.mkdir()
    bad.write_text(json.dumps({"format": 99}))
    with pytest.raises(ConfigError, match="not a shard result file"):
        merge_shards([str(bad.parent)])
    shard(tmp_path / "twice", 0, 2, ["a"])
    shard(tmp_path / "twice", 1, 2, ["a"])
    with pytest.raises(ConfigError, match="repository 'a' is in both"):
        merge_shards([str(tmp_path / "twice")])
