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

from conformance.api import CheckContext, Resource, Violation, containers, is_secret_name, looks_like_literal_secret

ID = "k8s/no-secrets-in-env"
TITLE = "Secrets must not be literal environment variable values"
SEVERITY = "error"
NO_FIX = "moving a secret into a Secret object needs the secret's owner"
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

ONLY_REFERENCES = re.compile(r"^(?:\$\([A-Za-z_][A-Za-z0-9_.-]*\))+$")
"""A value made only of ``$(VAR)`` references takes its content from other variables."""


def is_literal_secret_value(value: Any) -> bool:
    """A non-empty literal that could hold a credential (not a reference, not a boolean switch)."""
    if value is None or isinstance(value, bool):
        return False
    text = str(value).strip()
    if ONLY_REFERENCES.match(text):
        return False
    return looks_like_literal_secret(text)


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
