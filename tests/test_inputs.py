"""inputs.collect: which files a scan reads, excludes, symlink safety, display paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.inputs import DANGLING_LINK, Excludes, InputFile, InputProblem, collect, display_path

OUTSIDE = "symbolic link points outside the scanned tree: not followed"
BROKEN = "broken or looping symbolic link"


def touch(path: Path, text: str = "a: 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def no_excludes(root: Path) -> Excludes:
    return Excludes([], str(root))


def displays(files: list[InputFile]) -> list[str]:
    return [f.display for f in files]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name in [
        "a.yaml",
        "b.yml",
        "c.json",
        "notes.txt",
        "README.md",
        "Chart.YAML",  # suffixes are case-sensitive, as in kubectl
        "yaml",
        ".hidden.yaml",
        "apps/web/deploy.yaml",
        "apps/web/values.yml",
        "apps/api/svc.json",
        "apps/api/script.sh",
        "vendor/lib.yaml",
        ".git/config.yaml",
        ".git/refs/x.yml",
        "node_modules/pkg/p.yaml",
        ".venv/v.yaml",
        "__pycache__/c.yaml",
        ".hg/h.yaml",
        ".svn/s.yaml",
        ".tox/t.yaml",
        ".github/workflows/ci.yml",
    ]:
        touch(root / name)
    return root


def test_walk_picks_manifest_suffixes_and_skips_vcs_dirs(tree: Path) -> None:
    files, problems = collect([str(tree)], no_excludes(tree), base=str(tree.parent))
    assert problems == []
    # per directory: its files in name order, then its subdirectories in name order
    assert displays(files) == [
        "repo/.hidden.yaml",
        "repo/a.yaml",
        "repo/b.yml",
        "repo/c.json",
        "repo/.github/workflows/ci.yml",
        "repo/apps/api/svc.json",
        "repo/apps/web/deploy.yaml",
        "repo/apps/web/values.yml",
        "repo/vendor/lib.yaml",
    ]
    assert files[0] == InputFile(os.path.join(str(tree), ".hidden.yaml"), "repo/.hidden.yaml", ".hidden.yaml")


def test_display_is_relative_to_base(tree: Path) -> None:
    files, _ = collect([str(tree / "apps")], no_excludes(tree), base=str(tree))
    assert displays(files) == ["apps/api/svc.json", "apps/web/deploy.yaml", "apps/web/values.yml"]
    assert all("\\" not in d and not d.startswith(("/", "./")) for d in displays(files))


def test_relative_arguments_and_cwd_base(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    files, problems = collect(["./apps/web", "a.yaml"], Excludes([], "."))
    assert problems == []
    assert displays(files) == ["apps/web/deploy.yaml", "apps/web/values.yml", "a.yaml"]
    assert [f.path for f in files] == [
        os.path.join("./apps/web", "deploy.yaml"),
        "./apps/web/values.yml",
        "a.yaml",
    ]


def test_path_outside_base_is_shown_as_given(tree: Path, tmp_path: Path) -> None:
    other = touch(tmp_path / "elsewhere" / "x.yaml")
    files, _ = collect([str(other)], no_excludes(tree), base=str(tree))
    assert displays(files) == [str(other).replace(os.sep, "/")]


def test_excludes_are_gitignore_style(tree: Path) -> None:
    patterns = ["vendor/", "*.json", "!apps/api/svc.json", "/b.yml", "values.*", "# a comment", ""]
    files, problems = collect([str(tree)], Excludes(patterns, str(tree)), base=str(tree))
    assert problems == []
    assert displays(files) == [
        ".hidden.yaml",
        "a.yaml",
        ".github/workflows/ci.yml",
        "apps/api/svc.json",
        "apps/web/deploy.yaml",
    ]


def test_anchored_exclude_only_matches_at_the_root(tmp_path: Path) -> None:
    touch(tmp_path / "b.yml")
    touch(tmp_path / "sub" / "b.yml")
    files, _ = collect([str(tmp_path)], Excludes(["/b.yml"], str(tmp_path)), base=str(tmp_path))
    assert displays(files) == ["sub/b.yml"]


def test_excluded_directory_is_not_entered(tmp_path: Path) -> None:
    touch(tmp_path / "build" / "deep" / "x.yaml")
    touch(tmp_path / "buildx.yaml")
    excludes = Excludes(["build/"], str(tmp_path))
    assert excludes.excluded(str(tmp_path / "build"), is_dir=True) is True
    assert excludes.excluded(str(tmp_path / "build")) is False  # a dir-only pattern needs is_dir
    files, _ = collect([str(tmp_path)], excludes, base=str(tmp_path))
    assert displays(files) == ["buildx.yaml"]


def test_excludes_unit() -> None:
    root = os.path.abspath("some/root")
    assert Excludes([], root).excluded(os.path.join(root, "x.yaml")) is False
    excludes = Excludes(["*.gen.yaml", "tmp/"], root)
    assert excludes.excluded(os.path.join(root, "a", "b.gen.yaml")) is True
    assert excludes.excluded(os.path.join(root, "a", "b.yaml")) is False
    assert excludes.excluded(os.path.join(root, "tmp"), is_dir=True) is True
    assert excludes.excluded(os.path.join(root, "tmp", "x.yaml")) is True
    # outside the root nothing is excluded
    assert excludes.excluded(os.path.join(os.path.dirname(root), "x.gen.yaml")) is False


def test_excludes_apply_inside_dot_dot_prefixed_directories(tmp_path: Path) -> None:
    # SRC BUG (inputs.Excludes.excluded): `relative.startswith("..")` also matches a name like "..data"
    # (the directory a ConfigMap volume mount holds), so such paths are treated as outside the root.
    excludes = Excludes(["*.yaml"], str(tmp_path))
    assert excludes.excluded(str(tmp_path / "..data" / "x.yaml")) is True
    assert excludes.excluded(str(tmp_path / "..x.yaml")) is True


def test_explicit_file_is_read_whatever_its_suffix(tree: Path) -> None:
    excludes = Excludes(["*.txt", "a.yaml"], str(tree))
    files, problems = collect(
        [str(tree / "notes.txt"), str(tree / "yaml"), str(tree / "a.yaml")], excludes, base=str(tree)
    )
    assert problems == []
    assert displays(files) == ["notes.txt", "yaml", "a.yaml"]


def test_missing_path_is_reported(tree: Path) -> None:
    missing = str(tree / "nope.yaml")
    files, problems = collect([missing, str(tree / "a.yaml")], no_excludes(tree), base=str(tree))
    assert displays(files) == ["a.yaml"]
    assert problems == [InputProblem(missing, "no such file or directory")]


def test_each_file_is_collected_once(tree: Path) -> None:
    a = str(tree / "a.yaml")
    files, _ = collect([a, str(tree), a, os.path.join(str(tree), "apps", "..", "a.yaml")], no_excludes(tree))
    assert [f.path for f in files].count(a) == 1
    assert len(files) == 9


def test_symlink_to_file_outside_the_tree_is_reported_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    secret = touch(tmp_path / "secret.yaml", "password: x\n")
    touch(root / "ok.yaml")
    (root / "link.yaml").symlink_to(secret)
    files, problems = collect([str(root)], no_excludes(root), base=str(root))
    assert displays(files) == ["ok.yaml"]
    assert problems == [InputProblem("link.yaml", OUTSIDE)]


def test_symlink_to_directory_outside_the_tree_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    touch(tmp_path / "elsewhere" / "x.yaml")
    touch(root / "ok.yaml")
    (root / "ext").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    files, problems = collect([str(root)], no_excludes(root), base=str(root))
    assert displays(files) == ["ok.yaml"]
    assert problems == [InputProblem("ext", OUTSIDE)]


def test_symlinks_inside_the_tree_are_not_read_twice(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    touch(root / "real" / "x.yaml")
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    (root / "z-link.yaml").symlink_to(root / "real" / "x.yaml")
    files, problems = collect([str(root)], no_excludes(root), base=str(root))
    assert problems == []
    # the directory link is not walked; the file link and its target are one file, first seen wins
    assert displays(files) == ["z-link.yaml"]
    assert os.path.realpath(files[0].path) == str((root / "real" / "x.yaml").resolve())


def test_symlink_inside_tree_to_a_file_is_read(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    touch(root / "data" / "x.txt")
    (root / "x.yaml").symlink_to(root / "data" / "x.txt")
    files, problems = collect([str(root)], no_excludes(root), base=str(root))
    assert problems == []
    assert displays(files) == ["x.yaml"]


def test_symlink_loops_are_reported_without_hanging(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    touch(root / "ok.yaml")
    (root / "a.yaml").symlink_to(root / "b.yaml")
    (root / "b.yaml").symlink_to(root / "a.yaml")
    (root / "self.yaml").symlink_to(root / "self.yaml")
    (root / "dangling.yaml").symlink_to(root / "missing.yaml")
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to(root / "sub", target_is_directory=True)
    files, problems = collect([str(root)], no_excludes(root), base=str(root))
    assert displays(files) == ["ok.yaml"]
    assert problems == [
        InputProblem("a.yaml", BROKEN),
        InputProblem("b.yaml", BROKEN),
        InputProblem("dangling.yaml", DANGLING_LINK),
        InputProblem("self.yaml", BROKEN),
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_is_skipped_in_a_walk(tmp_path: Path) -> None:
    touch(tmp_path / "ok.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    files, problems = collect([str(tmp_path)], no_excludes(tmp_path), base=str(tmp_path))
    assert displays(files) == ["ok.yaml"]
    assert problems == []


@pytest.mark.parametrize(
    ("path", "base", "expected"),
    [
        ("/r/a/b.yaml", "/r", "a/b.yaml"),
        ("/r/b.yaml", "/r", "b.yaml"),
        ("/r/./x/../b.yaml", "/r", "b.yaml"),
        ("/other/b.yaml", "/r", "/other/b.yaml"),
        ("/r", "/r", "."),
    ],
)
def test_display_path(path: str, base: str, expected: str) -> None:
    assert display_path(path, base) == expected


def test_display_path_of_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert display_path("./a/b.yaml", str(tmp_path)) == "a/b.yaml"
    assert display_path("../x.yaml", str(tmp_path)) == "../x.yaml"


def test_display_path_of_dot_dot_prefixed_names() -> None:
    # SRC BUG (inputs.display_path): `relative.startswith("..")` treats "..data/x.yaml" (inside base) as
    # outside it and falls back to the absolute path.
    assert display_path("/r/..data/x.yaml", "/r") == "..data/x.yaml"
    assert display_path("/r/..x.yaml", "/r") == "..x.yaml"


def _git_repo(root: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(root)], check=True)


def test_a_walk_in_a_git_work_tree_skips_what_git_ignores(tmp_path: Path) -> None:
    import shutil

    from conftest import need

    need(shutil.which("git") is not None, "git is installed")
    _git_repo(tmp_path)
    (tmp_path / ".gitignore").write_text("build/\n*.generated.yaml\n")
    for name in ("k8s/app.yaml", "k8s/app.generated.yaml", "build/out.yaml", "build/deep/more.yaml", "new.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("a: 1\n")
    files, problems = collect([str(tmp_path)], no_excludes(tmp_path), base=str(tmp_path))
    assert problems == []
    assert displays(files) == ["new.yaml", "k8s/app.yaml"]  # untracked but not ignored files count
    # a directory that is itself ignored was named on purpose: it is walked whole
    files, _ = collect([str(tmp_path / "build")], no_excludes(tmp_path), base=str(tmp_path))
    assert displays(files) == ["build/out.yaml", "build/deep/more.yaml"]


def test_without_manifests_only_selected_files_are_collected(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("a: 1\n")
    (tmp_path / "Dockerfile").write_text("FROM x\n")
    files, _ = collect(
        [str(tmp_path)], no_excludes(tmp_path), base=str(tmp_path), include=lambda p: p == "Dockerfile", manifests=False
    )
    assert displays(files) == ["Dockerfile"]


def test_a_repository_directory_has_one_identity_however_it_is_named(tmp_path, monkeypatch) -> None:
    """A clone scanned as /cache/x, as x or as . gets the same path, so its repository findings keep their
    fingerprints across clone caches (the org scan's shards and reruns)."""
    import subprocess

    from conformance.inputs import repository_of

    clone = tmp_path / "cache" / "x"
    clone.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    monkeypatch.chdir(tmp_path)
    assert repository_of(str(clone)) == (str(clone.resolve()), ".")
    assert repository_of("cache/x") == (str(clone.resolve()), ".")
    monkeypatch.chdir(clone)
    assert repository_of(".")[1] == "."
    (tmp_path / "plain").mkdir()
    monkeypatch.chdir(tmp_path)
    assert repository_of("plain") == (str(tmp_path), "plain")  # outside git: relative to where the scan runs
