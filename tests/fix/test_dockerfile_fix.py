"""The Dockerfile fix of docker/apt-no-install-recommends, end to end: the flag goes right after each offending
``install`` word, whatever the instruction looks like, and the Dockerfile is checked again before it is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import cli

FLAG = "--no-install-recommends"


def _fix(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch, newline: str = "\n") -> tuple[int, str, str]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_bytes(text.replace("\n", newline).encode())
    result = CliRunner().invoke(cli, ["fix", "--policy", "docker/apt-no-install-recommends", "Dockerfile"])
    return result.exit_code, (tmp_path / "Dockerfile").read_bytes().decode(), result.stderr


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("RUN apt install -y curl\n", f"RUN apt install {FLAG} -y curl\n"),
        ("RUN sudo -u root apt-get install -y curl\n", f"RUN sudo -u root apt-get install {FLAG} -y curl\n"),
        ("RUN xargs -a pkgs.txt apt-get install -y\n", f"RUN xargs -a pkgs.txt apt-get install {FLAG} -y\n"),
        ("RUN apt-get update; apt-get install -y a || apt-get install -y b\n",
         f"RUN apt-get update; apt-get install {FLAG} -y a || apt-get install {FLAG} -y b\n"),
        ("RUN apt-get \\\n    install \\\n    -y curl\n", f"RUN apt-get \\\n    install {FLAG} \\\n    -y curl\n"),
        ("RUN bash -c 'apt-get install -y x'\n", f"RUN bash -c 'apt-get install {FLAG} -y x'\n"),
        ("RUN <<-EOT\n\tapt-get install -y jq\n\tEOT\n", f"RUN <<-EOT\n\tapt-get install {FLAG} -y jq\n\tEOT\n"),
        ("# escape=`\nFROM scratch\nRUN apt-get install `\n    -y git\n",
         f"# escape=`\nFROM scratch\nRUN apt-get install {FLAG} `\n    -y git\n"),
    ],
)  # fmt: skip
def test_the_flag_goes_after_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    text = before if before.startswith("#") else "FROM debian:12\n" + before
    expected = after if after.startswith("#") else "FROM debian:12\n" + after
    code, fixed, stderr = _fix(tmp_path, text, monkeypatch)
    assert (code, fixed) == (1, expected), stderr
    again = CliRunner().invoke(cli, ["fix", "Dockerfile"])
    assert again.exit_code == 0


def test_crlf_dockerfile_keeps_crlf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, fixed, _ = _fix(
        tmp_path, "FROM debian:12\nRUN apt-get update \\\n && apt-get install -y x\n", monkeypatch, "\r\n"
    )
    assert code == 1
    assert fixed == f"FROM debian:12\r\nRUN apt-get update \\\r\n && apt-get install {FLAG} -y x\r\n"


def test_an_install_a_text_edit_cannot_reach_is_left_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = 'FROM debian:12\nRUN sh -c "echo \\"hi\\" && apt-get install -y x"\n'
    code, fixed, stderr = _fix(tmp_path, text, monkeypatch)
    assert (code, fixed) == (0, text)
    assert (
        "Dockerfile:2:1 docker/apt-no-install-recommends not fixed: the install is not written where a text edit"
        in stderr
    )


def test_what_the_policy_accepts_is_not_touched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "FROM debian:12\n"
        "RUN apt-get -o APT::Install-Recommends=false install -y a\n"
        f"RUN apt-get install -y {FLAG} b\n"
        "RUN apt-get remove -y c\n"
        "RUN echo 'APT::Install-Recommends \"0\";' > /etc/apt/apt.conf.d/99norec\n"
        "RUN apt-get install -y d\n"
    )
    code, fixed, _ = _fix(tmp_path, text, monkeypatch)
    assert (code, fixed) == (0, text)
