from __future__ import annotations

import time
from pathlib import Path

import pytest

from conformance.targets.codeowners import (
    LOCATIONS,
    Codeowners,
    Rule,
    find_codeowners,
    normalize,
    owner_problem,
    parse,
    pattern_problems,
    pattern_regex,
)
from conformance.targets.repo import open_repository

GITHUB_EXAMPLE = """\
# The docs example of GitHub, abridged
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
/apps/ @octocat
/apps/github @doctocat
"""


def test_parse_records_lines_patterns_and_owners() -> None:
    parsed = parse(GITHUB_EXAMPLE, ".github/CODEOWNERS")
    assert parsed.path == ".github/CODEOWNERS"
    assert parsed.rules[0] == Rule(2, "*", ("@global-owner1", "@global-owner2"))
    assert parsed.rules[1] == Rule(3, "*.js", ("@js-owner",))  # the inline comment is not an owner
    assert parsed.rules[2].owners == ("docs@example.com",)
    assert parsed.rules[11] == Rule(13, "/apps/github", ())
    assert all(rule.valid for rule in parsed.rules)
    assert [rule.line for rule in parsed.rules if rule.catch_all] == [2]


def test_records_are_frozen() -> None:
    rule = parse("* @a").rules[0]
    with pytest.raises(AttributeError):
        rule.pattern = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("README.md", ("@global-owner1", "@global-owner2")),
        ("src/app.js", ("@js-owner",)),
        ("main.go", ("docs@example.com",)),
        ("notes/a.txt", ("@octo-org/octocats",)),
        ("build/logs/x.log", ("@octocat",)),  # /build/logs/ matches, but the later **/logs wins
        ("build/x.log", ("@global-owner1", "@global-owner2")),
        ("docs/getting-started.md", ("@doctocat",)),  # /docs/ comes later than docs/*
        ("web/apps/index.html", ("@octocat",)),  # apps/ matches at any depth
        ("scripts/deploy.sh", ("@doctocat", "@octocat")),
        ("deeply/nested/logs/x", ("@octocat",)),
        ("apps/github/x.rb", ("@doctocat",)),  # the last matching rule wins
        ("apps/other/x.rb", ("@octocat",)),
    ],
)
def test_owners_follow_githubs_precedence(path: str, owners: tuple[str, ...]) -> None:
    assert parse(GITHUB_EXAMPLE).owners_of(path) == owners


def test_a_rule_without_owners_unsets_ownership() -> None:
    parsed = parse("/apps/ @octocat\n/apps/github\n")
    assert parsed.owners_of("apps/github/x") == ()
    assert parsed.owners_of("apps/x") == ("@octocat",)
    assert parsed.rules_for("apps/github/x") == (parsed.rules[1],)


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("/docs/", ["docs/a.md", "docs/x/y.md"], ["src/docs/a.md", "docs"]),
        ("docs/", ["docs/a.md", "src/docs/a.md"], ["docs", "mydocs/a"]),
        ("*.js", ["a.js", "x/y/a.js"], ["a.jsx", "a.js.map"]),
        ("apps/**/x", ["apps/x", "apps/a/x", "apps/a/b/x", "apps/a/x/y"], ["z/apps/x", "apps/xy"]),
        ("/build/logs/", ["build/logs/a", "build/logs/a/b"], ["x/build/logs/a", "build/logs"]),
        ("docs/*", ["docs/a"], ["docs/a/b", "x/docs/a"]),  # a trailing /* does not reach deeper
        ("*", ["a", "a/b/c"], []),
        ("/**", ["a", "a/b"], []),
        ("**/logs", ["logs/a", "a/b/logs/c"], ["xlogs/a"]),
        ("foo\\ bar", ["foo bar", "x/foo bar"], ["foobar", "foo\\ bar"]),
        ("src/*.py", ["src/a.py"], ["src/x/a.py", "lib/src/a.py"]),
        ("a?c", ["abc", "x/abc"], ["ac", "a/c"]),
        ("Makefile", ["Makefile", "sub/Makefile"], ["makefile"]),  # case-sensitive, like GitHub
    ],
)
def test_pattern_semantics(pattern: str, matches: list[str], misses: list[str]) -> None:
    parsed = parse(f"{pattern} @owner")
    assert parsed.rules[0].valid
    assert [path for path in matches if parsed.owners_of(path) != ("@owner",)] == []
    assert [path for path in misses if parsed.owners_of(path) == ("@owner",)] == []


REFERENCE_PATTERNS = [
    "*", "**", "/**", "**/*", "*.js", "docs/", "/docs/", "docs/*", "/docs/*", "docs/**", "apps/**/x", "**/logs",
    "**/logs/", "/build/logs/", "a?c", "src/*.py", "Makefile", "/a/b", "a/b/", "x/**/y/*", "/*", "a/**",
    "**/a/**", "foo**bar", "lib/**/*.rb",
]  # fmt: skip
REFERENCE_PATHS = [
    "a", "a.js", "x/a.js", "x.js/y", "docs/a", "docs/a/b", "src/docs/a", "apps/x", "apps/a/b/x", "apps/a/x/y",
    "logs/a", "a/logs/b", "build/logs/x", "x/build/logs/x", "abc", "x/abc", "src/a.py", "src/x/a.py", "Makefile",
    "x/Makefile", "a/b", "a/b/c", "x/a/b", "x/y/z", "x/q/y/z", "x/q/y/z/w", "a/x", "foozbar", "lib/a/b.rb",
    "lib/b.rb",
]  # fmt: skip


@pytest.mark.parametrize("pattern", REFERENCE_PATTERNS)
def test_matching_agrees_with_the_codeowners_library(pattern: str) -> None:
    from codeowners import CodeOwners

    library = CodeOwners(f"{pattern} @owner")
    ours = parse(f"{pattern} @owner")
    disagree = [path for path in REFERENCE_PATHS if bool(ours.owners_of(path)) != bool(library.of(path))]
    assert disagree == []


def test_owners_agree_with_the_codeowners_library_on_a_whole_file() -> None:
    from codeowners import CodeOwners

    text = GITHUB_EXAMPLE.replace(" #This is an inline comment.", "")
    library = CodeOwners(text)
    ours = parse(text)
    for path in [*REFERENCE_PATHS, "README.md", "docs/x.md", "apps/github/x", "scripts/a.sh"]:
        assert ours.owners_of(path) == tuple(owner for _, owner in library.of(path)), path


def test_where_the_codeowners_library_is_wrong_for_github() -> None:
    from codeowners import CodeOwners

    inline = "*.js @web # ask @alice first\n"
    assert [owner for _, owner in CodeOwners(inline).of("a.js")] == ["@web", "@alice"]
    assert parse(inline).owners_of("a.js") == ("@web",)
    spaced = "my\\ dir/ @docs\n"  # unanchored: matches at any depth
    assert CodeOwners(spaced).of("x/my dir/a") == []
    assert parse(spaced).owners_of("x/my dir/a") == ("@docs",)
    with pytest.raises(ValueError):
        CodeOwners("foo[ @a\n")
    assert parse("foo[ @a\n").owners_of("foo[") == ()


def test_pattern_regex_is_a_full_match() -> None:
    assert pattern_regex("docs/*").pattern == "docs/[^/]*"
    assert pattern_regex("*.js").fullmatch("a/b.js")
    assert not pattern_regex("/docs/").fullmatch("docs")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("!/docs/ @a", "negates"),
        ("*.[ch] @a", "character range"),
        ("\\#notes @a", "escapes '#'"),
        ("/src alice", "missing '@'"),
        ("/src @", "not a valid"),
        ("/src @-bad", "not a valid"),
        ("/src user@", "not a valid"),
    ],
)
def test_broken_lines_carry_problems_and_are_skipped(line: str, problem: str) -> None:
    parsed = parse(f"* @default\n{line}\n")
    broken = parsed.rules[1]
    assert broken.line == 2
    assert not broken.valid
    assert problem in broken.problems[0]
    assert parsed.owners_of("src/a.c") == ("@default",)


def test_owner_forms() -> None:
    for owner in ("@alice", "@octo-org/team-a", "@group/sub/team", "dev.ops@example.co.uk", "@@maintainer"):
        assert owner_problem(owner) is None, owner
    assert owner_problem("alice") is not None
    assert pattern_problems("/ok/**") == []
    assert pattern_problems("weird\\[x") == []  # an escaped bracket is literal


def test_comments_blank_lines_and_escaped_spaces() -> None:
    parsed = parse("# only a comment\n\n   \n/my\\ dir/ @a # trailing\n")
    assert [(rule.line, rule.pattern, rule.owners) for rule in parsed.rules] == [(4, "/my\\ dir/", ("@a",))]
    assert parsed.owners_of("my dir/file") == ("@a",)


def test_gitlab_sections_give_default_owners_and_combine() -> None:
    text = """\
* @everyone
[Docs] @acme/docs
docs/
*.md @writer
^[Security][2] @acme/sec
/auth/
"""
    parsed = parse(text)
    assert [(s.name, s.owners, s.optional, s.approvals) for s in parsed.sections] == [
        ("Docs", ("@acme/docs",), False, None),
        ("Security", ("@acme/sec",), True, 2),
    ]
    assert parsed.rules[1].section == "docs"
    assert parsed.default_owners(parsed.rules[1]) == ("@acme/docs",)
    assert parsed.owners_of("docs/a.txt") == ("@everyone", "@acme/docs")
    assert parsed.owners_of("docs/a.md") == ("@everyone", "@writer")
    assert parsed.owners_of("auth/login.py") == ("@everyone", "@acme/sec")
    assert parsed.owners_of("src/x.py") == ("@everyone",)


def test_section_with_a_bad_owner_has_a_problem() -> None:
    parsed = parse("[Docs] docs-team\ndocs/\n")
    assert parsed.sections[0].problems
    assert parsed.default_owners(parsed.rules[0]) == ()


def test_paths_are_normalized() -> None:
    assert normalize("./src\\a.py") == "src/a.py"
    assert normalize("/src/a.py") == "src/a.py"
    assert normalize(".") == ""
    parsed = parse("* @all\n/src/ @src\n")
    assert parsed.owners_of("./src/a.py") == ("@src",)
    assert parsed.owners_of(".") == ("@all",)


def test_unterminated_bracket_never_raises() -> None:
    parsed = parse("* @a\nfoo[ @b\n")
    assert not parsed.rules[1].valid
    assert parsed.owners_of("foo[") == ("@a",)


def test_lookups_are_cached_and_fast() -> None:
    rules = "\n".join(f"/service-{i}/ @acme/team-{i}" for i in range(500))
    parsed = parse("* @acme/platform\n" + rules)
    paths = [f"service-{i % 700}/src/module_{i}.py" for i in range(5000)]
    started = time.perf_counter()
    owners = [parsed.owners_of(path) for path in paths]
    first = time.perf_counter() - started
    assert owners[3] == ("@acme/team-3",)
    assert owners[650] == ("@acme/platform",)
    started = time.perf_counter()
    assert [parsed.owners_of(path) for path in paths] == owners
    assert time.perf_counter() - started < first
    assert first < 5  # 5,000 lookups over 500 rules: well under a second on a laptop


def test_find_codeowners_uses_githubs_order(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for location in ("docs/CODEOWNERS", "CODEOWNERS"):
        (root / location).parent.mkdir(parents=True, exist_ok=True)
        (root / location).write_text(f"* @{location.replace('/', '-')}\n")
    repository = open_repository(str(root), ".")
    found = find_codeowners(repository)
    assert found is not None
    path, parsed = found
    assert path == "CODEOWNERS"
    assert isinstance(parsed, Codeowners)
    assert parsed.owners_of("x") == ("@CODEOWNERS",)
    (root / ".github").mkdir()
    (root / ".github" / "CODEOWNERS").write_text("* @first\n")
    found = find_codeowners(open_repository(str(root), "."))
    assert found is not None and found[0] == LOCATIONS[0]


def test_find_codeowners_without_a_file(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# x\n")
    assert find_codeowners(open_repository(str(tmp_path), ".")) is None
