#!/usr/bin/env python3
"""Builds Benchmarks/embed/sentences.txt: real English sentences, one per line.

The text is what CPython ships: the prose of the Python Language Reference and Library
Reference topics in `pydoc_data.topics` (what `help("for")` prints; about 465 KB of
English), plus the license and history prose in the interpreter's LICENSE.txt. Nothing is
downloaded. Code examples and grammar rules (indented blocks), headings and tables are
dropped; paragraphs are split into sentences; sentences are kept when they have 8 to 60
words, look like prose (start with a capital letter, end with . ! or ?, few symbols), and
have not been seen before (case- and space-insensitive). A seeded sample of COUNT of them is
written in the order they were found.

Usage: python3 Benchmarks/embed/make_sentences.py [--count 1000] [--seed 7] [--out PATH]
Standard library only; the output depends on the Python version (recorded in the README).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import sysconfig
from pathlib import Path

MIN_WORDS = 8
MAX_WORDS = 60

# Words after which a period does not end a sentence.
ABBREVIATIONS = {"e.g.", "i.e.", "etc.", "vs.", "cf.", "Mr.", "Dr.", "No.", "approx.", "al.", "Inc.", "Ltd."}

SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(]?[A-Z0-9])")


def topic_paragraphs() -> list[tuple[str, str]]:
    """Unindented prose paragraphs of every pydoc topic, as (source, text)."""
    from pydoc_data.topics import topics

    paragraphs = []
    for name in sorted(topics):
        for block in re.split(r"\n\s*\n", topics[name]):
            lines = block.split("\n")
            if not lines or lines[0].startswith((" ", "\t")):
                continue  # code example, grammar rule, table or indented note
            if len(lines) >= 2 and re.fullmatch(r"[*=\-~^\"']{3,}", lines[-1].strip()):
                continue  # a heading with its underline
            paragraphs.append((f"pydoc_data.topics[{name!r}]", " ".join(line.strip() for line in lines)))
    return paragraphs


def license_paragraphs() -> list[tuple[str, str]]:
    """Prose paragraphs of the interpreter's LICENSE.txt, when it is installed."""
    path = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    if not path.is_file():
        print(f"make_sentences.py: {path} not found; using pydoc topics only", file=sys.stderr)
        return []
    paragraphs = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        lines = [line.strip() for line in block.split("\n")]
        if lines and not block.startswith(("    ", "\t")):
            paragraphs.append(("LICENSE.txt", " ".join(lines)))
    return paragraphs


def split_sentences(paragraph: str) -> list[str]:
    """Splits one paragraph at sentence ends, rejoining pieces that ended at an abbreviation."""
    pieces = SENTENCE_END.split(re.sub(r"\s+", " ", paragraph).strip())
    sentences: list[str] = []
    for piece in pieces:
        if sentences and sentences[-1].split()[-1] in ABBREVIATIONS:
            sentences[-1] += " " + piece
        else:
            sentences.append(piece)
    return sentences


def looks_like_prose(sentence: str) -> bool:
    """True for a sentence of 8..60 words of ordinary prose (not a code fragment or list)."""
    words = sentence.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        return False
    if not (sentence[0].isupper() or sentence[0] in "\"“(") or sentence[-1] not in ".!?":
        return False
    if any(mark in sentence for mark in (">>>", "::=", "...", "{", "}", "==", "->", "  ")):
        return False
    symbols = sum(1 for ch in sentence if not (ch.isalnum() or ch.isspace() or ch in ".,;:'\"“”‘’()-!?"))
    return symbols <= len(sentence) // 25


def collect() -> list[str]:
    """All distinct prose sentences, in the order they were found."""
    seen: set[str] = set()
    sentences = []
    for _, paragraph in topic_paragraphs() + license_paragraphs():
        for sentence in split_sentences(paragraph):
            key = " ".join(sentence.lower().split())
            if looks_like_prose(sentence) and key not in seen:
                seen.add(key)
                sentences.append(sentence)
    return sentences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="sentences to keep (default 1000)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the sample (default 7)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("sentences.txt"))
    args = parser.parse_args()

    sentences = collect()
    if len(sentences) < args.count:
        print(f"make_sentences.py: only {len(sentences)} sentences found, fewer than --count {args.count}",
              file=sys.stderr)
        return 1
    keep = sorted(random.Random(args.seed).sample(range(len(sentences)), args.count))
    chosen = [sentences[i] for i in keep]

    tmp = args.out.with_name(args.out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        out.write("\n".join(chosen) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, args.out)

    lengths = sorted(len(s.split()) for s in chosen)
    print(f"{len(sentences)} candidate sentences (Python {sys.version.split()[0]}); wrote {len(chosen)} to {args.out} "
          f"({args.out.stat().st_size} bytes); words min {lengths[0]} median {lengths[len(lengths) // 2]} "
          f"max {lengths[-1]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
