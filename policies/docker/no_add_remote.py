"""ADD must not download unverified remote files, nor stand in for COPY: use COPY, or ADD with --checksum.

`ADD` does more than `COPY`: it downloads URLs, clones Git repositories and unpacks local tar archives.
A download without a checksum puts whatever the server returns at build time into the image, unreviewed
and different from one build to the next; and an `ADD` of an ordinary file hides that surprising
behaviour behind a step that could be a plain `COPY`.

Each source of each `ADD` (every argument but the destination, JSON form included) is checked:

- a URL (`http://`, `https://`, `ftp://`) or a Git repository (`git://`, `ssh://`, `git@host:repo`,
  `https://host/repo.git`) fails unless the `ADD` has a `--checksum=` flag. A Git URL that pins a
  full 40-character commit (`https://github.com/org/repo.git#<commit>`) passes too, since a commit cannot
  move;
- a local source fails unless its name ends like a tar archive that `ADD` unpacks: `.tar`, `.tar.gz`,
  `.tgz`, `.tar.bz2`, `.tbz2`, `.tbz`, `.tar.xz`, `.txz`, `.tar.zst` or `.tzst` (`ADD rootfs.tar.gz /` is
  what ADD is for). A directory, a plain file, a wildcard that is not an archive pattern and a heredoc
  (`ADD <<EOF /etc/motd`) all fail: `COPY` does the same.

A source that depends on a variable without a known value is not judged. One finding is reported per
offending `ADD`, at its line; it names the first offending source (a remote one first).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from conformance.api import CheckContext, Dockerfile, Instruction, Violation

ID = "docker/no-add-remote"
TITLE = "ADD must not fetch unverified remote files or replace COPY"
SEVERITY = "warning"
NO_FIX = "replacing ADD of a URL needs a download step and a checksum only the authors know"
CATEGORY = "security"
PROFILES = ("supply-chain",)
TARGET = "dockerfile"
FIX = (
    "Use `COPY` for files and directories of the build context. For a download, add its checksum "
    "(`ADD --checksum=sha256:<digest> https://... /dst`) or download and verify it in a `RUN` step."
)
EXAMPLE = """\
COPY app/ /app/
ADD rootfs.tar.gz /
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \\
    https://github.com/tini/tini/releases/download/v0.19.0/tini /tini
"""

URL = re.compile(r"(?:https?|ftp)://", re.IGNORECASE)
GIT = re.compile(r"(?:git|ssh)://|git@[^:/]+:|https?://[^#]*\.git(?:#|/?$)", re.IGNORECASE)
PINNED_COMMIT = re.compile(r"#[0-9a-f]{40}(?::.*)?$")
ARCHIVE = re.compile(r"\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst)$", re.IGNORECASE)
"""Tar archives, plain or compressed as ADD decompresses them (gzip, bzip2, xz, zstd)."""
HEREDOC_MARKER = re.compile(r"\d*<<-?\S+")


def sources(instruction: Instruction) -> list[str]:
    """The source arguments of an ADD (all but the destination)."""
    return list(instruction.arguments[:-1]) if len(instruction.arguments) >= 2 else []


def problem(source: str, instruction: Instruction) -> tuple[int, str] | None:
    """(rank, reason) when a source is not acceptable (rank 0 for remote sources), or None."""
    if GIT.match(source):
        if instruction.flag("checksum") or PINNED_COMMIT.search(source):
            return None
        return 0, f"clones the Git repository '{source}' without pinning it (--checksum or a commit)"
    if URL.match(source):
        if instruction.flag("checksum"):
            return None
        return 0, f"downloads '{source}' without --checksum, so its content is not verified"
    if ARCHIVE.search(source.rstrip("/")):
        return None
    return 1, f"copies '{source}', which is not a tar archive to unpack: use COPY"


def check(dockerfile: Dockerfile, ctx: CheckContext) -> Iterator[Violation]:
    for index, instruction in enumerate(dockerfile.instructions):
        if instruction.keyword != "ADD":
            continue
        found: list[tuple[int, str]] = []
        for source in sources(instruction):
            if instruction.heredocs and HEREDOC_MARKER.fullmatch(source):
                found.append((1, "copies an inline heredoc file: use COPY"))
                continue
            if "$" in source:
                resolved = dockerfile.substitute(source, instruction.stage, before=index)
                if resolved is None:
                    continue  # depends on a value only known at build time
                source = resolved
            reason = problem(source, instruction)
            if reason is not None:
                found.append(reason)
        if found:
            _, message = min(found, key=lambda item: item[0])  # the first remote source, else the first
            yield Violation(f"ADD {message}", (index,))
