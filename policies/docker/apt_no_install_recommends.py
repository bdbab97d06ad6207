"""`apt-get install` in a Dockerfile should pass `--no-install-recommends`.

By default APT installs every package a requested package *recommends*, not only what it depends on:
`apt-get install git` on Debian also brings in `less`, `patch` and an SSH client, which git only
recommends. Such packages bloat the image, slow every pull and widen the attack surface that vulnerability
scanners report on, without anything in the Dockerfile asking for them.

Every `RUN` is checked: its shell command (also inside `sh -c "..."` / `bash -c`), its JSON (exec) form,
and the bodies of its heredocs (`RUN <<EOF`), each split into simple commands at `&&`, `||`, `;`, `|`,
`&`, parentheses and line breaks. A command whose program is `apt-get` or `apt` (also after variable
assignments such as `DEBIAN_FRONTEND=noninteractive`, or after `sudo`, `env`, `xargs`, `if`, `!`, with the
wrapper's own options and their values, as in `xargs -a packages.txt apt-get install`) and whose
sub-command is `install` fails unless it has `--no-install-recommends` or
`-o APT::Install-Recommends=false` (or `=0`). Options before the sub-command are understood
(`apt-get -y -o Dpkg::Options::=--force-confold install ...`). Other sub-commands (`update`, `remove`,
`purge`, `build-dep`) and other tools (`apt-cache`, `dpkg`) are not checked. Shell comments are ignored, whole
lines and the end of a line after a word-starting `#` alike: `apt-get install -y jq  # --no-install-recommends`
fails, the flag is only in the comment.

Exempt: installs in or after a step of the same stage (or of the stages it builds on) that writes the
APT setting `APT::Install-Recommends "0";` (or `"false"`), such as
`RUN echo 'APT::Install-Recommends "0";' > /etc/apt/apt.conf.d/99no-recommends` or a `COPY <<EOF` into
`/etc/apt/apt.conf.d/`. A configuration file copied from the build context, or one the base image ships,
cannot be seen: there, write the flag.

One finding is reported per offending `RUN`, at its line.

`conformance fix` writes ` --no-install-recommends` right after each such `install` word: in the shell
form (across line continuations and comment lines), in heredoc bodies, inside a quoted `sh -c "..."` and in
the JSON form (`"install", "--no-install-recommends"`). An install it cannot reach this way (a quoted
script with escapes, a variable holding the command) is left for review.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from typing import NamedTuple

from conformance.api import CheckContext, Dockerfile, Instruction, NotApplicable, Operation, Violation

ID = "docker/apt-no-install-recommends"
TITLE = "apt-get install should use --no-install-recommends"
SEVERITY = "note"
CATEGORY = "hygiene"
PROFILES = ("hygiene",)
TARGET = "dockerfile"
FIX = (
    "Add `--no-install-recommends` to the install (`apt-get install -y --no-install-recommends curl`) and "
    "name any recommended package you do need explicitly."
)
EXAMPLE = """\
RUN apt-get update \\
    && apt-get install -y --no-install-recommends ca-certificates curl \\
    && rm -rf /var/lib/apt/lists/*
"""

APT_PROGRAMS = frozenset({"apt-get", "apt"})
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"})
WRAPPER_VALUES: dict[str, frozenset[str]] = {
    "xargs": frozenset({"-a", "--arg-file", "-d", "--delimiter", "-E", "-I", "-L", "-n", "--max-args", "-P",
                        "--max-procs", "-s", "--max-chars"}),
    "sudo": frozenset({"-u", "--user", "-g", "--group", "-h", "--host", "-p", "--prompt", "-C", "--close-from",
                       "-D", "--chdir", "-r", "--role", "-t", "--type", "-U", "--other-user"}),
    "env": frozenset({"-u", "--unset", "-C", "--chdir"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "--class", "-n", "--classdata", "-p", "--pid"}),
    "time": frozenset({"-f", "--format", "-o", "--output"}),
    "stdbuf": frozenset({"-i", "-o", "-e", "--input", "--output", "--error"}),
}  # fmt: skip
"""Options of each wrapper whose value is the next word (``xargs -a FILE apt-get install``)."""
WRAPPERS = frozenset({"nohup", "command", "exec", *WRAPPER_VALUES})
"""Programs that run the command after their own options."""
KEYWORDS = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "time"})
"""Shell words that may come before a command."""
SEPARATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", ";;", "|&", ";&", ";;&"})
OPTIONS_WITH_VALUE = frozenset(
    {
        "-o",
        "-c",
        "-t",
        "--option",
        "--config-file",
        "--target-release",
        "--default-release",
        "-a",
        "--host-architecture",
    }
)
"""apt-get options whose value is the next word."""
NO_RECOMMENDS_OPTION = re.compile(r"APT::Install-Recommends=(?:false|0|no|off)", re.IGNORECASE)
NO_RECOMMENDS_CONFIG = re.compile(
    r"""APT::Install-Recommends\s+\\?["']?(?:0|false|no|off)\\?["']?\s*;""", re.IGNORECASE
)
"""The setting in an apt.conf file: ``APT::Install-Recommends "0";``."""
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
SUBSTITUTION = re.compile(r"\$\([^()]*\)|`[^`]*`")


def tokens(script: str) -> list[str]:
    """Shell words and operators of a script; line breaks become ``;`` and command substitutions one word."""
    lines = [without_comment(line) for line in script.replace("\\\n", " ").split("\n")]
    text = " ; ".join(lines)
    for _ in range(5):  # nested $(...) from the inside out
        text, count = SUBSTITUTION.subn(" _SUBST_ ", text)
        if not count:
            break
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:  # an unterminated quote: split without quotes
        return re.findall(r"&&|\|\||[;|&()]|[^\s;|&()]+", text)


def without_comment(line: str) -> str:
    """A line of shell without its comment: a ``#`` that starts a word, outside quotes, runs to the line end."""
    quote = ""
    escaped = False
    for i, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t;&|()"):
            return line[:i]
    return line


def commands(words: list[str]) -> Iterator[list[str]]:
    """Simple commands: runs of words between operators."""
    current: list[str] = []
    for word in words:
        if word in SEPARATORS:
            if current:
                yield current
            current = []
        else:
            current.append(word)
    if current:
        yield current


def program_and_arguments(command: list[str]) -> tuple[str, list[str]]:
    """The program of a simple command (after assignments, wrappers and shell keywords) and its arguments."""
    i = 0
    while i < len(command):
        word = command[i]
        if ASSIGNMENT.match(word) or word in KEYWORDS:
            i += 1
        elif word.rsplit("/", 1)[-1] in WRAPPERS:
            with_value = WRAPPER_VALUES.get(word.rsplit("/", 1)[-1], frozenset())
            i += 1
            while i < len(command) and command[i].startswith("-"):
                if command[i] == "--":
                    i += 1
                    break
                i += 2 if command[i] in with_value else 1  # the wrapper's own options (and their values)
        else:
            return word.rsplit("/", 1)[-1], command[i + 1 :]
    return "", []


def bad_install(words: list[str], depth: int = 0) -> str | None:
    """The program of the first apt install without --no-install-recommends in these words, or None."""
    for command in commands(words):
        program, arguments = program_and_arguments(command)
        if program in SHELLS and depth < 3:
            for i, argument in enumerate(arguments[:-1]):
                if argument.startswith("-") and not argument.startswith("--") and "c" in argument:
                    found = bad_install(tokens(arguments[i + 1]), depth + 1)
                    if found:
                        return found
                    break
            continue
        if program not in APT_PROGRAMS:
            continue
        if install_index(arguments) is not None:
            return program
    return None


def install_index(arguments: list[str]) -> int | None:
    """The index of the ``install`` sub-command among an apt program's arguments when the install lacks
    --no-install-recommends (None: another sub-command, or the flag is there)."""
    subcommand = None
    position = None
    no_recommends = False
    i = 0
    while i < len(arguments):
        argument = arguments[i]
        if argument.startswith("--no-install-recommends") or NO_RECOMMENDS_OPTION.search(argument):
            no_recommends = True
        elif argument in OPTIONS_WITH_VALUE and i + 1 < len(arguments):
            no_recommends = no_recommends or bool(NO_RECOMMENDS_OPTION.search(arguments[i + 1]))
            i += 1
        elif not argument.startswith("-") and subcommand is None:
            subcommand, position = argument, i
        i += 1
    return position if subcommand == "install" and not no_recommends else None


def scripts(instruction: Instruction) -> Iterator[tuple[list[str], str]]:
    """(words, where) of each script a RUN executes: its command and its heredoc bodies."""
    if instruction.exec_form:
        yield list(instruction.arguments), ""
    elif instruction.args_text:
        yield tokens(instruction.args_text), ""
    for heredoc in instruction.heredocs:
        yield tokens(heredoc.body), f" (in the heredoc <<{heredoc.name})"


def configured_off(instruction: Instruction) -> bool:
    """Whether an instruction writes ``APT::Install-Recommends "0";`` into an APT configuration."""
    texts = [instruction.value, *(heredoc.body for heredoc in instruction.heredocs)]
    return any("Install-Recommends" in text and NO_RECOMMENDS_CONFIG.search(text) for text in texts)


def check(dockerfile: Dockerfile, ctx: CheckContext) -> Iterator[Violation]:
    disabled_at_end: dict[int, bool] = {}  # per stage: was APT told not to install recommends?
    for stage in dockerfile.stages:
        disabled = stage.parent is not None and disabled_at_end.get(stage.parent, False)
        for index, instruction in dockerfile.stage_instructions(stage):
            disabled = disabled or configured_off(instruction)
            if disabled or instruction.keyword != "RUN":
                continue
            for words, where in scripts(instruction):
                program = bad_install(words)
                if program:
                    yield Violation(
                        f"{program} install without --no-install-recommends{where} also installs recommended "
                        "packages: add --no-install-recommends",
                        (index,),
                    )
                    break
        disabled_at_end[stage.index] = disabled


# --- the fix: a text edit at the positions of the words in the file ---------------------------------------

FLAG = "--no-install-recommends"


class Word(NamedTuple):
    """A shell word (or operator) with its offsets in the file; ``inner`` is the content span of a word that
    is one quoted string without escapes (a script for ``sh -c``)."""

    value: str
    start: int
    end: int
    operator: bool = False
    inner: tuple[int, int] | None = None


def fix(violation: Violation, dockerfile: Dockerfile, ctx: CheckContext) -> tuple[Operation, ...]:
    """Insert the flag after every offending ``install`` of the instruction."""
    index = violation.path[0] if violation.path else None
    text = getattr(ctx, "text", "")
    if not isinstance(index, int) or not 0 <= index < len(dockerfile.instructions) or not text:
        raise NotApplicable("the instruction is not found again")
    instruction = dockerfile.instructions[index]
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    begin = starts[instruction.line - 1] + instruction.column - 1
    end = starts[instruction.end_line - 1] + instruction.end_column - 1
    if instruction.exec_form:
        offsets = _exec_form_offsets(text, begin, end)
        inserts = [Operation("insert", (offset,), f', "{FLAG}"') for offset in offsets]
    else:
        words = positioned_words(text, begin, end, dockerfile.escape)
        inserts = [Operation("insert", (offset,), " " + FLAG) for offset in _offsets(text, words, True, 0)]
    if not inserts:
        raise NotApplicable("the install is not written where a text edit can reach it: fix it by hand")
    return tuple(inserts)


def _offsets(text: str, words: list[Word], first: bool, depth: int) -> Iterator[int]:
    command: list[Word] = []
    for word in [*words, Word(";", len(text), len(text), operator=True)]:
        if not word.operator:
            command.append(word)
            continue
        if first and command and command[0].value.upper() == "RUN":
            command = command[1:]
            while command and command[0].value.startswith("--"):
                command = command[1:]
        first = False
        yield from _command_offsets(text, command, depth)
        command = []


def _command_offsets(text: str, command: list[Word], depth: int) -> Iterator[int]:
    values = [word.value for word in command]
    program, arguments = program_and_arguments(values)
    skipped = len(values) - len(arguments)
    if program in SHELLS and depth < 3:
        for i, argument in enumerate(arguments[:-1]):
            if argument.startswith("-") and not argument.startswith("--") and "c" in argument:
                script = command[skipped + i + 1]
                if script.inner is not None:
                    inner = positioned_words(text, *script.inner, "\\")
                    yield from _offsets(text, inner, False, depth + 1)
                break
        return
    if program in APT_PROGRAMS:
        position = install_index(arguments)
        if position is not None:
            yield command[skipped + position].end


def positioned_words(text: str, start: int, end: int, escape: str) -> list[Word]:
    """The shell words and operators of ``text[start:end]`` with their offsets: line continuations are blanks,
    line breaks separate commands, comments (``#`` starting a word) run to the end of their line."""
    words: list[Word] = []
    value: list[str] = []
    word_start: int | None = None
    quoted: tuple[int, int] | None = None
    clean = True
    i = start

    def flush(at: int) -> None:
        nonlocal value, word_start, quoted, clean
        if word_start is not None:
            only_quoted = quoted is not None and quoted[0] == word_start + 1 and quoted[1] == at - 1 and clean
            words.append(Word("".join(value), word_start, at, inner=quoted if only_quoted else None))
        value, word_start, quoted, clean = [], None, None, True

    while i < end:
        char = text[i]
        if char == escape and i + 1 < end and text[i + 1] in "\r\n":
            flush(i)
            i += 3 if text.startswith("\r\n", i + 1) else 2
        elif char in "\r\n":
            flush(i)
            words.append(Word(";", i, i, operator=True))
            i += 1
        elif char in " \t":
            flush(i)
            i += 1
        elif char == "#" and word_start is None:
            while i < end and text[i] not in "\r\n":
                i += 1
        elif char in ";&|()":
            flush(i)
            length = 2 if text[i : i + 2] in ("&&", "||", ";;") else 1
            words.append(Word(text[i : i + length], i, i + length, operator=True))
            i += length
        elif char in "'\"":
            if word_start is None:
                word_start = i
            close = i + 1
            while close < end and text[close] != char:
                if char == '"' and text[close] == "\\":
                    clean = False
                    close += 1
                close += 1
            value.append(text[i + 1 : close])
            quoted = (i + 1, close) if quoted is None else (-1, -1)
            i = close + 1
        else:
            if word_start is None:
                word_start = i
            if char == escape and i + 1 < end:
                clean = False
                value.append(text[i + 1])
                i += 2
                continue
            value.append(char)
            i += 1
    flush(min(i, end))
    return words


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _exec_form_offsets(text: str, start: int, end: int) -> list[int]:
    """Where the flag goes in a JSON-form RUN: after the ``"install"`` string of an offending apt call."""
    tokens = list(_JSON_STRING.finditer(text, start, end))
    try:
        values = [json.loads(token.group()) for token in tokens]
    except ValueError:
        return []
    program, arguments = program_and_arguments(values)
    position = install_index(arguments) if program in APT_PROGRAMS else None
    if position is None:
        return []
    return [tokens[len(values) - len(arguments) + position].end()]
