"""Every base image of a Dockerfile must be pinned: a version tag other than `latest`, or a digest.

`FROM python` means `FROM python:latest`, and `latest` points at whatever was pushed last. A build from
such a Dockerfile is not reproducible: two builds of the same commit can start from different images, and
a compromised or broken upstream release enters the image without anyone reviewing it.

Each `FROM` is checked. Its image reference is read the way Docker reads it: an optional registry host
(which may carry a port, as in `registry:5000/base`, where the colon is not a tag), the repository, an
optional `:tag` after the last `/` and an optional `@digest`. It passes with a digest
(`@sha256:...`, which pins the content even when a tag is written too) or with a tag other than `latest`.
A reference without a tag fails, and so does a malformed digest.

Variables are resolved: `FROM ${BASE}:${VERSION}` is checked as the image the defaults of the `ARG`s
before the first `FROM` give (`${VERSION:-3.12}` uses its default when the ARG has none). A reference
with a variable that has no default cannot be known before the build (it comes from `--build-arg`), so
it is not reported.

Exempt: `FROM scratch` (the empty image) and `FROM <stage>` where `<stage>` is the name of an earlier
build stage (`FROM build AS test`), since that stage's own `FROM` is what is checked.

One finding is reported per offending `FROM`, at its line.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.api import CheckContext, Dockerfile, Stage, Violation, has_valid_digest, split_reference

ID = "docker/base-image-pinned"
TITLE = "Base images must be pinned to a version tag or digest"
SEVERITY = "error"
NO_FIX = "a base image tag or digest is a release decision: conformance never invents one"
CATEGORY = "security"
PROFILES = ("supply-chain",)
TARGET = "dockerfile"
FIX = (
    "Name a version, e.g. `FROM python:3.12.4-slim-bookworm`, or pin the content with a digest: "
    "`FROM python:3.12-slim@sha256:<digest>` (a tool such as Renovate or Dependabot can keep it current)."
)
EXAMPLE = """\
ARG GO_VERSION=1.22.5
FROM golang:${GO_VERSION}-bookworm AS build
FROM gcr.io/distroless/static-debian12@sha256:<digest>
COPY --from=build /out/app /app
"""

MOVING_TAGS = frozenset({"latest"})


def problem(image: str) -> str | None:
    """Why an image reference is not pinned, or None when it is."""
    _, tag, digest = split_reference(image)
    if digest is not None:
        return None if has_valid_digest(digest) else f"has a malformed digest '{digest}'"
    if not tag:
        return "has no tag (it means latest)"
    if tag in MOVING_TAGS:
        return f"uses the moving tag '{tag}'"
    return None


def stage_name(stage: Stage) -> str:
    return f"stage '{stage.alias}'" if stage.alias else f"stage {stage.index}"


def check(dockerfile: Dockerfile, ctx: CheckContext) -> Iterator[Violation]:
    for stage in dockerfile.stages:
        if stage.parent is not None or stage.resolved_image is None:
            continue  # an earlier stage, or a variable without a default
        image = stage.resolved_image.strip()
        if not image or image.lower() == "scratch":
            continue
        reason = problem(image)
        if reason is None:
            continue
        shown = f"'{stage.image}'" if image == stage.image else f"'{stage.image}' (resolved to '{image}')"
        yield Violation(
            f"base image {shown} of {stage_name(stage)} {reason}: pin a version tag or a digest",
            (stage.from_index,),
        )
