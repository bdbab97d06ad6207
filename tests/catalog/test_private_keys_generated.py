"""repo/no-private-keys on many private keys generated fresh at each run, of every type, in every way they are
written down: PEM files, JSON strings with ``\\n`` escapes, and string concatenations in code."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import REPO, need


def module_of(slug: str) -> Any:
    path = REPO / "policies" / "repo" / f"{slug.replace('-', '_')}.py"
    spec = importlib.util.spec_from_file_location(f"repo_pack_{path.stem}_generated", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ALGORITHMS: list[tuple[str, list[str], int]] = [
    # (label, openssl genpkey arguments, how many)
    ("ED25519", ["-algorithm", "ED25519"], 40),
    ("ED448", ["-algorithm", "ED448"], 5),
    ("X25519", ["-algorithm", "X25519"], 10),
    ("X448", ["-algorithm", "X448"], 3),
    ("EC P-256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], 5),
    ("EC P-384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], 2),
    ("RSA", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"], 3),
]


def _openssl(*args: str, data: bytes | None = None) -> str:
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout.decode()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    """(what, PEM text) of each generated key: PKCS#8, traditional and encrypted forms, and OpenSSH keys."""
    need(shutil.which("openssl") is not None, "openssl, to generate private keys")
    found = []
    for label, args, count in ALGORITHMS:
        for _ in range(count):
            pem = _openssl("genpkey", *args)
            found.append((f"{label} PKCS#8", pem))
            if label.startswith(("EC", "RSA")):
                found.append((f"{label} traditional", _openssl("pkey", "-traditional", data=pem.encode())))
    encrypted = _openssl("pkey", "-aes128", "-passout", "pass:secret", data=found[0][1].encode())
    found.append(("ED25519 encrypted PKCS#8", encrypted))
    if shutil.which("ssh-keygen"):
        directory = tmp_path_factory.mktemp("ssh")
        for kind in ("ed25519", "ecdsa", "rsa"):
            target = directory / f"id_{kind}"
            subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(target)], check=True)
            found.append((f"OpenSSH {kind}", target.read_text()))
    return found


def _written(pem: str) -> Iterator[tuple[str, str]]:
    lines = pem.strip().splitlines()
    yield "a PEM file", f"# key\n{pem}"
    yield "a JSON string", "# key\n" + json.dumps({"key": pem})
    concatenated = " +\n    ".join(json.dumps(line + "\n") for line in lines)
    yield "a concatenated string", f"# key\nString key =\n    {concatenated};\n"


def test_the_generated_keys_include_base64_plus_signs(keys: list[tuple[str, str]]) -> None:
    ed25519 = [pem for what, pem in keys if what == "ED25519 PKCS#8"]
    assert any("+" in pem.splitlines()[1] for pem in ed25519)  # the case that was missed


def test_every_generated_key_is_found_however_it_is_written(keys: list[tuple[str, str]]) -> None:
    module: Any = module_of("no-private-keys")
    missed = []
    for what, pem in keys:
        for how, text in _written(pem):
            found = list(module.key_blocks(text))
            begin = next(n for n, line in enumerate(text.splitlines(), start=1) if "-----BEGIN" in line)
            if [line for line, _ in found] != [begin]:
                missed.append(f"{what} written as {how}: {found}\n{text}")
    assert not missed, f"{len(missed)} of {3 * len(keys)} missed:\n" + "\n".join(missed[:3])


def test_public_keys_are_not_private_keys(keys: list[tuple[str, str]]) -> None:
    module: Any = module_of("no-private-keys")
    for what, pem in keys[:10]:
        public = _openssl("pkey", "-pubout", data=pem.encode())
        assert list(module.key_blocks(public)) == [], what
