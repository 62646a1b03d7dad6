"""Hard terms the house does not explain yet, by how many corpus abstracts use them.

    .venv/bin/python benchmarks/unexplained_terms.py [--half even|odd|all] [--inputs]
                                                     [--top N] [--all-terms]

Where `prompts/explanations.toml` should grow next (issue 9). A term is hard as the jargon check
(`pipeline/checks/jargon.py`) sees it: a word of three or more syllables that is not familiar
(`pipeline.text.is_familiar`: outside the plain lists and rarer than Zipf 3.5), lower-case or
capitalised only because it starts a sentence (other capitals are names). Each abstract is
read as the offline drafter reads a sentence before it explains anything: bracketed asides
dropped, the glossary's plain substitutes (`prompts/glossary.toml`) applied; then every
explanation key's matches (plural "s" included, longest key first) count as explained and the
hard words left over are the unexplained ones.

Blindness: each corpus file is split by 0-based line index. Even lines are the development half
(the default), odd lines are held out for measuring; `--half odd` reads only odd lines and is
for the lead's comparison, never for choosing terms. `--inputs` adds the samples in `inputs/`.

Prints a summary line (abstracts with any unexplained hard term, distinct terms, and
(abstract, term) pairs: each term counted once per abstract), then one row per term: the
number of abstracts using it, the term, and whether explanations.toml has it ("no" for every
row unless `--all-terms`, which lists the explained keys too, with "yes"). Under a term, the
two-word phrases it heads when they are common (in at least 3 abstracts and a third of the
term's), e.g. "histone deacetylase", since a phrase is often better explained than its first
word. Terms count as explained the drafter's way, not the check's: a phrase key gets its
brackets after the whole phrase, while the jargon check wants them right after the hard word,
so "histone" in "histone deacetylase (...)" would still be flagged in a draft.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from pipeline.ingest import discover, load_file
from pipeline.settings import Settings
from pipeline.text import STOP, explanations, glossary, is_familiar, syllables

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
# The jargon check's word: letters, lower-case after the first, hyphenated parts allowed.
WORD = re.compile(r"(?<![\w-])[A-Za-z][a-z]+(?:-[a-z]+)*(?![\w-])")
BRACKET = re.compile(r"\s*\([^()]*\)|\s*\[[^\[\]]*\]")
# A phrase is a term and the word right after it, with nothing but a space between.
NEXT_WORD = re.compile(r" ([a-z][a-z]+(?:-[a-z]+)*)(?![\w-])")
PHRASE_MIN_ABSTRACTS = 3
PHRASE_MIN_SHARE = 1 / 3


def corpus_abstracts(half: str) -> Iterator[tuple[str, str]]:
    """(label, abstract) for the chosen half; lines of the other half are never parsed."""
    for path in sorted(CORPUS.glob("*.jsonl")):
        for index, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if half != "all" and index % 2 != (0 if half == "even" else 1):
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                print(f"{path.name} line {index + 1}: not JSON ({error.msg}); skipped")
                continue
            abstract = row.get("abstract") if isinstance(row, dict) else None
            if isinstance(abstract, str) and abstract.strip():
                yield f"{path.name}:{index}", abstract


def input_abstracts() -> Iterator[tuple[str, str]]:
    settings = Settings()
    for path in discover(ROOT / "inputs"):
        for study in load_file(path, settings):
            yield f"inputs/{path.name}", study.abstract


def _substituted(text: str) -> str:
    """The text with the glossary's plain words in, as the drafter writes it."""
    text = BRACKET.sub("", text)
    for _term, pattern, plain, _once in glossary():
        text = pattern.sub(plain, text)
    return text


def _explained_spans(text: str) -> tuple[set[str], list[tuple[int, int]]]:
    """Explanation keys found in the text and the spans they cover, longest key first."""
    keys = sorted(explanations(), key=len, reverse=True)
    found: set[str] = set()
    spans: list[tuple[int, int]] = []
    lower = text.lower()
    for key in keys:
        if key.split()[0].split("-")[0] not in lower:
            continue  # a cheap filter before the regex: most keys are absent
        for match in re.finditer(rf"(?<![\w-]){re.escape(key)}s?(?![\w-])", text, re.I):
            if any(start < match.end() and match.start() < end for start, end in spans):
                continue
            found.add(key)
            spans.append(match.span())
    return found, spans


def hard_terms(text: str) -> tuple[set[str], set[str], set[str]]:
    """(unexplained hard words, phrases they head, explanation keys used) in one abstract."""
    text = _substituted(text)
    keys, spans = _explained_spans(text)
    words: set[str] = set()
    phrases: set[str] = set()
    for match in WORD.finditer(text):
        token = match.group(0)
        before = text[: match.start()].rstrip()
        if token[0].isupper() and before and before[-1] not in ".!?":
            continue  # a name, as the jargon check treats it
        if any(start < match.end() and match.start() < end for start, end in spans):
            continue
        term = token.lower()
        if syllables(term) < 3 or is_familiar(term):
            continue
        words.add(term)
        following = NEXT_WORD.match(text, match.end())
        if following and following.group(1) not in STOP:
            phrases.add(f"{term} {following.group(1)}")
    return words, phrases, keys


def tally(abstracts: list[tuple[str, str]]) -> tuple[Counter, Counter, Counter, int]:
    """Abstract counts per unexplained term, per phrase, per explanation key used, and the
    number of abstracts with at least one unexplained hard term."""
    terms: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    keys: Counter[str] = Counter()
    with_any = 0
    for _label, abstract in abstracts:
        words, heads, used = hard_terms(abstract)
        terms.update(words)
        phrases.update(heads)
        keys.update(used)
        with_any += bool(words)
    return terms, phrases, keys, with_any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("even", "odd", "all"), default="even")
    parser.add_argument("--inputs", action="store_true", help="add the samples in inputs/")
    parser.add_argument("--top", type=int, default=60, help="rows to print (0: all)")
    parser.add_argument("--all-terms", action="store_true", help="list explained keys too")
    args = parser.parse_args()

    abstracts = list(corpus_abstracts(args.half))
    if args.inputs:
        abstracts += list(input_abstracts())
    terms, phrases, keys, with_any = tally(abstracts)
    print(
        f"{len(abstracts)} abstracts (half {args.half}{', with inputs/' if args.inputs else ''}):"
        f" {with_any} ({100 * with_any / max(len(abstracts), 1):.1f}%) use an unexplained hard"
        f" term; {len(terms)} distinct unexplained terms in {sum(terms.values())} (abstract, term)"
        f" pairs; {len(keys)} explanation keys used"
    )
    rows = [(n, term, "no") for term, n in terms.items()]
    if args.all_terms:
        rows += [(n, key, "yes") for key, n in keys.items()]
    rows.sort(key=lambda row: (-row[0], row[1]))
    by_head: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for phrase, n in phrases.items():
        head = phrase.split()[0]
        if n >= PHRASE_MIN_ABSTRACTS and n >= PHRASE_MIN_SHARE * terms[head]:
            by_head[head].append((n, phrase))
    print(f"{'abstracts':>9}  {'term':<32} explained")
    for n, term, explained in rows[: args.top or None]:
        print(f"{n:>9}  {term:<32} {explained}")
        if explained == "no":
            for count, phrase in sorted(by_head[term], reverse=True):
                print(f"{count:>9}    {phrase:<30} phrase")


if __name__ == "__main__":
    main()
