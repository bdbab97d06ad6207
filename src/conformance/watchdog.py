"""A time budget for policy checks: a check that runs past it is interrupted and reported, not waited for.

One periodic ``SIGALRM`` timer per process (armed once, not per check, so a check costs two attribute writes)
looks at how long the current check has been running and raises :class:`PolicyTimeout` inside it when it is
over budget. Signals reach Python code only between bytecodes: a check stuck inside one long C call (a
catastrophic regular expression) is interrupted when that call returns. Works in the main thread only;
elsewhere (a scan started from a library thread) checks run without a budget.

A check that catches the interruption and goes on is interrupted again at every tick; in a worker process
(where :attr:`Watchdog.stop_process` is set) one still running :data:`RUNAWAY_GRACE` seconds after the first
interruption ends the worker, which the parent reports (see :mod:`conformance.engine.pool`).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

RUNAWAY_GRACE = 5.0
"""Seconds a check may go on after its time-budget interruption before its worker process is ended."""


class PolicyTimeout(BaseException):
    """Raised inside a check that ran past its budget.

    A ``BaseException``, so a policy's own ``except Exception`` cannot swallow it.
    """


class Watchdog:
    """Interrupts the running check once it has used ``budget`` seconds (0 disables the budget)."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self._started: float | None = None
        self._previous: Any = None
        self._installed_in: int | None = None
        """The process that armed the timer (a forked child must arm its own)."""
        self.interrupted = False
        self._overdue_since: float | None = None
        """When the running check was interrupted (it is still running if this is set)."""
        self.current = ""
        """The id of the policy whose check is running (set by the guard), for the runaway report."""
        self.stop_process: Callable[[str], None] | None = None
        """In a worker: ends the process, given the id of a policy that would not stop."""
        """Set when this process got a real Ctrl-C (see :meth:`track_interrupts`): a ``KeyboardInterrupt`` a
        policy raises itself is then told apart from the user's."""

    def track_interrupts(self) -> Any:
        """Note real Ctrl-C in this process, then raise ``KeyboardInterrupt`` as Python does; returns the
        previous handler, for :func:`signal.signal` to restore (None outside the main thread)."""
        if threading.current_thread() is not threading.main_thread():
            return None

        def on_interrupt(signum: int, frame: FrameType | None) -> None:
            self.interrupted = True
            raise KeyboardInterrupt

        return signal.signal(signal.SIGINT, on_interrupt)

    def install(self) -> None:
        """Arm the periodic timer in this process (call again after a fork: timers are not inherited)."""
        if self.budget <= 0 or self._installed_in == os.getpid():
            return
        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.signal(signal.SIGALRM, self._on_alarm)
        if self._installed_in is None:
            self._previous = previous
        interval = min(1.0, self.budget / 4)
        signal.setitimer(signal.ITIMER_REAL, interval, interval)
        self._installed_in = os.getpid()

    def uninstall(self) -> None:
        if self._installed_in != os.getpid():
            return
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, self._previous if self._previous is not None else signal.SIG_DFL)
        self._installed_in = None
        self._started = None

    def start(self) -> None:
        """A check begins."""
        self._overdue_since = None
        self._started = time.monotonic()

    def stop(self) -> None:
        """The check ended (normally or not)."""
        self._started = None
        self._overdue_since = None

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        started = self._started
        if started is None:
            return
        now = time.monotonic()
        overdue = self._overdue_since
        if overdue is None:
            if now - started > self.budget:
                self._overdue_since = now
                raise PolicyTimeout
            return
        # The check caught its interruption and is still running.
        if self.stop_process is not None and now - overdue > RUNAWAY_GRACE:
            self.stop_process(self.current)
        raise PolicyTimeout
