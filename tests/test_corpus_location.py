"""The shared corpus is found wherever a clone lives: beside it, above it, or beside the repository it was
cloned from (``benchmarks/corpus.py``, used by the tests and the benchmarks)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from corpus import find_corpus


def corpus_under(root: Path) -> Path:
    corpus = root / "shared" / "corpus" / "k8s"
    corpus.mkdir(parents=True)
    return corpus


def test_beside_or_above_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFORMANCE_CORPUS", raising=False)
    corpus = corpus_under(tmp_path)
    (tmp_path / "main").mkdir()
    (tmp_path / "clones" / "deep" / "ci").mkdir(parents=True)
    assert find_corpus(tmp_path / "main") == corpus
    assert find_corpus(tmp_path / "clones" / "deep" / "ci") == corpus


def test_beside_the_repository_a_clone_was_made_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFORMANCE_CORPUS", raising=False)
    corpus = corpus_under(tmp_path / "work")
    source = tmp_path / "work" / "main"
    source.mkdir()
    subprocess.run(["git", "init", "-q", str(source)], check=True)
    elsewhere = tmp_path / "elsewhere" / "clone"
    subprocess.run(["git", "clone", "-q", str(source), str(elsewhere)], check=True, capture_output=True)
    assert find_corpus(elsewhere) == corpus
    (elsewhere / ".git" / "config").write_text('[remote "origin"]\n\turl = https://example.com/x.git\n')
    assert find_corpus(elsewhere) == tmp_path / "elsewhere" / "shared" / "corpus" / "k8s"  # not found: said where


def test_the_environment_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_CORPUS", str(tmp_path / "mine"))
    assert find_corpus(tmp_path) == tmp_path / "mine"
