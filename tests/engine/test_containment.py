"""The containment of user Python policies' checks, on its own (the CLI tests are in tests/hostile)."""

from __future__ import annotations

import builtins
import json
import os
import signal
import threading
import time

import pytest

from conformance.engine.containment import Containment, PolicyExit, PolicyFault, fault_of


def test_everything_patched_is_put_back_and_reported() -> None:
    containment = Containment()
    real_len, real_dumps, real_exit, real_signal = builtins.len, json.dumps, os._exit, signal.signal
    with containment.check() as faults:
        assert os._exit is not real_exit
        builtins.len = lambda value: 0  # type: ignore[assignment]
        json.dumps = lambda *a, **k: ""
    assert (builtins.len, json.dumps, os._exit, signal.signal) == (real_len, real_dumps, real_exit, real_signal)
    assert faults == ["replaced builtins.len (put back)", "replaced json.dumps (put back)"]


def test_an_added_name_is_not_a_fault() -> None:
    with Containment().check() as faults:
        json.made_up_by_a_policy = 1  # type: ignore[attr-defined]
    del json.made_up_by_a_policy  # type: ignore[attr-defined]
    assert faults == []


def test_exit_raises_and_protected_signals_are_refused() -> None:
    with Containment().check() as faults:
        with pytest.raises(PolicyExit, match=r"os._exit\(7\)"):
            os._exit(7)
        with pytest.raises(PolicyFault):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with pytest.raises(PolicyFault):
            signal.alarm(1)
        with pytest.raises(PolicyFault):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        signal.signal(signal.SIGUSR2, signal.getsignal(signal.SIGUSR2))  # others are the policy's business
    assert faults == [
        "tried to change the handler of SIGTERM",
        "tried to set an alarm (the time budget's timer)",
        "tried to block the signals the scan relies on",
    ]
    assert str(fault_of(faults + faults[:1])).count("SIGTERM") == 1


def test_threads_become_daemons_and_a_live_one_is_reported() -> None:
    stop = threading.Event()
    with Containment().check() as faults:
        worker = threading.Thread(target=stop.wait, name="lingering")
        worker.start()
        quick = threading.Thread(target=time.sleep, args=(0,), name="quick")
        quick.start()
        quick.join()
    try:
        assert worker.daemon
        assert faults == ["started thread(s) still running after its check returned: lingering"]
    finally:
        stop.set()
        worker.join()
    assert threading.Thread.start is not None and not threading.Thread(target=lambda: None).daemon
