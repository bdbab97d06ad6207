"""The repository should not contain large files.

Git keeps every version of every file forever: a large binary committed once makes each clone, fetch and CI
checkout slower from then on, even after it is deleted. Build outputs, datasets, archives and media belong in
an artifact store, a package registry or Git LFS.

Checked: the size of every file of the repository (git's tracked and untracked, not ignored, files; or a walk
that honours `.gitignore`) against the option `max-bytes`, default 5 MiB (5,242,880 bytes). Each larger file
is reported at the file, with its size.

Exempt: files matching the option `exclude` (gitignore-style globs); files Git LFS manages, named by a
`filter=lfs` attribute in a `.gitattributes` file (git stores only a small pointer for them, though the work
tree holds the real content); symbolic links (their target is checked where it lives).
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.api import CheckContext, Repository, Violation, compile_globs

ID = "repo/no-large-files"
TITLE = "The repository should not contain files larger than 5 MiB"
SEVERITY = "warning"
CATEGORY = "hygiene"
PROFILES = ("hygiene",)
TARGET = "repository"
FIX = """
Remove the file and add it to `.gitignore`; publish build outputs and datasets to an artifact store or
package registry, or track the file with Git LFS (`git lfs track "*.bin"`). Deleting it does not shrink the
history: rewrite the history (`git filter-repo`) if the size matters.
"""
EXAMPLE = """
# .gitattributes
*.onnx filter=lfs diff=lfs merge=lfs -text
"""
MIB = 1024 * 1024
OPTIONS = {
    "max-bytes": {
        "default": 5 * MIB,
        "description": "The largest file size allowed, in bytes (default 5 MiB).",
        "schema": {"type": "integer", "minimum": 1},
    },
    "exclude": {
        "default": [],
        "description": "Paths allowed to be large (gitignore-style globs).",
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}


def lfs_patterns(repository: Repository) -> list[str]:
    """Repository-relative globs of the paths ``.gitattributes`` files give ``filter=lfs``."""
    patterns = []
    for path in repository.files:
        if not (path == ".gitattributes" or path.endswith("/.gitattributes")):
            continue
        base = path[: -len(".gitattributes")]
        text = repository.read_text(path, 1024 * 1024) or ""
        for line in text.splitlines():
            fields = line.split()
            if len(fields) < 2 or fields[0].startswith("#") or "filter=lfs" not in fields[1:]:
                continue
            pattern = fields[0]
            if base:  # relative to the .gitattributes file's directory
                anchored = "/" in pattern.rstrip("/")
                pattern = f"/{base}{pattern.lstrip('/')}" if anchored else f"/{base}**/{pattern}"
            patterns.append(pattern)
    return patterns


def _human(size: int) -> str:
    for unit, scale in (("GiB", MIB * 1024), ("MiB", MIB), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def check(repository: Repository, ctx: CheckContext) -> Iterator[Violation]:
    limit = int(ctx.options["max-bytes"])
    large = [entry for entry in repository.entries if entry.size > limit and not entry.symlink]
    if not large:
        return
    exempt = [*ctx.options["exclude"], *lfs_patterns(repository)]
    matcher = compile_globs(exempt) if exempt else None
    for entry in large:
        if matcher is not None and matcher.match_file(entry.path):
            continue
        exact = f" ({entry.size:,} bytes)" if entry.size >= 1024 else ""
        yield Violation(
            f"{entry.path} is {_human(entry.size)}{exact}, over the limit of {_human(limit)}", (entry.path,)
        )
