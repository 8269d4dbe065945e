"""Checks of the training recipe's schedule and data plumbing on a real (smoke) work dir:
author_slice cuts train.npy exactly at chapter boundaries, mixed batches draw from the named
splits, per-cycle decay fractions shape the learning rate, and average.py's PATH:WEIGHT parse.

Usage: schedule_check.py TRAINING_DIR WORK_DIR (a work dir that make-default-model.sh --smoke
filled: corpus.json, data/train.txt, tokenizer.model, train.npy).
"""

import json
import os
import sys

import numpy as np

training, work = sys.argv[1], sys.argv[2]
sys.path.insert(0, training)
import average  # noqa: E402
import train  # noqa: E402


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


# author_slice: the slices of every source, in corpus order, must rebuild train.npy exactly,
# and each slice must end with EOS (a chapter boundary).
tokens = np.load(os.path.join(work, "train.npy"))
meta = json.load(open(os.path.join(work, "corpus.json")))
names = [s["name"] for s in meta["sources"]]
if len(names) < 2:
    fail(f"the smoke corpus should have several sources, has {names}")
slices = [train.author_slice(work, tokens, name) for name in names]
if not np.array_equal(np.concatenate(slices), tokens):
    fail("the sources' slices do not rebuild train.npy")
for name, part in zip(names, slices):
    if part[-1] != 2:
        fail(f"{name}'s slice does not end at a chapter's EOS")
try:
    train.author_slice(work, tokens, "Nobody, No Book")
    fail("author_slice accepted an author with no chapters")
except SystemExit as e:
    if "no training chapters" not in str(e):
        fail(f"unexpected error for a missing author: {e}")
try:
    train.author_slice(work, tokens[:-5], names[0])
    fail("author_slice accepted a train.npy of the wrong length")
except SystemExit as e:
    if "rerun prepare.py" not in str(e):
        fail(f"unexpected error for a short train.npy: {e}")

# get_mixed_batch: rows come only from splits with weight > 0, targets are inputs shifted by one,
# every row starts with BOS, and the same (seed, step) gives the same batch.
splits = {"low": np.arange(0, 1000, dtype=np.int64) % 500,
          "high": np.arange(0, 1000, dtype=np.int64) % 500 + 1000}
x, y = train.get_mixed_batch(splits, {"low": 0.0, "high": 1.0}, 16, 32, 7, 3)
if not (x[:, 1:] >= 1000).all():
    fail("a zero-weight split was drawn from")
if not ((x[:, 0] == train.BOS).all() and (x[:, 1:] == y[:, :-1]).all()):
    fail("mixed batch: BOS or the shifted targets are wrong")
x, _ = train.get_mixed_batch(splits, {"low": 1.0, "high": 1.0}, 16, 64, 7, 3)
from_high = int((x[:, 1] >= 1000).sum())
if not 10 <= from_high <= 54:
    fail(f"equal weights drew {from_high} of 64 rows from one split")
x2, _ = train.get_mixed_batch(splits, {"low": 1.0, "high": 1.0}, 16, 64, 7, 3)
if not (x == x2).all():
    fail("the same seed and step gave different batches")

# lr_at with a per-cycle decay fraction: peak after the warmup, decay from start + (1 - frac) *
# length, the floor (10 % of the first peak) reached at the cycle's end.
cfg = {"steps": 1300, "lr": 1e-3, "warmup": 10, "decay_frac": 0.25,
       "cycles": [{"peak": 1e-3, "warmup": 10, "end": 1000},
                  {"peak": 5e-4, "warmup": 20, "end": 1300, "decay_frac": 0.8}]}
floor = 1e-4
checks = [(19 + 1000, 5e-4), (1000 + 58, 5e-4), (750, 1e-3)]
for step, want in checks:
    if abs(train.lr_at(step, cfg) - want) > 1e-12:
        fail(f"lr_at({step}) = {train.lr_at(step, cfg)}, expected {want}")
if not train.lr_at(1000 + 61, cfg) < 5e-4:
    fail("the second cycle's decay did not start at 80 % from its end")
if abs(train.lr_at(1299, cfg) - floor) > 5e-4 / 200:
    fail(f"the second cycle ends at {train.lr_at(1299, cfg)}, not near the floor {floor}")
if not train.lr_at(751, cfg) < 1e-3:
    fail("the first cycle's decay (25 %) did not start at step 750")

# average.py's PATH:WEIGHT arguments.
if average.split_weight("a/b.pt:9") != ("a/b.pt", 9.0) or \
        average.split_weight("a/b.pt") != ("a/b.pt", 1.0) or \
        average.split_weight("c:/x.pt") != ("c:/x.pt", 1.0):
    fail("split_weight parsed wrongly")
try:
    average.split_weight("a.pt:0")
    fail("a zero weight was accepted")
except SystemExit:
    pass
print("schedule check passed")
