"""What every kind of suppression shares: the kinds, and the policy ids they name."""

from __future__ import annotations

import re
from collections.abc import Collection

SUPPRESSION_KINDS = ("inline", "annotation", "waiver", "baseline")
"""The kinds of :class:`~conformance.model.Suppression` (re-exported here), from the most local."""
IN_SOURCE_KINDS = ("inline", "annotation")
"""Suppressions written in the scanned file itself (SARIF ``inSource``); the others are ``external``."""
POLICY_ID = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")
"""The syntax of a policy id (the same as the catalog's): ``<pack>/<kebab-slug>``."""


def _did_you_mean(name: str, known: Collection[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown_policy_message(policy_id: str, known_ids: Collection[str]) -> str:
    """``unknown policy id 'k8s/no-host-pids' (did you mean 'k8s/no-host-pid'?)``."""
    return f"unknown policy id '{policy_id}'{_did_you_mean(policy_id, known_ids)}"


def unknown_selector_message(selector: str, known_ids: Collection[str]) -> str:
    """``'k8s/no-host-pids' matches no known policy (did you mean 'k8s/no-host-pid'?)``: an id or prefix
    (``--policy``, ``--skip-policy``, ``enable``, ``disable``, ``--hard-fail-on``) that selects nothing."""
    return f"'{selector}' matches no known policy{_did_you_mean(selector, known_ids)}"


def unknown_profile_message(profile: str, known_profiles: Collection[str]) -> str:
    """``profile 'restriced' is unknown (did you mean 'restricted'?) (known: baseline, ...)``."""
    known = ", ".join(sorted(known_profiles)) or "none"
    return f"profile '{profile}' is unknown{_did_you_mean(profile, known_profiles)} (known: {known})"
