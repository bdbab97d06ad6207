"""Turning the catalog into the policies a run uses: profiles, enable/disable, severities, options."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from conformance.catalog.policy import Policy, PolicyDefinition
from conformance.errors import ConfigError
from conformance.model import selector_matches
from conformance.validation import compile_schema


def matches(policy_id: str, selector: str, known_ids: Collection[str] = ()) -> bool:
    """A selector is a policy id or a prefix of one (``k8s``, ``k8s/``, ``k8s/no-host-``); one that is itself
    a known id selects only that policy."""
    return selector_matches(policy_id, selector, known_ids)


BUILTIN_PROFILES = frozenset({"baseline", "restricted", "reliability", "hygiene", "supply-chain", "open-source"})
"""The profiles of the built-in packs (known even when a pack is dormant)."""
OPT_IN_PROFILES = frozenset({"open-source"})
"""Profiles whose policies run only when asked for: by ``--profile`` or by naming the policy's exact id."""


def check_selectors(selectors: Iterable[str], ids: Sequence[str], what: str) -> None:
    """Each selector must select a known policy; ``what`` names where it was given (``--policy``, ``enable``)."""
    from conformance.suppress.ids import unknown_selector_message

    for selector in selectors:
        if not any(matches(pid, selector) for pid in ids):
            raise ConfigError(f"{what}: {unknown_selector_message(selector, ids)}")


def check_profiles(profiles: Iterable[str], known_profiles: Collection[str], what: str) -> None:
    """Each profile must be known; ``what`` names where it was given (``--profile``, ``profiles``)."""
    from conformance.suppress.ids import unknown_profile_message

    for profile in profiles:
        if profile not in known_profiles:
            raise ConfigError(f"{what}: {unknown_profile_message(profile, known_profiles)}")


def known_profiles(definitions: Sequence[PolicyDefinition], dormant: bool = False) -> frozenset[str]:
    """The profiles of these policies, and the built-in ones when some packs are dormant (not loaded)."""
    found = frozenset(p for d in definitions for p in d.info.profiles)
    return found | BUILTIN_PROFILES if dormant else found


def effective_options(definition: PolicyDefinition, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults merged with overrides, each override checked against the option's schema."""
    options = definition.defaults()
    for name, value in overrides.items():
        spec = definition.option_specs.get(name)
        if spec is None:
            known = ", ".join(sorted(definition.option_specs)) or "none"
            raise ConfigError(f"options.{definition.id}.{name}: unknown option (known: {known})")
        schema = spec.get("schema")
        if schema:
            error = compile_schema(schema).first_error(value, ordered=False)
            if error is not None:
                raise ConfigError(f"options.{definition.id}.{name}: {error.message}")
        options[name] = value
    return options


def configure(
    definitions: Sequence[PolicyDefinition],
    *,
    profiles: Sequence[str] = (),
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
    severity: Mapping[str, str] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    dormant: Sequence[str] = (),
) -> tuple[Policy, ...]:
    """Select and build the policies of a run; unknown ids, profiles or options are config errors.

    ``dormant`` ids belong to policies that exist but were not loaded for this run: configuration may name
    them (their options are checked when they load).
    """
    loaded = [d.id for d in definitions]
    ids = [*loaded, *dormant]
    known = frozenset(ids)
    check_selectors(enable, ids, "enable")
    check_selectors(disable, ids, "disable")
    from conformance.suppress.ids import unknown_policy_message

    for key, what in ((severity or {}, "severity"), (options or {}, "options")):
        for policy_id in key:
            if policy_id not in known:
                raise ConfigError(f"{what}.{policy_id}: {unknown_policy_message(policy_id, known)}")
    check_profiles(profiles, known_profiles(definitions, bool(dormant)), "profiles")
    chosen: list[Policy] = []
    for definition in definitions:
        pid = definition.id
        if profiles and not set(profiles) & set(definition.info.profiles):
            continue
        if enable and not any(matches(pid, s, known) for s in enable):
            continue
        if any(matches(pid, s, known) for s in disable):
            continue
        opt_in = bool(definition.info.profiles) and set(definition.info.profiles) <= OPT_IN_PROFILES
        if opt_in and not (set(profiles) & set(definition.info.profiles) or pid in enable):
            continue
        opts = effective_options(definition, (options or {}).get(pid, {}))
        chosen.append(definition.build(opts, (severity or {}).get(pid, definition.info.severity)))
    return tuple(chosen)
