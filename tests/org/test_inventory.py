from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitrepos import work_tree

from conformance.errors import ConfigError
from conformance.org.inventory import InventoryEntry, discover, id_from_url, load_inventory, url_problem


def inventory(tmp_path: Path, text: str) -> str:
    path = tmp_path / "inventory.yaml"
    path.write_text(text)
    return str(path)


def test_entries_with_derived_ids_tags_and_paths(tmp_path: Path) -> None:
    (tmp_path / "services" / "api").mkdir(parents=True)
    path = inventory(
        tmp_path,
        """\
repositories:
  - url: https://x-access-token:ghp_secret@github.com/acme/api.git
    branch: release/1.2
    team: payments
    tags: {tier: 1, language: go, public: false}
  - url: git@gitlab.example.com:acme/web.git
  - name: tools
    url: ssh://git@git.example.com/acme/tools
  - path: services/api
""",
    )
    entries = load_inventory(path)
    assert entries == (
        InventoryEntry(
            "github.com/acme/api",
            url="https://x-access-token:ghp_secret@github.com/acme/api.git",
            branch="release/1.2",
            team="payments",
            tags={"tier": "1", "language": "go", "public": "false"},
        ),
        InventoryEntry("gitlab.example.com/acme/web", url="git@gitlab.example.com:acme/web.git"),
        InventoryEntry("tools", url="ssh://git@git.example.com/acme/tools"),
        InventoryEntry("services/api", path=str(tmp_path / "services" / "api")),
    )
    assert entries[0].display == "https://***@github.com/acme/api.git"
    assert entries[3].display == str(tmp_path / "services" / "api")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "repositories:\n  - {url: 'https://h/a'}\n  - {branch: main}\n",
            ":3: key repositories[1]: give exactly one of url and path",
        ),
        (
            "repositories:\n  - url: https://h/a\n    colour: red\n",
            ":2: key repositories[0]: Additional properties are not allowed ('colour' was unexpected)",
        ),
        (
            "repositories:\n  - url: https://h/a\n    branch: --upload-pack=x\n",
            ":3: key repositories[0].branch: '--upload-pack=x' is not a branch name",
        ),
        (
            "repositories:\n  - url: 'ext::sh -c touch% /tmp/x'\n",
            ":2: key repositories[0].url: ext::sh -c touch% /tmp/x: transport::address URLs (ext::, fd::)",
        ),
        (
            "repositories:\n  - url: http://user:hunter2@h/a\n",
            ":2: key repositories[0].url: http://***@h/a: protocol 'http' is not allowed: only https, ssh and file",
        ),
        ("repositories:\n  - url: /srv/git/a\n", "key repositories[0].url: /srv/git/a: not a URL"),
        ("repositories:\n  - path: nowhere\n", ":2: key repositories[0].path: nowhere: not a directory"),
        (
            "repositories:\n  - url: https://h/a.git\n  - url: https://h/a\n",
            ":3: key repositories[1]: repository id 'h/a' is also the id of repositories[0]: give a name",
        ),
        (
            "repositories:\n  - {name: x, url: https://h/a}\n  - {name: x, url: https://h/b}\n",
            ":3: key repositories[1].name: repository id 'x'",
        ),
        ("repos: []\n", "key (top level): Additional properties are not allowed ('repos' was unexpected)"),
        ("{}\n", "key (top level): 'repositories' is a required property"),
        ("repositories:\n  - url: [1\n", "inventory.yaml:3:1: invalid YAML"),
        ("- a\n", "the inventory must be a mapping"),
    ],
)
def test_errors_name_the_key_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_inventory(inventory(tmp_path, text))
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "inventory.yaml"))
    assert "hunter2" not in str(caught.value)


def test_url_rules() -> None:
    assert url_problem("https://github.com/a/b") is None
    assert url_problem("file:///srv/a.git") is None
    assert url_problem("git@github.com:a/b.git") is None
    assert url_problem("fd::17") is not None
    assert url_problem("git://github.com/a/b") == "protocol 'git' is not allowed: only https, ssh and file"
    assert url_problem("-oProxyCommand=x:y") is not None
    assert id_from_url("file:///srv/git/api.git/") == "srv/git/api"
    assert id_from_url("https://tok@github.com/acme/api") == "github.com/acme/api"


def test_repos_dir_finds_work_trees_and_bare_repositories_without_following_links(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    work_tree(root / "team-a" / "api", {"README.md": "api\n"})
    work_tree(root / "web", {"README.md": "web\n"})
    (root / "bare").mkdir()
    from gitrepos import git

    git(root / "bare", "init", "-q", "--bare", "tools.git")
    outside = work_tree(tmp_path / "outside" / "secret", {"README.md": "x\n"})
    os.symlink(outside.parent, root / "link")
    work_tree(root / "a" / "b" / "c" / "d" / "too-deep", {"README.md": "x\n"})
    entries = sorted(discover(str(root)), key=lambda e: e.id)
    assert entries == [
        InventoryEntry("bare/tools", url=f"file://{root / 'bare' / 'tools.git'}"),
        InventoryEntry("team-a/api", path=str(root / "team-a" / "api")),
        InventoryEntry("web", path=str(root / "web")),
    ]
    with pytest.raises(ConfigError, match="not a directory"):
        list(discover(str(tmp_path / "missing")))
