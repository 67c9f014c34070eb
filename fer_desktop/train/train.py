"""`fer-desktop train`: FER-2013 Training -> model, validated on PublicTest (never PrivateTest)."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np

from fer_desktop.labels import EMOTIONS, FER_SIZE
from fer_desktop.train.data import DEFAULT_DATA_DIR, DataError, class_weights, load_split

LABELS_SCHEMA = 1

#: ``--teacher-tta``: the moves (dx right, dy down, px) each teacher averages over, each with
#: its mirror image too.
TEACHER_SHIFTS = {"flip": [(0, 0)], "shifts": [(0, 0), (2, 0), (-2, 0), (0, 2), (0, -2)]}


def teacher_tta_text(tta: str) -> str:
    """What ``--teacher-tta tta`` averages the face with, in words, from
    :data:`TEACHER_SHIFTS`."""
    moves = TEACHER_SHIFTS[tta]
    passes = f"({2 * len(moves)} passes)"
    shifted = [m for m in moves if m != (0, 0)]
    if not shifted:
        return f"its mirror image {passes}"
    px = "/".join(str(p) for p in sorted({abs(v) for m in shifted for v in m if v}))
    names = {(-1, 0): "left", (1, 0): "right", (0, -1): "up", (0, 1): "down"}
    signs = {(int(np.sign(dx)), int(np.sign(dy))) for dx, dy in shifted}
    ways = [name for sign, name in names.items() if sign in signs]
    where = ", ".join(ways[:-1]) + " and " + ways[-1] if len(ways) > 1 else ways[0]
    return f"its mirror image, the two of them as they are and moved {px} px {where} {passes}"


def labels_json(arch: str, tta_flip: bool = False) -> dict:
    """What the app needs besides the weights: class order, input size, preprocessing."""
    return {
        "schema_version": LABELS_SCHEMA,
        "labels": list(EMOTIONS),
        "input_size": [FER_SIZE, FER_SIZE],
        "channels": 1,
        "color": "grayscale",
        "input_range": [0, 255],
        "preprocessing": "Gray uint8 face crop from fer_desktop.vision.preprocess.crop_face, "
                         "resized to 48x48 (INTER_AREA), fed as float32 0..255; rescaling is "
                         "in the model.",
        "tta_flip": tta_flip,
        "architecture": arch,
    }


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    p = parser or argparse.ArgumentParser(prog="fer-desktop train", description=__doc__)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="FER-2013 folder")
    p.add_argument("--out", type=Path, default=Path("runs/latest"), help="run folder")
    p.add_argument("--labels", choices=("fer2013", "ferplus"), default="fer2013",
                   help="fer2013: the data set's single labels; ferplus: learn the FER+ vote "
                        "distribution of 10 taggers (ferplus_votes.csv beside the data; "
                        "contempt/unknown/NF votes dropped), select on agreement with the "
                        "PublicTest FER+ majority")
    p.add_argument("--min-votes", type=int, default=1,
                   help="--labels ferplus: vote counts below this are tagger noise (zeroed)")
    p.add_argument("--arch", default="fernet",
                   help="fernet | fernet_wide | fernet_half | mobilenetv2 | resnet50")
    p.add_argument("--backbone-weights", type=Path, default=None,
                   help="local ImageNet weights (.h5, include_top=False) for mobilenetv2 or "
                        "resnet50 (never downloaded; without it the backbone starts from "
                        "scratch)")
    p.add_argument("--init-from", type=Path, default=None,
                   help="start from the weights of a .keras model (e.g. models/model.keras: "
                        "a warm restart that continues a released model with a new schedule)")
    p.add_argument("--epochs", type=int, default=24)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (AdamW)")
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--warmup-epochs", type=float, default=1.0)
    p.add_argument("--patience", type=int, default=8, help="early stopping on PublicTest accuracy")
    p.add_argument("--time-budget", type=float, default=0.0, metavar="MINUTES",
                   help="fit the run into this many minutes: after the second epoch, --epochs "
                        "becomes the number of epochs that fit (recorded in config.json) and the "
                        "cosine schedule ends there; needs --warmup-epochs >= 2, so that "
                        "--epochs N without a budget repeats the same schedule")
    p.add_argument("--lr-schedule", choices=("cosine", "constant"), default="cosine",
                   help="after the warm-up: cosine decay to lr/100, or constant (for --swa-from)")
    p.add_argument("--swa-from", type=int, default=0, metavar="EPOCH",
                   help="stochastic weight averaging (Izmailov et al. 2018): average the weights "
                        "at the end of every epoch from this one (1-based), log the average's "
                        "PublicTest accuracy as swa_val_accuracy, and release the average when it "
                        "beats the best single checkpoint on PublicTest (0: off)")
    p.add_argument("--workers", type=int, default=0,
                   help="threads preparing augmented batches ahead of the model (0: none)")
    p.add_argument("--teacher", type=Path, action="append", default=[], metavar="MODEL",
                   help="distil from this .keras model (repeat for an ensemble): targets mix "
                        "the label with the teachers' flip-averaged probabilities on the same "
                        "augmented faces")
    p.add_argument("--teacher-weight", type=float, default=0.5,
                   help="share of the teachers' probabilities in each target (0..1)")
    p.add_argument("--teacher-tta", choices=("flip", "shifts"), default="flip",
                   help="what each teacher averages the face with: flip, "
                        f"{teacher_tta_text('flip')}; shifts, {teacher_tta_text('shifts')}")
    p.add_argument("--teacher-views", type=int, default=0, metavar="K",
                   help="augment the training set K times once, ask the teachers once, and let "
                        "epoch e train on view e %% K (kept in RUN/teacher_views/ for a resumed "
                        "run); 0: augment and ask the teachers afresh for every batch")
    p.add_argument("--no-class-weights", action="store_true")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--limit", type=int, default=0,
                   help="use at most N training and N validation images (smoke runs)")
    p.add_argument("--steps-per-epoch", type=int, default=0, help="cap steps (smoke runs)")
    p.add_argument("--verbose", type=int, default=1, help="0 silent, 1 progress bar, 2 a line")
    return p


def _seed_everything(seed: int) -> None:
    import keras

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)


def main(argv: list[str] | None = None) -> int:
    return run_checked(build_parser().parse_args(argv))


def run_checked(args: argparse.Namespace) -> int:
    """Run, turning expected failures into a one-line message and exit status 2."""
    from fer_desktop.vision.classifier import ModelError

    try:
        return run(args)
    except (DataError, FileNotFoundError, ModelError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    import keras

    from fer_desktop.train.augment import FaceBatches
    from fer_desktop.train.model import build_model

    if args.time_budget and args.warmup_epochs < 2:
        raise ValueError("--time-budget needs --warmup-epochs 2 or more (the epoch count is "
                         "fixed after the second epoch, before the cosine decay begins)")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    train = load_split(args.data, "Training")
    val = load_split(args.data, "PublicTest")
    targets = None
    if args.labels == "ferplus":
        train, targets, val = _ferplus_splits(args.data, train, val, args.min_votes)
    if args.limit:
        idx = train.head_indices(args.limit, args.seed)
        targets = None if targets is None else targets[idx]
        train, val = train.take(idx), val.head(args.limit, args.seed)
    cw = None if args.no_class_weights or targets is not None else class_weights(train.labels)
    config = {k: ([str(x) for x in v] if isinstance(v, list) else
                  str(v) if isinstance(v, Path) else v)
              for k, v in vars(args).items() if k != "func"}
    config.update(n_train=len(train), n_val=len(val), class_weights=cw,
                  val_labels="FER+ majority (single winner)" if targets is not None
                  else "FER-2013",
                  keras_backend=keras.backend.backend(), keras_version=keras.__version__,
                  python=platform.python_version(), hardware=_hardware(),
                  train_split="Training",
                  val_split="PublicTest")
    state_path, last_path, config_path = out / "state.json", out / "last.keras", out / "config.json"
    resuming = last_path.is_file() and state_path.is_file()
    if resuming and config_path.is_file():  # a budgeted run keeps the epoch count it fitted
        earlier = json.loads(config_path.read_text())
        config.update({k: earlier[k] for k in ("epochs_fitted", "seconds_per_epoch")
                       if k in earlier})
    config_path.write_text(json.dumps(config, indent=2))
    (out / "labels.json").write_text(json.dumps(labels_json(args.arch), indent=2))

    _seed_everything(args.seed)
    num_classes = len(EMOTIONS)
    loader = {"workers": args.workers, "max_queue_size": 4 * args.workers} if args.workers else {}
    if args.teacher_views and not args.teacher:
        raise ValueError("--teacher-views needs at least one --teacher")
    teacher, views = None, None
    if args.teacher_views:
        views = _cached_views(out / "teacher_views", train.images, args)
    elif args.teacher:
        teacher = _teacher(args.teacher, args.teacher_tta)
    train_ds = FaceBatches(train.images, train.labels, num_classes, args.batch_size,
                           augment=True, seed=args.seed, class_weight=cw, teacher=teacher,
                           teacher_weight=args.teacher_weight, views=views, targets=targets,
                           **loader)
    val_ds = FaceBatches(val.images, val.labels, num_classes, 256)
    steps = args.steps_per_epoch or len(train_ds)
    initial_epoch = 0
    if resuming:
        model = keras.models.load_model(last_path)
        initial_epoch = json.loads(state_path.read_text())["epochs_done"]
        print(f"Resuming {out} after epoch {initial_epoch}")
    else:
        model = build_model((FER_SIZE, FER_SIZE, 1), num_classes, args.arch,
                            backbone_weights=args.backbone_weights)
        if args.init_from is not None:
            if not Path(args.init_from).is_file():
                raise FileNotFoundError(f"--init-from model not found: {args.init_from}")
            model.set_weights(keras.models.load_model(args.init_from, compile=False)
                              .get_weights())
        model.compile(
            optimizer=keras.optimizers.AdamW(args.lr / 20, weight_decay=args.weight_decay),
            loss=keras.losses.CategoricalCrossentropy(label_smoothing=args.label_smoothing),
            metrics=["accuracy"])
    train_ds.epoch = initial_epoch
    train_ds._order = train_ds._make_order()
    if "epochs_fitted" in config:  # a budgeted run, resumed
        args.epochs = config["epochs_fitted"]
    if initial_epoch >= args.epochs:
        print("Training already complete.")
    else:
        lr = _lr_setter(args.lr, steps, args.warmup_epochs, args.epochs,
                        constant=args.lr_schedule == "constant")
        callbacks = [
            lr,
            *([_weight_averager(args.swa_from, val, out / "swa.keras",
                                resume_n=_swa_epochs(out) if initial_epoch else 0)]
              if args.swa_from else []),
            keras.callbacks.CSVLogger(str(out / "history.csv"), append=initial_epoch > 0),
            keras.callbacks.ModelCheckpoint(str(out / "best.keras"), monitor="val_accuracy",
                                            mode="max", save_best_only=True,
                                            initial_value_threshold=_best_so_far(out)),
            keras.callbacks.ModelCheckpoint(str(last_path)),
            _state_writer(state_path),
            keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max",
                                          patience=args.patience),
        ]
        if args.time_budget:
            callbacks.insert(1, _budget_fitter(args.time_budget * 60, lr, config_path))
        t0 = time.perf_counter()
        model.fit(train_ds, validation_data=val_ds, epochs=args.epochs,
                  initial_epoch=initial_epoch, steps_per_epoch=args.steps_per_epoch or None,
                  callbacks=callbacks, verbose=args.verbose)
        _add_time(out, time.perf_counter() - t0)
    best = out / "best.keras"
    chosen = best if best.is_file() else last_path
    swa = out / "swa.keras"
    if swa.is_file() and _swa_beats_best(out):
        print("The weight average beats the best checkpoint on PublicTest: releasing it")
        chosen = swa
    # the model alone, without the optimizer's state (a third of the size)
    keras.models.load_model(chosen, compile=False).save(out / "model.keras")
    from fer_desktop.train.evaluate import evaluate_model

    evaluate_model(out / "model.keras", args.data, "PublicTest", out / "eval_PublicTest",
                   run_dir=out, limit=args.limit)
    print(f"Run folder: {out.resolve()}")
    return 0


def _ferplus_splits(data, train, val, min_votes: int):
    """``--labels ferplus``: the Training faces worth training on with their vote
    distributions, and the PublicTest faces with a single FER+ winner, labelled by it (so
    that ``val_accuracy`` is the agreement with the FER+ majority)."""
    from fer_desktop.train.ferplus import read_votes, with_votes

    votes = read_votes(data)
    tv = with_votes(train, votes)
    keep = np.flatnonzero(tv.trainable())
    train, targets = tv.split.take(keep), tv.distribution(min_votes)[keep]
    val = with_votes(val, votes).single_winner()
    print(f"FER+ votes: {len(train)} Training faces (of {len(tv.split)} with "
          f"votes), PublicTest {len(val)} with a single winner", flush=True)
    return train, targets, val


def _teacher(paths: list[Path], tta: str = "flip"):
    """Class probabilities of the teacher models (each a .keras or .tflite file with the
    labels.json of its run or models/ folder beside it), each averaging the face
    with :func:`teacher_tta_text` ``(tta)``."""
    from fer_desktop.train.augment import shifted
    from fer_desktop.vision.classifier import EmotionClassifier

    for path in paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f"--teacher model not found: {path}")
    models = [EmotionClassifier.load(path, tta_flip=True) for path in paths]
    moves = TEACHER_SHIFTS[tta]

    def probs(x: np.ndarray) -> np.ndarray:
        return np.mean([m.predict_prepared(shifted(x, dx, dy)) for m in models
                        for dx, dy in moves], axis=0)

    return probs


def _cached_views(folder: Path, images: np.ndarray, args: argparse.Namespace):
    """The ``--teacher-views`` of a run: made once (one file per view, so an interrupted run
    keeps the views it made) and read back when the run resumes with the same teachers; the
    teachers are loaded only when a view is missing."""
    from fer_desktop.train.augment import teacher_views

    k = args.teacher_views
    meta = {"k": k, "n": len(images), "seed": args.seed, "tta": args.teacher_tta,
            "teachers": [str(t) for t in args.teacher]}
    folder.mkdir(parents=True, exist_ok=True)
    meta_path = folder / "meta.json"
    if meta_path.is_file() and json.loads(meta_path.read_text()) != meta:
        for old in folder.glob("v*.npz"):
            old.unlink()
    meta_path.write_text(json.dumps(meta, indent=2))
    have = 0
    while (folder / f"v{have}.npz").is_file():
        have += 1
    if have < k:
        print(f"Teacher views: {have} of {k} kept; making the rest", flush=True)
        teacher = _teacher(args.teacher, args.teacher_tta)
        t = time.perf_counter()
        for v, faces, probs in teacher_views(images, k, args.seed, teacher, first=have):
            tmp = folder / f"v{v}.tmp.npz"
            np.savez(tmp, faces=faces, probs=probs)
            os.replace(tmp, folder / f"v{v}.npz")
            print(f"Teacher view {v + 1}/{k} made in {time.perf_counter() - t:.0f} s",
                  flush=True)
            t = time.perf_counter()
    faces, probs = [], []
    for v in range(k):
        with np.load(folder / f"v{v}.npz") as z:
            faces.append(z["faces"])
            probs.append(z["probs"])
    return np.stack(faces), np.stack(probs)


def warmup_cosine(step: int, peak: float, warmup_steps: int, total_steps: int) -> float:
    """The learning rate at ``step``: linear warm-up from peak/20 to peak, then cosine decay to
    peak/100 at ``total_steps`` (Keras' CosineDecay with warm-up, alpha 0.01)."""
    if step < warmup_steps:
        return peak / 20 + (peak - peak / 20) * step / max(1, warmup_steps)
    done = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return peak * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * done)))


def _lr_setter(peak: float, steps_per_epoch: int, warmup_epochs: float, epochs: int,
               constant: bool = False):
    """A callback setting the learning rate at every step from :func:`warmup_cosine`.

    A callback rather than a schedule object, so that a time budget can still choose the number
    of epochs after training has begun (``epochs`` is read at every step). On the jax backend
    the jitted loop keeps the optimizer state for a whole epoch, so there the rate of each
    epoch's first step holds for that epoch (a staircase of the same curve).
    """
    import keras

    class WarmupCosine(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.epochs, self._epoch = epochs, 0
            self.warmup = int(steps_per_epoch * warmup_epochs)

        def rate(self, step: int) -> float:
            if constant and step >= self.warmup:
                return peak
            return warmup_cosine(step, peak, self.warmup, steps_per_epoch * self.epochs)

        def on_epoch_begin(self, epoch: int, logs=None) -> None:
            self._epoch = epoch

        def on_train_batch_begin(self, batch: int, logs=None) -> None:
            self.model.optimizer.learning_rate = self.rate(self._epoch * steps_per_epoch + batch)

        def on_epoch_end(self, epoch: int, logs=None) -> None:
            if logs is not None:
                logs["lr"] = self.rate((epoch + 1) * steps_per_epoch - 1)

    return WarmupCosine()


def _budget_fitter(budget_s: float, lr, config_path: Path):
    """After the second epoch, fix the epoch count to what fits in ``budget_s`` from the start
    of training (the slower of the two epochs, plus 5% margin), and stop there."""
    import keras

    class BudgetFitter(keras.callbacks.Callback):
        def on_train_begin(self, logs=None) -> None:
            self.t0 = self.t_epoch = time.perf_counter()
            self.longest = 0.0

        def on_epoch_begin(self, epoch: int, logs=None) -> None:
            self.t_epoch = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs=None) -> None:
            now = time.perf_counter()
            self.longest = max(self.longest, now - self.t_epoch)
            if epoch == 1:
                left = budget_s - (now - self.t0)
                fits = epoch + 1 + int(left / (1.05 * self.longest))
                lr.epochs = max(epoch + 1, min(lr.epochs, fits))
                config = json.loads(config_path.read_text())
                config.update(epochs_fitted=lr.epochs, seconds_per_epoch=round(self.longest, 2))
                config_path.write_text(json.dumps(config, indent=2))
                print(f"Time budget {budget_s / 60:.1f} min: {lr.epochs} epochs "
                      f"({self.longest:.1f} s per epoch)", flush=True)
            if epoch + 1 >= lr.epochs:
                self.model.stop_training = True

    return BudgetFitter()


def _weight_averager(start_epoch: int, val, path: Path, resume_n: int = 0):
    """A callback keeping the running mean of the weights (batch-norm statistics included) from
    epoch ``start_epoch`` (1-based) on, logging its PublicTest accuracy, and saving it.

    ``resume_n``: epochs already in the average saved at ``path`` by an interrupted run; the
    mean goes on from there instead of starting again."""
    import keras

    class WeightAverager(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.mean: list[np.ndarray] | None = None
            self.n = 0
            if resume_n and path.is_file():
                saved = keras.models.load_model(path, compile=False).get_weights()
                self.mean, self.n = [w.astype(np.float64) for w in saved], resume_n

        def _accuracy(self) -> float:
            hits = 0
            for i in range(0, len(val), 256):
                x = val.images[i:i + 256, ..., None].astype(np.float32)
                p = keras.ops.convert_to_numpy(self.model(x, training=False))
                hits += int((p.argmax(1) == val.labels[i:i + 256]).sum())
            return hits / len(val)

        def on_epoch_end(self, epoch: int, logs=None) -> None:
            if epoch + 1 < start_epoch:  # the columns exist from the first row of history.csv
                if logs is not None:
                    logs["swa_val_accuracy"], logs["swa_epochs"] = float("nan"), 0
                return
            weights = self.model.get_weights()
            self.n += 1
            if self.mean is None:
                self.mean = [w.astype(np.float64) for w in weights]
            else:
                for m, w in zip(self.mean, weights, strict=True):
                    m += (w - m) / self.n
            self.model.set_weights([m.astype(w.dtype) for m, w in zip(self.mean, weights,
                                                                      strict=True)])
            acc = self._accuracy()
            self.model.save(path)
            self.model.set_weights(weights)
            if logs is not None:
                logs["swa_val_accuracy"] = acc
                logs["swa_epochs"] = self.n
            print(f"\nweight average of {self.n} epoch(s): PublicTest accuracy {acc:.4f}",
                  flush=True)

    return WeightAverager()


def _swa_epochs(out: Path) -> int:
    """How many epochs the saved weight average of an interrupted run holds (0 if none)."""
    rows = _history(out)
    n = rows[-1].get("swa_epochs") if rows else None
    try:
        return int(float(n)) if n else 0
    except ValueError:
        return 0


def _swa_beats_best(out: Path) -> bool:
    rows = _history(out)
    plain = max(float(r["val_accuracy"]) for r in rows)
    swa = [float(r.get("swa_val_accuracy") or "nan") for r in rows]
    return bool(swa) and not math.isnan(swa[-1]) and swa[-1] > plain


def _hardware() -> str:
    """What trains: the GPU where the Keras backend has one, else the CPU cores."""
    import keras

    name = None
    try:
        if keras.backend.backend() == "torch":
            import torch

            name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
        elif keras.backend.backend() == "jax":
            import jax

            gpus = [d for d in jax.devices() if d.platform != "cpu"]
            name = gpus[0].device_kind if gpus else None
    except Exception:  # noqa: BLE001 - a description only; never stop training for it
        name = None
    cores = f"{os.cpu_count()} CPU cores"
    return f"1 {name} GPU, {cores}" if name else f"{cores} (no GPU)"


def _history(out: Path) -> list[dict[str, str]]:
    """The rows of the run's history.csv (none before the first epoch)."""
    import csv

    path = out / "history.csv"
    if not path.is_file():
        return []
    with path.open() as fh:
        return list(csv.DictReader(fh))


def _best_so_far(out: Path) -> float | None:
    vals = [float(r["val_accuracy"]) for r in _history(out) if r.get("val_accuracy")]
    return max(vals) if vals else None


def _add_time(out: Path, seconds: float) -> None:
    path = out / "train_time.json"
    total = json.loads(path.read_text())["seconds"] if path.is_file() else 0.0
    path.write_text(json.dumps({"seconds": total + seconds}))


def _state_writer(path: Path):
    """A callback recording finished epochs, so an interrupted run resumes where it stopped."""
    import keras

    class StateWriter(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs=None) -> None:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"epochs_done": epoch + 1}))
            os.replace(tmp, path)

    return StateWriter()


if __name__ == "__main__":
    raise SystemExit(main())
