"""How far the "negative expressions" flag can be trusted: the rule that counts a face as
showing a negative expression, measured against the FER+ majority of 10 taggers.

For each rule (the dominant expression is angry/disgust/fear/sad, or the summed probability
of those four is at least t), on the faces whose FER+ vote has a single winner: precision of
the negative calls (people see a negative expression too), recall (of the faces people see
as negative, the share called negative), and the share of people-neutral faces called
negative. Choose the rule on PublicTest; report PrivateTest for the released rule.

    .venv/bin/python bench/negative_calls.py [--split PublicTest] [--model models]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fer_desktop.labels import EMOTIONS  # noqa: E402
from fer_desktop.paths import default_models_dir  # noqa: E402
from fer_desktop.session.recorder import NEGATIVE_MASS  # noqa: E402
from fer_desktop.train.data import DEFAULT_DATA_DIR, load_split  # noqa: E402
from fer_desktop.train.ferplus import NEGATIVE, NEUTRAL, read_votes, with_votes  # noqa: E402
from fer_desktop.vision.classifier import EmotionClassifier  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--split", default="PublicTest", choices=("PublicTest", "PrivateTest"))
    args = ap.parse_args(argv)
    split = with_votes(load_split(args.data, args.split), read_votes(args.data)).single_winner()
    clf = EmotionClassifier.from_dir(args.model or default_models_dir())
    probs = np.concatenate([clf.predict_batch(list(split.images[i:i + 256]))
                            for i in range(0, len(split.images), 256)])
    major = split.labels
    neg_true = np.isin(major, NEGATIVE)
    neutral = major == NEUTRAL
    mass = probs[:, list(NEGATIVE)].sum(axis=1)
    argmax_neg = np.isin(probs.argmax(axis=1), NEGATIVE)
    print(f"\n{args.split}: {len(major)} faces with a single FER+ winner; "
          f"{int(neg_true.sum())} negative and {int(neutral.sum())} neutral to people\n")
    print("| a face counts as negative when | precision of negative calls | recall | "
          "people-neutral called negative |")
    print("|---|---|---|---|")
    rules = [("its dominant expression is negative", argmax_neg)]
    rules += [(f"P(angry+disgust+fear+sad) >= {t:.2f}" + (" (the app's rule)"
                                                        if abs(t - NEGATIVE_MASS) < 1e-9 else ""),
               mass >= t) for t in (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)]
    for name, call in rules:
        prec = (neg_true & call).sum() / max(1, call.sum())
        rec = (neg_true & call).sum() / max(1, neg_true.sum())
        fp = (neutral & call).sum() / max(1, neutral.sum())
        print(f"| {name} | {prec:.1%} | {rec:.1%} | {fp:.1%} |")
    print(f"\n(classes: {', '.join(EMOTIONS)}; negative: "
          f"{', '.join(EMOTIONS[i] for i in NEGATIVE)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
