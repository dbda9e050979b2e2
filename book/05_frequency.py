# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Critical data frequency
#
# How many examples of a concept value does a model need before it can *compose* that value with
# others? The paper (section 4.1, Fig. 8) varies the count of one training class from 0 to 300 with
# the others fixed and finds a threshold: below it the capability is not learned at all; above it
# the out-of-distribution classes that need it appear, and they need more examples than the
# in-distribution class itself (memorisation comes first).
#
# In the minimal training set {000, 100, 010, 001} (tuples are (shape, color, size)), the only blue
# class is **010** and the only triangle class is **100**. The paper's text calls the blue class
# `001` because its tuples are ordered differently; this book keeps one order throughout. Every
# point below is a training run in the run store; every point trains for the same number of
# optimisation steps, so points differ only in their data. **Each point is one seed** (the `seed`
# parameter): the verdicts below allow for the sampling noise of the final evaluation, not for the
# spread between seeds, which chapter 4 shows can be large; rerun with `-p seed 1` to see another.

# %% tags=["parameters"]
scale = "auto"  # "smoke" | "cpu" | "paper"; "auto" reads $CGLIB_SCALE, else "cpu"
seed = 0
counts = "auto"  # counts of the varied class, e.g. [0, 10, 30, 100, 300]; auto: the scale default grid
base_count = "auto"  # count of each of the other three training classes; auto: the scale default
steps = "auto"  # optimisation steps of every point; auto: the scale default
threshold = "auto"  # reached means an accuracy of at least this; auto: the book REACHED constant, 0.8
workers = "auto"  # runs trained at once on this machine; 1 means one after another, auto one per core (max 4)
executor = "local"  # "local" (this machine) or "ray" (a Ray cluster at $RAY_ADDRESS, or a local Ray)
device = "auto"  # "auto" picks CUDA when present
run_root = ""  # run store; empty means $CGLIB_RUNS, else runs/

# %%
import matplotlib.pyplot as plt
import pandas as pd

from cglib import plots
from cglib.book import glue, resolve_scale
from cglib.concepts import PRESETS, distances
from cglib.config import preset
from cglib.emergence import REACHED
from cglib.frequency import CAPABILITY, count_sweep
from cglib.scales import FREQUENCY
from cglib.sliders import slider
from cglib.onsets import critical_count, onset_order
from cglib.sweep import sweep, sweep_table

scale = resolve_scale(scale)
threshold = REACHED if threshold == "auto" else threshold
auto = FREQUENCY[scale]
opts = dict(counts=None if counts == "auto" else counts, base_count=None if base_count == "auto" else base_count,
            steps=None if steps == "auto" else steps, seed=seed)
cfgs = {v: count_sweep(scale, v, **opts) for v in CAPABILITY}
grid = [dict(cfg.train.counts)[v] for v in cfgs for cfg in cfgs[v]]
print(f"scale={scale}, counts={sorted(set(grid))}, base_count={dict(cfgs['010'][0].train.counts)['000']}, "
      f"steps={cfgs['010'][0].train.steps}, runs={sum(map(len, cfgs.values()))}")

# %%
runs = sweep([c for v in cfgs for c in cfgs[v]], run_root or None, device=device, workers=workers, executor=executor)
labels = [{"varied": v, "count": dict(c.train.counts)[v]} for v in cfgs for c in cfgs[v]]
tab = sweep_table(runs, labels)
by_point = {(lab["varied"], lab["count"]): r for lab, r in zip(labels, runs)}
wall = sum(r.summary().get("wall_s", 0) for r in runs) / 60
glue("n_runs", len(runs)); glue("wall_min", wall, ".0f"); glue("steps", int(tab.step.max()))
tab.pivot_table(index=["varied", "count"], columns="concept_class", values="acc").style.format("{:.2f}")

# %% [markdown]
# Final accuracy (with rejection) of every class at every point: {glue:text}`n_runs` runs of
# {glue:text}`steps` steps, {glue:text}`wall_min` minutes of training and evaluation in all.
#
# ## Fig. 8: accuracy against the count of the class that carries the capability
#
# Light blue lines are the training classes, pink lines the out-of-distribution classes (darker:
# further from the training set). The dotted line marks the computed critical count for the
# capability: the smallest count from which on every distance-1 class that needs it has accuracy
# of at least the threshold.

# %%
dist = distances(PRESETS["minimal"])
near = {v: [c for c in needs if dist[c] == 1] for v, (cap, needs) in CAPABILITY.items()}  # distance-1 classes
crit, crit_rows = {}, []
fig, axes = plt.subplots(2, 1, figsize=(6.4, 6.6))
for ax, (v, (cap, needs)) in zip(axes, CAPABILITY.items()):
    t = tab[tab.varied == v]
    xs = sorted(t["count"].unique())
    pos = {k: i for i, k in enumerate(xs)}  # evenly spaced ticks: the grid is roughly geometric
    for c, g in t.groupby("concept_class"):
        g = g.sort_values("count")
        d = dist[c]
        ax.plot([pos[k] for k in g["count"]], g["acc"], marker="o", ms=3, color=plots.DIST_COLORS[d],
                lw=2.2 if c in needs else 1.0, ls="-" if d else "--", label=c)
    crit[v] = critical_count(t, near[v], threshold=threshold)
    for c in [v, *needs]:
        crit_rows.append({"capability": cap, "varied class": v, "class": c, "distance": dist[c],
                          "critical count": critical_count(t, [c], threshold=threshold)})
    if crit[v] == crit[v]:
        ax.axvline(pos[crit[v]], color="k", ls=":", lw=1.2)
    ax.set_xticks(range(len(xs)), xs)
    ax.set(xlabel=f"count of {v} in the training set", title=f"({'ab'[list(CAPABILITY).index(v)]}) {cap}: vary {v}",
           ylim=(-0.03, 1.03))
    ax.grid(alpha=0.3)
for ax in axes:
    ax.set_ylabel("final accuracy\n(with rejection)")
axes[0].legend(ncol=2, fontsize=8.5, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
plt.tight_layout()
plt.show()

crit_tab = pd.DataFrame(crit_rows)
fmt = lambda x: "not reached" if x != x else str(int(x))  # noqa: E731
since = lambda x: "not reached" if x != x else f"from {int(x)}"  # noqa: E731
for v, (cap, _) in CAPABILITY.items():
    glue(f"crit_{cap}", since(crit[v]))
    own = crit_tab[(crit_tab["class"] == v)]["critical count"].iloc[0]
    glue(f"own_{cap}", since(own))
    glue(f"c111_{cap}", since(crit_tab[(crit_tab["varied class"] == v) & (crit_tab["class"] == "111")]
                              ["critical count"].iloc[0]))
glue("threshold", threshold)
glue("ch4_steps", preset(scale).train.steps)
# the paper's claims are about onsets ("learns the colour concept after ... 10 samples"): the first count
# at which the classes reach the threshold, whether or not they stay there at larger counts.  A gap between
# two onsets counts only if, at the earlier one, the lagging classes are more than two standard errors below
# the threshold (onset_order); otherwise another draw of samples could swap them.
first = cfgs["010"][0].train
n_final = first.n_eval_final or first.n_eval


def noise(o, lagging):
    return (f"not resolved: the onsets differ ({fmt(o['first'])} against {fmt(o['second'])}), but at "
            f"{int(o['at'])} {lagging} {o['lagging']:.2f}, within two standard errors ({o['margin']:.2f}) "
            f"of the threshold")


for v, (cap, needs) in CAPABILITY.items():
    tv = tab[tab.varied == v]
    o = onset_order((tv, [v]), (tv, near[v]), threshold=threshold, n_samples=n_final)
    glue(f"onset_own_{cap}", fmt(o["first"])); glue(f"onset_{cap}", fmt(o["second"]))
    lagging = (f"the training class {v} is at" if o["order"] == "within noise" and o["at"] == o["second"]
               else "the distance-1 classes are at")
    glue(f"ood_more_{cap}",
         "not testable: the training class itself never reached the threshold" if o["first"] != o["first"] else
         "holds" if o["order"] == "earlier" else
         f"not resolved by this grid: both first reach it at {int(o['at'])}" if o["order"] == "same" else
         noise(o, lagging) if o["order"] == "within noise" else
         "fails: they need fewer examples than the training class")
glue("n_final", n_final); glue("margin", o["margin"], ".2f")
o = onset_order((tab[tab.varied == "010"], near["010"]), (tab[tab.varied == "100"], near["100"]),
                threshold=threshold, n_samples=n_final)
glue("color_first", "neither capability composes within the grid" if o["order"] == "same" and o["at"] != o["at"] else
     f"not resolved: both compose from {int(o['at'])} examples" if o["order"] == "same" else
     "holds: colour composes from fewer examples than shape" if o["order"] == "earlier" else
     noise(o, f"{'shape' if o['at'] == o['first'] else 'colour'}'s distance-1 classes are at")
     if o["order"] == "within noise" else
     "fails: shape composes from fewer examples than colour")
crit_tab.assign(**{"critical count": crit_tab["critical count"].map(fmt)})

# %% [markdown]
# Computed from the sweep, with "reached" meaning accuracy of at least {glue:text}`threshold` at
# that count and at every larger count of the grid:
#
# - **colour** (vary 010): the distance-1 classes that need blue (110, 011), counted in blue
#   examples: {glue:text}`crit_color`; the blue training class 010 itself: {glue:text}`own_color`;
#   `111`: {glue:text}`c111_color`.
# - **shape** (vary 100): the distance-1 classes that need triangles (110, 101), counted in
#   triangle examples: {glue:text}`crit_shape`; the triangle training class 100 itself:
#   {glue:text}`own_shape`; `111`: {glue:text}`c111_shape`.
#
# The paper's two claims about Fig. 8 are about onsets: the first count at which the classes reach
# the threshold, whether or not they stay there at larger counts (one seed; a single dip at a
# larger count is why a critical count above can be "not reached"). Onsets here: colour's
# distance-1 classes from {glue:text}`onset_color` (the blue training class from
# {glue:text}`onset_own_color`), shape's from {glue:text}`onset_shape` (the triangle class from
# {glue:text}`onset_own_shape`). Checked on these numbers (each could fail: the first if a
# distance-1 class reached the threshold at a smaller count than its training class, the second if
# shape's onset were not above colour's). A gap between two onsets counts only if, at the earlier
# one, the lagging classes are more than two standard errors ({glue:text}`margin` at
# {glue:text}`n_final` samples per class) below the threshold; otherwise another draw of samples
# could reverse it, and the claim is not resolved:
#
# - "training for out-of-distribution concept classes requires more samples than for
#   in-distribution ones": colour {glue:text}`ood_more_color`; shape {glue:text}`ood_more_shape`.
# - colour is learned "after approx. 10 samples" while shape has a higher threshold:
#   {glue:text}`color_first`.
#
# At a count of 0 the capability is absent from the data and no class that needs it can be drawn;
# the table above shows where along the grid each class switches on. "not reached" means the class
# stays below the threshold even at the largest count, within this scale's training budget: each
# point trains for {glue:text}`steps` steps, chapter 4's runs for {glue:text}`ch4_steps`.
#
# ## Sliders: what the model draws at each count and each point in training
#
# Move the sliders to pick the capability, the count of its class in the training data, and the
# training step; the panel shows four samples per class and every class's accuracy. In Jupyter the
# sliders redraw live; in this page (and in a notebook rerun with papermill) every point was rendered
# when the chapter ran, so they work without a kernel or a network.

# %%
caps = {f"{cap} (vary {v})": v for v, (cap, _) in CAPABILITY.items()}
xs_all = sorted(tab["count"].unique())
eval_steps = runs[0].sample_steps()


def panel(capability, count, step):
    v = caps[capability]
    run = by_point.get((v, count))
    if run is None:  # counts differ between the two sweeps only if the user gave odd grids
        fig = plt.figure(figsize=(4, 1)); fig.text(0.1, 0.5, "no run at this count"); return fig
    return plots.run_panel(run, step if step in run.sample_steps() else None, k=4,
                           title=f"{capability}: {count} × {v} in the training data, step {step}")


slider(panel, {"capability": list(caps), "count": xs_all, "step": eval_steps},
       start={"count": xs_all[len(xs_all) // 2], "step": eval_steps[-1]},
       labels={"capability": "varied concept", "count": "examples in training", "step": "training step"})

# %% [markdown]
# ## What this means
#
# Removing a concept from the data is not all-or-nothing: how many examples of the only blue
# class, or of the only triangle class, remain decides whether the model can put that value on
# *other* objects, and the number differs between concepts (the onsets above). The paper reads this as a way to keep a model from learning a harmful capability without
# perfect filtering: keep the concept's frequency below its critical count. Rerun this chapter with
# `python -m cglib.rerun 05_frequency -p counts "[0, 5, 10, 20, 50, 100, 200, 300]"` for the
# paper's grid, or `-p scale paper` on a GPU.
#
#
# ## On a cluster
#
# At `paper` scale this chapter is {glue:text}`n_runs` full training runs (more with the paper's
# grid), which outgrow one machine. Every point is an ordinary run in the run store, so the same
# sweep can fan out over a Ray cluster without changing the chapter:
#
# ```bash
# export RAY_AUTH_MODE=token; ray get-auth-token --generate   # on the head node: the cluster's token
# ray start --head --port=6379                                 # on the head node
# export RAY_AUTH_MODE=token RAY_AUTH_TOKEN=<token>            # on every worker node and the driver
# ray start --address=HEAD_IP:6379                             # on every worker node
# export RAY_ADDRESS=HEAD_IP:6379 CGLIB_RUNS=/shared/runs      # the driver: a run store that every node mounts
# make rerun CHAPTER=05_frequency ARGS="-p executor ray -p scale paper"
# ```
#
# Each point becomes one Ray task; on a GPU each asks for a fraction of a card so that several of
# these small models share one. A finished point is read back, never retrained; a task whose worker
# dies is retried by Ray and resumes from its last checkpoint. The README's cluster section says how
# the token reaches every node (a node without it is refused), and a test runs its commands.
