"""SentencePiece BPE tokenizer with the exact settings the engine's C++ SPM tokenizer matches.

Training input is the training split, one paragraph per line (SentencePiece treats each input
line as a sentence; newlines inside the text are later encoded through byte fallback as <0x0A>).
"""

import os

import numpy as np

from corpus import read_chapters

# Changing any of these breaks the engine's tokenizer (inference/tokenizer/): do not.
SPM_SETTINGS = dict(
    model_type="bpe",
    vocab_size=4096,
    byte_fallback=True,
    normalization_rule_name="identity",
    remove_extra_whitespaces=False,
    add_dummy_prefix=True,
    split_digits=True,
    allow_whitespace_only_pieces=True,
    character_coverage=1.0,
    unk_id=0,
    bos_id=1,
    eos_id=2,
    pad_id=-1,
)


def train_tokenizer(data_dir, vocab_size=4096):
    import sentencepiece as spm
    chapters = read_chapters(os.path.join(data_dir, "train.txt"))
    lines_path = os.path.join(data_dir, "spm_input.txt")
    with open(lines_path, "w", encoding="utf-8") as f:
        for c in chapters:
            for p in c.split("\n"):
                f.write(p + "\n")
    settings = dict(SPM_SETTINGS)
    settings["vocab_size"] = vocab_size
    prefix = os.path.join(data_dir, "tokenizer")
    spm.SentencePieceTrainer.train(
        input=lines_path, model_prefix=prefix, max_sentence_length=1 << 16,
        num_threads=1, minloglevel=2, **settings)
    return prefix + ".model"


def load(model_path):
    import sentencepiece as spm
    return spm.SentencePieceProcessor(model_file=model_path)


def encode_split(sp, path, out_path):
    """Each chapter becomes its token ids followed by EOS; chapters are concatenated."""
    ids = []
    for c in read_chapters(path):
        ids.extend(sp.encode(c))
        ids.append(sp.eos_id())
    arr = np.asarray(ids, dtype=np.uint16)
    np.save(out_path, arr)
    return arr
