"""What ``scan --framework`` runs: exactly the policies mapped to the frameworks' controls."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from conformance.errors import ConfigError
from conformance.frameworks import load_frameworks, mapped_policies, resolve

if TYPE_CHECKING:
    from conformance.config import Config
    from conformance.planning.plan import ScanRequest


def framework_selection(request: ScanRequest, config: Config) -> tuple[ScanRequest, Config]:
    """The request and config with the selection replaced by the frameworks' policies.

    Profiles, ``enable`` and ``disable`` (of the config and the command line) do not apply: a framework report
    counts every control's policies. Severities, options, waivers and the baseline still do.
    """
    mixed = [
        flag
        for flag, given in (
            ("--profile", request.profiles),
            ("--policy", request.enable),
            ("--skip-policy", request.disable),
        )
        if given
    ]
    if mixed:
        raise ConfigError(f"--framework runs exactly the policies its controls map to: drop {', '.join(mixed)}")
    frameworks = load_frameworks()
    ids = mapped_policies(resolve(request.frameworks, frameworks), frameworks)
    return replace(request, enable=ids), replace(config, profiles=(), enable=(), disable=())
