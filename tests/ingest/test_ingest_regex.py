"""Every regular expression ingest runs on user text is linear by construction (issue 10, #4).

No wall clock: each pattern in pipeline/ingest/ (compiled at module level, or a literal passed to
a `re` function) is parsed with the `re` module's own parser and refused if it has a shape that
backtracks super-linearly:

1. an unbounded repeat around anything but a single character class (`(a+)+`, `(?:ab|a)*`);
2. two unbounded repeats that can match the same character with only optional items between
   (`\\s+(.*?)[\\s#]*`, `\\s*:?\\s*`): each split of a run between them is tried on failure;
3. an unbounded repeat that something mandatory follows and that can cross a character a match
   can start with (`\\s*[;,]`, `<[^>]*>`): `search`, `sub` and `split` try every start, and each
   start rescans the same run.

The checker is shown to catch the patterns that were slow (`_MD_HEADING` took over 60 s on a
100k-character line), and the 100k-character inputs still give the right answer.
"""

from __future__ import annotations

import ast
import contextlib
import re
from pathlib import Path
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import pytest
from ingest_builders import ABSTRACT, write

from pipeline.ingest import load_file, load_text
from pipeline.ingest.abstract_text import clean_abstract, clean_line
from pipeline.settings import Settings

INGEST = Path(__file__).resolve().parents[2] / "pipeline" / "ingest"
SAMPLE = [chr(c) for c in range(128)] + list("\x85\xa0éÉ٣\u2028\u3000\ufeff\u200b１ｈßİ")
REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT))
SKIPPED = (C.AT, C.ASSERT, C.ASSERT_NOT)


def _in_class(items: list, ch: str, flags: int) -> bool:
    negate, hit = False, False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            hit |= _same(ch, chr(av), flags)
        elif op is C.RANGE:
            hit |= any(av[0] <= ord(c) <= av[1] for c in _cases(ch, flags))
        elif op is C.CATEGORY:
            hit |= _category(av, ch)
    return hit != negate


def _cases(ch: str, flags: int) -> set[str]:
    return {ch, ch.lower(), ch.upper()} if flags & re.IGNORECASE else {ch}


def _same(ch: str, other: str, flags: int) -> bool:
    return other in _cases(ch, flags) or ch in _cases(other, flags)


def _category(av: object, ch: str) -> bool:
    name = str(av)
    value = {
        "DIGIT": re.fullmatch(r"\d", ch) is not None,
        "SPACE": re.fullmatch(r"\s", ch) is not None,
        "WORD": re.fullmatch(r"\w", ch) is not None,
    }
    for key, result in value.items():
        if key in name:
            return not result if "NOT" in name else result
    raise AssertionError(f"unknown category {name}")


def atom_chars(op: object, av: object, flags: int) -> set[str] | None:
    """The sample characters a one-character item matches, or None for anything longer."""
    if op is C.LITERAL:
        return {c for c in SAMPLE if _same(c, chr(av), flags)}
    if op is C.NOT_LITERAL:
        return {c for c in SAMPLE if not _same(c, chr(av), flags)}
    if op is C.ANY:
        return {c for c in SAMPLE if c != "\n" or flags & re.DOTALL}
    if op is C.IN:
        return {c for c in SAMPLE if _in_class(av, c, flags)}
    if op is C.CATEGORY:
        return {c for c in SAMPLE if _category(av, c)}
    return None


def all_chars(items: list, flags: int) -> set[str]:
    found: set[str] = set()
    for op, av in items:
        if (chars := atom_chars(op, av, flags)) is not None:
            found |= chars
        elif op in REPEATS:
            found |= all_chars(list(av[2]), flags)
        elif op is C.SUBPATTERN:
            found |= all_chars(list(av[-1]), flags)
        elif op is C.BRANCH:
            for branch in av[1]:
                found |= all_chars(list(branch), flags)
    return found


def nullable(items: list) -> bool:
    for op, av in items:
        if op in SKIPPED or (op in REPEATS and av[0] == 0):
            continue
        if op is C.SUBPATTERN and nullable(list(av[-1])):
            continue
        if op is C.BRANCH and any(nullable(list(b)) for b in av[1]):
            continue
        return False
    return True


def first_chars(items: list, flags: int) -> set[str]:
    found: set[str] = set()
    for op, av in items:
        if op in SKIPPED:
            continue
        if (chars := atom_chars(op, av, flags)) is not None:
            return found | chars
        if op in REPEATS:
            found |= first_chars(list(av[2]), flags)
        elif op is C.SUBPATTERN:
            found |= first_chars(list(av[-1]), flags)
        elif op is C.BRANCH:
            for branch in av[1]:
                found |= first_chars(list(branch), flags)
        if not nullable([(op, av)]):
            return found
    return found


class Checker:
    def __init__(self, pattern: str, flags: int) -> None:
        self.flags = flags
        self.tree = list(sre_parse.parse(pattern, flags))
        self.starts = first_chars(self.tree, flags)
        self.problems: list[str] = []

    def run(self) -> list[str]:
        self.walk(self.tree, set(), True)
        return self.problems

    def walk(self, items: list, pending: set[str], then_nullable: bool) -> set[str]:
        """Check a sequence; `pending` holds what earlier unbounded repeats could still absorb."""
        for index, (op, av) in enumerate(items):
            rest_nullable = then_nullable and nullable(items[index + 1 :])
            chars = atom_chars(op, av, self.flags)
            if op in SKIPPED:
                continue
            if chars is not None:  # one mandatory character
                pending = pending if chars & pending else set()
            elif op is C.SUBPATTERN:
                pending = self.walk(list(av[-1]), pending, rest_nullable)
            elif op is C.BRANCH:
                outs = [self.walk(list(b), set(pending), rest_nullable) for b in av[1]]
                pending = set().union(*outs)
            elif op in REPEATS:
                pending = self.repeat(av, pending, rest_nullable)
            else:
                pending = set()
        return pending

    def repeat(self, av: tuple, pending: set[str], rest_nullable: bool) -> set[str]:
        low, high, body = av[0], av[1], list(av[2])
        if high != C.MAXREPEAT:  # bounded: check two iterations back to back
            once = self.walk(body, set(pending), rest_nullable)
            twice = self.walk(body, once, rest_nullable) if high > 1 else set()
            return (pending if low == 0 else set()) | once | twice
        if len(body) != 1 or atom_chars(*body[0], self.flags) is None:
            self.problems.append(f"unbounded repeat around a sub-pattern: {body}")
        chars = all_chars(body, self.flags)
        if chars & pending:
            self.problems.append(f"adjacent repeats overlap on {sorted(chars & pending)[:5]}")
        if not rest_nullable and chars & self.starts:
            self.problems.append(
                f"repeat crosses a start character {sorted(chars & self.starts)[:5]}"
            )
        return (pending | chars) if low == 0 or chars & pending else chars


def problems(pattern: str, flags: int = 0) -> list[str]:
    return Checker(pattern, flags).run()


def ingest_patterns() -> list[tuple[str, str, int]]:
    """(where, pattern, flags) for every regex in pipeline/ingest/: compiled or literal."""
    found = []
    for path in sorted(INGEST.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.args
            ):
                continue
            pattern = _constant(node.args[0], tree)
            if pattern is None:
                continue
            flags = 0
            for arg in [*node.args[1:], *(k.value for k in node.keywords)]:
                for name in ast.walk(arg):
                    if isinstance(name, ast.Attribute) and name.attr in ("IGNORECASE", "I"):
                        flags |= re.IGNORECASE
                    if isinstance(name, ast.Attribute) and name.attr in ("DOTALL", "S"):
                        flags |= re.DOTALL
            found.append((f"{path.name}:{node.lineno}", pattern, flags))
    return found


def _constant(node: ast.expr, tree: ast.Module) -> str | None:
    """A literal pattern, or one built at import time from module constants (evaluated)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    module = {name: value for name, value in _module_strings(tree).items()}
    try:
        value = eval(compile(ast.Expression(node), "<pattern>", "eval"), {"re": re}, module)
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _module_strings(tree: ast.Module) -> dict[str, str]:
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                with contextlib.suppress(Exception):
                    values[target.id] = eval(
                        compile(ast.Expression(node.value), "<const>", "eval"), {"re": re}, values
                    )
    return {k: v for k, v in values.items() if isinstance(v, str)}


PATTERNS = ingest_patterns()


def test_the_ingest_patterns_are_all_found() -> None:
    # Guards the finder: if it silently found nothing, the next test would prove nothing.
    assert len(PATTERNS) >= 8
    assert all(isinstance(re.compile(p, f), re.Pattern) for _, p, f in PATTERNS)


@pytest.mark.parametrize(("where", "pattern", "flags"), PATTERNS, ids=[w for w, _, _ in PATTERNS])
def test_every_ingest_pattern_is_linear_by_construction(where: str, pattern: str, flags: int):
    assert problems(pattern, flags) == [], f"{where}: {pattern!r}"


@pytest.mark.parametrize(
    "pattern",
    [
        r"(#{1,6})\s+(.*?)[\s#]*",  # the old _MD_HEADING: over 60 s on a 100k-character line
        r"\s*[;,]\s*",  # the old keyword splitter
        r"<\s*/?\s*[A-Za-z!?][^<>]*>",  # the old markup finder
        r"\[([^\]]*)\]\([^)]*\)",  # the old Markdown link
        r"(title|doi)\s*:\s*(.*)",  # the old header line
        r"^pmid\s*:?\s*",
        r"(a+)+b",
        r"(?:ab|a)*c",
        r"<[^>]*>",
    ],
)
def test_the_checker_refuses_super_linear_shapes(pattern: str):
    assert problems(pattern), pattern


@pytest.mark.parametrize(
    "pattern",
    [r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[\s/][^<>]*)?)>", r"[^\W\d_]+", r"[^a-z0-9]+", r"\d{4}"],
)
def test_the_checker_accepts_linear_shapes(pattern: str):
    assert problems(pattern) == []


# -- the slow inputs, answered right ---------------------------------------------------------

N = 100_000


def test_a_markdown_heading_with_100k_spaces(tmp_path: Path):
    text = "# a" + " " * N + "b\n\n" + ABSTRACT
    (study,) = load_file(write(tmp_path, "slow.md", text), Settings())
    assert study.title == "a b"
    assert load_text(text, "web form", Settings()).abstract.endswith("were reported.")


def test_100k_character_runs_in_every_text_path(tmp_path: Path):
    hostile = [
        "<" + " " * N,
        "<a" * N,
        "[" * N + "](" * N,
        "&#" + "1" * N,
        "<!--" * N,
        "keywords: " + " " * N + "x",
    ]
    for text in hostile:
        assert len(clean_abstract(text)) <= len(text)
        assert len(clean_line(text)) <= len(text)
    record = {"abstract": ABSTRACT, "keywords": "a" + " " * N + "b;" + " " * N + ";c"}
    path = write(tmp_path, "k.json", __import__("json").dumps(record))
    (study,) = load_file(path, Settings())
    assert study.keywords == ["c"]  # the first is over 500 characters raw, so dropped
