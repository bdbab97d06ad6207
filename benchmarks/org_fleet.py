"""Generate a fleet of N local git repositories and measure ``conformance org scan`` on it.

The fleet: bare repositories reachable by ``file://`` URLs, each with a slice of the real-world corpus
(``shared/corpus/k8s``, found relative to this checkout), a README, CODEOWNERS and a Backstage
``catalog-info.yaml`` (owners spread over ten teams); some with a Helm chart, some broken (a YAML file that
does not parse, an empty repository, a URL that leads nowhere). Then, each as a subprocess:

1. ``org scan`` of the whole inventory (clones included), into a history database;
2. the same again with nothing changed (one fetch per repository, results reused);
3. the same inventory as 4 shards one after another (own clone cache), then ``org merge``;

and it reports repositories per minute, the peak RSS of each step's process tree, the database size, and
whether the sharded run equals the single one (repository results, and the JSON report of each database).

    python benchmarks/org_fleet.py -n 200
    python benchmarks/org_fleet.py -n 1000 --jobs 2 --json fleet-1000.json
    python benchmarks/org_fleet.py -n 20 --generate-only --work /tmp/fleet

Only the standard library is used (the fleet is written with the ``git`` command line).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import find_corpus  # noqa: E402

DEFAULT_CORPUS = find_corpus(REPO)
TEAMS = tuple(
    f"team-{name}"
    for name in (
        "payments",
        "checkout",
        "identity",
        "search",
        "platform",
        "data",
        "mobile",
        "growth",
        "billing",
        "infra",
    )
)
OK, HELM, BROKEN_YAML, EMPTY, UNREACHABLE = "ok", "helm", "broken-yaml", "empty", "unreachable"
KINDS = (OK, HELM, BROKEN_YAML, EMPTY, UNREACHABLE)
SHARDS = 4
GIT_ENV = {
    "GIT_AUTHOR_NAME": "fleet",
    "GIT_AUTHOR_EMAIL": "fleet@example.invalid",
    "GIT_COMMITTER_NAME": "fleet",
    "GIT_COMMITTER_EMAIL": "fleet@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-05T10:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-01-05T10:00:00+00:00",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


@dataclass(frozen=True)
class FleetRepository:
    """One generated repository: its inventory entry and what it was built with."""

    name: str
    url: str
    kind: str
    team: str
    """The owner written into its catalog-info.yaml and CODEOWNERS."""
    team_in_inventory: bool
    files: tuple[str, ...]
    """Paths in the repository (empty for an empty or unreachable repository)."""


def log(message: str) -> None:
    print(f"[org-fleet] {message}", file=sys.stderr, flush=True)


def corpus_files(corpus: Path) -> list[Path]:
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))
    if not files:
        raise SystemExit(f"no YAML files under {corpus} (pass --corpus)")
    return files


def assign_kinds(n: int, rng: random.Random) -> list[str]:
    """About 10% with a Helm chart, 2% with unparsable YAML, 1% empty, 1% unreachable (at least one of each
    once n allows), the rest ordinary; positions shuffled deterministically."""
    special = [HELM] * max(1, n // 10) + [BROKEN_YAML] * max(1, n // 50) + [EMPTY] * max(1, n // 100)
    special += [UNREACHABLE] * max(1, n // 100)
    kinds = (special + [OK] * n)[:n]
    rng.shuffle(kinds)
    return kinds


def _git(*args: str, cwd: Path | None = None) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, env={**os.environ, **GIT_ENV}, capture_output=True)


def _standard_files(name: str, team: str, index: int) -> dict[str, str]:
    files = {
        "README.md": f"# {name}\n\nA generated service of the benchmark fleet.\n",
        "CODEOWNERS": f"* @acme/{team}\n",
        ".gitignore": "*.pyc\n",
    }
    if index % 7 != 0:  # every 7th repository has no catalog entry: its team comes from CODEOWNERS
        files["catalog-info.yaml"] = (
            "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
            f"metadata:\n  name: {name.split('/')[-1]}\nspec:\n  type: service\n  lifecycle: production\n"
            f"  owner: group:{team}\n"
        )
    return files


def _chart_files(name: str) -> dict[str, str]:
    short = name.split("/")[-1]
    return {
        "charts/app/Chart.yaml": f"apiVersion: v2\nname: {short}\nversion: 0.1.0\n",
        "charts/app/values.yaml": "image: registry.example/app:1.0.0\nreplicas: 2\n",
        "charts/app/templates/deployment.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
            "spec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n"
            "        - name: app\n          image: {{ .Values.image }}\n"
        ),
    }


def _import_commit(bare: Path, files: dict[str, bytes]) -> None:
    """One commit on ``main`` holding ``files``, written by ``git fast-import`` (one process, no work tree)."""
    message = b"initial\n"
    stream = [b"commit refs/heads/main\n", b"committer fleet <fleet@example.invalid> 1767607200 +0000\n"]
    stream.append(b"data %d\n%s" % (len(message), message))
    for relative, content in sorted(files.items()):
        stream.append(b"M 100644 inline %s\ndata %d\n%s\n" % (relative.encode(), len(content), content))
    subprocess.run(
        ["git", "--git-dir", str(bare), "fast-import", "--quiet"],
        input=b"".join(stream),
        check=True,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
    )


def build_repository(
    index: int, kind: str, dest: Path, corpus: Path, pool: Sequence[Path], rng: random.Random
) -> FleetRepository:
    """One repository of the fleet: a bare repository under ``dest/bare`` (except an unreachable one)."""
    name = f"fleet/service-{index:04d}"
    team = TEAMS[index % len(TEAMS)]
    bare = dest / "bare" / f"service-{index:04d}.git"
    team_in_inventory = index % 3 == 0
    if kind == UNREACHABLE:
        url = (dest / "nowhere" / f"service-{index:04d}.git").as_uri()
        return FleetRepository(name, url, kind, team, team_in_inventory, ())
    bare.parent.mkdir(parents=True, exist_ok=True)
    if kind == EMPTY:
        _git("init", "-q", "--bare", "-b", "main", str(bare))
        return FleetRepository(name, bare.as_uri(), kind, team, team_in_inventory, ())
    files: dict[str, bytes] = {k: v.encode() for k, v in _standard_files(name, team, index).items()}
    for source in rng.sample(list(pool), k=min(len(pool), rng.randint(4, 12))):
        files["k8s/" + source.relative_to(corpus).as_posix()] = source.read_bytes()
    if kind == HELM:
        files.update({k: v.encode() for k, v in _chart_files(name).items()})
    if kind == BROKEN_YAML:
        files["k8s/broken.yaml"] = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n"
    _git("init", "-q", "--bare", "-b", "main", str(bare))
    _import_commit(bare, files)
    return FleetRepository(name, bare.as_uri(), kind, team, team_in_inventory, tuple(sorted(files)))


def write_inventory(repositories: Sequence[FleetRepository], path: Path) -> None:
    """The inventory (plain YAML, written by hand: JSON strings are valid YAML scalars)."""
    lines = ["repositories:"]
    for repository in repositories:
        lines.append(f"  - name: {json.dumps(repository.name)}")
        lines.append(f"    url: {json.dumps(repository.url)}")
        lines.append("    branch: main")
        if repository.team_in_inventory:
            lines.append(f"    team: {json.dumps(repository.team)}")
        tier = 1 + int(repository.name[-4:]) % 3
        lines.append(f'    tags: {{kind: {json.dumps(repository.kind)}, tier: "{tier}"}}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


ORG_CONFIG = """\
levels:
  - name: bronze
    policies: [k8s/no-host-network, k8s/no-host-pid, k8s/no-host-ipc, k8s/no-privileged-containers]
  - name: silver
    profiles: [baseline, restricted]
  - name: gold
    policies: [k8s, repo/readme, repo/codeowners, repo/catalog-info]
"""


def generate(n: int, dest: Path, corpus: Path = DEFAULT_CORPUS, seed: int = 14) -> list[FleetRepository]:
    """Build the fleet under ``dest`` (bare/, inventory.yaml, org-config.yaml); deterministic for a seed."""
    rng = random.Random(seed)
    pool = corpus_files(corpus)
    dest.mkdir(parents=True, exist_ok=True)
    repositories = [build_repository(i, kind, dest, corpus, pool, rng) for i, kind in enumerate(assign_kinds(n, rng))]
    write_inventory(repositories, dest / "inventory.yaml")
    (dest / "org-config.yaml").write_text(ORG_CONFIG, encoding="utf-8")
    return repositories


# -- measuring -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    command: tuple[str, ...]
    exit_code: int
    seconds: float
    peak_rss_mb: float
    """The largest resident set of any process of the step's tree (``wait4`` rusage of the child)."""
    stderr_tail: str
    produced: bool
    """Whether the file the step writes is there (exit code 2 is also what a run with failed repositories
    returns: the file tells it from a usage error)."""
    tree_rss_mb: float = 0.0
    """The largest resident set of the whole tree at once (sampled): the command and its workers together."""

    @property
    def broken(self) -> bool:
        return self.exit_code not in (0, 1, 2) or not self.produced


SINGLE = "shard-0-of-1.json"
"""The result file of a run without --shard."""


PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and every process below it now (Linux ``/proc``; 0 elsewhere). Workers of a
    ``forkserver`` pool descend from the forkserver, which descends from the command: they are counted."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def run_step(
    name: str, command: Sequence[str], cwd: Path, timeout: float, produces: Path, env: dict[str, str] | None = None
) -> Step:
    """Run one command as a fresh process tree, timed, with its peak RSS: the largest single process
    (``wait4``) and the largest sum over the tree (sampled every 0.1 s)."""
    log(f"{name}: {' '.join(command)}")
    with open(cwd / f"{name}.stderr", "w+b") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr, env={**os.environ, **(env or {})}
        )
        deadline = start + timeout
        tree_peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            tree_peak = max(tree_peak, tree_rss(process.pid))
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        tail = stderr.read().decode("utf-8", "replace").strip().splitlines()[-5:]
    rss = usage.ru_maxrss / 1024
    return Step(
        name,
        tuple(command),
        process.returncode,
        seconds,
        rss,
        "\n".join(tail),
        produces.exists(),
        max(tree_peak / 1024 / 1024, rss),
    )


VOLATILE = frozenset(
    {"run_id", "started", "finished", "duration_seconds", "shard_index", "shard_count", "generated", "created"}
)


def normalized(data: Any) -> Any:
    """Data without what differs between equal runs (ids, times, durations, shard numbers; reused = scanned)."""
    if isinstance(data, dict):
        return {k: normalized(v) for k, v in sorted(data.items()) if k not in VOLATILE and k != "counts"}
    if isinstance(data, list):
        return [normalized(v) for v in data]
    return "scanned" if data == "reused" else data


def repositories_of(path: Path) -> list[Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return sorted(normalized(data.get("repositories", [])), key=lambda r: r.get("id", ""))


def database_size(url_path: Path) -> int:
    return sum(p.stat().st_size for p in url_path.parent.glob(url_path.name + "*") if p.is_file())


def measure(args: argparse.Namespace) -> dict[str, Any]:
    work: Path = args.work.resolve()
    if work.exists() and not args.reuse_fleet:
        shutil.rmtree(work)
    fleet_dir = work / "fleet"
    if not (fleet_dir / "inventory.yaml").exists():
        start = time.perf_counter()
        fleet = generate(args.n, fleet_dir, args.corpus, args.seed)
        log(f"generated {len(fleet)} repositories in {time.perf_counter() - start:.1f}s")
    inventory, config = str(fleet_dir / "inventory.yaml"), str(fleet_dir / "org-config.yaml")
    conformance = shlex.split(args.conformance)
    history, single, sharded = work / "history.sqlite", work / "single.sqlite", work / "sharded.sqlite"
    common = ["--config", config, "--jobs", str(args.jobs), "--timeout", str(args.repo_timeout)]
    if args.executor:
        common += ["--executor", args.executor]
    steps: list[Step] = []

    def step(name: str, command: list[str], produces: Path, env: dict[str, str] | None = None) -> None:
        steps.append(run_step(name, command, work, args.timeout, produces, env))

    scan = [*conformance, "org", "scan", inventory, *common, "--cache-dir", str(work / "cache")]
    step("first", [*scan, "--out", str(work / "run-1"), "--db", f"sqlite:///{history}"], work / "run-1" / SINGLE)
    if history.exists():
        shutil.copyfile(history, single)  # the history of the first run alone, to compare reports with
    step("unchanged", [*scan, "--out", str(work / "run-2"), "--db", f"sqlite:///{history}"], work / "run-2" / SINGLE)
    shards = work / "shards"
    run_id = time.strftime("fleet-%Y%m%dT%H%M%SZ", time.gmtime())  # the shards of one run share it
    # the shards clone again into a fresh cache at the same path (messages name checkouts by their path)
    if (work / "cache").exists():
        (work / "cache").rename(work / "cache-single")
    for index in range(SHARDS):
        shard = [*conformance, "org", "scan", inventory, *common, "--cache-dir", str(work / "cache")]
        shard += ["--shard", f"{index}/{SHARDS}", "--out", str(shards), "--no-history"]
        step(f"shard-{index}", shard, shards / f"shard-{index}-of-{SHARDS}.json", {"CONFORMANCE_RUN_ID": run_id})
    merged = work / "merged"
    step(
        "merge",
        [*conformance, "org", "merge", str(shards), "--out", str(merged), "--db", f"sqlite:///{sharded}"],
        merged / "run.json",
    )
    reports = {}
    for label, database in (("single", single), ("sharded", sharded)):
        out = work / f"report-{label}.json"
        step(
            f"report-{label}",
            [*conformance, "org", "report", "--db", f"sqlite:///{database}", "--format", "json", "-o", str(out)],
            out,
        )
        reports[label] = out
    return summarize_measurement(args.n, work, steps, history, reports)


def summarize_measurement(
    n: int, work: Path, steps: Sequence[Step], history: Path, reports: dict[str, Path]
) -> dict[str, Any]:
    by_name = {step.name: step for step in steps}
    single_run = work / "run-1" / SINGLE
    merged_run = work / "merged" / "run.json"
    same_results = None
    if single_run.exists() and merged_run.exists():
        same_results = repositories_of(single_run) == repositories_of(merged_run)
    same_report = None
    if all(path.exists() for path in reports.values()):
        texts = [normalized(json.loads(path.read_text(encoding="utf-8"))) for path in reports.values()]
        same_report = texts[0] == texts[1]
    shard_seconds = sum(by_name[f"shard-{i}"].seconds for i in range(SHARDS)) + by_name["merge"].seconds

    def per_minute(seconds: float) -> float:
        return round(n / seconds * 60, 1) if seconds else 0.0

    return {
        "repositories": n,
        "first_run": {
            "seconds": round(by_name["first"].seconds, 2),
            "per_minute": per_minute(by_name["first"].seconds),
        },
        "unchanged_run": {
            "seconds": round(by_name["unchanged"].seconds, 2),
            "per_minute": per_minute(by_name["unchanged"].seconds),
        },
        "sharded": {"seconds": round(shard_seconds, 2), "per_minute": per_minute(shard_seconds)},
        "peak_rss_mb": round(max(step.peak_rss_mb for step in steps), 1),
        "peak_tree_rss_mb": round(max(step.tree_rss_mb for step in steps), 1),
        "database_bytes": database_size(history) if history.exists() else None,
        "sharded_results_equal": same_results,
        "sharded_report_equal": same_report,
        "steps": [
            {
                "name": s.name,
                "exit_code": s.exit_code,
                "seconds": round(s.seconds, 2),
                "peak_rss_mb": round(s.peak_rss_mb, 1),
                "tree_rss_mb": round(s.tree_rss_mb, 1),
                "broken": s.broken,
                "stderr_tail": s.stderr_tail if s.broken else "",
            }
            for s in steps
        ],
    }


def table(result: dict[str, Any]) -> str:
    db = result["database_bytes"]
    rows = [
        ("repositories", str(result["repositories"])),
        ("first run (clones)", f"{result['first_run']['seconds']} s, {result['first_run']['per_minute']} repos/min"),
        (
            "unchanged rerun",
            f"{result['unchanged_run']['seconds']} s, {result['unchanged_run']['per_minute']} repos/min",
        ),
        (f"{SHARDS} shards + merge", f"{result['sharded']['seconds']} s, {result['sharded']['per_minute']} repos/min"),
        ("peak RSS, largest process", f"{result['peak_rss_mb']} MB"),
        ("peak RSS, process tree (sampled)", f"{result['peak_tree_rss_mb']} MB"),
        ("history database (2 runs)", f"{db / 1024 / 1024:.1f} MB" if db is not None else "missing"),
        ("sharded results = single run", str(result["sharded_results_equal"])),
        ("sharded report = single run", str(result["sharded_report_equal"])),
    ]
    lines = ["| measure | value |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows)]
    lines += [
        "",
        "| step | exit | output | seconds | peak RSS MB | tree RSS MB |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for s in result["steps"]:
        output = "missing" if s["broken"] else "ok"
        lines.append(
            f"| {s['name']} | {s['exit_code']} | {output} | {s['seconds']} | {s['peak_rss_mb']} | {s['tree_rss_mb']} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="repositories in the fleet (default 200)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/conformance-fleet"), help="working directory")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--jobs", type=int, default=2, help="org scan --jobs")
    parser.add_argument("--executor", default="", help="org scan --executor (local or dask://HOST:PORT)")
    parser.add_argument("--repo-timeout", type=int, default=300, help="org scan --timeout per repository")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds one step may take")
    parser.add_argument("--conformance", default=str(Path(sys.executable).with_name("conformance")))
    parser.add_argument("--generate-only", action="store_true", help="build the fleet and the inventory, then stop")
    parser.add_argument("--reuse-fleet", action="store_true", help="keep a fleet already generated in --work")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("-n must be at least 1")
    if args.generate_only:
        fleet = generate(args.n, args.work.resolve() / "fleet", args.corpus, args.seed)
        counts = {kind: sum(1 for r in fleet if r.kind == kind) for kind in KINDS}
        log(f"{len(fleet)} repositories in {args.work / 'fleet'}: {counts}")
        return 0
    result = measure(args)
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    broken = [s for s in result["steps"] if s["broken"]]
    for failed in broken:
        log(f"step {failed['name']} broke (exit {failed['exit_code']}): {failed['stderr_tail']}")
    return 1 if broken or result["sharded_results_equal"] is False or result["sharded_report_equal"] is False else 0


if __name__ == "__main__":
    sys.exit(main())
