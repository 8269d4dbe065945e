#!/usr/bin/env python3
"""Writes tokenizer_pretokenizer_cases.json: how the real split regexes of each pre-tokenizer
cut a set of strings, computed with the `regex` module (PCRE-like, with \\p{..} classes and
look-ahead; pip `regex` or Debian's python3-regex). tokenizer_pretokenizer_test.cpp checks that
our hand-written scanners cut the same strings the same way.

Splitting follows llama.cpp: each pattern in turn splits every piece of the previous pattern,
and both the matches and the text between them become pieces.

    python3 tests/inference/tokenizer_pretokenizer_cases.py
"""
import json
import os
import random

import regex

PATTERNS = {
    "gpt-2": [r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""],
    "llama-bpe": [r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""],
    "qwen2": [r"""(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""],
    "default": [r"[\p{P}\$\+<=>\^~\|]+",
                r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)""",
                r"\p{N}+", r"[0-9][0-9][0-9]"],
}

HANDPICKED = [
    "", " ", "  ", "a  b", "a   b", "x \n y", "end  \n", "\n\n\n", " \r\n\t z",
    "I'm sure they'll say it's what we've done", "I'D SAY YOU'RE RIGHT", "'''s 'S 'Ll",
    "12345678 1,234 3.14 ²³ Ⅳ ٣٤٥٦", "hello\tworld\t\tend", "¿Qué? ¡Sí! — «non»",
    "don't\n\nstop...\r\n", "  leading and trailing  ", "emoji 👍🏽👨\u200d👩\u200d👧 ok",
    "nbsp\u00a0here\u3000ideographic\u2009thin", "$100 + <tag> = ^~| `code`",
    "मेरा नाम\u0903 ab\u0301c", "中文，日本語。한국어!", "a\u2028b\u2029c\u0085d",
]

# Characters from all the classes the patterns distinguish (all assigned since Unicode 6).
POOL = (list("aAzZsStTrReEvVmMlLdD'\r\n\t 0123456789.,!?-$+<=>^~|`\"()[]{}_@#") +
        ["  ", "\u00a0", "\u3000", "\u2009", "\u0085", "\u000b", "\u000c", "\u2028", "\u1680",
         "é", "ß", "Ω", "Ж", "中", "日", "한", "ǅ", "ʰ", "々", "𝓐", "٣", "²", "Ⅳ", "½",
         "\U0001d7d8", "\u0301", "\u0903", "\u200d", "\u200b", "🍕", "👍", "🏽", "€", "©",
         "…", "“", "”", "’", "—", "«"])


def split(patterns, text):
    pieces = [text]
    for pattern in patterns:
        compiled = regex.compile(pattern)
        out = []
        for piece in pieces:
            pos = 0
            for m in compiled.finditer(piece):
                if m.start() > pos:
                    out.append(piece[pos:m.start()])
                if m.end() > m.start():
                    out.append(m.group())
                pos = m.end()
            if pos < len(piece):
                out.append(piece[pos:])
        pieces = out
    return pieces


def main():
    rng = random.Random(1234)
    texts = list(HANDPICKED)
    for _ in range(150):
        texts.append("".join(rng.choice(POOL) for _ in range(rng.randint(1, 40))))
    cases = {name: [{"text": t, "pieces": split(p, t)} for t in texts]
             for name, p in PATTERNS.items()}
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "tokenizer_pretokenizer_cases.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"generator": "tests/inference/tokenizer_pretokenizer_cases.py",
                   "regex_module_version": regex.__version__, "patterns": PATTERNS,
                   "cases": cases}, f, ensure_ascii=False, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
