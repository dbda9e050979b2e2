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
# # How the recipes were chosen
#
# The `cpu` preset (the recipe every chapter trains at the default scale) and the `paper` preset
# were chosen, and later questioned, by recorded searches. Each record is a JSON file in
# `recipe_search/results/`, written by the script named beside it from the runs it trained. This page
# shows **every** record, oldest first, as a table and a plot computed from the file when the book
# is built: nothing on it is typed in except what each record decided and where it was made (a test
# fails when a record in `recipe_search/results/` is shown by no page). The searches live in the folder
# `recipe_search/` beside the book, not in `cglib`: their verdict rules, their catalogue and the scripts
# that still run. Scripts of retired searches are gone; the commit that still holds each is named, so
# `git show COMMIT:PATH` brings it back.
#
# A run id names a config, not a machine: the same config trained on another machine or device ends
# differently (floating-point order changes the trajectory), so each record is shown with the machine
# it was made on. The last sections read the `cpu` preset's own searches in detail.

# %% tags=["parameters"]
results = "../recipe_search/results"  # the records (the page runs from book/)
scale = "auto"  # the scale of the book's runs to set beside the records: "auto" reads $CGLIB_SCALE, else "cpu"

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from cglib import plots
from cglib.book import glue
from recipe_search.catalog import entry, record_files, summary
from recipe_search.verdicts import recorded_sweep

files = record_files(Path(results))
log = pd.DataFrame([entry(p) for p in files]).set_index("name")
glue("n_records", len(files))
log[["date", "machine", "script", "decided"]].style.set_caption("every record, oldest first")

# %% [markdown]
# The {glue:text}`n_records` records, one section each: how it was made, what it decided, the
# table of its runs at their last evaluation (accuracy with rejection unless the record says
# otherwise), and the far class's accuracy over training (`111`; from the mirrored set `000`), one line per run.

# %%
NUMERIC = "{:.2f}"
for path in files:
    e = entry(path)
    what = recorded_sweep(path).attrs["what"] if e["kind"] != "sampler" else None
    display(Markdown(f"## {e['name']}\n\n**Made** {e['date']} on {e['machine']}, committed in `{e['made']}`. "
                     f"**Remade by** `{e['command']}` ({e['script']}).\n\n**What it decided:** {e['decided']}."
                     + (f"\n\n*The record's own description:* {what}" if what else "")))
    tab = summary(path)
    num = [c for c in tab.columns if pd.api.types.is_float_dtype(tab[c])]
    display(tab.style.format(NUMERIC, subset=num).set_caption(f"{e['name']}: every run"))
    if e["kind"] == "corner_search":  # each corner's own far class
        plots.corner_curves(recorded_sweep(path), title=f" ({e['name']})")
        plt.show()
    elif e["kind"] != "sampler":
        plots.record_curves(recorded_sweep(path), "111", title=f"111 over training ({e['name']})")
        plt.tight_layout()
        plt.show()

# %% [markdown]
# ## Fig. 5 as the `cpu` preset's search trained it
#
# The chosen candidate of the newest seed search, all its seeds: the mean over seeds with a band from
# the lowest to the highest seed (the same runs chapter 4 reads back at the default scale, when the
# preset is that candidate). `python benchmarks/readme.py` writes this figure for the README.

# %%
from recipe_search.catalog import chosen_runs

newest = sorted(Path(results).glob("seed_search_*.json"))[-1]
name, frame = chosen_runs(newest)
glue("fig5_candidate", f"{name} ({newest.name}, seeds {', '.join(map(str, sorted(frame.seed.unique())))})")
plots.plot_curves(frame, "acc", title=f"{name}: accuracy with rejection, mean and min-max over seeds")
plt.tight_layout()
plt.show()

# %% [markdown]
# Candidate and record: {glue:text}`fig5_candidate`.

# %% [markdown]
# ## The smallest budget at which the chosen recipe passes on every seed
#
# This recipe keeps its learning rate constant and draws each batch independently of the budget, so
# a run's evaluation at step *k* is what a run stopped at *k* would be judged on (on 40 samples per
# class instead of a finished run's 200). Read so, the chosen candidate's `111` curves (the figure above) are at
# {glue:text}`reached` or more on every seed at steps {glue:text}`passing_steps` of
# {glue:text}`full_steps`; the first is step {glue:text}`first_pass`. Later steps that fail on some
# seed: {glue:text}`failing_after`. A budget read off the same seeds' curves is a selection, so
# runs stopped there were trained and judged like finished runs (`recipe_search/seed_search.py
# --budget-steps`), on the search's seeds and on seeds it never saw: {glue:text}`budget_check`.
# Its verdict follows the same rule as the search (`111` at {glue:text}`reached` or more on every
# finished seed).

# %%
from cglib.emergence import REACHED, fmt_acc
from recipe_search.verdicts import passing_steps, seed_search_summary, seed_search_verdict

glue("reached", REACHED)

curves = passing_steps(recorded_sweep(newest), name, "111", REACHED)
ok = [int(k) for k in curves.index[curves["all"]]]
glue("passing_steps", ", ".join(map(str, ok)) or "none")
glue("full_steps", int(curves.index.max()))
glue("first_pass", str(ok[0]) if ok else "never")
later = [k for k in curves.index if ok and k > ok[0] and not curves.loc[k, "all"]]
glue("failing_after", ", ".join(f"{int(k)} (worst seed {curves.loc[k].drop('all').min():.2f})" for k in later)
     or "none")
checks = sorted(Path(results).glob("budget_check_*.json"))
bframe = recorded_sweep(checks[-1]) if checks else pd.DataFrame({"candidate": []})
bframe = bframe[bframe.candidate == name]
if bframe.empty:
    glue("budget_check", "none recorded for this candidate")
else:
    bsum = seed_search_summary(bframe, "111")
    steps_b = sorted(bsum.step.unique())
    bver = seed_search_verdict(bsum, cls="111", reached=REACHED).loc[name, "verdict"]
    glue("budget_check", f"at {', '.join(map(str, steps_b))} steps (record {checks[-1].name}) 111 ends at "
         + " / ".join(fmt_acc(a, REACHED) for a in bsum["111"])
         + f" on seeds {', '.join(str(s) for s in bsum.index.get_level_values(1))}"
         + f" ({', '.join(map(str, sorted(bframe.n_final.unique())))} samples per class at the end): {bver}")
    display(bsum.style.format("{:.2f}", subset=[c for c in bsum.columns if c not in ("step", "finished")])
            .set_caption(f"the chosen candidate stopped early ({checks[-1].name})"))
curves.T.style.format(lambda v: f"{v:.2f}" if not isinstance(v, (bool,)) else str(v)).set_caption(
    "111 at every evaluation of the chosen candidate, per seed (40 samples; 200 at the last)")

# %% [markdown]
# ## The `cpu` preset's searches in detail
#
# The sections below read the seed search and the corner search, and set them beside the book's own
# runs where the run store holds them (chapter 4's minimal set and chapter 8's mirrored set; read,
# never trained here). Chapter 4 and chapter 8 quote their conclusions.

# %%
import json

from cglib.book import resolve_scale
from cglib.concepts import PRESETS, mirror
from cglib.config import preset
from cglib.emergence import REACHED, fmt_acc, per_seed_final, record_frame
from cglib.runs import Run, run_dir, run_id

scale = resolve_scale(scale)
RESULTS = Path(results)
cfgs = [preset(scale, seed=s) for s in (0, 1, 2)]  # chapter 4's runs at its defaults
far = "111"


def stored_runs(train_classes):
    """The book's runs of this scale on ``train_classes``, seeds 0-2, where the run store holds them finished."""
    rs = [Run(run_dir(run_id(c)), c) for c in (preset(scale, seed=s, train_classes=train_classes) for s in (0, 1, 2))]
    rs = [r for r in rs if r.finished]
    return rs, (pd.concat([r.table().assign(seed=r.cfg.train.seed) for r in rs], ignore_index=True) if rs else None)


runs, tab = stored_runs(PRESETS["minimal"])
mruns, mtab = stored_runs(mirror(PRESETS["minimal"]))
finals = per_seed_final(tab) if runs else pd.DataFrame()
print(f"the book's runs in the store at scale {scale}: {len(runs)} of the minimal set, {len(mruns)} of the mirrored")

# %% [markdown]
# ## How chapter 4's recipe was chosen
#
# The `cpu` preset is the recipe of every chapter at the default scale. It was chosen by
# `recipe_search/seed_search.py` (rerun it to remake this record): each candidate trained on seeds 0, 1
# and 2 on a 2-core CPU, two single-thread runs at a time, judged at its last evaluation on 200
# samples per class. A candidate passes when `111` ends at {glue:text}`reached` or more on **every**
# seed, so it fails as soon as one finished seed ends below that, and the search stops training it.
# Verdicts: {glue:text}`verdicts`. The preset is the passing candidate with the best worst seed,
# or, when none passes, the candidate trained on the most seeds with the best worst seed
# (`cglib.emergence.chosen_candidate`, the rule the search script prints too):
# **{glue:text}`chosen`**. Are chapter 4's `cpu` runs that candidate's own runs (the same run
# ids)? {glue:text}`same_runs`.
#
# A run id names a config, not a machine: the same run trained on another CPU ends differently,
# because the order of floating-point operations changes the trajectory. The record was made on
# {glue:text}`record_machine`; this book was built on {glue:text}`page_machine`. Where the book's
# runs (chapter 4's, read from the run store) are the record's, their finals side by side: {glue:text}`record_vs_page`.

# %%
from cglib.runs import run_id
from recipe_search.verdicts import chosen_candidate, recorded_sweep, seed_search_summary, seed_search_verdict

newest_search = sorted(RESULTS.glob("seed_search_*.json"))[-1]
search = recorded_sweep(newest_search)
print(search.attrs["what"])
summ = seed_search_summary(search, "111")
verd = seed_search_verdict(summ, cls="111", reached=REACHED)
glue("verdicts", "; ".join(f"{c}: {r.verdict}" for c, r in verd.iterrows()))
chosen, worst, pool = chosen_candidate(verd)
glue("chosen", f"{chosen} (worst seed {worst:.2f}; {pool})")
ids = set(search[search.candidate == chosen].run_id) if "run_id" in search else set()
if scale != "cpu":
    glue("same_runs", f"not asked: the book ran at scale {scale!r}, the search judged the cpu preset")
else:
    same = {run_id(c) for c in cfgs} <= ids
    glue("same_runs", "yes" if same else "no: the preset is not the chosen candidate's recipe on these seeds")
display(verd.style.format("{:.2f}", subset=["worst"]).set_caption("each candidate's verdict"))
from cglib.records import machine
from recipe_search.catalog import entry

here = machine()
glue("record_machine", f"{entry(newest_search)['machine']} ({newest_search.name})")
glue("page_machine", f"{here['cpu']}, {here['cores']} cores, flags {', '.join(here['flags']) or 'none'}, torch "
     f"{here['torch']}" + (f", {here['gpu']}" if "gpu" in here else ""))
rec_far = summ.loc[chosen, "111"] if chosen in summ.index.get_level_values(0) else pd.Series(dtype=float)
both = [s for s in finals.columns if s in rec_far.index]
if scale == "cpu" and same and far == "111" and both:
    rec_pass, page_pass = bool((rec_far[both] >= REACHED).all()), bool((finals.loc[far, both] >= REACHED).all())
    side = "; ".join(f"seed {s}: record {fmt_acc(rec_far[s])}, this book {fmt_acc(finals.loc[far, s])}" for s in both)
    glue("record_vs_page", f"`111` at the last evaluation, {side}. " + (
        f"Both say the recipe {'passes' if page_pass else 'fails'} on these seeds." if rec_pass == page_pass else
        f"**The verdicts differ**: the record's runs {'pass' if rec_pass else 'fail'}, the book's "
        f"{'pass' if page_pass else 'fail'} (the corner search below judges the recipe on the machine it ran on)"))
else:
    glue("record_vs_page", "not compared: the run store holds none of the record's runs (another scale, seed, "
         "training set or recipe, or chapter 4 not built)")
fig, ax = plt.subplots(figsize=(6.2, 3.4))
for i, (cand, gc) in enumerate(search[search.concept_class == "111"].groupby("candidate")):
    for s, gs in gc.groupby("seed"):
        ax.plot(gs.step, gs.acc, color=plt.cm.tab10(i), lw=1.2, label=cand if s == gc.seed.min() else None)
ax.axhline(REACHED, color="k", ls=":", lw=1)
ax.set(xlabel="step", ylabel="accuracy of 111", ylim=(-0.02, 1.02), title="111 per candidate, one line per seed")
ax.legend(fontsize=8.5, frameon=False, bbox_to_anchor=(1, 1), loc="upper left")
plt.show()
summ.style.format("{:.2f}", subset=[c for c in summ.columns if c not in ("step", "finished")]).set_caption(
    "every candidate on every seed: accuracy with rejection at the last evaluation")

# %% [markdown]
# Every other recorded search (the smallest budget at which this recipe passes, the earlier recipes
# and their trials on an H100 and on the CPU, the GPU runs, the sampler re-judgements) is on the
# appendix page [How the recipes were chosen](research_log.ipynb), each with the script that remakes it
# and the machine it was made on.

# %% [markdown]
# ## A recipe from both corners
#
# Chapter 8's mirrored section asks whether chapter 4's recipe composes from the other corner. The
# corner search (`benchmarks/corner_search.py`, retired with the options it searched: `git show
# 51d9354:benchmarks/corner_search.py`; its verdicts are `recipe_search.verdicts`)
# judges candidates for the `cpu` preset from both: each trained on the minimal set and on its
# mirror, on seeds 0, 1 and 2, six runs per candidate. A candidate passes only when on all six the
# far class (`111`, `000`) is at {glue:text}`reached` or more at **each of its last
# {glue:text}`last_k` evaluations** (under a constant learning rate a capability comes and goes, so
# one last evaluation can pass by luck) and no distance group reaches the bar before a nearer one. A
# screen stops runs early and is judged the same way at the step it reached; its verdict says so.
# The newest record: {glue:text}`corner_record`. Verdicts: {glue:text}`corner_verdicts`.
#
# Where each candidate's far class fails, at each run's last evaluation (mean over the seeds judged;
# the weakest variable, and the share of samples the evaluator rejected as no valid object):
# {glue:text}`corner_bottleneck`. Where most samples are rejected every variable reads low: the
# model draws something too small, too faint or broken to be an object, not the wrong object; a low
# shape with few rejections means it draws the other shape.
#
# The best candidate so far, by its worst run (the lowest of the far class's last
# {glue:text}`last_k` evaluations, the least over its six runs; among candidates judged on all six):
# {glue:text}`corner_best`. The figure after the table shows it from both corners, every class, with
# the spread over its seeds.
#
# The concept-signal account of the mirrored section (its steps from the small triangle change fewer
# pixels) predicts that triangles of a circle's area, whose steps are larger (though the shape step
# stays well below the minimal set's), lift the mirrored far class under the same recipe (candidate
# `equal_area` against `base`); a rise of no more than the sampling noise (0.1) would refute it.
# Measured: {glue:text}`corner_signal`.
#
# Where the binding lives. From the mirrored set every candidate with the joint MLP draws the large
# circles (`010`, `000`) as large triangles. Is the binding made in the condition embedding, which
# sees the tuple whole and has never seen "circle" with "large"? Two candidates build the condition of
# `010`, the large blue circle, only from parts seen in training (circle with blue in `011`, blue with
# large in `110`): `size_table_equal_area` (the joint MLP of shape and colour plus a table for size,
# added) and `stage_split_equal_area` (the full-resolution blocks see shape and colour, the coarser
# ones size and colour, each through its own MLP, so that no embedding sees shape and size together).
# If the binding is in the embedding, they lift `010` above `equal_area`, the same recipe with one
# joint MLP; it is refuted if neither rises by more than the noise (0.1) on average, and then the
# binding is made in the network's features. Measured: {glue:text}`corner_embedding`. The additive
# tables (one vector per value, summed, so that no embedding joins any two variables) against the
# joint MLP: {glue:text}`corner_additive`. The last corner of {joint MLP, additive tables} x {every
# stage, split}: the stage split on the additive tables (`additive_stage_split_equal_area`), where
# neither an embedding nor a stage sees shape and size together. If the split frees what the tables
# alone leave bound, it lifts the mirrored far class above `additive_equal_area`; refuted if the mean
# rise is under the noise (0.1). Its minimal far class is compared the same way: {glue:text}`corner_split`.
#
# Two levers on the data and the schedule, both on `additive_equal_area`. From the mirrored corner the
# failing variable is shape, and there the shape step is the weakest of the cube (the mirrored section's
# contrasts). Section 4.3 makes a concept's frequency in the data the lever that sets when it composes:
# `additive_equal_area_shape2x` shows the shape step twice as often as each other step (2000 of the 5000
# images, the other three classes 1000 each; the step is named by its variable, so it means the same from
# both corners). If more shape data frees the circle from the size it was seen at, the mirrored `000`
# rises above `additive_equal_area`; refuted if the mean rise is under the noise (0.1). The other steps
# pay for it with fewer images, so the minimal `111` is compared too: {glue:text}`corner_frequency`.
#
# The same account acted on through the pixels instead of the frequency: `additive_equal_area_big_small`
# draws small objects larger and large ones a little smaller (radii 0.19-0.22 and 0.27-0.34 of the side, a
# small/large ratio of 0.67 instead of the paper's 0.59), so that from the mirrored origin the shape step
# changes half as many pixels again ({glue:text}`big_small_contrasts`) while size, the strongest step from
# there, loses little. If the shape step is weak for lack of ink, the mirrored large circles (`000`, and
# `010` one step from training) rise above `additive_equal_area`; refuted for a class if its mean rise is
# under the noise (0.1). Size becomes the weaker signal from the minimal corner, so its `111` is compared
# too: {glue:text}`corner_pixels`.
#
# The network or the sampler? Every evaluation draws with deterministic DDIM-20, and the mirrored `000` it
# draws is often a ragged red blob, as if the path from noise left the data. The same weights (each run's
# checkpoint at the screen's last step), sampled again with stochastic DDIM-20 (`eta` 1: fresh noise at
# every step, as ancestral sampling; `recipe_search/sampler_eval.py`, the sampler record of the research log),
# tell the two apart: if the failure were the sampler's, the mirrored far class would reach
# {glue:text}`reached` under the stochastic sampler on every run, and a single run below it refutes that:
# {glue:text}`corner_sampler`. Where the network draws small objects too faint to survive fresh noise, the
# stochastic sampler erases them; so it is no recipe either.
#
# Under a constant learning rate the far class comes and goes. `additive_equal_area_cosine` decays the rate
# to zero over the run, so that the network settles; if what it settles on composes, the far class ends
# near its best. The account is refuted on a run whose end (the lowest of its last {glue:text}`last_k`
# evaluations) is more than the noise (0.1) below its peak, and the data could show either: a run that
# holds its capability ends within 0.1 of its peak. Only a run whose far class was at least half right at
# some evaluation can test it. Per run trained to the full budget:
# {glue:text}`corner_decay`. The figure below draws its far class over training beside
# `additive_equal_area`'s (constant rate) on the same runs.
#
# A run id names a config, not a machine. This record's levers (the shape step's frequency, the larger small
# objects, the decaying rate), the `additive_equal_area` runs they are compared with and the re-sampled
# weights were trained on one machine, this record's; the older candidates keep the machines of the
# record before it, so their comparisons with `additive_equal_area` cross machines. How far the machine
# alone moves the same runs: {glue:text}`corner_machines`. And the book's own runs (chapters 4 and 8, read from the run store), from both corners, where the
# record holds the same run ids (`base`), trained on the machine that built the book:
# {glue:text}`corner_vs_page`.

# %%
from cglib.corners import CORNERS, LAST_K, corner_summary, far_class
from recipe_search.verdicts import best_candidate, corner_of, corner_verdict, judged, lifts, peak_and_end

glue("last_k", LAST_K)
corner_files = sorted(RESULTS.glob("corner_search_*.json"))
if corner_files:
    crec = json.loads(corner_files[-1].read_text())
    crec_all = record_frame(crec)
    csearch = crec_all[crec_all.corner.isin(CORNERS)]  # a recipe is judged from the book's two corners only
    csearch_overrides = {r["candidate"]: r["overrides"] for r in crec["runs"]}
    csumm = corner_summary(csearch)
    cverd = corner_verdict(csumm)
    glue("corner_record", f"{corner_files[-1].name}, made on {entry(corner_files[-1])['machine']}")
    glue("corner_verdicts", "; ".join(f"{c}: {r.verdict}" for c, r in cverd.iterrows()))
    # where each candidate's far class fails, per corner: its weakest variable at the last evaluation (mean over
    # seeds; a rejected sample counts as wrong on every variable), and how many of its samples were rejected
    mean = judged(csumm).groupby(level=["candidate", "corner"], sort=False)[["shape", "color", "size", "reject"]].mean()
    glue("corner_bottleneck", "; ".join(
        f"{cand} from the {corner} set: {r[['shape', 'color', 'size']].astype(float).idxmin()} "
        f"{r[['shape', 'color', 'size']].min():.2f}, {r.reject:.0%} rejected"
        for (cand, corner), r in mean.iterrows()))
    plots.corner_curves(csearch)
    plt.show()
    display(cverd.style.format("{:.2f}", subset=["worst"]).set_caption("each candidate's verdict from both corners"))
    display(csumm.style.format("{:.2f}", subset=[c for c in csumm.columns if pd.api.types.is_float_dtype(csumm[c])])
            .set_caption("every candidate on every corner and seed, at its last evaluation"))
    best = best_candidate(csumm)
    if best:
        bname, bworst, bmean = best
        bsteps = sorted(csumm.loc[bname].step.unique())
        changed = ", ".join(f"{k}={v!r}" for k, v in csearch_overrides[bname].items()) or "the 2026-11-28 preset"
        glue("corner_best", f"{bname} ({changed}), worst run {bworst:.2f}, mean over its six runs {bmean:.2f}, "
             f"judged at step {' or '.join(map(str, bsteps))}"
             + ("" if csumm.loc[bname].finished.all() else " (screened runs stop early)"))
        fig, axes = plt.subplots(2, 1, figsize=(8, 7))
        for ax, corner in zip(axes, CORNERS):
            g = csearch[(csearch.candidate == bname) & (csearch.corner == corner)]
            plots.plot_curves(g, "acc", ax=ax, title=f"{bname}, {corner} set: mean over seeds, band = min-max")
        fig.tight_layout()
        plt.show()
    else:
        glue("corner_best", "none yet (no candidate is judged on all six runs)")
    # the concept-signal account's test: base against the same recipe with triangles of a circle's area
    def lift_text(before, after, cls, corner="mirrored"):  # (verdict, "after against before on cls: ...")
        res = lifts(csearch, before, after, cls, corner=corner)
        if res is None:
            return None
        why = {"supported": "it rises by more than 0.1 on every seed", "refuted": "its mean rise is under 0.1",
               "not settled": "it rises on some seeds"}[res[0]]
        return res[0], (f"{after} against {before} on {cls} ({corner}): {res[0]}, {why} (lowest of its last {LAST_K} "
                        "evaluations, " + ", ".join(f"seed {s} {r.before:.2f} → {r.after:.2f}"
                                                    for s, r in res[1].iterrows()) + ")")

    sig = lift_text("base", "equal_area", "000")
    glue("corner_signal", sig[1] if sig else "not run yet (the record lacks base or equal_area from the mirrored set)")
    # where the binding lives: embeddings built from parts seen in training, against the joint MLP (equal_area)
    tests = [lift_text("equal_area", c, "010") for c in ("size_table_equal_area", "stage_split_equal_area")]
    if all(tests):
        verdicts = {t[0] for t in tests}
        glue("corner_embedding", "the binding made in the embedding: " + (
            "refuted" if verdicts == {"refuted"} else "supported" if "supported" in verdicts else "not settled")
            + "; " + "; ".join(t[1] for t in tests))
    else:
        glue("corner_embedding", "not run yet (the record lacks size_table_equal_area or stage_split_equal_area)")
    more = [lift_text("equal_area", "additive_equal_area", c) for c in ("010", "000")]
    glue("corner_additive", "; ".join(t[1] for t in more if t) or "not run yet")
    # a lever on additive_equal_area is read on both mirrored classes it fails and on the minimal far class
    on_best = (("000", "mirrored"), ("010", "mirrored"), ("111", "minimal"))
    for key, lever in (("corner_split", "additive_stage_split_equal_area"),
                       ("corner_frequency", "additive_equal_area_shape2x"),
                       ("corner_pixels", "additive_equal_area_big_small")):
        res = [lift_text("additive_equal_area", lever, c, corner) for c, corner in on_best]
        glue(key, "; ".join(t[1] for t in res if t) or "not run yet")
    from cglib.corners import contrasts
    from cglib.render import RenderConfig

    def drawn(cand):  # how a candidate of the record draws its training images (its sizes and triangles)
        o = {**crec["base"], **csearch_overrides[cand]}
        return RenderConfig(large=tuple(o["size_large"]), small=tuple(o["size_small"]), triangle=o.get("triangle", "box"))
    if {"additive_equal_area", "additive_equal_area_big_small"} <= set(csearch_overrides):
        px = [contrasts(CORNERS["mirrored"], drawn(c)) for c in ("additive_equal_area", "additive_equal_area_big_small")]
        glue("big_small_contrasts", ", ".join(f"{v} {px[0][v][2]:.0f} → {px[1][v][2]:.0f} px" for v in px[0]))
    else:
        glue("big_small_contrasts", "not computed (the record lacks the candidate)")
    # the network or the sampler: the newest sampler record whose runs are this record's, far class per run
    who = csearch.drop_duplicates("run_id").set_index("run_id")[["candidate", "corner", "seed"]]
    srec = [json.loads(q.read_text()) for q in sorted(RESULTS.glob("sampler_eval_*.json"))]
    srec = [r for r in srec if {x["run"] for x in r["rows"]} <= set(who.index)]
    if srec:
        acc = {(x["run"], x["sampler"]): x["acc"] for x in srec[-1]["rows"]}
        resampled = list(dict.fromkeys(x["run"] for x in srec[-1]["rows"]))
        far_of = {corner: far_class(members) for corner, members in CORNERS.items()}
        per = [(who.loc[r], *(acc[(r, k)][far_of[who.loc[r].corner]] for k in ("20:0", "20:1")))
               for r in resampled if (r, "20:1") in acc]
        n_s = srec[-1]["rows"][0]["n"]
        lifted = [(i, a, b) for i, a, b in per if i.corner == "mirrored"]
        glue("corner_sampler", f"{n_s} samples of the far class per run and sampler, deterministic → stochastic: " + "; ".join(
            f"{i.candidate} {i.corner} seed {i.seed} ({far_of[i.corner]}) {a:.2f} → {b:.2f}" for i, a, b in per)
            + f". The mirrored far class reaches {REACHED} under the stochastic sampler on "
            f"{sum(b >= REACHED for *_, b in lifted)} of {len(lifted)} runs, so the sampler account is "
            + ("refuted" if any(b < REACHED for *_, b in lifted) else "not refuted"))
    else:
        glue("corner_sampler", "not run yet (no sampler record re-samples this record's runs)")
    decay = "additive_equal_area_cosine"
    pe = peak_and_end(csearch, decay) if (csearch.candidate == decay).any() else None
    done = pe[pe.finished] if pe is not None else None
    if done is not None and len(done):
        lost, tested = done.end < done.peak - 0.1, done.peak >= 0.5  # a run that never drew half of it right tests nothing
        glue("corner_decay", f"refuted on {int((lost & tested).sum())} of the {int(tested.sum())} runs whose far class "
             f"reached 0.5 at some evaluation ({len(done)} trained); " + "; ".join(
            f"{corner} seed {seed} ({r.far}): peak {r.peak:.2f} at step {r.peak_step}, end {r.end:.2f} at step "
            f"{r.step} ({('lost' if lost[(corner, seed)] else 'held') if tested[(corner, seed)] else 'never reached 0.5'})"
            for (corner, seed), r in done.iterrows()))
        rows = -(-len(done) // 2)  # two panels a row, so that the text stays readable in the book's column
        fig, axes = plt.subplots(rows, 2, figsize=(7, 2.6 * rows), sharey=True, squeeze=False)
        for ax in axes.flat[len(done):]:
            ax.set_visible(False)
        for ax, ((corner, seed), r) in zip(axes.flat, done.iterrows()):
            for cand, style in ((decay, "-o"), ("additive_equal_area", "--s")):
                g = csearch[(csearch.candidate == cand) & (csearch.corner == corner) & (csearch.seed == seed)
                            & (csearch.concept_class == r.far)].sort_values("step")
                if len(g):
                    ax.plot(g.step, g.acc, style, ms=3, label="cosine rate" if cand == decay else "constant rate")
            ax.axhline(REACHED, color="grey", lw=0.8, ls=":")
            ax.set_title(f"{corner} seed {seed}: {r.far}", fontsize=9)
            ax.set_xlabel("step")
        for ax in axes[:, 0]:
            ax.set_ylabel("far class accuracy")
        axes[0][0].legend(fontsize=8)
        fig.tight_layout()
        plt.show()
    else:
        glue("corner_decay", "not run yet (the record has no finished run of additive_equal_area_cosine)")
    # the same run ids on two machines: a candidate in the previous record and in this one, read at the last step
    # both reached (lifts), so a comparison across machines can be weighed against the shift a machine makes alone
    shift = []
    if len(corner_files) > 1:
        prev = record_frame(json.loads(corner_files[-2].read_text()))
        here = {r["run_id"] for r in crec["runs"] if r.get("trained_on", "").startswith("this record's")}
        ids = set(prev.run_id) & here  # trained again by this record (a run read back from the previous one is a copy)
        prev = prev[prev.run_id.isin(ids) & prev.corner.isin(CORNERS)].assign(candidate=lambda f: f.candidate + " before")
        for cand in sorted(set(prev.candidate.str.removesuffix(" before"))):
            for corner in CORNERS:
                now = csearch[(csearch.candidate == cand) & (csearch.corner == corner) & csearch.run_id.isin(ids)]
                far = far_class(CORNERS[corner])
                res = lifts(pd.concat([prev, now]), cand + " before", cand, far, corner=corner)
                if res:
                    shift += [(cand, corner, far, s, r.before, r.after) for s, r in res[1].iterrows()]
    if shift:
        glue("corner_machines", f"{len(shift)} runs that {corner_files[-2].stem} also holds, trained again by this record "
             f"(lowest of the last {LAST_K}, the earlier record first): " + "; ".join(
                 f"{cand} {corner} seed {s} ({far}) {a:.2f} → {b:.2f}" for cand, corner, far, s, a, b in shift)
             + f"; the largest shift {max(abs(b - a) for *_, a, b in shift):.2f}")
    else:
        glue("corner_machines", "none (no run of this record was trained again from the previous record's ids)")
    # this page's own runs (both corners) beside the record's runs of the same ids, read as `lifts` reads two
    # candidates (lowest of the last LAST_K up to the last step both reached): the machine's shift on the verdict
    page = [(t_, rs) for t_, rs in ((tab, runs), (mtab, mruns)) if rs]
    own = pd.concat([t_.assign(corner=corner_of(rs[0].cfg.train.train_classes)) for t_, rs in page]) if page else None
    both = pd.concat([csearch[csearch.run_id.isin({r.id for _, rs in page for r in rs})].assign(candidate="record"),
                      own.assign(candidate="this page")], ignore_index=True) if page else None
    pairs = []
    for corner in CORNERS if page else ():
        res = lifts(both, "record", "this page", far_class(CORNERS[corner]), corner=corner)
        if res:
            pairs += [(corner, s, far_class(CORNERS[corner]), r.before, r.after) for s, r in res[1].iterrows()]
    if pairs:
        differ = [p for p in pairs if (p[3] >= REACHED) != (p[4] >= REACHED)]
        glue("corner_vs_page", f"lowest of the last {LAST_K}, the record first: " + "; ".join(
            f"{c} seed {s} ({f_}) {fmt_acc(a)} → {fmt_acc(b)}" for c, s, f_, a, b in pairs) + (
            ". **The verdicts differ** on " + ", ".join(f"{c} seed {s}" for c, s, *_ in differ) if differ else
            ". Every run holds or misses the bar on both machines alike"))
    else:
        glue("corner_vs_page", "not compared: the record holds none of this page's runs (another scale, seed or "
             "training set)")
else:
    for k in ("corner_record", "corner_verdicts", "corner_bottleneck", "corner_best", "corner_signal",
              "corner_embedding", "corner_additive", "corner_split", "corner_frequency", "corner_pixels",
              "big_small_contrasts", "corner_sampler", "corner_decay", "corner_machines", "corner_vs_page"):
        glue(k, "none yet")

# %% [markdown]
# ## Why the mirrored set fails: the other two corners
#
# The two corners differ in more than their origin. In the minimal set the triangle is seen only
# large and must be drawn small (`111`, `101`); in the mirrored set the circle is seen only small and
# must be drawn large (`000`, `010`), and that is where it fails, on shape. Three accounts fit both
# results, and the other two corners of shape and size tell them apart. From `001`, the small red
# circle (training set {glue:text}`probe_sets`), the triangle is seen only small and must be drawn
# large (far class `110`); from `110`, the large blue triangle, the circle is seen only large and must
# be drawn small (far class `001`). Each account predicts which of the two composes:
#
# {glue:text}`probe_predictions`
#
# A corner *composes* when its far class's mean over seeds is at {glue:text}`reached` or more and
# *fails* below half of that (`corners.corner_outcome`); an account is refuted when a corner it says
# composes fails, or one it says fails composes. Every outcome could have happened: if both corners
# fail, all three accounts are refuted. Trained with `base` (the `cpu` preset, chosen on 2026-11-28) on
# seeds 0, 1 and 2, from the corner search's record: {glue:text}`probe_steps`. The far class per
# corner, mean over the seeds (per seed), and how often the evaluator read its shape and its size as
# asked: {glue:text}`probe_outcome`. Verdicts: {glue:text}`probe_verdicts`.
#
# Read together: {glue:text}`probe_reading`. Where shape alone fails, the size condition carries the
# shape that the training set showed at that size; a lever for the `cpu` preset has to loosen that
# binding (the additive condition embedding loosened it in part; embeddings that keep shape and
# size apart did not: the record above) rather than strengthen any single concept's signal.

# %%
from cglib.corners import PROBE_CORNERS
from recipe_search.verdicts import ACCOUNTS, probe_verdict

glue("probe_sets", "; ".join(f"{k} {{{', '.join(v)}}}" for k, v in PROBE_CORNERS.items()))
glue("probe_predictions", "; ".join(f"{a}: " + ", ".join(f"{c} {'composes' if w else 'fails'}" for c, w in p.items())
                                    for a, p in ACCOUNTS.items()))
probe = crec_all[crec_all.candidate.eq("base")] if corner_files else None
if probe is not None and probe.corner.isin(PROBE_CORNERS).any():
    psumm = corner_summary(probe)
    outcome, pverdict = probe_verdict(psumm)
    per = psumm.loc["base"]  # one row per (corner, seed)
    mean = per.groupby(level="corner", sort=False)[["final", "shape", "size"]].mean()
    glue("probe_steps", ", ".join(f"{c} to step {int(g.step.max())}" for c, g in probe.groupby("corner", sort=False)))
    glue("probe_outcome", "; ".join(
        f"{c} ({g.far.iloc[0]}) {mean.final[c]:.2f} ({' / '.join(f'{v:.2f}' for v in g.final)}): {outcome[c]} "
        f"(its shape read right {mean['shape'][c]:.2f}, its size {mean['size'][c]:.2f})"
        for c, g in per.groupby(level="corner", sort=False)))
    glue("probe_verdicts", "; ".join(f"{v}: {a}" for a, v in pverdict.items()))
    bound = [c for c in outcome if outcome[c] == "fails" and mean["shape"][c] < 0.2 and mean["size"][c] >= REACHED]
    composes = [c for c in outcome if outcome[c] == "composes"]
    glue("probe_reading", f"the far class fails on shape alone (size right, shape read right in under a fifth) from "
         f"{len(bound)} of the {len(outcome)} corners trained ({', '.join(bound) or 'none'}): there the network draws "
         f"the shape it saw at the size asked for; it composes from {', '.join(composes) or 'none'}")
    plots.corner_curves(probe, title=" (base)")
    plt.show()
    display(psumm[["step", "far", "final", "reject", "shape", "color", "size", "worst distance 1", "order"]]
            .style.format("{:.2f}", subset=["final", "reject", "shape", "color", "size", "worst distance 1"])
            .set_caption("base from every corner of shape and size, at its last evaluation"))
else:
    for k in ("probe_steps", "probe_outcome", "probe_verdicts", "probe_reading"):
        glue(k, "not in the record (the corner search that trained the probe corners is retired: "
                "`git show 51d9354:benchmarks/corner_search.py`)")
