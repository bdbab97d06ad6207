"""Whether a variable looks like it holds a credential: the name heuristic shared by the secret policies.

The Kubernetes (``k8s/no-secrets-in-env``) and Dockerfile (``docker/no-secrets-in-env``) policies use the same
rules, so a name is judged alike wherever it is written: :func:`is_secret_name` splits a name into words and
looks for password, secret, token and key words while letting through names that describe or locate a secret
(``..._FILE``, ``..._URL``, ``..._KEY_ID``); :func:`looks_like_literal_secret` refuses values that cannot be a
credential (booleans, small numbers, absolute file paths).
"""

from __future__ import annotations

import re

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


def looks_like_literal_secret(text: str) -> bool:
    """Whether a literal value (already stripped of references) could be a credential.

    Empty values, boolean words, absolute file paths (``/etc/tls/tls.key`` names where a secret is mounted)
    and numbers of one or two digits (``0``/``1`` switches) cannot.
    """
    text = text.strip()
    if not text or text.lower() in BOOLEAN_WORDS:
        return False
    if FILE_PATH.match(text):
        return False  # TLS_KEY=/etc/tls/tls.key names where the secret is mounted
    return not (text.isdigit() and len(text) <= 2)  # "0"/"1" switches
