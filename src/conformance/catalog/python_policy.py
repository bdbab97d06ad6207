"""Python policies: a module with module-level metadata and a ``check()`` generator."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path as FsPath
from types import ModuleType
from typing import Any

from conformance.catalog.policy import DEFAULT_FILES, KUBERNETES, TARGETS, Policy, PolicyDefinition
from conformance.errors import PolicyDefinitionError
from conformance.model import SEVERITIES, PolicyInfo
from conformance.targets.adapters import ADAPTERS, adapter_for

FILTERS = ("MATCH", "EXCLUDE")
"""Module names of a policy's ``match`` / ``exclude`` blocks (see :mod:`.object_match`)."""
POLICY_ID = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")


def _import_file(path: FsPath) -> ModuleType:
    name = "conformance_policy_" + re.sub(r"\W", "_", str(path.resolve()))
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PolicyDefinitionError(f"{path}: cannot import policy module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise PolicyDefinitionError(f"{path}: importing the policy failed: {type(exc).__name__}: {exc}") from None
    return module


def _require(module: ModuleType, name: str, kind: type | tuple[type, ...], source: str) -> Any:
    if not hasattr(module, name):
        raise PolicyDefinitionError(f"{source}: field {name}: missing")
    value = getattr(module, name)
    if not isinstance(value, kind):
        raise PolicyDefinitionError(f"{source}: field {name}: must be {getattr(kind, '__name__', kind)}")
    return value


def definition_from_module(module: ModuleType, source: str) -> PolicyDefinition:
    """Validate a policy module's contract and wrap it as a definition."""
    policy_id = _require(module, "ID", str, source)
    if not POLICY_ID.match(policy_id):
        raise PolicyDefinitionError(f"{source}: field ID: {policy_id!r} is not <pack>/<kebab-slug>")
    title = _require(module, "TITLE", str, source)
    severity = _require(module, "SEVERITY", str, source)
    if severity not in SEVERITIES:
        raise PolicyDefinitionError(f"{source}: field SEVERITY: must be one of {', '.join(SEVERITIES)}")
    check = getattr(module, "check", None)
    if not callable(check):
        raise PolicyDefinitionError(f"{source}: field check: a check(target, ctx) function is required")
    kinds = getattr(module, "KINDS", None)
    if kinds is not None and not (
        isinstance(kinds, (list, tuple, frozenset, set)) and all(isinstance(k, str) for k in kinds)
    ):
        raise PolicyDefinitionError(f"{source}: field KINDS: must be a sequence of kind names or None")
    if kinds is not None:
        from conformance.targets.kinds import kind_name_problem

        for name in kinds:
            problem = kind_name_problem(name)
            if problem is not None:
                raise PolicyDefinitionError(f"{source}: field KINDS: {problem}")
    options = getattr(module, "OPTIONS", {})
    if not isinstance(options, Mapping) or not all(
        isinstance(spec, Mapping) and "default" in spec for spec in options.values()
    ):
        raise PolicyDefinitionError(f"{source}: field OPTIONS: each option needs a mapping with a default")
    target = getattr(module, "TARGET", KUBERNETES)
    if target not in TARGETS:
        raise PolicyDefinitionError(f"{source}: field TARGET: must be one of {', '.join(TARGETS)}")
    files = getattr(module, "FILES", DEFAULT_FILES.get(target, ()))
    if not (isinstance(files, (list, tuple)) and all(isinstance(f, str) and f for f in files)):
        raise PolicyDefinitionError(f"{source}: field FILES: must be a sequence of glob patterns")
    adapter = adapter_for(target)
    if adapter.needs_files and not files:
        raise PolicyDefinitionError(f"{source}: field FILES: a {target} policy names the files it checks")
    scope = bool(getattr(module, "SCOPE", False))
    if scope and not adapter.cross_resource:
        supported = ", ".join(a.name for a in ADAPTERS if a.cross_resource)
        raise PolicyDefinitionError(f"{source}: field SCOPE: only {supported} policies can be cross-resource")
    facts = getattr(module, "facts", None)
    if scope and not callable(facts):
        raise PolicyDefinitionError(f"{source}: field facts: a SCOPE policy needs a facts(resource) function")
    fixer = getattr(module, "fix", None)
    if fixer is not None and not callable(fixer):
        raise PolicyDefinitionError(f"{source}: field fix: must be a fix(violation, target, ctx) function")
    no_fix = getattr(module, "NO_FIX", "")
    if not isinstance(no_fix, str):
        raise PolicyDefinitionError(f"{source}: field NO_FIX: must be a string (why the policy cannot fix)")
    object_filter = None
    if getattr(module, "MATCH", None) is not None or getattr(module, "EXCLUDE", None) is not None:
        from conformance.catalog.object_match import parse_filter

        object_filter = parse_filter(getattr(module, "MATCH", None), getattr(module, "EXCLUDE", None), source, FILTERS)
    if object_filter is not None and target != KUBERNETES:
        raise PolicyDefinitionError(f"{source}: field MATCH: only kubernetes policies can match objects")
    profiles = getattr(module, "PROFILES", ())
    info = PolicyInfo(
        id=policy_id,
        title=title,
        severity=severity,
        category=str(getattr(module, "CATEGORY", "general")),
        profiles=tuple(profiles),
        description=(module.__doc__ or title).strip(),
        fix=str(getattr(module, "FIX", "")).strip(),
        source=source,
    )
    frozen_kinds = None if kinds is None else frozenset(kinds)
    locate_paths = tuple(tuple(p) for p in getattr(module, "LOCATE", ()))

    def build(effective: Mapping[str, Any], effective_severity: str) -> Policy:
        return Policy(
            info=replace(info, severity=effective_severity),
            kinds=frozen_kinds,
            check=check,
            options=dict(effective),
            scope=scope,
            facts=facts if scope else None,
            locate_paths=locate_paths,
            python=True,
            target=target,
            files=tuple(files),
            fixer=fixer,
            filter=object_filter,
        )

    return PolicyDefinition(
        info=info,
        option_specs=options,
        build=build,
        example=str(getattr(module, "EXAMPLE", "")),
        fixes=fixer is not None,
        no_fix_reason=no_fix.strip(),
    )


def load_python_policy(path: FsPath) -> PolicyDefinition:
    """Import a policy module from a file (only call this for trusted files)."""
    return definition_from_module(_import_file(path), str(path))
