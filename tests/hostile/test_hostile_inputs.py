"""Hostile inputs through the real command line: ``conformance scan DIR -f json`` as a child process.

Every case is a directory holding its hostile file(s) beside ``base.yaml``, an ordinary non-compliant Deployment
(``hostNetwork: true`` at 10:7). Each run must finish (60 s watchdog), not crash, report exactly the expected
scan errors at their file and line, report ``base.yaml``'s finding (and the hostile files' own findings, when
they are readable), and exit with the expected code. The cases are data: ``CASES`` below.

File recipes (the values of a case's ``files``):
    str / bytes             the file's content (str is written as UTF-8)
    ("gen", NAME, *ARGS)    content made by GENERATORS[NAME](*ARGS) (large inputs are not kept in memory twice)
    ("symlink", TARGET)     a symbolic link; ``{outside}`` is a directory beside the scanned one
    ("fifo",)               a named pipe nobody writes to
    ("sparse", SIZE)        a sparse file of SIZE bytes (costs no disk)
    ("chardev", MAJ, MIN)   a device node (needs CAP_MKNOD; the case is skipped without it)
    ("unreadable", BODY)    a file or, when BODY is a dict, a directory with mode 000
    {NAME: RECIPE, ...}     a directory
Text may contain ``{sentinel}``: a path that must not exist after the scan (nothing was executed).
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from clirun import BASE, can_drop_read_permissions, scan

from conftest import need

BASE_FINDING = ("k8s/no-host-network", "base.yaml", 10, 7)
REPORTED = ("k8s/no-host-network", "conformance/duplicate-key")
"""The findings a case compares exactly (every built-in policy runs; the others are not this suite's concern)."""


def deployment(name: str, nl: str = "\n", host_network: str = "true") -> str:
    """A Deployment whose ``hostNetwork`` is on line 9, column 7."""
    lines = [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        f"  name: {name}",
        "spec:",
        "  template:",
        "    spec:",
        "      containers: []",
        f"      hostNetwork: {host_network}",
    ]
    return nl.join(lines) + nl


def many_documents(count: int, deployment_first: bool) -> bytes:
    config_maps = "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n" for i in range(count))
    if deployment_first:
        return (deployment("first") + config_maps).encode()
    return (config_maps + "---\n" + deployment("last")).encode()


def billion_laughs() -> bytes:
    names = "abcdefghi"
    rows = [
        f"{n}: &{n} [{', '.join(['lol'] * 9 if i == 0 else [f'*{names[i - 1]}'] * 9)}]" for i, n in enumerate(names)
    ]
    return (deployment("before-the-bomb") + "---\n" + "\n".join(rows) + "\n").encode()


def block_mapping(depth: int) -> bytes:
    return ("".join(" " * i + "k:\n" for i in range(depth)) + " " * depth + "v\n").encode()


def long_json_line(size: int) -> bytes:
    head = '{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "long", "annotations": {"a": "'
    tail = '"}}, "spec": {"template": {"spec": {"containers": [], "hostNetwork": true}}}}'
    return (head + "x" * size + tail).encode()


def long_plain_scalar(size: int) -> bytes:
    text = deployment("long-scalar").replace(
        "  name: long-scalar\n", "  name: long-scalar\n  annotations: {a: " + "y" * size + "}\n"
    )
    return text.encode()


def emoji_json() -> bytes:
    # what Python's json.dumps writes by default (ensure_ascii): emoji as escaped UTF-16 surrogate pairs
    data = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "emoji", "annotations": {"a": "\U0001f600" * 3}},
    }
    data["spec"] = {"template": {"spec": {"containers": [], "hostNetwork": True}}}
    return json.dumps(data).encode()


GENERATORS: dict[str, Callable[..., bytes]] = {
    "documents": many_documents,
    "flow": lambda depth: ("[" * depth + "]" * depth).encode(),
    "flow_mappings": lambda depth: ("{a: " * depth + "1" + "}" * depth).encode(),
    "block_sequences": lambda depth: ("- " * depth + "x\n").encode(),
    "block_keys": lambda depth: ("? " * depth + "x\n").encode(),
    "block_mapping": block_mapping,
    "billion_laughs": billion_laughs,
    "long_json_line": long_json_line,
    "long_plain_scalar": long_plain_scalar,
    "emoji_json": emoji_json,
    "utf16": lambda codec, bom: bom + deployment("utf16").encode(codec),
    "zeros": lambda size: b"\0" * size,
}


@dataclass(frozen=True)
class Expect:
    """A finding or scan error: policy id, file as reported, and line/column (None: not checked)."""

    policy: str
    file: str
    line: int | None = None
    column: int | None = None
    message: str = ""
    """A regular expression the message must match (search)."""


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, Any]
    errors: tuple[Expect, ...] = ()
    findings: tuple[Expect, ...] = ()
    exit_code: int = 2
    args: tuple[str, ...] = (".",)
    options: tuple[str, ...] = ()
    max_seconds: float = 30
    max_rss_mb: float = 400
    timeout: float = 60
    needs: str = ""
    """``unprivileged``: permissions must apply to the scan; ``mknod``: device nodes can be made."""
    marks: tuple[Any, ...] = field(default=())


PARSE = "conformance/parse-error"
READ = "conformance/read-error"
HOST = "k8s/no-host-network"
DUP = "conformance/duplicate-key"
OUTSIDE = "symbolic link points outside the scanned tree: not followed"
LOOP = "broken or looping symbolic link"
NESTING = r"nesting deeper than 256 levels|exceeded maximum nesting depth"
PYTHON_TAG = r"tag !!python/\S+ is not allowed in untrusted YAML"

CASES = [
    Case(
        "invalid-utf8",
        {
            "bad.yaml": b'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  a: "\xc3\x28"\n',
            "latin1.yaml": b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
            "odd.yaml": codecs.BOM_UTF16_LE + "kind: x\n".encode("utf-16-le")[:-1],  # a BOM, then half a character
        },
        errors=(
            Expect(PARSE, "bad.yaml", 6, message=r"not valid UTF-8 \(byte 0xc3 at offset 65\)"),
            Expect(PARSE, "latin1.yaml", 4, message=r"not valid UTF-8 \(byte 0xe9"),
            Expect(PARSE, "odd.yaml", 1, message=r"invalid UTF-16: truncated data"),
        ),
    ),
    Case(
        "utf16-and-utf8-bom-are-decoded",
        {
            "le.yaml": ("gen", "utf16", "utf-16-le", codecs.BOM_UTF16_LE),
            "be.yaml": ("gen", "utf16", "utf-16-be", codecs.BOM_UTF16_BE),
            "bom8.yaml": codecs.BOM_UTF8 + deployment("bom8").encode(),
        },
        findings=(Expect(HOST, "le.yaml", 9, 7), Expect(HOST, "be.yaml", 9, 7), Expect(HOST, "bom8.yaml", 9, 7)),
        exit_code=1,
    ),
    Case(
        "utf16-without-bom",  # reads as UTF-8 full of NULs: refused at the first one
        {"nobom.yaml": ("gen", "utf16", "utf-16-le", b"")},
        errors=(Expect(PARSE, "nobom.yaml", 1, 2, r"unacceptable character #x0000"),),
    ),
    Case(
        "nul-bytes",
        {
            "nul.yaml": b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\x00b\n",
            "zeros.json": ("gen", "zeros", 4096),
        },
        errors=(
            Expect(PARSE, "nul.yaml", 4, 10, r"unacceptable character #x0000: control characters are not allowed"),
            Expect(PARSE, "zeros.json", 1, 1, r"unacceptable character #x0000"),
        ),
    ),
    Case(
        "200-mb-file-is-not-read",
        {"huge.yaml": ("sparse", 200 * 1024 * 1024)},
        errors=(Expect(PARSE, "huge.yaml", 1, 1, r"file is 209715200 bytes, over the 20971520-byte limit: not read"),),
        max_seconds=10,
        max_rss_mb=120,  # reading it would take 200 MB at least
    ),
    Case(
        "10000-documents",
        {"many.yaml": ("gen", "documents", 9_999, False)},
        findings=(Expect(HOST, "many.yaml", 40_006, 7),),
        exit_code=1,
    ),
    Case(
        "10001-documents",
        {"many.yaml": ("gen", "documents", 10_000, True)},
        errors=(Expect(PARSE, "many.yaml", 40_007, 1, r"more than 10000 documents in one file"),),
        findings=(Expect(HOST, "many.yaml", 9, 7),),  # the documents before the limit are checked
    ),
    Case(
        "depth-10000-flow",
        {
            "flow.yaml": ("gen", "flow", 10_000),
            "maps.yaml": ("gen", "flow_mappings", 10_000),
            "deep.json": ("gen", "flow", 10_000),
        },
        errors=(
            Expect(PARSE, "deep.json", 1, message=NESTING),
            Expect(PARSE, "flow.yaml", 1, message=NESTING),
            Expect(PARSE, "maps.yaml", 1, 1025, NESTING),
        ),
    ),
    Case(
        "depth-10000-block",
        {
            "seqs.yaml": ("gen", "block_sequences", 10_000),
            "keys.yaml": ("gen", "block_keys", 10_000),
            # one more space per level: 10,000 levels would be 50 MB, so 3,000 (4.5 MB)
            "maps.yaml": ("gen", "block_mapping", 3_000),
        },
        errors=(
            Expect(PARSE, "keys.yaml", 1, 513, NESTING),
            Expect(PARSE, "maps.yaml", 257, 257, NESTING),
            Expect(PARSE, "seqs.yaml", 1, 513, NESTING),
        ),
    ),
    Case(
        "billion-laughs",
        {"bomb.yaml": ("gen", "billion_laughs")},
        errors=(Expect(PARSE, "bomb.yaml", 11, 1, r"aliases expand this document to \d+ nodes .* alias bomb"),),
        findings=(Expect(HOST, "bomb.yaml", 9, 7),),
        max_seconds=10,
    ),
    Case(
        "recursive-alias",
        {"rec.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: rec\n  self: *m\n"},
        errors=(Expect(PARSE, "rec.yaml", 3, 11, r"recursive alias: the document refers to itself"),),
    ),
    Case(
        "duplicate-keys-last-wins",
        {
            "last-true.yaml": deployment("t", host_network="false\n      hostNetwork: true"),
            "last-false.yaml": deployment("f", host_network="true\n      hostNetwork: false"),  # no finding
        },
        findings=(
            Expect(DUP, "last-false.yaml", 10, 7, r"duplicate key 'hostNetwork': the last value wins"),
            Expect(DUP, "last-true.yaml", 10, 7, r"duplicate key 'hostNetwork': the last value wins"),
            Expect(HOST, "last-true.yaml", 10, 7),
        ),
        exit_code=1,
    ),
    Case(
        "python-tags-are-refused-and-never-run",
        {
            "apply.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e\ndata:\n"
            '  x: !!python/object/apply:os.system ["touch {sentinel}"]\n',
            "new.yaml": "kind: ConfigMap\nx: !!python/object/new:subprocess.check_call [[touch, {sentinel}]]\n",
            "verbatim.yaml": 'x: !<tag:yaml.org,2002:python/object/apply:os.system> ["touch {sentinel}"]\n',
            "name.json": '{"kind": "ConfigMap", "x": !!python/name:os.system ""}\n',
            "key.yaml": '? !!python/object/apply:os.system ["touch {sentinel}"]\n: value\n',
        },
        errors=(
            Expect(PARSE, "apply.yaml", 6, 6, PYTHON_TAG),
            Expect(PARSE, "key.yaml", 1, 3, PYTHON_TAG),
            Expect(PARSE, "name.json", 1, 28, PYTHON_TAG),
            Expect(PARSE, "new.yaml", 2, 4, PYTHON_TAG),
            Expect(PARSE, "verbatim.yaml", 1, 4, PYTHON_TAG),
        ),
    ),
    Case(
        "5-mb-lines",
        {"long.json": ("gen", "long_json_line", 5_000_000), "plain.yaml": ("gen", "long_plain_scalar", 5_000_000)},
        findings=(Expect(HOST, "long.json", 1, 5_000_154), Expect(HOST, "plain.yaml", 10, 7)),
        exit_code=1,
        max_seconds=20,
    ),
    Case(
        "crlf-cr-and-mixed-line-endings",
        {
            "crlf.yaml": deployment("crlf", nl="\r\n").encode(),
            "cr.yaml": deployment("cr", nl="\r").encode(),
            "mixed.yaml": b"apiVersion: apps/v1\nkind: Deployment\r\nmetadata:\r  name: mixed\n\rspec:\r\n  template:\n"
            b"    spec:\r      containers: []\r\n      hostNetwork: true\n",
            "crlf-dup.yaml": deployment("d", nl="\r\n", host_network="true\r\n      hostNetwork: true").encode(),
            "crlf-bad.yaml": b"apiVersion: v1\r\nkind: ConfigMap\r\ndata:\r\n  a: [1, 2\r\n  b: 3\r\n",
        },
        errors=(Expect(PARSE, "crlf-bad.yaml", 5, 4, r"invalid YAML"),),
        findings=(
            Expect(HOST, "cr.yaml", 9, 7),
            Expect(DUP, "crlf-dup.yaml", 10, 7),
            Expect(HOST, "crlf-dup.yaml", 10, 7),
            Expect(HOST, "crlf.yaml", 9, 7),
            Expect(HOST, "mixed.yaml", 10, 7),
        ),
    ),
    Case(
        "symlink-loops",
        {
            "a.yaml": ("symlink", "b.yaml"),
            "b.yaml": ("symlink", "a.yaml"),
            "self.yaml": ("symlink", "self.yaml"),
            "loop": ("symlink", "."),
            "sub": {"up": ("symlink", "..")},
        },
        errors=(
            Expect(READ, "a.yaml", 1, message=LOOP),
            Expect(READ, "b.yaml", 1, message=LOOP),
            Expect(READ, "self.yaml", 1, message=LOOP),
        ),
    ),
    Case(
        "symlinks-leaving-the-tree",
        {
            "out.yaml": ("symlink", "{outside}/secret.yaml"),
            "outdir": ("symlink", "{outside}"),
            "etc": ("symlink", "/etc"),
        },
        errors=(
            Expect(READ, "etc", 1, message=OUTSIDE),
            Expect(READ, "out.yaml", 1, message=OUTSIDE),
            Expect(READ, "outdir", 1, message=OUTSIDE),
        ),
    ),
    Case("fifo-in-a-walk-is-skipped", {"pipe.yaml": ("fifo",), "sub": {"pipe.json": ("fifo",)}}, exit_code=1),
    Case(
        "fifo-named-on-the-command-line",
        {"pipe.yaml": ("fifo",)},
        args=(".", "pipe.yaml"),
        errors=(Expect(READ, "pipe.yaml", 1, message=r"not a regular file \(a named pipe\): not read"),),
    ),
    Case(
        "device-symlinks",
        {
            "zero.yaml": ("symlink", "/dev/zero"),
            "null.yaml": ("symlink", "/dev/null"),
            "random.json": ("symlink", "/dev/urandom"),
        },
        errors=(
            Expect(READ, "null.yaml", 1, message=OUTSIDE),
            Expect(READ, "random.json", 1, message=OUTSIDE),
            Expect(READ, "zero.yaml", 1, message=OUTSIDE),
        ),
    ),
    Case(
        "devices-named-on-the-command-line",
        {},
        args=(".", "/dev/zero", "/dev/urandom"),
        errors=(
            Expect(READ, "/dev/urandom", 1, message=r"not a regular file \(a character device\)"),
            Expect(READ, "/dev/zero", 1, message=r"not a regular file \(a character device\)"),
        ),
        max_rss_mb=120,
    ),
    Case("device-node-in-a-walk-is-skipped", {"zero.yaml": ("chardev", 1, 5)}, exit_code=1, needs="mknod"),
    Case(
        "unreadable-file",
        {"secret.yaml": ("unreadable", deployment("secret"))},
        errors=(Expect(READ, "secret.yaml", 1, message=r"cannot read file: Permission denied"),),
        needs="unprivileged",
    ),
    Case(
        "unreadable-directory",  # its manifests cannot be checked: an error, never a silent skip
        {"locked": ("unreadable", {"app.yaml": deployment("locked")})},
        errors=(Expect(READ, "locked", 1, message=r"cannot read directory: Permission denied"),),
        needs="unprivileged",
    ),
    Case(
        "directory-named-x-yaml",
        {"x.yaml": {"inner.yaml": deployment("inner")}, "y.json": {}},
        findings=(Expect(HOST, "x.yaml/inner.yaml", 9, 7),),
        exit_code=1,
    ),
    Case(
        "empty-and-comment-only-files",
        {"empty.yaml": b"", "comment.yaml": "# nothing\n", "dashes.yml": "---\n---\n...\n", "space.json": " \n"},
        exit_code=1,
    ),
    Case(
        "file-name-with-newline-and-unicode",
        {"new\nline ☃ ::error file=x.yaml": {"a.yaml": deployment("odd")}},
        findings=(Expect(HOST, "new\nline ☃ ::error file=x.yaml/a.yaml", 9, 7),),
        exit_code=1,
    ),
    Case(
        "json-invalid-syntax",
        {
            "bad.json": '{"apiVersion": "v1",\n "kind": "ConfigMap",\n "metadata": {"name": "x",}\n "data": }\n',
            "truncated.json": '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"',
        },
        errors=(
            Expect(PARSE, "bad.json", 4, 2, r"invalid YAML"),
            Expect(PARSE, "truncated.json", 2, 1, r"invalid YAML"),
        ),
    ),
    Case(
        "json-1e400",  # YAML 1.1 (and Kubernetes' YAML reader) keeps it a string; never inf in the report
        {
            "big.json": '{"apiVersion": "apps/v1", "kind": "Deployment",\n'
            ' "metadata": {"name": "big", "annotations": {"n": 1e400}},\n'
            ' "spec": {"replicas": 1e400, "template": {"spec": {"hostNetwork": true, "containers": [{"name": "a", '
            '"image": "x:1", "ports": [{"containerPort": 1.0e+400, "hostPort": -1.0e+400}]}]}}}}\n',
        },
        findings=(Expect(HOST, "big.json", 3, 52),),
        exit_code=1,
    ),
    Case(
        "json-deeply-nested-arrays",
        {"deep.json": '{"kind": "ConfigMap", "data": ' + "[" * 5_000 + "]" * 5_000 + "}\n"},
        errors=(Expect(PARSE, "deep.json", 1, message=NESTING),),
    ),
    Case(
        "json-emoji-as-surrogate-escapes",  # json.dumps' default output: valid JSON, positions exact after it
        {"emoji.json": ("gen", "emoji_json")},
        findings=(Expect(HOST, "emoji.json", 1, 191),),
        exit_code=1,
    ),
    Case(
        "gitignore-fifo-in-a-plain-directory",
        {".gitignore": ("fifo",)},
        options=("--target", "repository", "--target", "kubernetes"),
        exit_code=1,
        timeout=5,  # a scan of this tree takes well under a second: this only bounds the known hang
    ),
    Case(
        "gitignore-symlink-to-dev-zero-with-a-bogus-git-dir",
        {".git": {}, ".gitignore": ("symlink", "/dev/zero")},
        exit_code=1,
        timeout=20,
    ),
]


def build(directory: Path, files: dict[str, Any], outside: Path, sentinel: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, recipe in files.items():
        path = directory / name
        if isinstance(recipe, dict):
            build(path, recipe, outside, sentinel)
        elif isinstance(recipe, str):
            path.write_bytes(recipe.replace("{sentinel}", str(sentinel)).encode("utf-8"))
        elif isinstance(recipe, bytes):
            path.write_bytes(recipe)
        elif recipe[0] == "gen":
            path.write_bytes(GENERATORS[recipe[1]](*recipe[2:]))
        elif recipe[0] == "symlink":
            path.symlink_to(recipe[1].replace("{outside}", str(outside)))
        elif recipe[0] == "fifo":
            os.mkfifo(path)
        elif recipe[0] == "sparse":
            with open(path, "wb") as handle:
                handle.truncate(recipe[1])
        elif recipe[0] == "chardev":
            try:
                os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(recipe[1], recipe[2]))
            except PermissionError:
                need(False, "device nodes can be made here (CAP_MKNOD)")
        elif recipe[0] == "unreadable":
            body = recipe[1]
            if isinstance(body, dict):
                build(path, body, outside, sentinel)
            else:
                path.write_text(body)
            path.chmod(0)
        else:
            raise ValueError(f"unknown recipe {recipe!r}")


def matches(expect: Expect, item: dict[str, Any]) -> bool:
    location = item["location"]
    return (
        item["policy"] == expect.policy
        and location["file"] == expect.file
        and (expect.line is None or location["line"] == expect.line)
        and (expect.column is None or location["column"] == expect.column)
        and re.search(expect.message, item["message"]) is not None
    )


def assert_exactly(expected: list[Expect], actual: list[dict[str, Any]], what: str) -> None:
    unmatched = list(actual)
    missing = []
    for expect in expected:
        hit = next((item for item in unmatched if matches(expect, item)), None)
        if hit is None:
            missing.append(expect)
        else:
            unmatched.remove(hit)
    shown = [(i["policy"], i["location"], i["message"][:160]) for i in unmatched]
    assert not missing and not unmatched, f"{what}: missing {missing}\nunexpected {shown}"


@pytest.fixture
def restore_permissions(tmp_path: Path):
    yield
    for path in tmp_path.rglob("*"):  # let pytest clean up what the case locked
        if not path.is_symlink() and stat.S_IMODE(path.lstat().st_mode) == 0:
            path.chmod(0o700)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path, restore_permissions: None) -> None:
    if case.needs == "unprivileged":
        need(can_drop_read_permissions(), "permissions apply (not root, or root can drop CAP_DAC_OVERRIDE)")
    root = tmp_path / "scan"
    outside = tmp_path / "outside"
    sentinel = tmp_path / "PWNED"
    build(outside, {"secret.yaml": deployment("outside-secret")}, outside, sentinel)
    build(root, {"base.yaml": BASE, **case.files}, outside, sentinel)

    run = scan(root, *case.args, options=case.options, timeout=case.timeout, drop_dac=case.needs == "unprivileged")

    report = run.report
    assert run.exit_code == case.exit_code, (run.exit_code, run.stderr[-2000:], report["errors"])
    assert report["summary"]["exit_code"] == run.exit_code
    assert_exactly(list(case.errors), report["errors"], "scan errors")
    shown = [f for f in report["findings"] if f["policy"] in REPORTED]
    assert_exactly([Expect(*BASE_FINDING), *case.findings], shown, "findings")
    assert all(not f["location"]["file"].startswith(("..", str(outside))) for f in report["findings"])
    assert not sentinel.exists(), "a !!python tag was executed"
    assert run.seconds < case.max_seconds, f"took {run.seconds:.1f} s"
    assert run.max_rss_mb < case.max_rss_mb, f"peak memory {run.max_rss_mb:.0f} MB"
