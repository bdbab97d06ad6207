"""docker/apt-no-install-recommends reads shell comments and wrapper options as the shell does."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from conftest import REPO


def _module() -> Any:
    path = REPO / "policies" / "docker" / "apt_no_install_recommends.py"
    spec = importlib.util.spec_from_file_location("docker_pack_apt_comments", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


APT = _module()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("apt-get install -y jq  # --no-install-recommends", "apt-get install -y jq  "),
        ("# a whole line", ""),
        ("echo '# not a comment' # but this is", "echo '# not a comment' "),
        ('echo "a # b" x', 'echo "a # b" x'),
        ("echo ${#list} items", "echo ${#list} items"),
        ("curl https://example.com/#frag", "curl https://example.com/#frag"),
        ("echo \\# escaped", "echo \\# escaped"),
        ("true;# after a separator", "true;"),
    ],
)
def test_without_comment(line: str, expected: str) -> None:
    assert APT.without_comment(line) == expected


@pytest.mark.parametrize(
    ("script", "bad"),
    [
        ("apt-get install -y jq  # --no-install-recommends", "apt-get"),
        ("xargs -a FILE apt-get install -y", "apt-get"),
        ("xargs --arg-file=FILE apt-get install -y", "apt-get"),
        ("xargs -n 1 -P 4 apt install -y", "apt"),
        ("sudo -u root -- apt-get install -y make", "apt-get"),
        ("env -u HOME apt-get install -y make", "apt-get"),
        ("xargs -a FILE apt-get install -y --no-install-recommends", None),
        ("echo hi # apt-get install -y jq", None),
    ],
)
def test_bad_install(script: str, bad: str | None) -> None:
    assert APT.bad_install(APT.tokens(script)) == bad
