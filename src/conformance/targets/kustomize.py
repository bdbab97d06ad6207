"""Kustomize builds: each kustomization root (an overlay) built with ``kustomize build`` or ``kubectl kustomize``,
with the origin of every object recorded, so findings name the file an object came from.

The build runs from a temporary wrapper kustomization outside the scanned tree that includes the root and
asks for origin annotations (``buildMetadata: [originAnnotations]``), so no file of the tree is written. It
runs offline: git may use no transport and HTTP goes to an unreachable proxy, so a remote base fails the build
instead of being fetched; plugins and Helm stay off (Kustomize's defaults).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
BUILD_TIMEOUT = 120.0
MAX_BUILT_BYTES = 64 * 1024 * 1024
_ORIGIN_PATH = re.compile(r"^\s*path:\s*(\S.*?)\s*$", re.MULTILINE)
_ORIGIN_IN_TEXT = re.compile(r"config\.kubernetes\.io/origin: \|\n\s+path: (\S.*?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Built:
    """The output of building one kustomization root."""

    text: str
    display: str
    """How reports name the kustomization file (positions without an origin)."""
    root: str
    """The kustomization's directory (the project of its objects)."""
    wrapper: str
    """The directory origin paths are relative to (the wrapper's, removed after the build)."""
    tree: str = ""
    """Source files are read only inside this directory (the work tree holding the root)."""

    @property
    def project(self) -> str:
        return self.root


def find_command(explicit: str | None = None) -> list[str] | None:
    """How to build: the executable named (``kustomize`` or ``kubectl``), else kustomize, else kubectl, on PATH."""
    import shutil

    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            return None
        return [explicit, "kustomize"] if os.path.basename(explicit).startswith("kubectl") else [explicit, "build"]
    found = shutil.which("kustomize")
    if found:
        return [found, "build"]
    found = shutil.which("kubectl")
    return [found, "kustomize"] if found else None


def _offline_environment(home: str) -> dict[str, str]:
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": home, "LANG": "C"}
    environment.update(
        GIT_ALLOW_PROTOCOL="",  # git may use no transport: a remote base is not fetched
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        NO_PROXY="",
    )
    return environment


def build(command: list[str], root: str, display: str, tree: str) -> Built | str:
    """Build a kustomization root with origin annotations, or say why it failed."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="conformance-kustomize-") as wrapper:
        relative = os.path.relpath(os.path.realpath(root), os.path.realpath(wrapper))
        with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as handle:
            handle.write(f"resources:\n- {relative}\nbuildMetadata: [originAnnotations]\n")
        try:
            done = subprocess.run(
                [*command, wrapper],
                capture_output=True,
                timeout=BUILD_TIMEOUT,
                check=False,
                env=_offline_environment(wrapper),
                cwd=wrapper,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"kustomize build failed: {exc}"
        if done.returncode != 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1] if lines else f"exit code {done.returncode}"
            return "kustomize build failed: " + detail.replace(os.path.realpath(wrapper), "<build>")
        if len(done.stdout) > MAX_BUILT_BYTES:
            return f"kustomize build printed more than {MAX_BUILT_BYTES} bytes: not scanned"
        return Built(done.stdout.decode("utf-8", "replace"), display, root, os.path.realpath(wrapper), tree)


def take_origin(data: Any, wrapper: str) -> str | None:
    """Remove the origin annotation Kustomize added to an object and return the absolute path it names."""
    metadata = data.get("metadata") if isinstance(data, Mapping) else None
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict) or ORIGIN_ANNOTATION not in annotations:
        return None
    value = annotations.pop(ORIGIN_ANNOTATION)
    if not annotations and isinstance(metadata, dict):
        del metadata["annotations"]
    match = _ORIGIN_PATH.search(value) if isinstance(value, str) else None
    if match is None or "://" in match.group(1):
        return None
    return os.path.normpath(os.path.join(wrapper, match.group(1)))


def origins_in(built: Built) -> set[str]:
    """Every source file a build names (before its objects are read): these are checked through the build."""
    return {
        os.path.normpath(os.path.join(built.wrapper, match.group(1)))
        for match in _ORIGIN_IN_TEXT.finditer(built.text)
        if "://" not in match.group(1)
    }


def references(kustomization: Mapping[str, Any]) -> list[str]:
    """The local bases and components a kustomization includes (directories or files, as written)."""
    named: list[str] = []
    for key in ("resources", "bases", "components"):
        entries = kustomization.get(key)
        if isinstance(entries, list):
            named.extend(e for e in entries if isinstance(e, str) and "://" not in e and not e.startswith("github.com"))
    return named
