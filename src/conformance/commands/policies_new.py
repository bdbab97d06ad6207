"""``conformance policies new ID --kind yaml|python [--target T] [--dir DIR]``: scaffold a policy and its tests.

Writes ``DIR/<pack>/<slug>.yaml`` (or ``<slug_with_underscores>.py``) with a real example check, and a pass and
a fail fixture in ``DIR/<pack>/tests/<slug>/`` (the fail one marked with ``# expect:``), from the templates in
:mod:`conformance.scaffold`. Nothing is overwritten; ``conformance policies test DIR`` passes on the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from conformance.catalog.discovery import FIXTURE_DIRECTORY
from conformance.errors import EXIT_CLEAN, ConfigError

KINDS = ("yaml", "python")
TARGETS = ("kubernetes", "dockerfile", "workflow", "file", "repository")
POLICY_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+(-[a-z0-9]+)*$")
"""``<pack>/<slug>``, both kebab-case."""
TEMPLATE_SUFFIX = ".tmpl"
DOT_PREFIX = "dot-"
"""A template path component ``dot-github`` is written as ``.github`` (package data keeps no dotfiles)."""
_TEMPLATES = Path(__file__).resolve().parent.parent / "scaffold"


@dataclass(frozen=True)
class Scaffold:
    """What ``policies new`` writes: the policy file and its fixtures, each as (path, text)."""

    policy_id: str
    policy_file: Path
    fixture_dir: Path
    files: tuple[tuple[Path, str], ...]


def check_policy_id(policy_id: str) -> tuple[str, str]:
    """(pack, slug) of a valid id; anything else is a usage error."""
    if not POLICY_ID.match(policy_id):
        raise ConfigError(
            f"{policy_id!r} is not a policy id: <pack>/<slug>, both kebab-case (lower-case letters, digits and "
            "single dashes), e.g. acme/team-label"
        )
    pack, _, slug = policy_id.partition("/")
    return pack, slug


def _written_name(part: str) -> str:
    name = "." + part[len(DOT_PREFIX) :] if part.startswith(DOT_PREFIX) else part
    return name.removesuffix(TEMPLATE_SUFFIX)


def plan(policy_id: str, kind: str, target: str, directory: Path) -> Scaffold:
    """The files to write for a new policy (nothing is written here)."""
    pack, slug = check_policy_id(policy_id)
    if kind not in KINDS or target not in TARGETS:
        raise ConfigError(f"--kind {kind} --target {target}: kinds are {KINDS}, targets {TARGETS}")
    template = _TEMPLATES / f"{kind}-{target}"
    if not template.is_dir():
        raise ConfigError(f"the templates of conformance are missing ({template})")
    stem = slug.replace("-", "_") if kind == "python" else slug
    policy_file = directory / pack / f"{stem}.{'py' if kind == 'python' else 'yaml'}"
    fixture_dir = directory / pack / FIXTURE_DIRECTORY / slug

    def fill(text: str) -> str:
        return text.replace("__ID__", policy_id).replace("__PACK__", pack)

    files: list[tuple[Path, str]] = []
    for source in sorted(p for p in template.rglob("*") if p.is_file()):
        relative = source.relative_to(template)
        if relative.name.startswith("policy."):
            destination = policy_file
        else:
            destination = fixture_dir.joinpath(*(_written_name(part) for part in relative.parts))
        files.append((destination, fill(source.read_text("utf-8"))))
    files.sort(key=lambda item: (item[0] != policy_file, str(item[0])))
    return Scaffold(policy_id, policy_file, fixture_dir, tuple(files))


def _existing(scaffold: Scaffold) -> list[Path]:
    """What already exists: a file to write, or a policy of the same id in the other kind."""
    others = [scaffold.policy_file.with_name(name) for name in _same_id_names(scaffold)]
    candidates = dict.fromkeys([*(p for p, _ in scaffold.files), *others])
    return [path for path in candidates if path.exists() or path.is_symlink()]


def _same_id_names(scaffold: Scaffold) -> list[str]:
    slug = scaffold.policy_id.partition("/")[2]
    return [f"{slug}.yaml", f"{slug}.yml", f"{slug.replace('-', '_')}.py", f"{slug}.py"]


def next_steps(scaffold: Scaffold, kind: str, directory: Path) -> str:
    fail = next(str(p) for p, _ in scaffold.files if "fail-" in str(p))
    what = "the check (`schema` or `checks`)" if kind == "yaml" else "check()"
    return "\n".join(
        [
            "",
            "Next:",
            f"  1. Edit {scaffold.policy_file}:",
            f"     title, description, severity, message and {what}.",
            f"  2. Edit the fixtures in {scaffold.fixture_dir}/: pass-* must give no finding; in fail-*, put",
            f"     `# expect: {scaffold.policy_id}` (or `@<column>`) on the line before each expected finding",
            f"     ({fail}).",
            f"  3. conformance policies test {directory}",
            f"  4. conformance policies validate {directory}",
            f"  5. conformance scan --policy-dir {directory} --policy {scaffold.policy_id} <paths>",
        ]
    )


def run_new(policy_id: str, kind: str, target: str = "kubernetes", directory: str = "policies") -> int:
    scaffold = plan(policy_id, kind, target, Path(directory))
    existing = _existing(scaffold)
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise ConfigError(
            f"{policy_id}: {existing[0]}{more} already exists; nothing was written (remove it or pick another id)"
        )
    for path, text in scaffold.files:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:  # "x": never replace a file created meanwhile
            handle.write(text)
        print(f"created {path}")
    print(next_steps(scaffold, kind, Path(directory)))
    return EXIT_CLEAN
