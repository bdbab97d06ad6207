"""`conformance fix` over the real-world corpus: time, files changed, findings before and after.

The corpus (``shared/corpus/k8s``) is copied to a temporary folder first; it is scanned there (``conformance scan
-f json``, the built-in pack), fixed (``conformance fix``, timed), and scanned again. Printed: the fix's wall
time, how many files it changed, and per policy the active findings before and after. For a policy that fixes,
the findings after must be exactly those ``fix`` reported as left to fix by hand; for every policy, no finding
after may be new (its fingerprint was not there before). The exit code is 1 when either does not hold.

    python benchmarks/fix_corpus.py [--corpus DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import find_corpus  # noqa: E402

CORPUS = find_corpus(ROOT)
LEFT = re.compile(r"^(?P<file>.+?):\d+:\d+ (?P<policy>\S+) not fixed: (?P<reason>.*)$")


def _conformance() -> str:
    found = shutil.which("conformance", path=os.path.dirname(sys.executable)) or shutil.which("conformance")
    if found is None:
        raise SystemExit("conformance is not installed (pip install -e .)")
    return found


def _scan(tool: str, tree: Path) -> list[dict[str, object]]:
    run = subprocess.run([tool, "scan", ".", "-f", "json"], cwd=tree, capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1, 2):
        raise SystemExit(f"scan failed ({run.returncode}): {run.stderr[-2000:]}")
    report = json.loads(run.stdout)
    return [f for f in report["findings"] if f["status"] == "active"]


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _fixing_policies(tool: str) -> set[str]:
    listed = subprocess.run([tool, "policies", "list", "-f", "json"], capture_output=True, text=True, check=True)
    fixing = set()
    for info in json.loads(listed.stdout):
        explained = subprocess.run(
            [tool, "policies", "explain", info["id"]], capture_output=True, text=True, check=True
        )
        if "Autofix: yes" in explained.stdout:
            fixing.add(info["id"])
    return fixing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus missing at {args.corpus}")
    tool = _conformance()
    fixing = _fixing_policies(tool)
    with tempfile.TemporaryDirectory(prefix="conformance-fix-bench-") as temporary:
        tree = Path(temporary) / "corpus"
        shutil.copytree(args.corpus, tree, symlinks=True)
        for path in [tree, *tree.rglob("*")]:  # the shared corpus has no write bits: a read-only file is not fixed
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)
        before_bytes = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file() and not p.is_symlink()}
        before = _scan(tool, tree)
        start, cpu_start = time.perf_counter(), _children_cpu()
        run = subprocess.run([tool, "fix", "."], cwd=tree, capture_output=True, text=True, check=False)
        seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu_start
        after = _scan(tool, tree)
        changed = sum(1 for p, data in before_bytes.items() if p.read_bytes() != data)
    left = Counter()
    reasons: Counter[tuple[str, str]] = Counter()
    for line in run.stderr.splitlines():
        match = LEFT.match(line)
        if match:
            left[match["policy"]] += 1
            reasons[(match["policy"], match["reason"])] += 1
    count_before = Counter(str(f["policy"]) for f in before)
    count_after = Counter(str(f["policy"]) for f in after)
    known = {(f["policy"], f["fingerprint"]) for f in before}
    new = [f for f in after if (f["policy"], f["fingerprint"]) not in known]
    problems = []
    print(f"conformance fix: {seconds:.1f} s wall, {cpu:.1f} s CPU, {changed} files changed, exit {run.returncode}")
    print(f"{'policy':45} {'before':>7} {'after':>7} {'left':>7}")
    for policy in sorted(set(count_before) | set(count_after)):
        mark = ""
        if policy in fixing:
            mark = " (fixes)"
            if count_after[policy] != left[policy]:
                problems.append(f"{policy}: {count_after[policy]} findings after, {left[policy]} reported left")
        print(f"{policy + mark:45} {count_before[policy]:7} {count_after[policy]:7} {left[policy]:7}")
    print("\nleft to fix by hand, by reason:")
    for (policy, reason), n in reasons.most_common():
        print(f"  {n:5}  {policy}: {reason}")
    print(f"\nnew findings after the fix: {len(new)}")
    for finding in new[:20]:
        problems.append(f"new: {finding['policy']} {finding['location']['file']}: {finding['message']}")
    errors = [line for line in run.stderr.splitlines() if line.startswith("conformance: error:")]
    print(f"errors: {len(errors)}")
    for line in errors[:20]:
        print("  " + line)
    for problem in problems:
        print("PROBLEM: " + problem)
    if args.json:
        numbers = {
            "seconds": seconds,
            "cpu_seconds": cpu,
            "files_changed": changed,
            "before": dict(count_before),
            "after": dict(count_after),
            "left": dict(left),
            "new": len(new),
            "errors": len(errors),
        }
        args.json.write_text(json.dumps(numbers, indent=2) + "\n", "utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
