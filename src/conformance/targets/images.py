"""Container image references, as Kubernetes manifests and Dockerfiles write them."""

from __future__ import annotations

import re

DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}")
"""``algorithm:hex`` as in the OCI image spec (``sha256:`` and 64 hex digits in practice); use ``fullmatch``."""


def split_reference(image: str) -> tuple[str, str | None, str | None]:
    """Split an image reference into (name, tag, digest); tag and digest are None when absent.

    The tag is the part after a colon in the last path component, so the port of a registry host
    (``registry:5000/app``) is never mistaken for a tag.
    """
    name, at, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag: str | None = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return name, tag, (digest if at else None)


def has_valid_digest(digest: str) -> bool:
    return DIGEST.fullmatch(digest) is not None
