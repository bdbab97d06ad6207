"""The one exception base of conformance and the documented exit codes."""

from __future__ import annotations

EXIT_CLEAN = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
"""128 + SIGTERM: what a cancelled CI job sees."""


class Terminated(BaseException):
    """Raised in the main thread when the process gets SIGTERM: unwinds like Ctrl-C, so temporary files are
    removed, workers stopped and the previous report kept. A BaseException, so no policy fault handler holds it."""


class ConformanceError(Exception):
    """A usage, configuration or policy-definition error: the run stops with exit code 2."""


class PolicyDefinitionError(ConformanceError):
    """A policy file or module is invalid."""


class ConfigError(ConformanceError):
    """The configuration file or a command-line option is invalid."""
