"""A time budget for policy checks: a check that runs past it is interrupted and reported, not waited for.

One periodic ``SIGALRM`` timer per process (armed once, not per check, so a check costs two attribute writes)
looks at how long the current check has been running and raises :class:`PolicyTimeout` inside it when it is
over budget. Signals reach Python code only between bytecodes: a check stuck inside one long C call (a
catastrophic regular expression) is interrupted when that call returns. Works in the main thread only;
elsewhere (a scan started from a library thread) checks run without a budget.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from types import FrameType
from typing import Any


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
        self._started = time.monotonic()

    def stop(self) -> None:
        """The check ended (normally or not)."""
        self._started = None

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        started = self._started
        if started is not None and time.monotonic() - started > self.budget:
            self._started = None
            raise PolicyTimeout
