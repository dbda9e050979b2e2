"""Frozen dataclass configs and the scale presets.

Paper: appendix A.3 (architecture), A.4 (optimiser and hyper-parameters).

An experiment is ``ExperimentConfig(model, diffusion, train)``.  Every field has a default and a one-line
comment; wrong values fail at construction with a message naming the field, the value and what is allowed.
``preset(scale)`` gives the three scales every chapter accepts (``smoke``, ``cpu``, ``paper``; scales.py).

Used in: every chapter.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field

from .concepts import PRESETS, check_class, check_train_set
from .data import check_counts, counts_for
from .render import RenderConfig
from .scales import EXPERIMENT, SCALES

COND_MODES = ("film", "up", "multiply")
COND_EMBEDS = ("per_variable", "mlp", "per_variable_mlp")
SAMPLERS = ("ddim", "ddpm", "ddpm_beta")
PRECISIONS = ("fp32", "bf16", "tf32")
#: Fields removed after the cache version was set, with the value every kept run had: run ids hash them at it,
#: and from_dict drops them (a stored run with another value belongs to a retired search: RETIRED_AT has it).
RETIRED_FIELDS = {("train", "probe_kind"): "cnn", ("model", "p_drop_variable"): 0.0, ("model", "cond_stages"): "all",
                  ("diffusion", "eta"): 0.0, ("train", "optimizer"): "adam", ("train", "triangle"): "box",
                  ("train", "compile"): False}
RETIRED_AT = "51d9354"  # the last commit with those fields (and the corner search that set them)
DATA_RANGES = {"[-1, 1]": (-1.0, 1.0), "[0, 1]": (0.0, 1.0)}


def _check(cls: str, name: str, value, ok: bool, allowed: str):
    if not ok:
        raise ValueError(f"{cls}.{name}={value!r} is not allowed; {allowed}")


def _check_types(obj):
    """Every field whose default is a bool, a number or a string must hold one (before any range check,
    so that ``lr="fast"`` is named, not met with a comparison's TypeError)."""
    cls = type(obj).__name__
    for f in dataclasses.fields(obj):
        v, d = getattr(obj, f.name), f.default
        if isinstance(d, bool):
            _check(cls, f.name, v, isinstance(v, bool), "use True or False")
        elif isinstance(d, numbers.Real):
            _check(cls, f.name, v, isinstance(v, numbers.Real) and not isinstance(v, bool),
                   f"it must be a number (default: {d!r})")
        elif isinstance(d, str):
            _check(cls, f.name, v, isinstance(v, str), f"it must be a string (default: {d!r})")


def _pos_int(cls, name, value):
    _check(cls, name, value, isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0,
           "it must be a positive integer")


@dataclass(frozen=True)
class ModelConfig:
    """The conditional U-Net (appendix A.3, Fig. 12)."""

    arch: str = "unet"  # the network: "unet" (this library's, unet.py) or "context_unet" (the paper's code's
    #                     ContextUnet, context_unet.py; width is its n_feat, 256 in that code)
    width: int = 32  # channels of the first stage; later stages use 2x (paper searched 64-512)
    cond: str = "film"  # where the condition enters: "film" (every block), "up" (mid and up blocks) or
    #                     "multiply" (the official code: cemb * h + temb before each up stage); see unet.py
    cond_embed: str = "per_variable"  # "per_variable" (a vector per value, summed), "mlp" (one-hot -> one MLP)
    #   or "per_variable_mlp" (the official EmbedFC: an MLP per variable, summed); unet.py
    cond_frozen: bool = False  # keep the condition networks at their random init (as the published code ran)
    cond_values: str = "nominal"  # training condition: "nominal" (the class's values), "drawn" (each image's
    #                               own colour and size as continuous value coordinates; render.value_coordinates)
    #                               or "official" (the paper's code's inputs: one-hot shape, RGB, size; official.py)
    attention: bool = True  # global self-attention at the lowest resolution
    p_uncond: float = 0.0  # probability of training with the null condition (classifier-free guidance)

    def __post_init__(self):
        _check_types(self)
        _pos_int("ModelConfig", "width", self.width)
        _check("ModelConfig", "width", self.width, self.width % 8 == 0, "it must be a multiple of 8 (GroupNorm)")
        _check("ModelConfig", "arch", self.arch, self.arch in ("unet", "context_unet"), "use 'unet' or 'context_unet'")
        _check("ModelConfig", "cond", self.cond, self.cond in COND_MODES, f"use one of {', '.join(COND_MODES)}")
        if self.arch == "context_unet":
            _check("ModelConfig", "cond", self.cond, self.cond == "multiply" and self.cond_embed == "per_variable_mlp",
                   "arch='context_unet' has the paper's code's condition path: use cond='multiply' with "
                   "cond_embed='per_variable_mlp'")
        _check("ModelConfig", "cond_embed", self.cond_embed, self.cond_embed in COND_EMBEDS,
               f"use one of {', '.join(COND_EMBEDS)}")
        _check("ModelConfig", "cond_values", self.cond_values, self.cond_values in ("nominal", "drawn", "official"),
               "use 'nominal', 'drawn' or 'official'")
        if self.cond_values == "official":
            _check("ModelConfig", "cond_embed", self.cond_embed, self.cond_embed == "per_variable_mlp",
                   "cond_values='official' feeds each variable's input to its own network: use 'per_variable_mlp'")
            _check("ModelConfig", "p_uncond", self.p_uncond, self.p_uncond == 0,
                   "the paper's code's inputs have no null value: keep p_uncond at 0")
        _check("ModelConfig", "p_uncond", self.p_uncond, 0 <= self.p_uncond < 1, "it must be in [0, 1)")


@dataclass(frozen=True)
class DiffusionConfig:
    """The diffusion process (appendix A.2, eq. 1) and the evaluation sampler."""

    T: int = 400  # diffusion steps (paper searched 100-400)
    beta_start: float = 1e-4  # linear beta schedule start (DDPM)
    beta_end: float = 0.02  # linear beta schedule end
    target: str = "eps"  # what the network predicts: "eps" (paper, eq. 1) or "v"
    sampler: str = "ddim"  # evaluation sampler: "ddim" (deterministic, few steps), "ddpm" (ancestral, T steps) or
    #                        "ddpm_beta" (the paper's code: ancestral, T steps, variance beta_t, nothing clipped)
    sample_steps: int = 25  # DDIM steps (ignored by "ddpm")
    guidance: float = 0.0  # classifier-free guidance weight w (paper: none); needs p_uncond > 0
    data_range: str = "[-1, 1]"  # pixel range the process diffuses: "[-1, 1]" or "[0, 1]" (the paper's code)

    def __post_init__(self):
        _check_types(self)
        _pos_int("DiffusionConfig", "T", self.T)
        _pos_int("DiffusionConfig", "sample_steps", self.sample_steps)
        _check("DiffusionConfig", "beta_end", self.beta_end, 0 < self.beta_start < self.beta_end < 1,
               "need 0 < beta_start < beta_end < 1")
        _check("DiffusionConfig", "target", self.target, self.target in ("eps", "v"), "use 'eps' or 'v'")
        _check("DiffusionConfig", "sampler", self.sampler, self.sampler in SAMPLERS,
               "use 'ddim', 'ddpm' or 'ddpm_beta'")
        _check("DiffusionConfig", "sample_steps", self.sample_steps, self.sample_steps <= self.T, f"at most T={self.T}")
        _check("DiffusionConfig", "guidance", self.guidance, self.guidance >= 0, "it must be >= 0")
        _check("DiffusionConfig", "data_range", self.data_range, self.data_range in DATA_RANGES,
               "use '[-1, 1]' or '[0, 1]'")


@dataclass(frozen=True)
class TrainConfig:
    """Data, optimisation (appendix A.4) and evaluation schedule."""

    train_classes: tuple = PRESETS["minimal"]  # concept classes in the training set (section 3.1)
    counts: tuple = ()  # optional ((class, count), ...) overriding an even split of n_train
    n_train: int = 5000  # training-set size when counts is empty (paper: 5000)
    image_size: int = 28  # image side in pixels (paper: 28)
    epochs: float = 10.0  # passes over the training set
    batch: int = 64  # batch size (paper: 64)
    lr: float = 1e-3  # Adam learning rate (paper searched 1e-4 to 1e-3)
    weight_decay: float = 1e-5  # Adam weight decay (paper A.4)
    beta2: float = 0.99  # Adam beta2 (paper A.4: 0.99; the published code used Adam's default, 0.999)
    ema: float = 0.995  # EMA decay of the evaluated weights (0 evaluates raw weights)
    eval_every: int = 100  # steps between evaluations
    n_eval: int = 50  # generated samples per concept class per evaluation (paper: 50)
    grid_k: int = 8  # samples per class kept as a picture at each evaluation
    seed: int = 0  # seeds data, initialisation, batches and evaluation noise
    init_from: str = ""  # run id of a parent run to fine-tune from ("" = from scratch)
    lr_schedule: str = "constant"  # "constant" or "linear" (the official code: lr decays to 0)
    dataset: str = "shapes"  # "shapes" (the synthetic task) or "celeba" (section 4.2; counts must be given)
    celeba_root: str = ""  # folder with the official CelebA files (or a stand-in), for dataset="celeba"
    classifier_steps: int = 400  # training steps of the CelebA attribute classifiers that judge samples
    size_large: tuple = RenderConfig.large  # radius range of "large" objects, fraction of the side (render.py)
    size_small: tuple = RenderConfig.small  # radius range of "small" objects: the size concept signal
    n_eval_final: int = 0  # samples per class at the last evaluation (0: n_eval); a verdict needs >= 200
    overprompt: tuple = ()  # prompt strengths > 1 at which the furthest class is also judged (hidden capabilities)
    precision: str = "fp32"  # the network's arithmetic: "fp32", "bf16" (autocast: fast where bf16 is native:
    #                          AVX-512-BF16, AMX, a GPU) or "tf32" (TensorFloat-32 on CUDA; fp32 on a CPU)
    overprompt_every: int = 0  # steps between overprompted evaluations (a multiple of eval_every; 0: every one);
    #                            the final evaluation always overprompts
    second_sampler: str = ""  # also judge fresh samples of another sampler (e.g. "ddpm_beta") at some evaluations
    second_sampler_every: int = 0  # steps between those (a multiple of eval_every); 0: the final evaluation only

    def __post_init__(self):
        _check_types(self)
        object.__setattr__(self, "train_classes", check_train_set(self.train_classes))
        n = len(self.train_classes[0])
        if self.counts:
            counts = check_counts(dict(self.counts))
            for c in counts:
                check_class(c, n)
            object.__setattr__(self, "counts", tuple(sorted(counts.items())))
        for name in ("n_train", "batch", "eval_every", "n_eval", "image_size", "classifier_steps"):
            _pos_int("TrainConfig", name, getattr(self, name))
        _check("TrainConfig", "image_size", self.image_size, self.image_size % 4 == 0 and self.image_size >= 12,
               "it must be a multiple of 4 and at least 12")
        _check("TrainConfig", "epochs", self.epochs, isinstance(self.epochs, numbers.Real) and self.epochs > 0,
               "it must be a positive number")
        _check("TrainConfig", "lr", self.lr, 0 < self.lr < 1, "it must be in (0, 1)")
        _check("TrainConfig", "ema", self.ema, 0 <= self.ema < 1, "it must be in [0, 1)")
        _check("TrainConfig", "weight_decay", self.weight_decay, self.weight_decay >= 0, "it must be >= 0")
        _check("TrainConfig", "beta2", self.beta2, 0 < self.beta2 < 1, "it must be in (0, 1)")
        _check("TrainConfig", "lr_schedule", self.lr_schedule, self.lr_schedule in ("constant", "linear"),
               "use 'constant' or 'linear'")
        try:
            self.render_config()  # the size ranges are checked where they are defined
        except ValueError as e:
            raise ValueError(f"TrainConfig size_large={self.size_large!r}, size_small={self.size_small!r}: {e}") from None
        _check("TrainConfig", "n_eval_final", self.n_eval_final, isinstance(self.n_eval_final, numbers.Integral)
               and not isinstance(self.n_eval_final, bool) and self.n_eval_final >= 0,
               "it must be an integer >= 0 (0: the same as n_eval)")
        over = tuple(self.overprompt)
        _check("TrainConfig", "overprompt", self.overprompt, all(isinstance(k, numbers.Real) and
               not isinstance(k, bool) and k > 1 for k in over), "give prompt strengths > 1, e.g. (1.5, 2.0)")
        object.__setattr__(self, "overprompt", tuple(float(k) for k in over))
        _check("TrainConfig", "dataset", self.dataset, self.dataset in ("shapes", "celeba"), "use 'shapes' or 'celeba'")
        if self.dataset == "celeba":
            _check("TrainConfig", "celeba_root", self.celeba_root, bool(self.celeba_root),
                   "dataset='celeba' needs the folder of the CelebA files")
            _check("TrainConfig", "counts", self.counts, bool(self.counts) and n == 3,
                   "dataset='celeba' needs explicit per-class counts of 3-digit classes (see cglib.celeba)")
        _check("TrainConfig", "precision", self.precision, self.precision in PRECISIONS, f"use one of {PRECISIONS}")
        for name in ("overprompt_every", "second_sampler_every"):
            k = getattr(self, name)
            _check("TrainConfig", name, k, isinstance(k, numbers.Integral) and not isinstance(k, bool)
                   and k >= 0 and k % self.eval_every == 0,
                   f"it must be 0 (see its comment) or a multiple of eval_every={self.eval_every}")
        _check("TrainConfig", "second_sampler", self.second_sampler, self.second_sampler in ("", *SAMPLERS),
               "use '' (none), 'ddim', 'ddpm' or 'ddpm_beta'")

    @property
    def n_variables(self) -> int:
        return len(self.train_classes[0])

    def render_config(self) -> RenderConfig:
        """How this run's training images are drawn (and where the evaluator splits sizes)."""
        return RenderConfig(image_size=self.image_size, large=tuple(self.size_large), small=tuple(self.size_small))

    def class_counts(self) -> dict[str, int]:
        """The per-class counts of the training set (explicit counts, or n_train split evenly)."""
        return dict(self.counts) if self.counts else counts_for(self.train_classes, self.n_train)

    @property
    def steps(self) -> int:
        """Optimisation steps: epochs x training-set size / batch, rounded up."""
        return max(1, math.ceil(round(self.epochs * sum(self.class_counts().values()) / self.batch, 6)))


@dataclass(frozen=True)
class ExperimentConfig:
    """One training run: model, diffusion process and training."""

    model: ModelConfig = field(default_factory=ModelConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self):
        if self.diffusion.guidance > 0 and self.model.p_uncond == 0:
            raise ValueError(f"DiffusionConfig.guidance={self.diffusion.guidance!r} needs a model trained with a "
                             "null condition; set ModelConfig.p_uncond > 0 (e.g. 0.1) or guidance=0")
        if self.model.cond_values == "official" and (self.train.n_variables != 3 or self.train.dataset != "shapes"):
            raise ValueError("ModelConfig.cond_values='official' is the paper's code's input for the 3-variable shapes "
                             f"task (one-hot shape, RGB, size); this run has {self.train.n_variables} variables of "
                             f"dataset {self.train.dataset!r}: use 'drawn' or 'nominal'")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ExperimentConfig":
        for (sec, k), kept in RETIRED_FIELDS.items():
            if d[sec].get(k, kept) != kept:
                raise ValueError(f"this run has {sec}.{k}={d[sec][k]!r}, a field retired after commit {RETIRED_AT} "
                                 f"(kept runs all had {kept!r}); read it with that commit: git checkout {RETIRED_AT}")
        d = {sec: {k: v for k, v in d[sec].items() if (sec, k) not in RETIRED_FIELDS}
             for sec in ("model", "diffusion", "train")}
        t = dict(d["train"])
        t["train_classes"] = tuple(t["train_classes"])
        t["counts"] = tuple(tuple(x) for x in t.get("counts", ()))
        for name in ("size_large", "size_small", "overprompt"):
            if name in t:
                t[name] = tuple(t[name])
        return cls(ModelConfig(**d["model"]), DiffusionConfig(**d["diffusion"]), TrainConfig(**t))

    def replace(self, **kw) -> "ExperimentConfig":
        """A copy with fields changed; keys are ``section.field`` or a bare field name that is unique."""
        parts = {"model": {}, "diffusion": {}, "train": {}}
        for k, v in kw.items():
            sec, _, name = k.rpartition(".")
            if not sec:
                secs = [s for s in parts if name in {f.name for f in dataclasses.fields(getattr(self, s))}]
                if len(secs) != 1:
                    raise ValueError(f"unknown config field {k!r}; fields: {', '.join(all_fields())}")
                sec = secs[0]
            if sec not in parts or name not in {f.name for f in dataclasses.fields(getattr(self, sec))}:
                raise ValueError(f"unknown config field {k!r}; fields: {', '.join(all_fields())}")
            parts[sec][name] = v
        return ExperimentConfig(*(dataclasses.replace(getattr(self, s), **parts[s]) for s in parts))


def all_fields() -> list[str]:
    return [f"{s}.{f.name}" for s, c in (("model", ModelConfig), ("diffusion", DiffusionConfig), ("train", TrainConfig))
            for f in dataclasses.fields(c)]


# ---------------------------------------------------------------- scale presets and step budgets


def check_scale(scale: str) -> str:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; allowed: {', '.join(SCALES)}")
    return scale


def preset(scale: str = "cpu", **overrides) -> ExperimentConfig:
    """The experiment config of a scale preset (``scales.EXPERIMENT``), with fields overridden
    (``preset("cpu", seed=1)``)."""
    return ExperimentConfig().replace(**{**EXPERIMENT[check_scale(scale)], **overrides})


def with_steps(cfg: ExperimentConfig, steps: int) -> ExperimentConfig:
    """The config with ``epochs`` set so that training takes exactly ``steps`` optimisation steps,
    whatever the training-set size (so the points of a count sweep get the same optimisation budget)."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps <= 0:
        raise ValueError(f"steps={steps!r} is not allowed; it must be a positive integer")
    n = sum(cfg.train.class_counts().values())
    return cfg.replace(epochs=int(steps) * cfg.train.batch / n)
