#!/usr/bin/env python3
"""Compare the two maintained Python CEL libraries on the real-world corpus.

    python benchmarks/cel_libraries.py                  # both libraries, 5 repetitions, medians
    python benchmarks/cel_libraries.py --repeat 3 --corpus ../shared/corpus/k8s

``common-expression-language`` (module ``cel``, Rust bindings of the ``cel`` crate) against ``cel-python``
(module ``celpy``, pure Python on ``lark``). The policy is three expressions evaluated on every container of
every pod-bearing object, as a ``select: containers`` YAML policy would run them: ``node`` is the container,
``object`` the whole object, ``options`` an allow-list. Measured: import time (a fresh interpreter, median),
compile time of the three expressions, evaluation time over the corpus (after conversion of the inputs, as
each library needs them), and the results, which must agree. Wheel sizes are those ``pip download`` fetches
(the library and its dependencies); pass ``--wheels DIR`` to count a directory of downloaded wheels.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

EXPRESSIONS = (
    "has(node.resources) && has(node.resources.limits) && 'memory' in node.resources.limits",
    "!has(node.ports) || node.ports.all(p, !has(p.hostPort) || p.hostPort == 0)",
    "options.registries.exists(r, node.image.startsWith(r + '/'))",
)
OPTIONS = {"registries": ["ghcr.io", "registry.k8s.io", "quay.io"]}
VARIABLES = ("object", "node", "options")
MODULES = {"common-expression-language": "cel", "cel-python": "celpy"}


def containers(corpus: Path) -> Iterator[tuple[Any, Any]]:
    """(object, container) for every container of every pod-bearing object of the corpus."""
    import yaml

    from conformance.targets import kubernetes as k8s

    for path in sorted(corpus.rglob("*")):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        try:
            documents = list(yaml.load_all(path.read_text("utf-8"), Loader=yaml.CSafeLoader))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        for index, document in enumerate(documents):
            for base, data in k8s.resources_of(document, str(path), index):
                try:
                    resource = k8s.make_resource(data, str(path), index, base)
                    found = list(k8s.containers(resource))
                except Exception:  # an object of the wrong shape: the scanner reports it, here it is skipped
                    continue
                for container in found:
                    if isinstance(container.data.get("image"), str):
                        yield data, dict(container.data)


def import_seconds(module: str, repeat: int) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(repeat)
    ]
    return statistics.median(runs)


def rust_runner() -> tuple[Callable[[], Any], Callable[[Any, list[tuple[Any, Any]]], list[tuple[bool, ...]]]]:
    import cel

    def compile_all() -> Any:
        return [cel.compile(source) for source in EXPRESSIONS]

    def evaluate(programs: Any, inputs: list[tuple[Any, Any]]) -> list[tuple[bool, ...]]:
        out = []
        named = set().union(*(program.variables() for program in programs))
        for obj, node in inputs:
            every = {"object": obj, "node": node, "options": OPTIONS}
            context = cel.Context(variables={name: every[name] for name in VARIABLES if name in named})
            out.append(tuple(bool(program.execute(context)) for program in programs))
        return out

    return compile_all, evaluate


def python_runner() -> tuple[Callable[[], Any], Callable[[Any, list[tuple[Any, Any]]], list[tuple[bool, ...]]]]:
    import celpy

    environment = celpy.Environment()

    def compile_all() -> Any:
        return [environment.program(environment.compile(source)) for source in EXPRESSIONS]

    def evaluate(programs: Any, inputs: list[tuple[Any, Any]]) -> list[tuple[bool, ...]]:
        out = []
        named = {token.value for program in programs for token in program.ast.scan_values(_is_identifier)}
        options = celpy.json_to_cel(OPTIONS)
        for obj, node in inputs:
            activation = {"options": options, "node": celpy.json_to_cel(node)}
            if "object" in named:
                activation["object"] = celpy.json_to_cel(obj)
            out.append(tuple(bool(program.evaluate(activation)) for program in programs))
        return out

    return compile_all, evaluate


def _is_identifier(value: Any) -> bool:
    return getattr(value, "type", "") == "IDENT"


def wheel_bytes(directory: Path | None, library: str) -> int | None:
    if directory is None:
        return None
    folder = directory / library
    return sum(f.stat().st_size for f in folder.glob("*.whl")) if folder.is_dir() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from corpus import find_corpus

    default_corpus = find_corpus(Path(__file__).resolve().parents[1])
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("CORPUS", default_corpus)))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--wheels", type=Path, help="a directory with one folder of wheels per library")
    args = parser.parse_args(argv)
    inputs = list(containers(args.corpus))
    print(f"corpus {args.corpus}: {len(inputs)} containers, {len(EXPRESSIONS)} expressions each")
    results = {}
    for library, factory in (("common-expression-language", rust_runner), ("cel-python", python_runner)):
        compile_all, evaluate = factory()
        compile_times, eval_times = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            programs = compile_all()
            compile_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            results[library] = evaluate(programs, inputs)
            eval_times.append(time.perf_counter() - started)
        size = wheel_bytes(args.wheels, library)
        print(
            f"{library:28} import {import_seconds(MODULES[library], args.repeat) * 1000:7.1f} ms  "
            f"compile(3) {statistics.median(compile_times) * 1000:7.2f} ms  "
            f"evaluate {statistics.median(eval_times):7.3f} s  "
            f"per container {statistics.median(eval_times) / max(len(inputs), 1) * 1e6:7.1f} us"
            + (f"  wheels {size / 1e6:.1f} MB" if size is not None else "")
        )
    first, second = results.values()
    print(
        "results agree"
        if first == second
        else f"results differ on {sum(a != b for a, b in zip(first, second, strict=True))}"
    )
    failing = [sum(not row[i] for row in first) for i in range(len(EXPRESSIONS))]
    print("false per expression:", failing)
    return 0 if first == second else 1


if __name__ == "__main__":
    sys.exit(main())
