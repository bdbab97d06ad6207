"""Every container image must name a version: a tag other than a moving one such as `latest`, or a digest.

An image reference without a tag means `:latest`, and `latest` (like any tag that is moved on every
release) points at whatever was pushed last. A manifest that uses it does not say what it runs: two
nodes can pull different builds, a rollback redeploys the new build, and a rebuilt upstream image
arrives unreviewed.

For each container, init container and ephemeral container with an `image`, the reference is split the
way container runtimes read it: an optional registry host (which may carry a port, as in
`registry:5000/app`, where the colon is not a tag), the repository path, an optional `:tag` after the
last `/`, and an optional `@digest`. The image passes when it has a digest (`@sha256:...`; a digest
pins the content even when a tag such as `latest` is also written) or a tag that is not in the
`mutable-tags` option (default: `latest`). An image without any tag fails. Containers without an
`image` field are skipped, since a higher-level tool is expected to fill it in, and so are the
placeholders in the `placeholder-images` option (default: `auto`, which Istio's injector replaces with
the real proxy image in gateway deployments).

One finding is reported per offending container, at its `image` line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.api import CheckContext, Resource, Violation, containers, has_valid_digest, split_reference

ID = "k8s/image-tag-pinned"
TITLE = "Container images must be pinned to a version tag or digest"
SEVERITY = "warning"
NO_FIX = "a tag or digest is a release decision: conformance never invents one"
CATEGORY = "hygiene"
PROFILES = ("hygiene",)
FIX = (
    "Reference an immutable version, e.g. `registry.example.com/api:2.4.1`, or pin the content with a "
    "digest: `registry.example.com/api@sha256:<digest>`."
)
EXAMPLE = """\
containers:
  - name: api
    image: registry.example.com/team/api:2.4.1
  - name: proxy
    image: envoyproxy/envoy@sha256:4c2a4d1e0f7bc8c3d2c84bc1c6b0b9a1e0d8f7e6d5c4b3a2918f7e6d5c4b3a29
"""
KINDS = None
OPTIONS = {
    "placeholder-images": {
        "default": ["auto"],
        "description": "Image values that a mutating webhook replaces at admission (Istio's `auto`).",
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
    "mutable-tags": {
        "default": ["latest"],
        "description": "Tags that move between releases and therefore do not pin an image.",
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}



def problem(image: str, mutable_tags: frozenset[str]) -> str | None:
    """Why an image reference is not pinned, or None when it is."""
    _, tag, digest = split_reference(image.strip())
    if digest is not None:
        return None if has_valid_digest(digest) else f"has a malformed digest '{digest}'"
    if not tag:
        return "has no tag (it means latest)"
    if tag in mutable_tags:
        return f"uses the moving tag '{tag}'"
    return None


def check(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    mutable_tags = frozenset(ctx.options.get("mutable-tags", ["latest"]))
    placeholders = frozenset(ctx.options.get("placeholder-images", ["auto"]))
    for container in containers(resource):
        image: Any = container.data.get("image")
        if not isinstance(image, str) or not image.strip() or image.strip() in placeholders:
            continue
        reason = problem(image, mutable_tags)
        if reason is not None:
            yield Violation(
                f"image '{image}' of {container.label} {reason}: pin a version tag or a digest",
                (*container.path, "image"),
            )
