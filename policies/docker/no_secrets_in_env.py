"""Secrets must not be written into a Dockerfile as ENV values or ARG defaults.

An `ENV` value is stored in the image's configuration: anyone who can pull the image reads it with
`docker inspect`, and every container started from it has it in its environment. An `ARG` default is
recorded in the image history (`docker history`) of every layer that uses it. Either way the secret is
also in the repository, where it cannot be rotated without a commit. BuildKit passes build-time secrets
without leaving a trace with `RUN --mount=type=secret`, and runtime secrets belong to the platform that
runs the container.

Every variable an `ENV` (both `ENV NAME=value` and the legacy `ENV NAME value`) or an `ARG` with a
default defines is checked by its name, with the same rules as `k8s/no-secrets-in-env`: the name is split
into words (at `_`, `-`, `.` and camelCase boundaries) and is secret-like when a word is or ends with
PASSWORD, PASSWD, SECRET or TOKEN, is PASSPHRASE, CREDENTIAL(S), CREDS or APIKEY-like, when the last
word is PASS or PWD, or when KEY follows a word that makes it a secret key (API, PRIVATE, ACCESS,
SECRET, SIGNING, CLIENT, ...). So DB_PASSWORD, GITHUB_TOKEN, NPM_TOKEN, API_KEY, AWS_SECRET_ACCESS_KEY
and CLIENT_SECRET are reported when they carry a literal value.

To keep false positives down, these pass:

- names that describe or locate a secret instead of holding it: `..._FILE`, `..._PATH`, `..._DIR`,
  `..._URL`, `..._HOST`, `..._NAME`, `..._ID` (AWS_ACCESS_KEY_ID), `..._ENABLED` and similar; names that
  are settings about a secret (MYSQL_ALLOW_EMPTY_PASSWORD); keys that are not secrets (PUBLIC_KEY,
  ROUTING_KEY) and words that merely contain KEY or TOKEN (KEYCLOAK_URL, TOKENIZERS_PARALLELISM);
- values taken from another variable (`ENV DB_PASSWORD=$DB_PASSWORD`, `${TOKEN}`), empty values, boolean
  words (`true`, `no`...), numbers of one or two digits and absolute file paths; an `ARG` without a
  default. With `${NAME:-default}` the default is what is judged;
- names listed in the `allowed-names` option.

One finding is reported per variable, at the line of its `ENV` or `ARG` instruction. The message never
repeats the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from conformance.api import CheckContext, Dockerfile, Violation, is_secret_name, looks_like_literal_secret

ID = "docker/no-secrets-in-env"
TITLE = "Secrets must not be ENV values or ARG defaults"
SEVERITY = "error"
NO_FIX = "moving a secret to a build secret needs the secret's owner"
CATEGORY = "security"
PROFILES = ("supply-chain",)
TARGET = "dockerfile"
FIX = (
    "Remove the value: pass build-time secrets with `RUN --mount=type=secret,id=...` (`docker build "
    "--secret`), and runtime secrets from the platform (a Kubernetes Secret, a secrets manager); then rotate "
    "the exposed credential, since it is in the repository history."
)
EXAMPLE = """\
# syntax=docker/dockerfile:1
FROM node:20.15-bookworm-slim
RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
ENV DB_PASSWORD_FILE=/run/secrets/db_password
"""
OPTIONS = {
    "allowed-names": {
        "default": [],
        "description": "Variable names (case-insensitive) that are never reported.",
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}

REFERENCE = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})")
"""``$NAME`` or ``${NAME}``: the value comes from another variable."""
DEFAULTED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-(.*)\}", re.DOTALL)
"""``${NAME:-default}`` or ``${NAME-default}`` as the whole value: its default is what the image gets."""


def literal_value(value: str | None) -> bool:
    """Whether a value (quotes removed, variables unexpanded) is a literal that could be a credential."""
    if value is None:
        return False
    text = value.strip()
    match = DEFAULTED.fullmatch(text)
    if match is not None:
        text = match.group(1).strip()
    if "$" in text and (REFERENCE.search(text) or "${" in text):
        return False  # built from other variables
    return looks_like_literal_secret(text)


def check(dockerfile: Dockerfile, ctx: CheckContext) -> Iterator[Violation]:
    allowed = {str(name).upper() for name in ctx.options.get("allowed-names") or ()}
    for index, instruction in enumerate(dockerfile.instructions):
        if instruction.keyword not in ("ENV", "ARG"):
            continue
        for name, value in instruction.pairs:
            if name.upper() in allowed or not literal_value(value) or not is_secret_name(name):
                continue
            what = "value" if instruction.keyword == "ENV" else "default"
            yield Violation(
                f"{instruction.keyword} '{name}' has a literal {what} that looks like a secret: it is stored "
                "in the image; pass it as a build secret or at run time instead",
                (index,),
                key=name,
            )
