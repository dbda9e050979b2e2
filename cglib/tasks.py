"""Tasks: where a run's training data come from and how its samples are judged.

A task gives ``training_data(cfg) -> (images, conditions)`` and ``judge(cfg, root)``, a function
``judge(images, classes, n) -> rows`` that scores samples grouped ``n`` per class, one metrics row
per class.  ``train.py`` asks ``task_for(cfg)`` and never names a dataset.

* ``shapes`` (paper sections 3-4): rendered objects (``render.py``, ``data.py``), judged by the
  analytic evaluator that can reject (``measure.py``) with the probes' verdict beside it
  (``probes.py``);
* ``celeba`` (section 4.2, Fig. 10): the official CelebA files (``celeba.py``), judged by the
  attribute classifiers (``celeba_classifiers.py``).  Its modules are imported only when a CelebA
  run asks for them.

Used in: ``train.py``; book/03_diffusion (``score``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .concepts import distances
from .config import ExperimentConfig
from .data import make_dataset
from .measure import measure, measured_scores
from .official import judge_config, training_inputs
from .probes import ProbeConfig, load_probes, probe_scores
from .render import RenderConfig
from .runs import run_root

# ---------------------------------------------------------------- shapes


def probes_for(cfg: ExperimentConfig, root=None):
    """The cached probes that judge this config's samples (trained once per probe setting)."""
    t = cfg.train
    pc = ProbeConfig(n_variables=t.n_variables, image_size=t.image_size)
    return load_probes(pc, Path(run_root(root)) / "probes")


def official_probes_for(cfg: ExperimentConfig, root=None):
    """The cached linear probes of the paper's code's judge (``official.JUDGE``) for this config's images."""
    t = cfg.train
    return load_probes(judge_config(t.n_variables, t.image_size), Path(run_root(root)) / "probes")


def score(images: np.ndarray, classes: list[str], n: int, probes, train_classes,
          render_cfg: RenderConfig = RenderConfig(), official=None) -> list[dict]:
    """One metrics row per class for images grouped ``n`` per class in ``classes`` order: the analytic
    evaluator's accuracy with rejection (``acc``, eq. 2) and per variable, the probes' verdict, and with
    ``official`` probes the paper's code's forced-choice reading (``acc_official``, per variable too)."""
    nv = len(classes[0])
    m = measure(images, nv, render_cfg)
    dist = distances(train_classes, nv)
    rows = []
    for i, c in enumerate(classes):
        sl = slice(i * n, (i + 1) * n)
        rows.append({"concept_class": c, "distance": dist[c], "in_train": c in train_classes,
                     **measured_scores(m.part(sl), c), **probe_scores(probes, images[sl], c)})
        if official is not None:
            o = probe_scores(official, images[sl], c)
            rows[-1].update({"acc_official": o["acc_probe"],
                             **{f"official_{v.name}": o[f"acc_{v.name}"] for v in official.vars}})
    return rows


class ShapesTask:
    """The synthetic task: rendered shapes, judged by the evaluator and the probes."""

    name = "shapes"

    def training_data(self, cfg: ExperimentConfig) -> tuple[np.ndarray, np.ndarray]:
        """Images (N, 3, S, S) in [0, 1] and conditions: value indices (N, n), with ``cond_values="drawn"``
        each image's drawn value coordinates (``render.value_coordinates``), with ``"official"`` the paper's
        code's inputs (N, 7) (``official.training_inputs``)."""
        t, rcfg = cfg.train, cfg.train.render_config()
        data = make_dataset(t.class_counts(), t.seed, rcfg)
        if cfg.model.cond_values == "official":
            return data.images, training_inputs(data.params, rcfg)
        return data.images, (data.coords if cfg.model.cond_values == "drawn" else data.values)

    def judge(self, cfg: ExperimentConfig, root=None):
        t = cfg.train
        probes, official = probes_for(cfg, root), official_probes_for(cfg, root)
        return lambda images, classes, n: score(images, classes, n, probes, t.train_classes, t.render_config(),
                                                official)


# ---------------------------------------------------------------- CelebA


class CelebATask:
    """CelebA (section 4.2): the official files, judged by the attribute classifiers (which cannot reject)."""

    name = "celeba"

    def training_data(self, cfg: ExperimentConfig) -> tuple[np.ndarray, np.ndarray]:
        if cfg.model.cond_values != "nominal":
            raise ValueError(f"ModelConfig.cond_values={cfg.model.cond_values!r} is not allowed for CelebA: faces "
                             "have no drawn value coordinates; use 'nominal'")
        from . import celeba  # only a CelebA run loads it (tests/test_imports.py)
        t = cfg.train
        return celeba.select(celeba.load_celeba(t.celeba_root, t.image_size, "train"), t.class_counts(), t.seed)

    def judge(self, cfg: ExperimentConfig, root=None):
        from . import celeba_classifiers as clfs
        t = cfg.train
        clf = clfs.load_classifiers(t.celeba_root, t.image_size, Path(run_root(root)) / "probes",
                                    steps=t.classifier_steps)
        dist = distances(t.train_classes, 3)

        def judge(images, classes, n):
            return [{"concept_class": c, "distance": dist[c], "in_train": c in t.train_classes,
                     **clf.scores(images[i * n:(i + 1) * n], c)} for i, c in enumerate(classes)]
        return judge


TASKS = {"shapes": ShapesTask(), "celeba": CelebATask()}


def task_for(cfg: ExperimentConfig):
    """The task a config trains on (``cfg.train.dataset``)."""
    return TASKS[cfg.train.dataset]
