"""Where the shared real-world corpus (``shared/corpus/k8s``) is, wherever this checkout lives.

Tried in order: ``$CONFORMANCE_CORPUS``; ``shared/corpus/k8s`` beside the checkout or beside any directory
above it; and, for a clone of a local repository (CI clones the work tree), the same beside the repository it
was cloned from (``remote.origin.url`` in ``.git/config``, read as text: no git process). The tests and the
benchmarks share this one rule.
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path

RELATIVE = Path("shared") / "corpus" / "k8s"


def _origin_of(checkout: Path) -> Path | None:
    config = checkout / ".git" / "config"
    if not config.is_file():
        return None
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read(config, encoding="utf-8")
        url = parser.get('remote "origin"', "url", fallback="")
    except (configparser.Error, UnicodeDecodeError):
        return None
    url = url.removeprefix("file://")
    if not url or "://" in url or (":" in url.split("/")[0] and not os.path.isabs(url)):
        return None  # a network remote
    origin = (checkout / url).resolve() if not os.path.isabs(url) else Path(url)
    return origin if origin.is_dir() else None


def find_corpus(checkout: Path) -> Path:
    """The corpus directory; when it is nowhere, the place beside the checkout (for the message)."""
    explicit = os.environ.get("CONFORMANCE_CORPUS")
    if explicit:
        return Path(explicit)
    starts = [checkout.resolve()]
    origin = _origin_of(checkout)
    if origin is not None:
        starts.append(origin)
    for start in starts:
        for directory in (start, *start.parents):
            candidate = directory / RELATIVE
            if candidate.is_dir():
                return candidate
    return checkout.resolve().parent / RELATIVE
