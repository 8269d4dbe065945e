"""Writes the "## Diversity head" section of the model card from make-default-head.sh's outputs.

Reads <head-dir>/: train-head.log, train-seconds.txt, eval.json (eval-diversity --json),
ppl-{0,0.5,1}.json (perplexity --json), sample-{α}-{i}.json (generate --json). Replaces the
card's section from its "## Diversity head" heading to the end (or appends one).

The slider comparison: for each α > 0, every other method's perplexity at the α point's
distinct-2 is read off that method's curve by linear interpolation between its two neighbouring
points in distinct-2 order; a point outside a curve's distinct-2 range has no match ("—").
"""

import argparse
import json
import os
import re

from sample import longest_repeat

ALPHAS = ["0", "0.5", "1"]
OTHERS = ["temperature", "min_p", "xtc"]


def curve(settings, method):
    pts = sorted((s["distinct_2"], s["perplexity"], s["value"]) for s in settings
                 if s["method"] == method)
    return pts


def at_distinct2(pts, d):
    """Perplexity on the curve at distinct-2 = d, or None outside its range."""
    for (d0, p0, _), (d1, p1, _) in zip(pts, pts[1:]):
        if d0 <= d <= d1:
            if d1 == d0:
                return min(p0, p1)
            return p0 + (p1 - p0) * (d - d0) / (d1 - d0)
    return None


def slider_section(a, settings, base, suffix):
    a(f"#### `--base {base}` (`fabulist-default.head.eval{suffix}.json`)\n")
    curves = {m: curve(settings, m) for m in OTHERS}
    a("| α | distinct-2 | perplexity | temperature there | min-p there | XTC there |")
    a("|---|---|---|---|---|---|")
    verdict = {m: [] for m in OTHERS}
    for s in sorted((s for s in settings if s["method"] == "alpha"), key=lambda s: s["value"]):
        cells = []
        for m in OTHERS:
            p = at_distinct2(curves[m], s["distinct_2"])
            if p is None:
                b = beyond(curves[m], s["distinct_2"], s["perplexity"])
                if b == "dominates":
                    cells.append("— (α more diverse than its most diverse point, at lower "
                                 "perplexity)")
                    if s["value"] > 0:
                        verdict[m].append((s["value"], None))
                elif b == "dominated":
                    cells.append("— (α less diverse than its least diverse point, at higher "
                                 "perplexity)")
                else:
                    cells.append("—")
            else:
                lower = 100.0 * (p - s["perplexity"]) / p
                cells.append(f"{p:.1f} (α {lower:.0f} % lower)" if lower >= 0 else
                             f"{p:.1f} (α {-lower:.0f} % higher)")
                if s["value"] > 0:
                    verdict[m].append((s["value"], lower))
        a(f"| {s['value']:g} | {s['distinct_2']:.3f} | {s['perplexity']:.1f} | "
          + " | ".join(cells) + " |")
    a("")
    for m in OTHERS:
        v = verdict[m]
        if not v:
            a(f"- {m}: no α > 0 point falls inside its distinct-2 range.")
            continue
        matched = [(al, lower) for al, lower in v if lower is not None]
        dom = [al for al, lower in v if lower is None]
        text = f"- {m}: "
        if matched:
            ok = [al for al, lower in matched if lower >= 10.0]
            below = [al for al, lower in matched if lower > 0.0]
            text += (f"at matched distinct-2, α's perplexity is lower at {len(below)} of "
                     f"{len(matched)} α points ({', '.join(f'{al:g}' for al, _ in matched)}), "
                     f"by ≥ 10 % at {len(ok)}; range {min(l for _, l in matched):+.0f} % … "
                     f"{max(l for _, l in matched):+.0f} %")
        if dom:
            text += ("; " if matched else "") + (
                f"α {', '.join(f'{al:g}' for al in dom)} is more diverse than this method ever "
                "gets, at a lower perplexity than its most diverse setting")
        a(text + ".")
    a("\nAll settings:\n")
    a("| method | value | distinct-1 | distinct-2 | distinct-3 | self-BLEU-4 | rep-4 | entropy "
      "| perplexity |")
    a("|---|---|---|---|---|---|---|---|---|")
    for s in settings:
        a(f"| {s['method']} | {s['value']:g} | {s['distinct_1']:.3f} | {s['distinct_2']:.3f} | "
          f"{s['distinct_3']:.3f} | {s['self_bleu_4']:.3f} | {s['rep_4']:.3f} | "
          f"{s['entropy']:.2f} | {s['perplexity']:.1f} |")
    a(f"\n![slider check, --base {base}](fabulist-default.head.eval{suffix}.png)\n")


def words_section(a, ev, before):
    """The words check: non-words and word distinct-2 at each α and temperature, the targets,
    and (when given) the same check of the head before word starts."""
    st = ev["settings"]
    alphas = sorted((s for s in st if s["method"] == "alpha"), key=lambda s: s["value"])
    temps = sorted((s for s in st if s["method"] == "temperature"), key=lambda s: s["value"])
    a("| setting | word distinct-2 | non-words | examples |")
    a("|---|---|---|---|")
    for s in alphas + temps:
        name = ("α " if s["method"] == "alpha" else "temperature ") + f"{s['value']:g}"
        a(f"| {name} | {s['word_distinct_2']:.3f} | {100 * s['non_word_rate']:.2f} % "
          f"({s['words_checked']:,} words) | {', '.join(s['non_words'][:4])} |")
    base = alphas[0]["non_word_rate"]
    worst = max(alphas, key=lambda s: s["non_word_rate"])
    top_t = max(temps, key=lambda s: s["word_distinct_2"])
    a1 = alphas[-1]
    a("")
    a(f"- Non-words: α 0 writes {100 * base:.2f} %; the most at any α is "
      f"{100 * worst['non_word_rate']:.2f} % (α {worst['value']:g}), "
      f"{100 * (worst['non_word_rate'] - base):+.2f} points "
      f"({'within' if worst['non_word_rate'] <= base + 0.001 + 1e-12 else 'above'} the "
      "+0.1-point target).")
    a(f"- Diversity: α 1 reaches word distinct-2 {a1['word_distinct_2']:.3f} (target ≥ 0.75); "
      f"the most any temperature reaches on this chain is {top_t['word_distinct_2']:.3f} "
      f"(temperature {top_t['value']:g}).")
    if before:
        ba = sorted((s for s in before["settings"] if s["method"] == "alpha"),
                    key=lambda s: s["value"])
        a("\nThe head before word starts (its delta on every token; "
          "`fabulist-default.head.all-tokens.eval.words.json`: the same command on the head "
          "shipped before, `git show d79f17a:resources/models/fabulist-default.head.gguf`):\n")
        a("| α | word distinct-2 | non-words | examples |")
        a("|---|---|---|---|")
        for s in ba:
            a(f"| {s['value']:g} | {s['word_distinct_2']:.3f} | {100 * s['non_word_rate']:.2f} % "
              f"| {', '.join(s['non_words'][:4])} |")
    a("\n![words check](fabulist-default.head.eval.words.png)\n")


def beyond(pts, d, ppl):
    """For an α point outside a curve's distinct-2 range: "dominates" when it is more diverse
    than the curve's most diverse point at a lower perplexity, "dominated" when it is less
    diverse than the curve's least diverse point at a higher perplexity, else None."""
    if not pts:
        return None
    lo, hi = pts[0], pts[-1]
    if d > hi[0] and ppl < hi[1]:
        return "dominates"
    if d < lo[0] and ppl > lo[1]:
        return "dominated"
    return None


def fmt(v, nd=3):
    return "—" if v is None else f"{v:.{nd}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--head-dir", required=True)
    ap.add_argument("--card", required=True)
    ap.add_argument("--settings", required=True, help="k=v pairs the script ran with")
    args = ap.parse_args()
    d = args.head_dir
    cfg = dict(kv.split("=", 1) for kv in args.settings.split())
    log = open(os.path.join(d, "train-head.log")).read()
    seconds = int(open(os.path.join(d, "train-seconds.txt")).read().strip())
    final = [line for line in log.splitlines() if "held-out FACE loss" in line]
    if not final:
        raise SystemExit("head_report.py: train-head.log has no final 'held-out FACE loss' line")
    ppl = {a: json.load(open(os.path.join(d, f"ppl-{a}.json"))) for a in ALPHAS}
    size = os.path.getsize(os.path.join(d, "head.gguf"))

    L = []
    a = L.append
    a("## Diversity head\n")
    a(f"`fabulist-default.head.gguf` ({size / 1000:.0f} KB, rank {cfg['rank']}) is the diversity "
      "head that the slider mixes in: z(α) = z_c + α·(B·(A·h) + b) (DESIGN.md). It was made by "
      "`inference/training/make-default-head.sh`, which trains it with Fabulist's own trainer "
      "(FACE loss, `inference/heads/README.md`), measures it, and writes this section. Trainer "
      f"settings: the first {int(cfg['corpus_bytes']):,} bytes of the training split, rank "
      f"{cfg['rank']}, {cfg['steps']} steps of batch {cfg['batch']}, learning rate {cfg['lr']}, "
      f"FACE γ {cfg['gamma']}, context {cfg['ctx']}, seed {cfg['seed']}, {cfg['threads']} "
      f"threads{', word starts only' if cfg.get('word_starts_only') == '1' else ''}, "
      f"strength {cfg.get('strength', '1')} (the stored delta is that share of the trained one, "
      "so α 1 is the calibrated end of the slider: see the words check); "
      f"{seconds / 60:.1f} minutes on this machine (2 cores). The trainer's last line:\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(args.card))))
    a("```\n" + final[-1].strip().replace(root + "/", "") + "\n```\n")

    a("### Perplexity of both heads\n")
    a("`fabulist-cli perplexity -f tests/fixtures/default-model/valid.txt -c 1024 --adapter "
      "resources/models/fabulist-default.head.gguf --alpha A` (the validation split; each "
      "1024-token chunk scores its second half):\n")
    a("| α | perplexity | ± |")
    a("|---|---|---|")
    for al in ALPHAS:
        a(f"| {al} | {ppl[al]['ppl']:.2f} | {ppl[al]['ppl_stderr']:.2f} |")
    a("\nα = 0 is the coherence head alone (the model's own logits); α = 1 is the full mix.\n")

    n_prompts = sum(1 for line in open(os.path.join(os.path.dirname(args.card),
                                                     "eval-prompts.txt")) if line.strip())
    a("### Slider check\n")
    a(f"`fabulist-cli eval-diversity --adapter resources/models/fabulist-default.head.gguf "
      f"--prompts resources/models/eval-prompts.txt --samples {cfg['eval_samples']} --length "
      f"{cfg['eval_length']} --seed {cfg['seed']} --base BASE`: {n_prompts} prompts written for "
      "the check (in no training text). At each α's distinct-2, the other methods' perplexity "
      "is interpolated along their curves (— : that method never reaches this distinct-2). "
      "Run twice:\n")
    a("- `--base plain`: each knob is the only truncation (α and temperature sample the whole "
      "distribution; min-p and XTC run at temperature 1).")
    a("- `--base llama`: every method starts from llama.cpp's default chain (top-k 40, top-p "
      "0.95, min-p 0.05, temperature 0.8 — the chain the app's slider runs on) and changes only "
      "its own knob.\n")
    for base, suffix in (("plain", ""), ("llama", ".llama")):
        ev = json.load(open(os.path.join(d, f"eval{suffix}.json")))
        slider_section(a, ev["settings"], base, suffix)
    a("### Words check\n")
    a("Does the diverse end stay in the language? `fabulist-cli eval-diversity --adapter "
      "resources/models/fabulist-default.head.gguf --prompts "
      f"resources/models/eval-prompts-words.txt --samples {cfg['eval_samples']} --length "
      f"{cfg['eval_length']} --seed {cfg['seed']} --base llama`: 48 openings written for "
      "it (the slider check's 16 and 32 more; in no training text), on the app's chain. "
      "Non-words: lowercase words missing from "
      "Debian's american-english and british-english lists (contractions and possessives by "
      "their stem; the first word of a sample is skipped when it may finish the prompt's last "
      "word, and the last when the length may have cut it). Word distinct-2: distinct word "
      "pairs / all word pairs of a prompt's samples, averaged over the prompts.\n")
    if cfg.get("word_starts_only") == "1":
        a("The head is trained with `--word-starts-only`: its delta touches only tokens that "
          "begin a word or a mark, and the mix keeps the coherence head's chance of continuing "
          "the word (`inference/heads/word_start_mask.h`). Rare tokens are often word pieces; "
          "a head trained to favour rare tokens otherwise spells new words.\n")
    before_path = os.path.join(os.path.dirname(args.card),
                               "fabulist-default.head.all-tokens.eval.words.json")
    before = json.load(open(before_path)) if os.path.exists(before_path) else None
    words_section(a, json.load(open(os.path.join(d, "eval.words.json"))), before)
    a("### Samples at α = 0, 0.5 and 1\n")
    a("Unedited, from `fabulist-cli generate -n 128 --temp 0.8 --top-p 0.95 --repeat-penalty 1.1 "
      "--repeat-last-n 64 --seed S --adapter resources/models/fabulist-default.head.gguf "
      "--alpha A`; the prompt is in bold. `repeated 8-grams` counts 8-token spans of the "
      "generated tokens that occur twice (0 = no loop).\n")
    i = 0
    while os.path.exists(os.path.join(d, f"sample-0-{i}.json")):
        for al in ALPHAS:
            js = json.load(open(os.path.join(d, f"sample-{al}-{i}.json")))
            text = js["text"]
            a(f"#### Prompt {i + 1}, α = {al} (seed {1000 + i}, {len(js['ids'])} tokens, "
              f"repeated 8-grams: {longest_repeat(js['ids'])})\n")
            body = (f"**{prompt_of(d, i)}**" + text).replace("\r", "")
            a("\n".join("> " + line if line else ">" for line in body.split("\n")) + "\n")
        i += 1

    section = "\n".join(L) + "\n"
    card = open(args.card).read()
    m = re.search(r"^## Diversity head.*\Z", card, flags=re.S | re.M)
    card = (card[:m.start()] if m else card.rstrip("\n") + "\n\n") + section
    tmp = args.card + ".tmp"
    open(tmp, "w").write(card)
    os.replace(tmp, args.card)


def prompt_of(d, i):
    return open(os.path.join(d, f"prompt-{i}.txt")).read()


if __name__ == "__main__":
    main()
