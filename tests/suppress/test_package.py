"""``conformance.suppress`` is a package of four parsers; every name is still importable from the package."""

from __future__ import annotations

import subprocess
import sys

import conformance.suppress as suppress
from conformance.model import Suppression


def test_every_name_resolves_from_the_package() -> None:
    for name in suppress.__all__:
        assert getattr(suppress, name) is not None, name
    assert suppress.Suppression is Suppression


def test_a_name_imports_only_its_parser() -> None:
    code = (
        "import sys\n"
        "from conformance.suppress import parse_inline\n"
        "assert 'conformance.suppress.inline' in sys.modules\n"
        "assert 'conformance.suppress.annotation' not in sys.modules\n"
        "assert 'conformance.suppress.waiver' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
