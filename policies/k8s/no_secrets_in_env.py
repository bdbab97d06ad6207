"""Secrets must not be written as literal environment variable values.

A password or token written into a manifest is readable by everyone who can read the repository, the
CI logs, `kubectl get -o yaml` output and every backup of them, and it cannot be rotated without a
commit. Kubernetes can inject the same value from a Secret with `valueFrom.secretKeyRef` (or a whole
Secret with `envFrom`), keeping the manifest free of it.

For each container, init container and ephemeral container, every `env` entry with a non-empty literal
`value` is checked by its `name`. The name is split into words (at `_`, `-`, `.` and camelCase
boundaries, case-insensitively) and counts as secret-like when a word is (or ends with) PASSWORD,
PASSWD, SECRET or TOKEN, is PASSPHRASE, CREDENTIAL(S), CREDS or APIKEY-like, when the last word is PASS
or PWD, or when KEY comes directly after a word that makes it a secret key (API, PRIVATE, ACCESS,
ENCRYPTION, SIGNING, MASTER, CLIENT, SESSION, ACCOUNT, ...). Trailing digits are ignored (PASSWORD2).
So DB_PASSWORD, PGPASSWORD, SMTP_PASS, API_KEY, SECRET_KEY, ACCESS_TOKEN, PRIVATE_KEY, CLIENT_SECRET,
CREDENTIALS and apiKey are reported.

To keep false positives down, these pass:

- words that merely contain KEY or TOKEN (KEYCLOAK_URL, MONKEY, TOKENIZERS_PARALLELISM), keys that are
  not secrets (ROUTING_KEY, CACHE_KEY, JWT_PUBLIC_KEY) and PASS not at the end (PASS_THROUGH);
- names whose last word says the value describes or locates a secret rather than being one:
  `..._FILE`, `..._PATH`, `..._DIR`, `..._URL`, `..._ENDPOINT`, `..._HOST`, `..._NAME`, `..._REF`,
  `..._ID`, `..._TTL`, `..._LENGTH`, `..._ENABLED`, `..._HEADER` and similar (so SECRET_NAME and
  DB_SECRET_REF, which name a Secret object, and AWS_ACCESS_KEY_ID, which identifies a key, pass);
- values that are only references to other variables, such as `$(DB_PASSWORD)`, and boolean words
  (`true`, `false`, `yes`, `no`, `on`, `off`);
- `valueFrom` entries, empty values, and names listed in the `allowed-names` option;
- `PWD` and `OLDPWD`, which are the shell's working directories.

One finding is reported per entry, at its `value` line. The message never repeats the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from conformance.catalog.policy import CheckContext
from conformance.model import Violation
from conformance.targets.kubernetes import Resource, containers

ID = "k8s/no-secrets-in-env"
TITLE = "Secrets must not be literal environment variable values"
SEVERITY = "error"
CATEGORY = "security"
PROFILES = ("hygiene",)
FIX = (
    "Store the value in a Secret and reference it with `valueFrom.secretKeyRef` (or mount the Secret as a "
    "file); then rotate the exposed credential, since it is in the repository history."
)
EXAMPLE = """\
env:
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: orders-db
        key: password
"""
KINDS = None
OPTIONS = {
    "allowed-names": {
        "default": [],
        "description": "Environment variable names (case-insensitive) that are never reported.",
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}

SECRET_WORDS = frozenset(
    {
        "PASSPHRASE",
        "PASSWORDS",
        "SECRETS",
        "CREDENTIAL",
        "CREDENTIALS",
        "CREDS",
        "APIKEY",
        "PRIVATEKEY",
        "SECRETKEY",
        "ACCESSKEY",
        "SIGNINGKEY",
        "ENCRYPTIONKEY",
    }
)
"""Words that make a name secret-like on their own."""

SECRET_LAST_WORDS = frozenset({"PASS", "PWD"})
"""Abbreviations that mean a password only at the end of a name (DB_PASS, but not PASS_THROUGH)."""

SECRET_ENDINGS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN")
"""A word ending like this is secret-like (PASSWORD, PGPASSWORD, CLIENTSECRET, GITHUBTOKEN)."""

KEY_QUALIFIERS = frozenset(
    {
        "API",
        "APP",
        "ACCESS",
        "ACCOUNT",
        "ADMIN",
        "AES",
        "AUTH",
        "CIPHER",
        "CLIENT",
        "CRYPTO",
        "DECRYPTION",
        "ENCRYPTION",
        "GPG",
        "HMAC",
        "JWT",
        "LICENSE",
        "MASTER",
        "PGP",
        "PRIVATE",
        "ROOT",
        "RSA",
        "SECRET",
        "SERVICE",
        "SESSION",
        "SHARED",
        "SIGN",
        "SIGNING",
        "SSH",
        "SUBSCRIPTION",
        "TLS",
        "WEBHOOK",
    }
)
"""A KEY word directly after one of these is a secret key; other keys (ROUTING_KEY, PUBLIC_KEY) are not."""

DESCRIPTIVE_LAST_WORDS = frozenset(
    {
        # where the secret is, or what it is called
        "FILE", "FILES", "FILENAME", "PATH", "PATHS", "DIR", "DIRECTORY", "FOLDER", "LOCATION", "MOUNT",
        "URL", "URI", "ENDPOINT", "HOST", "HOSTNAME", "PORT", "ADDR", "ADDRESS",
        "NAME", "NAMES", "REF", "ID", "NAMESPACE", "SOURCE", "PROVIDER", "BACKEND",
        # how it is used or shaped
        "FIELD", "HEADER", "PARAM", "PREFIX", "SUFFIX", "TYPE", "KIND", "MODE", "FORMAT", "ALGORITHM",
        "ALG", "VERSION", "ISSUER", "AUDIENCE", "SCOPE", "SCOPES", "POLICY", "STRATEGY", "ROTATION",
        # limits and switches
        "TTL", "EXPIRY", "EXPIRATION", "EXPIRES", "LIFETIME", "TIMEOUT", "INTERVAL", "AGE", "LENGTH",
        "SIZE", "COUNT", "LIMIT", "ATTEMPTS", "RETRIES", "SECONDS", "MINUTES", "HOURS", "DAYS", "MS",
        "ENABLED", "DISABLED", "ENABLE", "DISABLE", "REQUIRED",
    }
)  # fmt: skip
"""A name ending in one of these describes or locates a secret instead of holding it."""

SWITCH_WORDS = frozenset({"ALLOW", "ALLOWED", "SKIP", "USE", "REQUIRE", "MAX", "MIN", "NUM", "GENERATE", "RANDOM"})
"""Words that make a name a setting about a secret (MYSQL_ALLOW_EMPTY_PASSWORD, MAX_TOTAL_TOKENS)."""

NOT_SECRETS = frozenset({"PWD", "OLDPWD"})
"""Whole names that look secret-like but are not (the shell's working directories)."""

BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off"})
FILE_PATH = re.compile(r"^(?:/[\w.@-]+){2,}/?$")
ONLY_REFERENCES = re.compile(r"^(?:\$\([A-Za-z_][A-Za-z0-9_.-]*\))+$")
"""A value made only of ``$(VAR)`` references takes its content from other variables."""


def words(name: str) -> list[str]:
    """Upper-case words of a variable name: split at non-alphanumerics and camelCase boundaries."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [word for word in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if word]


def is_secret_name(name: str) -> bool:
    """Whether an environment variable name suggests that its value is a credential."""
    parts = words(name)
    if not parts or name.upper() in NOT_SECRETS or parts[-1] in DESCRIPTIVE_LAST_WORDS:
        return False
    if SWITCH_WORDS.intersection(parts):
        return False
    if parts[-1].rstrip("0123456789") in SECRET_LAST_WORDS:
        return True
    for i, part in enumerate(parts):
        word = part.rstrip("0123456789")  # PASSWORD2, TOKEN_V2
        if word in SECRET_WORDS or word.endswith(SECRET_ENDINGS):
            return True
        if word == "KEY" and i > 0 and parts[i - 1] in KEY_QUALIFIERS:
            return True
    return False


def is_literal_secret_value(value: Any) -> bool:
    """A non-empty literal that could hold a credential (not a reference, not a boolean switch)."""
    if value is None or isinstance(value, bool):
        return False
    text = str(value).strip()
    if not text or text.lower() in BOOLEAN_WORDS or ONLY_REFERENCES.match(text):
        return False
    if FILE_PATH.match(text):
        return False  # TLS_KEY=/etc/tls/tls.key names where the secret is mounted
    return not (text.isdigit() and len(text) <= 2)  # "0"/"1" switches


def check(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    allowed = {str(name).upper() for name in ctx.options.get("allowed-names") or ()}
    for container in containers(resource):
        env = container.data.get("env")
        if not isinstance(env, list):
            continue
        for index, entry in enumerate(env):
            if not isinstance(entry, Mapping):
                continue
            name = entry.get("name")
            if not isinstance(name, str) or name.upper() in allowed:
                continue
            if is_literal_secret_value(entry.get("value")) and is_secret_name(name):
                yield Violation(
                    f"env var '{name}' of {container.label} has a literal "
                    "value that looks like a secret: load it from a Secret",
                    (*container.path, "env", index, "value"),
                )
