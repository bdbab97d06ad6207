"""The image a Dockerfile builds must not run as root: its final stage must switch to a non-root USER.

A container runs as the user its image names, and without a `USER` instruction that is root. A process
running as root inside a container is one kernel or runtime bug away from root on the host, can read and
change everything in the image, and defeats the file permissions that would otherwise contain a
compromised application.

Only the final stage is checked, since it is the image `docker build` produces (earlier stages only
build files). Its last `USER` instruction decides; when the final stage has none and it is built `FROM`
an earlier stage of the same Dockerfile, the last `USER` of that stage (and of the stage it builds on,
and so on) counts. The user fails when it is `root`, `0` (with or without a group: `root:root`, `0:0`,
`0:1000`) or, for Windows images, `ContainerAdministrator`. A non-root user with the root group
(`1001:0`, common for OpenShift) passes.

Variables are resolved: `USER ${APP_UID}` is checked as the value of the `ARG` or `ENV` defined before it.
A user that depends on a variable without a known value (a build argument without default) is not
reported.

No `USER` at all fails, even `FROM scratch` and base images that set a non-root user themselves (such
as distroless `:nonroot` images): the Dockerfile should say who the container runs as. That finding
points at the final stage's `FROM`; a root `USER` is reported at that `USER` instruction, and a root
user inherited from an earlier stage at the final `FROM`.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.api import CheckContext, Dockerfile, Stage, Violation

ID = "docker/non-root-user"
TITLE = "Images must run as a non-root user"
SEVERITY = "error"
NO_FIX = "a user id must exist in the image: conformance never invents one"
CATEGORY = "security"
PROFILES = ("baseline",)
TARGET = "dockerfile"
FIX = (
    "Create an unprivileged user and switch to it at the end of the final stage, e.g. "
    "`RUN useradd --system --uid 10001 app` then `USER 10001` (a numeric id lets Kubernetes verify "
    "`runAsNonRoot`)."
)
EXAMPLE = """\
FROM python:3.12-slim
RUN useradd --system --uid 10001 --no-create-home app
COPY --chown=10001 app/ /app/
USER 10001
CMD ["python", "-m", "app"]
"""

ROOT_NAMES = frozenset({"root", "containeradministrator"})
"""User names that mean root (compared case-insensitively; Windows' administrator account included)."""


def is_root(user: str) -> bool:
    """Whether ``user`` (``name``, ``uid``, ``name:group`` or ``uid:gid``) is root; the group does not matter."""
    name = user.partition(":")[0].strip()
    if name.isdigit():
        return int(name) == 0
    return name.lower() in ROOT_NAMES


def stage_name(stage: Stage) -> str:
    return f"stage '{stage.alias}'" if stage.alias else f"stage {stage.index}"


def last_user(dockerfile: Dockerfile, stage: Stage) -> int | None:
    """Index of the last USER instruction of a stage, or None."""
    for index in reversed(stage.instructions):
        if dockerfile.instructions[index].keyword == "USER":
            return index
    return None


def check(dockerfile: Dockerfile, ctx: CheckContext) -> Iterator[Violation]:
    final = dockerfile.final_stage()
    if final is None:
        return
    stage: Stage | None = final
    seen: set[int] = set()
    index = None
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        index = last_user(dockerfile, stage)
        if index is not None:
            break
        stage = dockerfile.stages[stage.parent] if stage.parent is not None else None
    if index is None or stage is None:
        yield Violation(
            "the final stage sets no USER, so the container runs as root: switch to a non-root user with USER",
            (final.from_index,),
        )
        return
    instruction = dockerfile.instructions[index]
    user = dockerfile.substitute(instruction.args_text, stage.index, before=index)
    if user is None or not user.strip() or not is_root(user):
        return  # non-root, or unknown before the build
    written = instruction.args_text
    shown = f"USER {written}" if user == written else f"USER {written}, which is '{user}'"
    if stage is final:
        yield Violation(f"the final stage runs as root ({shown}): switch to a non-root user", (index,))
    else:
        yield Violation(
            f"the final stage runs as root: it sets no USER and inherits {shown} from "
            f"{stage_name(stage)} (line {instruction.line}): switch to a non-root user",
            (final.from_index,),
        )
