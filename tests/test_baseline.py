from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance import atomic, baseline
from conformance.atomic import atomic_writer, write_atomic
from conformance.baseline import (
    Baseline,
    BaselineEntry,
    baseline_from_findings,
    dumps_baseline,
    load_baseline,
    pruned,
    unmatched,
    write_baseline,
)
from conformance.errors import ConfigError
from conformance.model import Finding, Location, ResourceId, make_fingerprint


def finding(policy: str, file: str, name: str | None, path: str, message: str = "m", **extra: object) -> Finding:
    resource = ResourceId("Deployment", name, "shop") if name else None
    return Finding(
        policy,
        "error",
        message,
        Location(file, 3, 5),
        resource,
        path,
        make_fingerprint(policy, file, resource, path),
        **extra,  # type: ignore[arg-type]
    )


FINDINGS = [
    finding("k8s/no-host-network", "k8s/web.yaml", "web", "spec.template.spec.hostNetwork", "shares the network"),
    finding("k8s/image-tag-pinned", "k8s/web.yaml", "web", "spec.template.spec.containers[app].image", 'tag "latest"'),
    finding("k8s/image-tag-pinned", "k8s/api.yaml", "api", "spec.template.spec.containers[api].image", "élan ✓"),
    finding("conformance/untrusted-policy", "policies/x.py", None, ""),
]


def same_file(file: str) -> str:
    return file


def test_round_trip_and_file_layout(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    made = baseline_from_findings(FINDINGS, file_of=same_file)
    write_baseline(made, target)
    loaded = load_baseline(target)
    assert loaded.entries == made.entries
    assert loaded.path == target
    assert len(loaded) == 4

    text = target.read_text("utf-8")
    lines = text.splitlines()
    assert lines[:4] == ["{", '  "version": 1,', '  "tool": "conformance",', '  "entries": [']
    assert lines[-2:] == ["  ]", "}"] and text.endswith("}\n")
    entry_lines = lines[4:-2]
    assert len(entry_lines) == 4  # one entry per line
    entries = [json.loads(line.strip().rstrip(",")) for line in entry_lines]
    assert [(e["file"], e["policy"]) for e in entries] == [  # sorted by file, policy, resource, path
        ("k8s/api.yaml", "k8s/image-tag-pinned"),
        ("k8s/web.yaml", "k8s/image-tag-pinned"),
        ("k8s/web.yaml", "k8s/no-host-network"),
        ("policies/x.py", "conformance/untrusted-policy"),
    ]
    assert list(entries[0]) == ["fingerprint", "policy", "file", "resource", "path", "message"]
    assert entries[0]["resource"] == "Deployment/shop/api" and entries[3]["resource"] is None
    assert "élan ✓" in text  # readable, not \u-escaped
    assert json.loads(text)["entries"] == entries
    # the same findings in another order give the same bytes: no churn in diffs
    assert dumps_baseline(baseline_from_findings(reversed(FINDINGS), file_of=same_file)) == text


def test_empty_baseline(tmp_path: Path) -> None:
    target = tmp_path / "b.json"
    write_baseline(Baseline(), target)
    assert target.read_text() == '{\n  "version": 1,\n  "tool": "conformance",\n  "entries": []\n}\n'
    assert len(load_baseline(target)) == 0


def test_from_findings_leaves_out_errors_and_repeats() -> None:
    error = finding("conformance/parse-error", "bad.yaml", None, "", is_error=True)
    repeat = finding("k8s/no-host-network", "k8s/web.yaml", "web", "spec.template.spec.hostNetwork", "again")
    made = baseline_from_findings([*FINDINGS, error, repeat], file_of=lambda f: "repo/" + f)
    assert len(made) == 4
    assert error.fingerprint not in made
    first = made.entries[FINDINGS[0].fingerprint]
    assert first.message == "shares the network" and first.file == "repo/k8s/web.yaml"
    assert made.covers(FINDINGS[0]) and made.covers(repeat)
    assert not made.covers(error)
    assert not Baseline({error.fingerprint: BaselineEntry(error.fingerprint, error.policy_id)}).covers(error)


def test_default_file_is_relative_to_the_git_work_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "k8s").mkdir()
    monkeypatch.chdir(tmp_path / "k8s")
    made = baseline_from_findings([finding("k8s/no-host-network", "web.yaml", "web", "spec.hostNetwork")])
    assert [e.file for e in made] == ["k8s/web.yaml"]


def test_suppression_record(tmp_path: Path) -> None:
    made = Baseline({}, tmp_path / "b.json")
    record = made.suppression("b.json").to_dict()
    assert record["kind"] == "baseline" and record["source"] == "b.json" and record["reason"]
    assert made.suppression().source == str(tmp_path / "b.json")


def test_prune_and_unmatched() -> None:
    made = baseline_from_findings(FINDINGS, file_of=same_file)
    still = {FINDINGS[0].fingerprint, FINDINGS[2].fingerprint, "f" * 32}
    kept = pruned(made, still)
    assert set(kept.entries) == {FINDINGS[0].fingerprint, FINDINGS[2].fingerprint}
    assert len(made) == 4  # the original is untouched
    fixed = unmatched(made, still)
    assert [e.fingerprint for e in fixed] == [FINDINGS[1].fingerprint, FINDINGS[3].fingerprint]  # file order
    assert unmatched(kept, still) == ()


def test_entries_are_copied() -> None:
    source = {FINDINGS[0].fingerprint: BaselineEntry(FINDINGS[0].fingerprint, "k8s/no-host-network")}
    made = Baseline(source)
    source.clear()
    assert len(made) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "b.json:1:2: the baseline is not valid JSON"),
        ("[]", "b.json: key (top level): [] is not of type 'object'"),
        ('{"version": 2, "entries": []}', "key version: 2 is not a baseline version this conformance reads"),
        ('{"version": 1}', "key (top level): 'entries' is a required property"),
        ('{"version": 1, "entries": [], "extra": 1}', "Additional properties are not allowed ('extra'"),
        ('{"version": 1, "tool": "other", "entries": []}', "key tool: 'conformance' was expected"),
        (
            '{"version": 1, "entries": [{"fingerprint": "0123456789abcdef0123456789abcdef", "policy": "k8s/a"},'
            ' {"fingerprint": "XYZ", "policy": "k8s/a"}]}',
            "key entries[1].fingerprint: 'XYZ' is not a finding fingerprint",
        ),
        (
            '{"version": 1, "entries": [{"fingerprint": "0123456789abcdef0123456789abcdef"}]}',
            "key entries[0]: 'policy' is a required property",
        ),
        (
            '{"version": 1, "entries": [{"fingerprint": "0123456789abcdef0123456789abcdef", "policy": "k8s/a",'
            ' "note": "x"}]}',
            "key entries[0]: Additional properties are not allowed ('note'",
        ),
    ],
)
def test_invalid_baselines_are_config_errors(tmp_path: Path, content: str, message: str) -> None:
    target = tmp_path / "b.json"
    target.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_baseline(target)
    assert message in str(info.value)
    assert str(info.value).startswith(str(target))


def test_missing_and_unreadable_baselines(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="baseline file not found"):
        load_baseline(tmp_path / "missing.json")
    (tmp_path / "latin1.json").write_bytes(b'{"version": 1, "entries": [], "tool": "\xe9"}')
    with pytest.raises(ConfigError, match="cannot read the baseline"):
        load_baseline(tmp_path / "latin1.json")


def test_a_fingerprint_listed_twice_counts_once(tmp_path: Path) -> None:
    fp = "0123456789abcdef0123456789abcdef"
    target = tmp_path / "b.json"
    target.write_text(
        json.dumps(
            {"version": 1, "entries": [{"fingerprint": fp, "policy": "k8s/a"}, {"fingerprint": fp, "policy": "k8s/a"}]}
        )
    )
    loaded = load_baseline(target)
    assert list(loaded.entries) == [fp]
    assert loaded.entries[fp] == BaselineEntry(fp, "k8s/a")


# --- atomic writes ---------------------------------------------------------------------------------------------


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_failed_serialisation_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "b.json"
    write_baseline(baseline_from_findings(FINDINGS, file_of=same_file), target)
    before = target.read_bytes()
    written: list[str] = []
    original = baseline.baseline_lines

    def failing_lines(made: Baseline) -> Iterator[str]:
        for line in list(original(made))[:3]:
            written.append(line)
            yield line
        raise RuntimeError("serializer broke")

    monkeypatch.setattr(baseline, "baseline_lines", failing_lines)
    with pytest.raises(RuntimeError, match="serializer broke"):
        write_baseline(Baseline(), target)
    assert len(written) == 3  # the temporary file was half written when it broke
    assert target.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_failed_rename_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "b.json"
    target.write_text("old")

    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    with pytest.raises(ConfigError, match=r"cannot write the baseline to .*b\.json: Permission denied"):
        write_baseline(Baseline(), target)
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_write_needs_a_path() -> None:
    with pytest.raises(ValueError, match="needs a path"):
        write_baseline(Baseline())


def test_write_to_a_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot write the baseline"):
        write_baseline(Baseline(), tmp_path / "no" / "b.json")


def test_write_atomic_text_bytes_mode_and_symlinks(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    write_atomic(target, "línea\r\n")
    assert target.read_bytes() == "línea\r\n".encode()  # written as given, no newline translation
    os.chmod(target, 0o640)
    write_atomic(target, b"\x00bytes")
    assert target.read_bytes() == b"\x00bytes"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the replaced file's permissions are kept
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with pytest.raises(OSError, match="symbolic link"):
        write_atomic(link, "through the link")  # never written through (tests/hostile/test_report_target.py)
    assert link.is_symlink() and target.read_bytes() == b"\x00bytes"
    assert leftovers(tmp_path) == []


def test_atomic_writer_writes_through_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    with atomic_writer(fifo) as stream:
        stream.write("streamed")
    reader.join(timeout=10)
    assert received == [b"streamed"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # not replaced by a regular file
    assert leftovers(tmp_path) == []
