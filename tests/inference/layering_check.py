#!/usr/bin/env python3
"""Checks that no include in inference/ points up a layer.

The rooms of inference/, bottom up; a file may include its own room and the rooms below it.
A room added to inference/ must be placed here, or this check fails naming it.
"""
import pathlib
import re
import sys

LAYERS = [
    {"engine_error.h", "parallel", "quant"},
    {"gguf"},
    {"tokenizer", "backend"},
    {"model"},
    {"heads", "sampling"},
    {"engine"},
    {"eval", "head_training", "synth", "prompting", "chat", "learning"},
]
IGNORED = {"training", "README.md", "CMakeLists.txt"}  # Python recipe; docs; build file

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".") / "inference"
level = {room: i for i, rooms in enumerate(LAYERS) for room in rooms}
include = re.compile(r'#include "inference/([^/"]+)')
problems = []
for room in sorted(p.name for p in root.iterdir() if p.name not in IGNORED):
    if room not in level:
        problems.append(f"inference/{room} is in no layer of tests/inference/layering_check.py")
for path in sorted(root.rglob("*")):
    if path.suffix not in {".h", ".cpp", ".inc"}:
        continue
    room = path.relative_to(root).parts[0]
    if room in IGNORED or room not in level:
        continue
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = include.match(line)
        if match and match.group(1) in level and level[match.group(1)] > level[room]:
            problems.append(f"{path}:{number}: {room} includes {match.group(1)}, a layer above it")
print("\n".join(problems) or f"inference/: no include points up a layer ({len(level)} rooms)")
sys.exit(1 if problems else 0)
