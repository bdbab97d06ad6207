"""``conformance policies docs [DIR...] [--fixtures ROOT] -o FILE.md``: a reference page per pack.

For each policy: id, title, severity, category, target, profiles, frameworks (if mapped), whether it can fix
itself (if the policy says), description, fix advice, options (default, description, schema), and a failing
and a passing example taken from its fixtures (found as ``policies test`` finds them). Output is
deterministic (sorted, no dates or local paths) and everything taken from policy files is escaped
(:mod:`.markdown_text`). This project's ``docs/policies.md`` is this command's output for the built-in packs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from conformance.commands import markdown_text as md
from conformance.commands.policy_filters import frameworks_of, target_of
from conformance.errors import EXIT_CLEAN, ConfigError
from conformance.testing.fixtures import EXPECTED_FILE
from conformance.testing.suite import PolicyUnderTest, collect

REGENERATE = "conformance policies docs policies --fixtures fixtures/policies -o docs/policies.md"
"""How this project's docs/policies.md is made (run at the checkout's root)."""
MAX_EXAMPLE_LINES = 60
MAX_EXAMPLE_FILES = 4
LANGUAGES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".dockerfile": "dockerfile", ".py": "python"}


def autofix_of(policy: PolicyUnderTest) -> bool | None:
    """Whether the policy can fix what it finds, when its metadata says (None: it says nothing)."""
    for holder in (policy.definition, getattr(policy.definition, "info", None)):
        for name in ("autofix", "fixable", "can_fix"):
            value = getattr(holder, name, None)
            if value is not None and not callable(value):
                return bool(value)
    return None


def _language(path: Path) -> str:
    if path.name == "Dockerfile" or path.name.startswith("Dockerfile."):
        return "dockerfile"
    return LANGUAGES.get(path.suffix.lower(), "")


def _file_example(path: Path, shown_name: str | None) -> list[str]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return [f"{md.code(shown_name or path.name)}: not a text file"]
    lines = text.splitlines()
    note = []
    if len(lines) > MAX_EXAMPLE_LINES:
        lines = lines[:MAX_EXAMPLE_LINES]
        note = [f"(first {MAX_EXAMPLE_LINES} lines)"]
    caption = [f"{md.code(shown_name)}:", ""] if shown_name else []
    return [*caption, md.fenced("\n".join(lines), _language(path)), *note]


def example(fixture: Path) -> list[str]:
    """A fixture as Markdown: a file, or a repository fixture's files (the first few, sorted)."""
    if not fixture.is_dir():
        return _file_example(fixture, None)
    files = sorted(
        (p for p in fixture.rglob("*") if p.is_file() and not p.is_symlink()),
        key=lambda p: (p.relative_to(fixture).as_posix() == EXPECTED_FILE, p.relative_to(fixture).as_posix()),
    )
    out: list[str] = []
    if not files:
        return ["An empty repository."]
    for path in files[:MAX_EXAMPLE_FILES]:
        relative = path.relative_to(fixture).as_posix()
        shown = "expected findings (" + EXPECTED_FILE + ")" if relative == EXPECTED_FILE else relative
        out += [*_file_example(path, shown), ""]
    if len(files) > MAX_EXAMPLE_FILES:
        out.append(f"and {len(files) - MAX_EXAMPLE_FILES} more files.")
    while out and not out[-1]:
        out.pop()
    return out


def _options(specs: Any) -> list[str]:
    rows = ["| option | default | description | schema |", "|---|---|---|---|"]
    for name in sorted(specs):
        spec = specs[name]
        default = json.dumps(spec.get("default"), sort_keys=True, default=str)
        schema = json.dumps(spec["schema"], sort_keys=True, default=str) if "schema" in spec else ""
        described = md.cell(str(spec.get("description", "")))
        shown_schema = md.code_cell(schema) if schema else ""
        rows.append(f"| {md.code_cell(name)} | {md.code_cell(default)} | {described} | {shown_schema} |")
    return rows


def _size(fixture: Path) -> int:
    """Bytes of a fixture (all files of a repository fixture): the docs show the shortest of each kind."""
    files = [p for p in fixture.rglob("*") if p.is_file()] if fixture.is_dir() else [fixture]
    return sum(p.stat().st_size for p in files if not p.is_symlink())


def anchor(policy_id: str) -> str:
    return "".join(c if c.isalnum() and c.isascii() else "-" for c in policy_id.lower())


def policy_section(policy: PolicyUnderTest) -> list[str]:
    assert policy.definition is not None
    definition = policy.definition
    info = definition.info
    facts = [
        ("severity", md.cell(info.severity)),
        ("category", md.cell(info.category)),
        ("target", md.cell(target_of(definition))),
        ("profiles", ", ".join(md.cell(p) for p in info.profiles) or "none"),
    ]
    frameworks = frameworks_of(info)
    if frameworks:
        shown = [
            f"{md.cell(name)} ({', '.join(md.cell(c) for c in controls)})" if controls else md.cell(name)
            for name, controls in sorted(frameworks.items())
        ]
        facts.append(("frameworks", "; ".join(shown)))
    fixable = autofix_of(policy)
    if fixable is not None:
        facts.append(("autofix", "yes" if fixable else "no"))
    out = [
        f'<a id="{anchor(info.id)}"></a>',
        f"### {md.code(info.id)}: {md.cell(info.title)}",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in facts),
        "",
        md.prose(info.description),
        "",
    ]
    if info.fix:
        out += [f"**How to fix:** {md.prose(info.fix)}", ""]
    if definition.option_specs:
        out += ["**Options:**", "", *_options(definition.option_specs), ""]
    for kind, title in (("fail", "Failing example"), ("pass", "Passing example")):
        candidates = [f for f in policy.fixtures if f.name.startswith(kind)]
        fixture = min(candidates, key=lambda f: (_size(f), f.name), default=None)
        if fixture is not None:
            out += [f"**{title}** ({md.code(fixture.name)}):", "", *example(fixture), ""]
    return out


def render(policies: Sequence[PolicyUnderTest]) -> str:
    """The whole reference page: an index of packs, then a section per pack with a table and each policy."""
    loaded = sorted((p for p in policies if p.definition is not None), key=lambda p: p.policy_id)
    packs = [(pack, list(group)) for pack, group in groupby(loaded, key=lambda p: p.policy_id.split("/")[0])]
    out = [
        "# Policy reference",
        "",
        "<!-- Generated by `conformance policies docs`: do not edit by hand. -->",
        "",
        f"{len(loaded)} policies in {len(packs)} packs: "
        + ", ".join(f"[{md.cell(pack)}](#pack-{anchor(pack)}) ({len(group)})" for pack, group in packs)
        + ".",
        "",
    ]
    for pack, group in packs:
        out += [f'<a id="pack-{anchor(pack)}"></a>', f"## Pack {md.code(pack)}", ""]
        out += ["| policy | title | severity | target |", "|---|---|---|---|"]
        for policy in group:
            info = policy.definition.info if policy.definition else None
            assert info is not None and policy.definition is not None
            link = f"[{md.code_cell(info.id)}](#{anchor(info.id)})"
            out.append(
                f"| {link} | {md.cell(info.title)} | {md.cell(info.severity)} | {target_of(policy.definition)} |"
            )
        out.append("")
        for policy in group:
            out += policy_section(policy)
    return "\n".join(out).rstrip("\n") + "\n"


def run_docs(
    directories: Sequence[str] = (),
    fixtures_root: str | None = None,
    output: str = "-",
    config_path: str | None = None,
    trust_local_policies: bool = False,
) -> int:
    from conformance.commands.policies_test import policy_directories

    root = Path(fixtures_root) if fixtures_root else None
    if root is not None and not root.is_dir():
        raise ConfigError(f"--fixtures {fixtures_root}: not a directory")
    policies = collect(policy_directories(directories, config_path), root, trust_local=trust_local_policies)
    broken = [p for p in policies if p.error]
    if broken:
        raise ConfigError("cannot document broken policies: " + "; ".join(str(p.error) for p in broken))
    text = render(policies)
    if output in ("-", "/dev/stdout"):
        sys.stdout.write(text)
    else:
        from conformance.atomic import write_atomic

        write_atomic(output, text)
        print(f"wrote {output}: {sum(p.definition is not None for p in policies)} policies", file=sys.stderr)
    return EXIT_CLEAN
