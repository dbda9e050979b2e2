"""The adversarial training set and fine-tuning from a trained run.

Paper: section 4.1, Fig. 9.  The paper writes this section's tuples as (shape, size, colour): its
set {000, 100, 001, 111} is, in this book's (shape, colour, size) order, **{000, 100, 010, 111}**:
large red circle, large red triangle, large blue circle, small blue triangle.  "Small" appears only
on the small blue triangle, so size can be learned only together with triangle-and-blue.  The
paper's failure: asked for small circles (its 010 and 011, our 001 and 011) the model draws small
triangles.  Its fine-tunes add its 101 "(triangle, large, blue)", our **110**, and then its 010
and 011, our **001 and 011** (small red circle, small blue circle), at the training learning rate.
(The paper's own word list for the set calls its 001 "circle, blue, small"; its failure sentence,
Fig. 9's caption and Fig. 8's "large blue circle, 001" all read (shape, size, colour), so this book
takes the word list for the typo.)

A fine-tune is an ordinary run whose ``train.init_from`` names its parent run: it starts from the
parent's EMA weights, is cached under its own id, and ``parent_of`` finds the parent again.

Used in: book/06_finetuning.
"""
from __future__ import annotations

from .concepts import PRESETS, check_class
from .config import ExperimentConfig, check_scale, preset, with_steps
from .runs import Run, run_dir, run_id
from .scales import FINETUNE

ADVERSARIAL = PRESETS["adversarial"]
#: The paper's two fine-tuning sets (its 101, then its 010 and 011), classes added to the adversarial data.
ADDITIONS = {"add_110": ("110",), "add_001_011": ("001", "011")}
#: The classes the paper's failure is about: small circles, drawn as small triangles.
SMALL_CIRCLES = ("001", "011")


def adversarial_config(scale: str, seed: int = 0, steps: int | None = None, **overrides) -> ExperimentConfig:
    """The run trained on the adversarial set {000, 100, 010, 111} (Fig. 9a)."""
    d = FINETUNE[check_scale(scale)]
    cfg = preset(scale, seed=seed, train_classes=ADVERSARIAL, **{**d["overrides"], **overrides})
    return with_steps(cfg, int(steps or d["base_steps"]))


def finetune_config(parent: ExperimentConfig, added, scale: str, steps: int | None = None,
                    lr: float | None = None, **overrides) -> ExperimentConfig:
    """A fine-tune of ``parent``: its training classes plus ``added``, each class with the parent's
    per-class count, starting from the parent's weights, at ``lr`` (default: the parent's, as in the paper)."""
    d = FINETUNE[check_scale(scale)]
    added = tuple(check_class(c, parent.train.n_variables) for c in added)
    if not added:
        raise ValueError("no classes to add; give at least one class, e.g. ['101']")
    old = parent.train.train_classes
    if any(c in old for c in added):
        raise ValueError(f"{[c for c in added if c in old]} are already in the parent's training set {list(old)}; "
                         "add classes it has not seen")
    per_class = max(parent.train.class_counts().values())
    classes = old + added
    cfg = parent.replace(train_classes=classes, counts={c: per_class for c in classes}, init_from=run_id(parent),
                         lr=lr or parent.train.lr, **{**d["ft_overrides"], **overrides})
    return with_steps(cfg, int(steps or d["ft_steps"]))


def parent_of(run: Run, root=None) -> Run | None:
    """The run a fine-tune started from (``None`` for a run trained from scratch)."""
    pid = run.cfg.train.init_from
    return Run.load(run_dir(pid, root)) if pid else None


def what_is_drawn(run: Run, classes=None, n: int = 32, seed: int = 123, device: str = "auto"):
    """Fresh samples of a run's final (EMA) model, read by the evaluator: per class asked for, the
    fraction of samples holding one valid object, and among those the fraction read as value 1 of
    each variable (``triangle``, ``blue``, ``small``).  This is how Fig. 9's "draws small triangles
    where small circles are asked" is measured rather than seen."""
    import pandas as pd

    from .concepts import all_classes, variables
    from .measure import measure
    from .train import generate, load_model

    n_var = run.cfg.train.n_variables
    classes = list(classes or all_classes(n_var))
    model, diffusion = load_model(run, device)
    images = generate(model, diffusion, classes, n, run.cfg.train.image_size, seed)
    m = measure(images, n_var, run.cfg.train.render_config())
    rows = []
    for i, c in enumerate(classes):
        sl = slice(i * n, (i + 1) * n)
        ok = m.valid[sl]
        vals = m.values[sl][ok]
        row = {"concept_class": c, "valid": float(ok.mean())}
        for j, v in enumerate(variables(n_var)):
            row[v.values[1]] = float((vals[:, j] == 1).mean()) if len(vals) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows).set_index("concept_class")
