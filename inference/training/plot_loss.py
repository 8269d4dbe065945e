"""Loss curve PNG from train_log.jsonl (training loss smoothed, validation loss as points)."""

import json
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot(log_path, png_path, title="fabulist-default training"):
    recs = [json.loads(line) for line in open(log_path) if line.strip()]
    steps = [r["step"] for r in recs]
    loss = [r["loss"] for r in recs]
    smooth, s = [], 0.0
    for k, v in enumerate(loss, 1):
        s = 0.95 * s + 0.05 * v
        smooth.append(s / (1 - 0.95 ** k))  # bias-corrected, so the start does not lag
    ev = [(r["tokens"] / 1e6, r["val_loss"]) for r in recs if "val_loss" in r]
    toks = [r["tokens"] / 1e6 for r in recs]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    ax.plot(toks, loss, color="#bbbbdd", linewidth=0.6, label="train loss (per step)")
    ax.plot(toks, smooth, color="#3344aa", linewidth=1.5, label="train loss (EMA 0.95)")
    if ev:
        ax.plot([e[0] for e in ev], [e[1] for e in ev], "o-", color="#cc3322",
                label="validation loss (held-out chapters)")
        best = min(ev, key=lambda e: e[1])
        ax.annotate(f"best {best[1]:.3f} (ppl {math.exp(best[1]):.1f})", best,
                    textcoords="offset points", xytext=(-120, 25),
                    arrowprops=dict(arrowstyle="->"))
    ax.set_xlabel("training tokens (millions)")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_ylim(max(0.0, min(loss + [e[1] for e in ev]) - 0.3), min(8.5, max(loss) + 0.2))
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title)
    sec = ax.secondary_xaxis("top", functions=(lambda t: t * 1e6 / max(1, recs[-1]["tokens"]) *
                                               recs[-1]["epochs"],
                                               lambda e: e / max(1e-9, recs[-1]["epochs"]) *
                                               recs[-1]["tokens"] / 1e6))
    sec.set_xlabel("epochs")
    fig.tight_layout()
    fig.savefig(png_path)
    plt.close(fig)
