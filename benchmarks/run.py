#!/usr/bin/env python3
"""Measure ``conformance scan`` against the libyaml floor and Checkov on the real-world corpus.

    python benchmarks/run.py                       # everything, 3 repetitions, medians
    python benchmarks/run.py --repeat 5 --json out.json
    python benchmarks/run.py --skip-large --skip-checkov

Every measured command runs as a child process; wall time is taken around spawn and ``os.wait4`` (so
process start is included) and the peak RSS is the ``ru_maxrss`` of that child as GNU time reports it
(plain ``wait4`` if GNU time is missing).  On Linux that value is the maximum over the child *and every
descendant it reaped* (scan workers included): the peak of the largest single process of the tree, never
a sum.  Which process it was is found with one extra run per corpus under a tiny bootstrap that records
``RUSAGE_SELF`` (the CLI process) and ``RUSAGE_CHILDREN`` (its largest worker) at exit.  See
benchmarks/README.md.

Only the standard library and PyYAML are used.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import io
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import find_corpus  # noqa: E402

DEFAULT_CORPUS = find_corpus(REPO)
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "conformance-bench"
DEFAULT_ONE_FILE = "stefanprodan__podinfo/deploy/bases/frontend/deployment.yaml"
"""A single Deployment of the corpus (1.7 KB, one document): what a pre-commit hook scans."""
EXTS = (".yaml", ".yml", ".json")
BUSY_CORES = 0.2
"""Median CPUs used by other processes during a step above which the step is flagged as disturbed."""
CHECKOV_OK = (0, 1)  # 1: failed checks, like our own exit code 1
CONFORMANCE_OK = (0, 1)  # 2 means scan errors (parse errors...) or a fatal error: reported, not hidden

# Child program of the floor: read and load every manifest file, timed inside the child (interpreter
# start and ``import yaml`` excluded), with per-file errors counted instead of stopping the run.
FLOOR_CHILD = r"""
import json, os, sys, time
import yaml
root, exts = sys.argv[1], tuple(sys.argv[2].split(","))
paths = sorted(
    os.path.join(d, n) for d, _, names in os.walk(root) for n in names if n.endswith(exts)
)
loader = yaml.CSafeLoader
docs = errors = size = 0
start, cpu = time.perf_counter(), time.process_time()
for path in paths:
    with open(path, "rb") as handle:
        raw = handle.read()
    size += len(raw)
    try:
        docs += len(list(yaml.load_all(raw.decode("utf-8"), Loader=loader)))
    except (UnicodeDecodeError, yaml.YAMLError):
        errors += 1
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": elapsed, "cpu": cpu, "files": len(paths), "documents": docs, "errors": errors,
                  "bytes": size}))
"""

# Minimal Python tool on one file, process start included: the floor of a one-file scan.
ONE_FILE_FLOOR_CHILD = (
    "import sys, yaml\n"
    "with open(sys.argv[1], 'rb') as f:\n"
    "    list(yaml.load_all(f.read().decode('utf-8'), Loader=yaml.CSafeLoader))\n"
)

# Runs the conformance CLI like its console script does and records, at exit, the peak RSS of this
# process and of its largest reaped child (a scan worker) into the file named by the environment.
RUSAGE_BOOT = r"""
import atexit, json, os, resource, sys
def _record():
    with open(os.environ["CONFORMANCE_BENCH_RUSAGE"], "w") as out:
        json.dump({"self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   "children_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, out)
atexit.register(_record)
sys.argv[0] = "conformance"
from conformance.cli import main
sys.exit(main())
"""


@dataclass
class Run:
    seconds: float
    maxrss_kib: int
    cpu_seconds: float
    other_cpu_seconds: float | None
    """CPU time the rest of the machine used while the command ran (/proc/stat busy time minus the command's)."""
    returncode: int
    stdout: str = ""
    stderr: str = ""


@dataclass
class Step:
    key: str
    label: str
    command: list[str]
    floor: str | None = None
    """Key of the floor step this one is compared with."""
    checkov: str | None = None
    """Key of the Checkov step this one is compared with."""
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    """User + system CPU time of the whole process tree (summed over workers), per run."""
    other_cores: list[float] = field(default_factory=list)
    """Average number of CPUs that other processes kept busy during each run (0: a quiet machine)."""
    maxrss_kib: list[int] = field(default_factory=list)
    status: str = "ok"
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def median_cpu(self) -> float | None:
        return statistics.median(self.cpu_seconds) if self.cpu_seconds else None

    @property
    def median_other_cores(self) -> float | None:
        return statistics.median(self.other_cores) if self.other_cores else None

    @property
    def peak_mib(self) -> float | None:
        return max(self.maxrss_kib) / 1024 if self.maxrss_kib else None


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


GNU_TIME = "/usr/bin/time"


@functools.cache
def gnu_time() -> str | None:
    """GNU time, if it works here: the launcher that makes ru_maxrss exact (see peak_rss_note)."""
    if not os.access(GNU_TIME, os.X_OK):
        return None
    with tempfile.NamedTemporaryFile("r") as out:
        probe = subprocess.run([GNU_TIME, "-f", "%M", "-o", out.name, "true"], capture_output=True, check=False)
        text = out.read().strip()
    return GNU_TIME if probe.returncode == 0 and text.isdigit() else None


def peak_rss_note() -> str:
    if gnu_time():
        return (
            "peak RSS: ru_maxrss of the command's process tree as GNU time reports it (wait4 of a ~1 MiB "
            "launcher), i.e. the largest single process, not a sum"
        )
    return (
        "peak RSS: ru_maxrss from os.wait4 (GNU time is missing); Linux copies the spawning process's "
        "high-water mark into the child at fork, so values below the benchmark process's own peak "
        "(~15-20 MiB) are not the command's"
    )


def machine_busy_seconds() -> float | None:
    """CPU time all processors have spent busy since boot (Linux /proc/stat), to spot foreign load."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    # user nice system idle iowait irq softirq steal ...: busy is everything but idle and iowait
    values = [int(v) for v in fields[1:9]]
    busy = sum(values) - values[3] - values[4]
    return busy / os.sysconf("SC_CLK_TCK")


def run_once(
    command: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    env: dict[str, str] | None = None,
    capture_stdout: bool = False,
) -> Run:
    """Run a command; wall time around spawn..wait4 (process start included) and its peak RSS.

    ru_maxrss is the largest single process of the tree (the command or any descendant it reaped).  The
    command is launched through GNU time when present, because Linux starts a forked child with its
    parent's RSS high-water mark: measured directly, a 1 MiB ``true`` spawned by this (20-50 MiB) Python
    process would report this process's peak.  GNU time's own footprint is about 1 MiB.
    """
    launcher = gnu_time()
    with (
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryFile() as out,
        tempfile.NamedTemporaryFile("r") as rss,
    ):
        argv = [launcher, "-f", "%M", "-o", rss.name, *command] if launcher else list(command)
        busy_before = machine_busy_seconds()
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out if capture_stdout else subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # a timeout kills the whole tree, workers included
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        busy_after = machine_busy_seconds()
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped by wait4; keep Popen from waiting again
        maxrss = usage.ru_maxrss
        if launcher:
            lines = rss.read().split()
            maxrss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
        err.seek(0)
        out.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        if timed_out.is_set():
            stderr += f"\n[bench] killed after the {timeout:.0f}s timeout"
        cpu = usage.ru_utime + usage.ru_stime  # summed over the reaped tree (GNU time reaps the command)
        other = None if busy_before is None or busy_after is None else max(0.0, busy_after - busy_before - cpu)
        return Run(seconds, maxrss, cpu, other, code, out.read().decode("utf-8", "replace"), stderr)


def child_environment(cache: Path) -> dict[str, str]:
    """The environment of every measured command: bytecode caching on, caches outside the work tree.

    A shell that sets PYTHONDONTWRITEBYTECODE (some CI images and sandboxes do) makes every run of an
    editable install recompile conformance from source, which a user never pays.  The caches go to
    CACHE/pycache so the benchmark writes nothing into the checkout; warm-up runs fill them.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(cache / "pycache"))
    return env


def tail(text: str, lines: int = 5) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def measure(
    step: Step,
    repeat: int,
    *,
    cwd: Path,
    timeout: float,
    ok_codes: Sequence[int] = (0,),
    warmup: bool = False,
    env: dict[str, str] | None = None,
) -> list[Run]:
    """Run a step ``repeat`` times (plus one untimed warm-up if asked); stop at the first failure."""
    log(f"{step.label}: {shlex.join(step.command)}")
    runs: list[Run] = []
    for index in range(repeat + (1 if warmup else 0)):
        run = run_once(step.command, cwd=cwd, timeout=timeout, env=env, capture_stdout=True)
        if run.returncode not in ok_codes:
            step.status = f"failed (exit {run.returncode})"
            step.notes.append(f"exit {run.returncode}: {tail(run.stderr)}")
            log(f"  FAILED exit {run.returncode}: {tail(run.stderr)}")
            return runs
        if warmup and index == 0:
            continue
        runs.append(run)
        step.seconds.append(run.seconds)
        step.maxrss_kib.append(run.maxrss_kib)
        step.cpu_seconds.append(run.cpu_seconds)
        other = "?"
        if run.other_cpu_seconds is not None and run.seconds > 0:
            step.other_cores.append(run.other_cpu_seconds / run.seconds)
            other = f"{step.other_cores[-1]:.2f}"
        log(
            f"  run {len(runs)}/{repeat}: {run.seconds:.3f}s wall, {run.cpu_seconds:.3f}s CPU, "
            f"peak {run.maxrss_kib / 1024:.1f} MiB, other load {other} CPUs"
        )
    return runs


def manifest_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(EXTS))


def build_large(corpus: Path, cache: Path, copies: int, make_large: Path, timeout: float) -> Path:
    """The N-times corpus, built once by make_large.py into the cache (atomically: tmp dir + rename)."""
    dest = cache / f"large-{copies}"
    stamp = dest / ".complete"
    if stamp.exists():
        log(f"large corpus: reusing {dest}")
        return dest
    building = cache / f".large-{copies}.building-{os.getpid()}"  # concurrent runs build apart
    if building.exists():
        shutil.rmtree(building)
    log(f"large corpus: building {copies}x copy into {dest} with {make_large}")
    subprocess.run(
        [sys.executable, str(make_large), str(building), "-n", str(copies), "--src", str(corpus)],
        check=True,
        timeout=timeout,
    )
    (building / ".complete").write_text(f"{corpus} x{copies}\n")
    install_dir(building, dest)
    return dest


def install_dir(built: Path, dest: Path) -> None:
    """Move a finished directory into place; an incomplete one there is replaced, a complete one kept."""
    if dest.exists() and not (dest / ".complete").exists():
        shutil.rmtree(dest)
    try:
        built.rename(dest)
    except OSError:  # another run finished the same directory first
        shutil.rmtree(built)


def conformance_command(option: str | None) -> list[str]:
    if option:
        return shlex.split(option)
    beside = Path(sys.executable).parent / "conformance"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("conformance")
    return [found] if found else [sys.executable, "-m", "conformance"]


def scan_args(target: Path, jobs: int | None) -> list[str]:
    # The report goes to stdout, which is /dev/null: the JSON is rendered and discarded.  We do not pass
    # ``-o /dev/null``: conformance writes -o atomically (temporary file + os.replace), and as root that
    # replaces the /dev/null device node with a regular file.  See README.md.
    args = ["scan", str(target), "-f", "json"]
    if jobs is not None:
        args += ["-j", str(jobs)]
    return args


def attribute_memory(
    step: Step,
    target: Path,
    jobs: int | None,
    *,
    cwd: Path,
    cache: Path,
    timeout: float,
    env: dict[str, str] | None = None,
) -> None:
    """One extra run: peak RSS of the CLI process vs its largest worker, and what the report says."""
    rusage_file = cache / f"rusage-{step.key}-{os.getpid()}.json"  # per run: runs may overlap
    report = cache / f"report-{step.key}-{os.getpid()}.json"
    env = dict(env or os.environ, CONFORMANCE_BENCH_RUSAGE=str(rusage_file))
    command = [sys.executable, "-c", RUSAGE_BOOT, *scan_args(target, jobs), "-o", str(report)]
    run = run_once(command, cwd=cwd, timeout=timeout, env=env)
    if rusage_file.exists():
        usage = json.loads(rusage_file.read_text())
        rusage_file.unlink()
        step.extra["parent_peak_mib"] = round(usage["self_kib"] / 1024, 1)
        if usage["children_kib"]:  # 0: no worker processes (-j 1, small scans)
            step.extra["largest_worker_peak_mib"] = round(usage["children_kib"] / 1024, 1)
        step.extra["tree_peak_mib"] = round(run.maxrss_kib / 1024, 1)
    else:
        step.notes.append(f"memory attribution run left no record (exit {run.returncode})")
    if report.exists():
        step.extra["report_path"] = str(report)  # read at the end, to keep this process small meanwhile
    elif run.returncode not in CONFORMANCE_OK:
        step.notes.append(f"attribution run exit {run.returncode}: {tail(run.stderr)}")


def summarize_report(path: Path) -> dict[str, Any]:
    """Counts from a conformance JSON report: scan errors by id (parse errors...) and where they were."""
    data = json.loads(path.read_text())
    errors = data.get("errors", [])
    by_id = Counter(str(e.get("policy") or e.get("id") or e.get("rule")) for e in errors)
    examples = []
    for item in errors[:20]:
        location = item.get("location") or {}
        examples.append(f"{location.get('file')}:{location.get('line')}: {item.get('message')}")
    return {
        "stats": data.get("stats"),
        "summary": data.get("summary"),
        "errors_by_id": dict(by_id.most_common()),
        "first_errors": examples,
    }


def ensure_checkov(cache: Path, timeout: float) -> tuple[list[str] | None, str]:
    """Checkov from its own venv in the cache, installed with pip on first use."""
    venv = cache / "checkov-venv"
    exe = venv / "bin" / "checkov"
    if not exe.exists():
        log(f"checkov: creating {venv} and running pip install checkov (several minutes)")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=timeout)
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
            subprocess.run([*pip, "--upgrade", "pip"], check=False, timeout=timeout)
            subprocess.run([*pip, "checkov"], check=True, timeout=timeout)
        except (subprocess.SubprocessError, OSError) as exc:
            return None, f"checkov could not be installed: {exc}"
    try:
        version = subprocess.run(
            [str(exe), "--version"], capture_output=True, text=True, check=True, timeout=timeout
        ).stdout.strip()
    except (subprocess.SubprocessError, OSError) as exc:
        return None, f"checkov is installed in {venv} but does not run: {exc}"
    return [str(exe)], version


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def markdown_table(steps: list[Step]) -> str:
    by_key = {s.key: s for s in steps}
    rows = [
        "| Step | Median s | Min-max s | CPU s | Peak MiB | x libyaml floor | Speed-up vs Checkov | Other load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for step in steps:
        median = step.median
        ratio = speedup = None
        floor = by_key.get(step.floor or "")
        if median is not None and floor is not None and floor.median:
            ratio = median / floor.median
        checkov = by_key.get(step.checkov or "")
        if median and checkov is not None and checkov.median is not None:
            speedup = checkov.median / median
        spread = f"{min(step.seconds):.2f}-{max(step.seconds):.2f}" if step.seconds else "—"
        label = step.label if step.status == "ok" else f"{step.label} **{step.status}**"
        rows.append(
            f"| {label} | {fmt(median, 3)} | {spread} | {fmt(step.median_cpu, 2)} | {fmt(step.peak_mib, 1)} | "
            f"{fmt(ratio, 2)}{'x' if ratio is not None else ''} | "
            f"{fmt(speedup, 1)}{'x' if speedup is not None else ''} | {fmt(step.median_other_cores, 2)} |"
        )
    return "\n".join(rows)


def memory_table(steps: list[Step]) -> str:
    rows = [
        "| Scan | CLI process peak MiB | Largest worker peak MiB | Tree peak MiB | Files | Documents |"
        " Resources | Findings | Scan errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for step in steps:
        if "parent_peak_mib" not in step.extra and "report" not in step.extra:
            continue
        report = step.extra.get("report") or {}
        stats = report.get("stats") or {}
        counts = (report.get("summary") or {}).get("counts") or {}
        errors = report.get("errors_by_id") or {}
        error_text = ", ".join(f"{k}: {v}" for k, v in errors.items()) or "none"
        rows.append(
            f"| {step.label} | {step.extra.get('parent_peak_mib', '—')} | "
            f"{step.extra.get('largest_worker_peak_mib', '—')} | "
            f"{step.extra.get('tree_peak_mib', '—')} | "
            f"{stats.get('files', '—')} | {stats.get('documents', '—')} | {stats.get('resources', '—')} | "
            f"{sum(counts.values()) if counts else '—'} | {error_text} |"
        )
    return "\n".join(rows)


def snapshot(commit: str, cache: Path) -> tuple[str, Path]:
    """src/ and policies/ of a commit, extracted once into the cache with ``git archive``.

    Run with that ``src`` first on PYTHONPATH, the installed console script imports the snapshot (an
    editable install's path comes later on sys.path) and finds the snapshot's ``policies/`` as its
    built-in pack, so the work tree can keep changing while the benchmark runs.
    """
    sha = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", f"{commit}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dest = cache / f"tree-{sha[:12]}"
    if not (dest / ".complete").exists():
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", sha, "src", "policies"],
            capture_output=True,
            check=True,
        ).stdout
        building = cache / f".tree-{sha[:12]}.building-{os.getpid()}"
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(building, filter="data")
            else:  # Python without extraction filters; the archive is our own repository's
                tar.extractall(building)
        (building / ".complete").write_text(sha + "\n")
        install_dir(building, dest)
    return sha, dest


def builtin_policies_root(env: dict[str, str]) -> str:
    """Where the conformance that the children import finds its built-in pack (to check --at works)."""
    probe = "from conformance.catalog.discovery import builtin_root; print(builtin_root())"
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False)
    return result.stdout.strip() or f"? ({tail(result.stderr)})"


def tree_state() -> str:
    """A fingerprint of the code under test (src/ and policies/, by path, size and mtime)."""
    digest = hashlib.sha256()
    for top in (REPO / "src", REPO / "policies"):
        for path in sorted(top.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                stat = path.stat()
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "pyyaml": yaml.__version__,
        "libyaml": getattr(yaml, "__with_libyaml__", False),
    }
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "--", "src", "policies"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        info["conformance_commit"] = head + (" + uncommitted changes in src/ or policies/" if dirty else "")
    except (subprocess.SubprocessError, OSError):
        info["conformance_commit"] = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return info


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    doc = __doc__ or ""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="real corpus (default: %(default)s)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per step; medians are reported")
    ap.add_argument("--large", type=int, default=10, metavar="N", help="copies in the large corpus")
    ap.add_argument("--skip-large", action="store_true", help="do not build or scan the large corpus")
    ap.add_argument("--skip-checkov", action="store_true", help="do not install or run Checkov")
    ap.add_argument("--no-serial", action="store_true", help="skip the extra `-j 1` scan of the corpus")
    ap.add_argument("--one-file", type=Path, help=f"file of the one-file scan (default: CORPUS/{DEFAULT_ONE_FILE})")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="large corpus, Checkov venv, reports")
    ap.add_argument("--make-large", type=Path, help="corpus builder (default: make_large.py beside CORPUS)")
    ap.add_argument("--conformance", help="command that runs conformance (default: the console script)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed to one command")
    ap.add_argument(
        "--at",
        metavar="COMMIT",
        help="benchmark src/ and policies/ of this commit (git archive into the cache) instead of the work tree",
    )
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.large < 1:
        ap.error("--large must be at least 1")
    return args


def floor_step(key: str, label: str, root: Path, repeat: int, **kwargs: Any) -> Step:
    """A libyaml floor over a tree; its time is the child's own clock (read + load), not process wall."""
    step = Step(key, label, [sys.executable, "-c", FLOOR_CHILD, str(root), ",".join(EXTS)])
    runs = measure(step, repeat, **kwargs)
    if runs:
        child = [json.loads(r.stdout) for r in runs]
        step.seconds = [c["seconds"] for c in child]
        step.cpu_seconds = [c["cpu"] for c in child]
        step.extra.update({k: child[0][k] for k in ("files", "documents", "errors", "bytes")})
        step.extra["process_wall_seconds"] = [round(r.seconds, 3) for r in runs]
    return step


ORDER = ("floor", "scan", "scan-j1", "floor-large", "scan-large", "floor-one", "scan-one", "checkov", "checkov-one")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    corpus: Path = args.corpus.resolve()
    if not corpus.is_dir():
        print(f"corpus {corpus} not found", file=sys.stderr)
        return 2
    cache: Path = args.cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    one_file: Path = (args.one_file or corpus / DEFAULT_ONE_FILE).resolve()
    conformance = conformance_command(args.conformance)
    repeat: int = args.repeat
    env = child_environment(cache)
    at_commit = None
    if args.at:
        try:
            at_commit, tree = snapshot(args.at, cache)
        except (subprocess.SubprocessError, OSError, tarfile.TarError) as exc:
            print(f"--at {args.at}: cannot extract that commit: {exc}", file=sys.stderr)
            return 2
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(tree / "src"), env.get("PYTHONPATH")) if p)
    policies_root = builtin_policies_root(env)
    common: dict[str, Any] = {"cwd": REPO, "timeout": args.timeout, "env": env}
    steps: list[Step] = []
    problems: list[str] = []
    started = time.perf_counter()

    load_before = os.getloadavg()
    state_before = tree_state()
    files = manifest_files(corpus)
    log(f"corpus {corpus}: {len(files)} manifest files; one file: {one_file}")
    log(peak_rss_note())
    log(f"conformance under test: {shlex.join(conformance)}, built-in policies from {policies_root}")

    # One file first, each with an untimed warm-up run: it also fills the bytecode caches for the rest.
    one_floor = Step(
        "floor-one",
        "libyaml floor, one file (python start + import yaml + load)",
        [sys.executable, "-c", ONE_FILE_FLOOR_CHILD, str(one_file)],
    )
    measure(one_floor, repeat, warmup=True, **common)
    steps.append(one_floor)
    one = Step(
        "scan-one",
        "conformance scan one Deployment (process start included)",
        [*conformance, *scan_args(one_file, None)],
        floor="floor-one",
        checkov="checkov-one",
    )
    measure(one, repeat, ok_codes=CONFORMANCE_OK, warmup=True, **common)
    steps.append(one)

    # The floor, then conformance on the corpus: default settings, and -j 1 against the 1-thread floor.
    label = "libyaml floor: CSafeLoader load_all of every file (1 thread, timed inside a child)"
    steps.append(floor_step("floor", label, corpus, repeat, **common))
    scan = Step(
        "scan",
        "conformance scan corpus (default -j)",
        [*conformance, *scan_args(corpus, None)],
        floor="floor",
        checkov="checkov",
    )
    measure(scan, repeat, ok_codes=CONFORMANCE_OK, **common)
    attribute_memory(scan, corpus, None, cache=cache, **common)
    steps.append(scan)
    if not args.no_serial:
        serial = Step(
            "scan-j1",
            "conformance scan corpus -j 1",
            [*conformance, *scan_args(corpus, 1)],
            floor="floor",
            checkov="checkov",
        )
        measure(serial, repeat, ok_codes=CONFORMANCE_OK, **common)
        attribute_memory(serial, corpus, 1, cache=cache, **common)
        steps.append(serial)

    # The N-times corpus: its own floor, then the scan.
    if not args.skip_large:
        make_large = args.make_large or corpus.parent / "make_large.py"
        try:
            large = build_large(corpus, cache, args.large, make_large, args.timeout)
        except (subprocess.SubprocessError, OSError) as exc:
            problems.append(f"large corpus not built: {exc}")
            log(problems[-1])
        else:
            n = args.large
            label = f"libyaml floor, {n}x corpus (timed inside a child)"
            steps.append(floor_step("floor-large", label, large, repeat, **common))
            large_scan = Step(
                "scan-large",
                f"conformance scan {n}x corpus (default -j)",
                [*conformance, *scan_args(large, None)],
                floor="floor-large",
            )
            measure(large_scan, repeat, ok_codes=CONFORMANCE_OK, **common)
            attribute_memory(large_scan, large, None, cache=cache, **common)
            steps.append(large_scan)

    # Checkov, from its own venv: one file first (warm-up fills its bytecode cache), then the corpus.
    checkov_version = None
    if not args.skip_checkov:
        checkov, checkov_version = ensure_checkov(cache, args.timeout)
        if checkov is None:
            problems.append(checkov_version)
            log(checkov_version)
            checkov_version = None
        else:
            log(f"checkov {checkov_version}")
            options = ["--framework", "kubernetes", "--quiet", "--compact", "-o", "json"]
            ck_one = Step(
                "checkov-one",
                f"checkov {checkov_version} -f one Deployment",
                [*checkov, "-f", str(one_file), *options],
                floor="floor-one",
            )
            measure(ck_one, repeat, ok_codes=CHECKOV_OK, warmup=True, **common)
            steps.append(ck_one)
            ck = Step(
                "checkov",
                f"checkov {checkov_version} -d corpus",
                [*checkov, "-d", str(corpus), *options],
                floor="floor",
            )
            measure(ck, repeat, ok_codes=CHECKOV_OK, **common)
            steps.append(ck)

    steps.sort(key=lambda step: ORDER.index(step.key))
    for step in steps:
        report_path = step.extra.get("report_path")
        if report_path:
            step.extra["report"] = summarize_report(Path(report_path))
            Path(report_path).unlink()
    info = machine()
    if at_commit:
        info["conformance_commit"] = f"{at_commit[:12]} (--at {args.at}, extracted to {policies_root})"
    elif tree_state() != state_before:
        problems.insert(
            0,
            "src/ or policies/ changed while the benchmark ran: the numbers mix versions of conformance; "
            "run it again on a quiet tree",
        )
    info["loadavg_before"] = [round(x, 2) for x in load_before]
    info["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    table = markdown_table(steps)
    memory = memory_table(steps)
    print(
        f"\nMachine: {info.get('cpu', '?')}, nproc {info['nproc']}, {info.get('memory_gib', '?')} GiB, "
        f"Python {info['python']}, PyYAML {info['pyyaml']} (libyaml: {info['libyaml']}); "
        f"conformance at {info['conformance_commit']}"
    )
    print(
        f"Corpus: {corpus} ({len(files)} files); medians of {repeat} runs; "
        f"total benchmark time {time.perf_counter() - started:.0f}s; load average (1/5/15 min) "
        f"{info['loadavg_before']} before, {info['loadavg_after']} after\n"
    )
    print(table)
    print(f"\n{peak_rss_note()}.")
    by_key = {step.key: step for step in steps}
    for small, big, what in (("floor", "floor-large", "libyaml floor"), ("scan", "scan-large", "conformance")):
        a, b = by_key.get(small), by_key.get(big)
        if a and b and a.median and b.median and a.peak_mib and b.peak_mib:
            print(
                f"Scaling, {what}, {args.large}x corpus vs corpus: time {b.median / a.median:.1f}x, "
                f"peak RSS {b.peak_mib / a.peak_mib:.1f}x."
            )
    print("\nMemory attribution (one extra run each) and what the report said:\n")
    print(memory)
    busy = [s.label for s in steps if (s.median_other_cores or 0) > BUSY_CORES]
    if busy:
        problems.append(
            f"other processes kept more than {BUSY_CORES} CPU busy (median) during: "
            + "; ".join(busy)
            + ". Wall times there are inflated; the CPU s column is the steadier number; run again"
        )
    for step in steps:
        for note in step.notes:
            problems.append(f"{step.label}: {note}")
        report = step.extra.get("report")
        if report and report.get("first_errors"):
            problems.append(f"{step.label}: scan errors, first ones: " + "; ".join(report["first_errors"][:5]))
    if problems:
        print("\nProblems:\n")
        for problem in problems:
            print(f"- {problem}")
    if args.json:
        payload = {
            "machine": info,
            "corpus": str(corpus),
            "one_file": str(one_file),
            "repeat": repeat,
            "conformance": conformance,
            "checkov_version": checkov_version,
            "steps": [
                {**asdict(s), "median_seconds": s.median, "median_cpu_seconds": s.median_cpu, "peak_mib": s.peak_mib}
                for s in steps
            ],
            "problems": problems,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        log(f"wrote {args.json}")
    return 1 if any(s.status != "ok" for s in steps) else 0


if __name__ == "__main__":
    sys.exit(main())
