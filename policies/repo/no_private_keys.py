"""The repository must not contain private keys or filled-in `.env` files.

A private key committed to a repository is compromised: every clone, fork, CI cache and backup holds it, and
removing it from the history later does not bring those copies back. The same goes for `.env` files, which
hold the passwords and tokens a service reads at start-up.

Checked, over every file of the repository (git's tracked and untracked, not ignored, files; or a walk that
honours `.gitignore`):
- a private key block: a PEM header `-----BEGIN ... PRIVATE KEY-----` (PKCS#1 RSA, DSA, EC, PKCS#8, encrypted
  PKCS#8, OpenSSH) or an armored PGP `PRIVATE KEY BLOCK`, followed by base64 content and its `-----END`
  line, including keys embedded in JSON or code as strings with `\\n` escapes (a cloud service-account key
  file). A header without a key body (documentation, a parser's constant, `...` placeholders) is not
  reported. Reported at the BEGIN line, once per block; PuTTY `.ppk` private keys at their first line;
- SSH private key files by name (`id_rsa`, `id_dsa`, `id_ecdsa`, `id_ed25519` and their `_sk` variants, but
  not the `.pub` public keys), at the file, when their content has no key block reported;
- PKCS#12 keystores (`*.p12`, `*.pfx`), which bundle a private key with its certificate, at the file;
- `.env` files (`.env`, `.env.local`, `.env.production`, `prod.env`, ...) with a `KEY=value` line whose value
  is not empty (nor only a `${VAR}` reference), at the first such line. Templates are exempt: a name with an
  `example`, `sample`, `template` or `dist` part (`.env.example`, `example.env`).

`*.pem`, `*.key`, `*.crt` and other files are reported only for the key blocks they hold, so certificates and
public keys pass. Binary key formats other than PKCS#12 (DER) are not recognised. Files in binary formats
(images, archives, fonts, compiled code, media, model weights) and files over the repository read limit
(20 MiB) are not read, nor files matching the option `exclude` (gitignore-style globs, for test fixtures that
hold fake keys). Messages never quote a key or a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from conformance.api import CheckContext, Repository, Violation, compile_globs

ID = "repo/no-private-keys"
TITLE = "The repository must not contain private keys or filled-in .env files"
SEVERITY = "error"
CATEGORY = "security"
PROFILES = ("baseline",)
TARGET = "repository"
FIX = """
Remove the key or `.env` file, add its name to `.gitignore`, and treat the secret as leaked: revoke the key
or rotate the password, because it stays in the git history (rewrite the history only after rotating).
Keep secrets in a secret manager or CI secret store, and commit a `.env.example` with empty values.
"""
EXAMPLE = """
# .gitignore
.env
.env.*
!.env.example
*.p12
id_rsa
"""
OPTIONS = {
    "exclude": {
        "default": [],
        "description": "Paths not to check (gitignore-style globs), such as test fixtures holding fake keys.",
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}

SSH_KEY_NAMES = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"})
KEYSTORE_SUFFIXES = (".p12", ".pfx")
TEMPLATE_PARTS = frozenset({"example", "sample", "template", "dist"})
BINARY_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".psd", ".pdf", ".zip", ".gz", ".tgz",
    ".bz2", ".xz", ".zst", ".7z", ".rar", ".jar", ".war", ".ear", ".class", ".so", ".dylib", ".dll", ".exe", ".o",
    ".a", ".lib", ".pyc", ".pyo", ".whl", ".egg", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".m4a",
    ".wav", ".ogg", ".flac", ".mov", ".avi", ".mkv", ".webm", ".wasm", ".bin", ".iso", ".dmg", ".sqlite", ".db",
    ".parquet", ".avro", ".npy", ".onnx", ".pt", ".pth", ".h5", ".tflite", ".xlsx", ".docx", ".pptx",
})  # fmt: skip
"""Files not worth reading: formats that cannot hold a text key block."""

_MARKERS = (b"PRIVATE KEY", b"PuTTY-User-Key-File-")
_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----")
_END = re.compile(r"-----END ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----")
_ARMOR_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*: .*$", re.MULTILINE)
_BASE64 = re.compile(r"[A-Za-z0-9+/=]+")
_CONCATENATION = re.compile(r"[\"']\s*\+\s*[\"']")
"""A string concatenated over lines (``"..." +\\n "..."``): a ``+`` between quotes is an operator. Any other
``+`` is a base64 digit (an Ed25519 PKCS#8 key is one 64-character line, and a third of them hold a ``+``)."""
_FILLER = re.compile(r"\\[nr]|[\s\"',]")
"""What may surround base64 lines of a key written as a string: ``\\n`` escapes, quotes, commas."""
_PUTTY = re.compile(r"^PuTTY-User-Key-File-\d+: ", re.MULTILINE)
_MAX_BLOCK = 64 * 1024
_MIN_BODY = 64
_ENV_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$")
_REFERENCE = re.compile(r"^\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)$")
_KINDS = {
    "": "a PKCS#8 private key",
    "RSA ": "an RSA private key",
    "DSA ": "a DSA private key",
    "EC ": "an EC private key",
    "OPENSSH ": "an OpenSSH private key",
    "ENCRYPTED ": "an encrypted PKCS#8 private key",
    "PGP ": "a PGP private key block",
}


def key_blocks(text: str) -> Iterator[tuple[int, str]]:
    """(line, description) of each private key block with a plausible base64 body and an END line."""
    for begin in _BEGIN.finditer(text):
        end = _END.search(text, begin.end(), begin.end() + _MAX_BLOCK)
        if end is None:
            continue
        body = _ARMOR_HEADER.sub("", text[begin.end() : end.start()])
        body = _FILLER.sub("", _CONCATENATION.sub("", body))
        if len(body) < _MIN_BODY or not _BASE64.fullmatch(body):
            continue
        label = begin.group(1)
        kind = _KINDS.get(label, f"a {label.strip()} private key")
        yield text.count("\n", 0, begin.start()) + 1, kind


def env_file(name: str) -> bool:
    """Whether a file name is a dotenv file (``.env``, ``.env.local``, ``prod.env``) and not a template."""
    if not (name == ".env" or name.startswith(".env.") or name.endswith(".env")):
        return False
    return not TEMPLATE_PARTS & set(name.lower().split("."))


def env_assignments(text: str) -> list[tuple[int, str]]:
    """(line, key) of each ``KEY=value`` line whose value is not empty nor a reference to another variable."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ENV_ASSIGNMENT.match(line)
        if match is None or line.lstrip().startswith("#"):
            continue
        value = match.group(2).strip()
        if value[:1] in ("'", '"'):
            closing = value.find(value[0], 1)
            value = value[1:closing] if closing != -1 else value[1:]
        elif value.startswith("#"):
            value = ""  # KEY= # a comment
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0]  # an unquoted value ends at a comment
        value = value.strip()
        if value and not _REFERENCE.match(value):
            found.append((number, match.group(1)))
    return found


def check(repository: Repository, ctx: CheckContext) -> Iterator[Violation]:
    excluded = compile_globs(ctx.options["exclude"]) if ctx.options["exclude"] else None
    for path in repository.files:
        if excluded is not None and excluded.match_file(path):
            continue
        name = path.rsplit("/", 1)[-1]
        lowered = name.lower()
        if lowered.endswith(KEYSTORE_SUFFIXES):
            yield Violation(f"{path} is a PKCS#12 keystore, which holds a private key", (path,))
            continue
        suffix = lowered[lowered.rfind(".") :] if "." in lowered else ""
        if suffix in BINARY_SUFFIXES:
            continue
        is_env = env_file(name)
        is_ssh_key = name in SSH_KEY_NAMES
        data = repository.read_bytes(path)
        if data is None:
            if is_ssh_key:
                yield Violation(f"{path} is named like an SSH private key", (path,))
            continue
        reported = False
        if any(marker in data for marker in _MARKERS):
            text = data.decode("utf-8", errors="replace")
            for index, (line, kind) in enumerate(key_blocks(text), start=1):
                reported = True
                yield Violation(f"{path} holds {kind}", (path, line), key=f"key#{index}")
            putty = _PUTTY.search(text)
            if putty is not None and "Private-Lines:" in text:
                reported = True
                line = text.count("\n", 0, putty.start()) + 1
                yield Violation(f"{path} holds a PuTTY private key", (path, line), key="putty")
        if is_ssh_key and not reported:
            yield Violation(f"{path} is named like an SSH private key", (path,))
        if is_env:
            assignments = env_assignments(data.decode("utf-8", errors="replace"))
            if assignments:
                line, key = assignments[0]
                more = f" (and {len(assignments) - 1} more)" if len(assignments) > 1 else ""
                yield Violation(
                    f"{path} sets {key}{more}: .env files with values do not belong in the repository",
                    (path, line),
                    key="env",
                )
