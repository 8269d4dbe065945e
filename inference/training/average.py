"""Checkpoint averaging: the mean of several checkpoints' weights, evaluated like training does.

Averaging the weights saved during a learning-rate decay often lands lower on validation than
any one of them. Usage:
  average.py --work DIR [SNAPSHOT.pt...] [--write OUT.pt]
(no SNAPSHOT: every DIR/snapshots/step*.pt, which train.py keeps from the preset's
snapshot_from on)
prints each input's and the average's validation perplexity; --write saves the average as a
checkpoint finalize.py can export (its train_cfg from DIR/last.pt, its step the last input's).
"""

import argparse
import json
import math
import os
import re

import numpy as np
import torch

from model import ModelConfig, MoeLlama
from train import evaluate, save, torch_load


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("snapshots", nargs="*",
                    help="checkpoints to average (default: every DIR/snapshots/step*.pt)")
    ap.add_argument("--write", help="save the average here (a checkpoint like best.pt)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-eval-inputs", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if not args.snapshots:
        folder = os.path.join(args.work, "snapshots")
        names = [n for n in os.listdir(folder) if re.fullmatch(r"step\d+\.pt", n)] \
            if os.path.isdir(folder) else []
        if not names:
            raise SystemExit(f"no snapshots in {folder}: the preset's snapshot_from saves them")
        names.sort(key=lambda n: int(n[4:-3]))
        args.snapshots = [os.path.join(folder, n) for n in names]
    valid = np.load(os.path.join(args.work, "valid.npy"))
    cks = [torch_load(p) for p in args.snapshots]
    cfgs = {json.dumps(c["model_cfg"], sort_keys=True) for c in cks}
    if len(cfgs) != 1:
        raise SystemExit("the snapshots are of different model shapes")
    mcfg = ModelConfig.from_dict(cks[0]["model_cfg"])
    model = MoeLlama(mcfg)
    ctx = mcfg.context_length
    results = {}
    if not args.no_eval_inputs:
        for p, c in zip(args.snapshots, cks):
            model.load_state_dict(c["model"])
            vl, _ = evaluate(model, valid, ctx, bf16=True)
            results[os.path.basename(p)] = vl
            print(f"{os.path.basename(p)} (step {c['step']}): val ppl {math.exp(vl):.3f}",
                  flush=True)
    avg = {k: sum(c["model"][k].float() for c in cks) / len(cks) for k in cks[0]["model"]}
    avg = {k: v.to(cks[0]["model"][k].dtype) for k, v in avg.items()}
    model.load_state_dict(avg)
    vl, _ = evaluate(model, valid, ctx, bf16=True)
    print(f"average of {len(cks)}: val ppl {math.exp(vl):.3f}", flush=True)
    if args.write:
        last = torch_load(os.path.join(args.work, "last.pt"))
        cfg = dict(last["train_cfg"])
        cfg["averaged_steps"] = [c["step"] for c in cks]
        save(args.write, model, None, max(c["step"] for c in cks), vl, cfg)
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
