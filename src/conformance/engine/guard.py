"""The guarded call into a policy: under its time budget, with its faults contained and reported.

A timeout or a fault (any exception, ``sys.exit`` included) becomes an error finding naming the policy; the
scan goes on. A policy that ran out of time is skipped for the rest of the file, and for the rest of the scan
after :data:`TIMEOUTS_BEFORE_DISABLED` timeouts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.engine.containment import Containment, fault_of
from conformance.engine.findings import policy_failed, policy_timed_out
from conformance.errors import Terminated
from conformance.model import Finding, Location, ResourceId
from conformance.watchdog import PolicyTimeout, Watchdog

TIMEOUTS_BEFORE_DISABLED = 3
NOT_RUN = object()
"""What a guarded call returns when the policy timed out or failed (its error is already recorded)."""


def call_under_budget(
    watchdog: Watchdog, call: Callable[[], Any], containment: Containment | None = None
) -> tuple[Any, BaseException | None]:
    """``(result, None)``, or ``(NOT_RUN, the timeout or the fault)``; with a containment (user Python policies),
    what the check did that it may not (see :mod:`conformance.engine.containment`) is a fault too."""
    if containment is None:
        return _call(watchdog, call)
    with containment.check() as faults:
        result, problem = _call(watchdog, call)
    fault = fault_of(faults)
    if problem is None and fault is not None:
        return NOT_RUN, fault
    return result, problem


def _call(watchdog: Watchdog, call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    try:
        watchdog.start()
        return call(), None
    except PolicyTimeout as timeout:
        return NOT_RUN, timeout
    except (Exception, SystemExit, GeneratorExit) as exc:  # a faulty policy must not stop the scan (nor exit it)
        return NOT_RUN, exc
    except KeyboardInterrupt as exc:
        if watchdog.interrupted:
            raise  # the user's Ctrl-C: the scan stops
        return NOT_RUN, exc  # raised by the policy itself
    except BaseException as exc:
        if isinstance(exc, Terminated):
            raise
        return NOT_RUN, exc  # a policy's own BaseException subclass
    finally:
        watchdog.stop()


class PolicyGuard:
    """Runs policy calls of one scanner (one process) under the budget, remembering which ran out of time."""

    def __init__(self, budget: float, contained: frozenset[str] = frozenset()) -> None:
        self.watchdog = Watchdog(budget)
        self.contained = contained
        """Ids of the policies whose calls run inside a :class:`Containment` (user Python policies)."""
        self.containment = Containment() if contained else None
        self._skipped: set[str] = set()
        """Policies skipped for the rest of the current file (they ran out of time on it)."""
        self._timeouts: dict[str, int] = {}

    def new_file(self) -> None:
        """Policies that timed out on the previous file get another chance, unless they did so repeatedly."""
        self._skipped = {pid for pid, n in self._timeouts.items() if n >= TIMEOUTS_BEFORE_DISABLED}

    def call(
        self,
        policy_id: str,
        call: Callable[[], Any],
        resource: ResourceId | None,
        subject: str | Callable[[], str],
        location: Callable[[], Location],
        errors: list[Finding],
    ) -> Any:
        """The call's result, or :data:`NOT_RUN` with an error finding appended to ``errors``; ``subject`` (how
        the message names what was checked) and ``location`` may be functions, called only for a fault."""
        if policy_id in self._skipped:
            return NOT_RUN
        containment = self.containment if policy_id in self.contained else None
        self.watchdog.current = policy_id
        result, problem = call_under_budget(self.watchdog, call, containment)
        if problem is None:
            return result
        if isinstance(problem, PolicyTimeout):
            count = self._timeouts[policy_id] = self._timeouts.get(policy_id, 0) + 1
            self._skipped.add(policy_id)
            disabled = count >= TIMEOUTS_BEFORE_DISABLED
            name = subject() if callable(subject) else subject
            errors.append(policy_timed_out(policy_id, name, self.watchdog.budget, location(), disabled))
        else:
            name = subject() if callable(subject) else subject
            errors.append(policy_failed(policy_id, resource, problem, location(), name))
        return NOT_RUN
