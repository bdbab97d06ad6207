"""The one exception base of conformance and the documented exit codes."""

from __future__ import annotations

EXIT_CLEAN = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


class ConformanceError(Exception):
    """A usage, configuration or policy-definition error: the run stops with exit code 2."""


class PolicyDefinitionError(ConformanceError):
    """A policy file or module is invalid."""


class ConfigError(ConformanceError):
    """The configuration file or a command-line option is invalid."""
