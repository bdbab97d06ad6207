"""What a trusted but buggy Python policy may not do to the scan while its check runs.

Policies from ``--policy-dir``, a trusted config or an installed pack are code the user chose to run; a bug in
one must cost that policy's result, never the report. While such a check runs (built-in policies are not
wrapped: they are ours and tested):

- ``os._exit`` raises :class:`PolicyExit` instead of ending the process;
- the handlers of the signals the scan relies on (``SIGALRM`` for the time budget, ``SIGINT``, ``SIGTERM``)
  and the real-time interval timer cannot be changed, and those signals cannot be blocked;
- a thread the check starts is made a daemon thread, so it can never keep the process from exiting, and one
  still running when the check returns is reported;
- names replaced or deleted in :mod:`builtins`, :mod:`os` or :mod:`json` (which the reporters use) are put
  back and reported (names added are left alone: importing a submodule adds one).

Each of these becomes a ``conformance/policy-error`` finding for that policy on that subject; the rest of the
scan goes on. What this does not stop: native code (``ctypes``), ``os.kill`` of the own process, a thread
that keeps working after the check returned. A check that swallows its time-budget interruption and keeps
running is stopped by the watchdog when it runs in a worker process (see :mod:`conformance.watchdog`); the
engine scans files in a worker whenever such policies are loaded.
"""

from __future__ import annotations

import builtins
import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

PROTECTED_SIGNALS = frozenset({signal.SIGALRM, signal.SIGINT, signal.SIGTERM})
WATCHED_MODULES: tuple[ModuleType, ...] = (builtins, os, json)


class PolicyExit(BaseException):
    """Raised by ``os._exit`` inside a contained check."""

    def __init__(self, code: int) -> None:
        super().__init__(f"called os._exit({code}): a policy may not end the scan")
        self.code = code


class PolicyFault(Exception):
    """What a contained check did that it may not do (reported once the check returned)."""


class Containment:
    """Wraps contained checks of one process; build it once per scanner (the snapshot of watched modules)."""

    def __init__(self) -> None:
        self._snapshot = [(module, dict(vars(module))) for module in WATCHED_MODULES]

    @contextmanager
    def check(self) -> Iterator[list[str]]:
        """Run one check inside; the yielded list holds what it did that it may not (empty: nothing)."""
        faults: list[str] = []
        before = {id(thread) for thread in threading.enumerate()}
        patches = self._patches(faults)
        originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
        for owner, name, replacement in patches:
            setattr(owner, name, replacement)
        try:
            yield faults
        finally:
            for owner, name, original in originals:
                setattr(owner, name, original)
            faults.extend(self._restore_modules())
            running = [t.name for t in threading.enumerate() if id(t) not in before and t.is_alive()]
            if running:
                faults.append(f"started thread(s) still running after its check returned: {', '.join(running)}")

    def _patches(self, faults: list[str]) -> list[tuple[Any, str, Callable[..., Any]]]:
        real_signal, real_setitimer, real_mask = signal.signal, signal.setitimer, signal.pthread_sigmask
        real_start = threading.Thread.start

        def refuse(what: str) -> None:
            faults.append(what)
            raise PolicyFault(what)

        def exit_(code: int) -> None:
            raise PolicyExit(code)

        def signal_(signum: int, handler: Any) -> Any:
            if signum in PROTECTED_SIGNALS:
                refuse(f"tried to change the handler of {signal.Signals(signum).name}")
            return real_signal(signum, handler)

        def setitimer(which: int, seconds: float, interval: float = 0.0) -> Any:
            if which == signal.ITIMER_REAL:
                refuse("tried to change the real-time interval timer (the time budget)")
            return real_setitimer(which, seconds, interval)

        def alarm(seconds: int) -> int:
            refuse("tried to set an alarm (the time budget's timer)")
            return 0

        def pthread_sigmask(how: int, mask: Any) -> Any:
            if how != signal.SIG_UNBLOCK and PROTECTED_SIGNALS & set(mask):
                refuse("tried to block the signals the scan relies on")
            return real_mask(how, mask)

        def start(thread: threading.Thread) -> None:
            thread.daemon = True  # it must never keep the scan's process alive
            real_start(thread)

        return [
            (os, "_exit", exit_),
            (signal, "signal", signal_),
            (signal, "setitimer", setitimer),
            (signal, "alarm", alarm),
            (signal, "pthread_sigmask", pthread_sigmask),
            (threading.Thread, "start", start),
        ]

    def _restore_modules(self) -> list[str]:
        faults = []
        for module, saved in self._snapshot:
            current = vars(module)
            changed = sorted(name for name, value in saved.items() if current.get(name, _MISSING) is not value)
            if not changed:
                continue
            for name in changed:
                current[name] = saved[name]
            shown = ", ".join(f"{module.__name__}.{name}" for name in changed[:5])
            more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
            faults.append(f"replaced {shown}{more} (put back)")
        return faults


_MISSING = object()


def fault_of(faults: list[str]) -> PolicyFault | None:
    """The faults of one contained check as one exception to report, or None."""
    unique = list(dict.fromkeys(faults))
    return PolicyFault("; ".join(unique)) if unique else None
