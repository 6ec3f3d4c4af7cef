"""The README and docs/ say nothing that no command reproduces, and every link in them leads somewhere.

The rule, for README.md and docs/*.md:

* A *figure* is a number followed by a unit: ms, s, min, minutes, seconds, %, KB, MB, GB, x or ×
  (a ratio: "2.2x"; not "28x28"), CPU-s, GFLOP/s.
* A *command* is a code span (`...`) or a line of a fenced code block that runs one of:
  `python bench/NAME.py`, `python scripts/NAME.py`, `python -m nnscratch SUBCOMMAND`,
  `python -m pytest` followed by test paths or a `-m "MARKERS"` selection, `deploy/cluster ...`,
  `.ci/run` (optionally after VAR=value settings). Its script, test path or subcommand must exist.
* Every figure must have a command in its own *block*: its paragraph, list item, table row, heading
  or fenced code block; or in a line of its section (the text under its nearest heading) that
  starts with "Reproduce:".

A line that states a figure with no command beside it fails this test, and so does a command whose
script, test file or subcommand does not exist. The checker itself is tested on small examples below,
so the rule cannot quietly become a no-op.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
FILES = [README, *DOCS]
README_MAX_LINES = 250
TEST_COMMAND = "python -m pip install -r requirements-test.txt && python -m pytest"  # .ci/run runs it
IMAGE_MAX_BYTES = 300 * 1024

UNIT = r"(?:ms|s|min|minutes|seconds|%|KB|kB|MB|GB|x|×|CPU[- ]s(?:econds)?|GFLOP/s)"
FIGURE = re.compile(rf"(?<![\w.])\d[\d,]*(?:\.\d+)?\s?{UNIT}(?![\w/])(?!\s\d)")
CODE_SPAN = re.compile(r"`([^`]+)`")
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+")
REPRODUCE = re.compile(r"^\W*reproduce\b[^:]*:", re.IGNORECASE)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def cli_subcommands() -> set[str]:
    """The names `python -m nnscratch` accepts as subcommands (from its argparse set-up)."""
    names: set[str] = set()
    for py in (ROOT / "nnscratch").rglob("*.py"):
        names |= set(re.findall(r"""\bsub\w*\.add_parser\(\s*["']([\w-]+)["']""", py.read_text(encoding="utf-8")))
    return names


# ------------------------------------------------------------------------------------ commands
def command_problem(text: str, subcommands: set[str]) -> str | None:
    """None when ``text`` is a valid reproducing command; else why not ("" = not a command at all)."""
    text = text.strip().lstrip("$ ").split("  #")[0].strip()
    try:
        tokens = shlex.split(text, comments=True)
    except ValueError:
        tokens = text.split()
    while tokens and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", tokens[0]):  # VAR=value before the command
        tokens.pop(0)
    if tokens[:2] == ["nice", "-n"]:
        tokens = tokens[3:]
    if not tokens:
        return ""
    if tokens[0] in ("deploy/cluster", ".ci/run"):
        return None if (ROOT / tokens[0]).is_file() else f"{tokens[0]} does not exist"
    if tokens[0] not in ("python", "python3") or len(tokens) < 2:
        return ""
    if re.fullmatch(r"(bench|scripts)/[\w/]+\.py", tokens[1]):
        return None if (ROOT / tokens[1]).is_file() else f"{tokens[1]} does not exist"
    if tokens[1:3] == ["-m", "nnscratch"]:
        if len(tokens) < 4:
            return ""  # the CLI named in passing, not a command that reproduces anything
        sub = tokens[3]
        if sub == "--version" or sub in subcommands:
            return None
        return f"`python -m nnscratch {sub}`: no such subcommand (there are {sorted(subcommands)})"
    if tokens[1:3] == ["-m", "pytest"]:
        rest = tokens[3:]
        paths = [t.split("::")[0] for t in rest if t.startswith("tests/")]
        missing = [p for p in paths if not (ROOT / p).exists()]
        if missing:
            return f"{' '.join(missing)} does not exist"
        if paths or ("-m" in rest and rest.index("-m") + 1 < len(rest)):
            return None
        return ""  # the whole suite: names no test that measures a figure
    return ""


def commands_in(lines: list[str], fenced: bool) -> list[str]:
    if fenced:
        return [ln for ln in lines if not FENCE.match(ln)]
    return [m for ln in lines for m in CODE_SPAN.findall(ln)]


# ------------------------------------------------------------------------------------ blocks
def blocks(text: str):
    """Yield (section title, first line number, lines, fenced?) for each block of a Markdown text:
    a heading, a paragraph, a list item, a table row, a fenced code block."""
    section, cur, start, in_fence = "", [], 0, False
    for no, line in enumerate(text.splitlines(), 1):
        if in_fence:
            cur.append(line)
            if FENCE.match(line):
                yield section, start, cur, True
                cur, in_fence = [], False
            continue
        starts_new = (FENCE.match(line) or HEADING.match(line) or LIST_ITEM.match(line)
                      or line.lstrip().startswith("|") or not line.strip())
        if starts_new and cur:
            yield section, start, cur, False
            cur = []
        if FENCE.match(line):
            cur, start, in_fence = [line], no, True
        elif HEADING.match(line):
            section = HEADING.match(line)[2]
            yield section, no, [line], False
        elif line.lstrip().startswith("|"):
            yield section, no, [line], False
        elif line.strip():
            if not cur:
                start = no
            cur.append(line)
    if cur:
        yield section, start, cur, in_fence


def bare_figures(text: str, subcommands: set[str]) -> list[str]:
    """Every figure line with no valid command in its block nor in its section's Reproduce: line;
    and every command-like text whose script, test or subcommand does not exist."""
    all_blocks = list(blocks(text))
    covered: dict[str, bool] = {}  # section -> it has a valid "Reproduce:" line
    problems = []
    for section, start, lines, fenced in all_blocks:
        for cmd in commands_in(lines, fenced):
            why = command_problem(cmd, subcommands)
            if why:
                problems.append(f"line {start}: {why}")
        if not fenced and REPRODUCE.match(lines[0]):
            if any(command_problem(c, subcommands) is None for c in commands_in(lines, False)):
                covered[section] = True
    for section, start, lines, fenced in all_blocks:
        if not any(FIGURE.search(ln) for ln in lines):
            continue
        if covered.get(section) or any(command_problem(c, subcommands) is None
                                       for c in commands_in(lines, fenced)):
            continue
        for k, ln in enumerate(lines):
            if FIGURE.search(ln):
                problems.append(f"line {start + k}: figure {FIGURE.search(ln)[0]!r} with no command "
                                f"beside it or in its section's Reproduce: line: {ln.strip()[:100]}")
    return problems


# ------------------------------------------------------------------------------------ links
def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m[1] or "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    out, in_fence = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and HEADING.match(line):
            out.add(slug(HEADING.match(line)[2]))
    return out


def broken_links(path: Path) -> list[str]:
    problems, in_fence = [], False
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            if not dest.exists():
                problems.append(f"line {no}: {target}: {file_part} does not exist")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problems.append(f"line {no}: {target}: no heading #{anchor} in {dest.name}")
    return problems


# ------------------------------------------------------------------------------------ the docs
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_figure_names_a_command_that_exists(path):
    problems = bare_figures(path.read_text(encoding="utf-8"), cli_subcommands())
    assert not problems, f"{path.relative_to(ROOT)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    problems = broken_links(path)
    assert not problems, f"{path.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_the_docs_exist():
    assert {p.name for p in DOCS} >= {"engine.md", "performance.md", "serving.md", "data.md", "development.md"}


def test_readme_is_short_and_keeps_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES, len(text.splitlines())
    assert TEST_COMMAND in text  # .ci/run runs the README's test command, word for word
    assert "python -m pip install -r requirements.txt && streamlit run streamlit_app.py" in text


def test_pictures_are_small_pngs():
    for png in (ROOT / "docs" / "img").glob("*"):
        assert png.suffix == ".png" and png.stat().st_size < IMAGE_MAX_BYTES, png


# ------------------------------------------------------------------------------------ the checker
SUBS = {"train", "bench"}


@pytest.mark.parametrize("text", [
    "Training took 4.5 s here.",
    "| quick | 91.8 % |",
    "- the page's p95 is 36 ms\n",
    "```\nA drawing only: p95 37 ms\n```",
    "# Speed\n\nReproduce: `python bench/bench_drawing.py`\n\n## Other\n\nIt took 2.2x longer.",
    "It took 3 s (`python -m pytest`).",
    "It took 3 s (`streamlit run streamlit_app.py`).",
])
def test_checker_refuses_a_bare_figure(text):
    assert any("no command" in p for p in bare_figures(text, SUBS)), text


@pytest.mark.parametrize("text", [
    "One epoch: 0.46 s (`python -m nnscratch bench`).",
    "| quick | 91.8 % | `python -m nnscratch train --preset quick` |",
    "- the page's p95 is 36 ms: `OPENBLAS_NUM_THREADS=1 python bench/bench_store.py`\n",
    "## Speed\n\nReproduce: `python bench/bench_drawing.py`.\n\n| a | 3 ms |\n\n```\np95 37 ms\n```",
    "The fast tier takes 70 s: `python -m pytest -m \"not slow\"`.",
    "A 28x28 image, 784-128-10, 30 sessions, Python 3.11.",
])
def test_checker_accepts_a_figure_beside_its_command(text):
    assert bare_figures(text, SUBS) == [], text


@pytest.mark.parametrize("text", [
    "It took 3 s (`python bench/no_such_bench.py`).",
    "It took 3 s (`python -m nnscratch fly`).",
    "It took 3 s (`python -m pytest tests/test_nothing_here.py`).",
])
def test_checker_refuses_a_command_that_does_not_exist(text):
    assert any("does not exist" in p or "no such" in p for p in bare_figures(text, SUBS)), text


def test_checker_finds_a_broken_link(tmp_path):
    md = tmp_path / "a.md"
    (tmp_path / "b.md").write_text("# Serving a room\n")
    md.write_text("[ok](b.md#serving-a-room) [web](https://example.org) [bad](c.md) [anchor](b.md#nope)\n"
                  "```\n[in code](nowhere.md)\n```\n")
    problems = broken_links(md)
    assert len(problems) == 2 and "c.md" in problems[0] and "#nope" in problems[1], problems


def test_the_cli_subcommands_are_found():
    assert {"train", "evaluate", "bench", "class"} <= cli_subcommands()
