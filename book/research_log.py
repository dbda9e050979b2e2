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
# `benchmarks/results/`, written by the script named beside it from the runs it trained. This page
# shows **every** record, oldest first, as a table and a plot computed from the file when the book
# is built: nothing on it is typed in except what each record decided and where it was made (a test
# fails when a record in `benchmarks/results/` is shown by no page). Scripts of retired presets are
# gone from `benchmarks/`; the commit that still holds each is named, so `git show COMMIT:PATH`
# brings it back.
#
# A run id names a config, not a machine: the same config trained on another machine or device ends
# differently (floating-point order changes the trajectory), so each record is shown with the machine
# it was made on. Chapter 4 shows the newest seed search, the one its preset comes from.

# %% tags=["parameters"]
results = "../benchmarks/results"  # the records (the page runs from book/)

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from cglib import plots
from cglib.book import glue
from cglib.emergence import recorded_sweep
from cglib.records import entry, record_files, summary

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
from cglib.records import chosen_runs

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
# runs stopped there were trained and judged like finished runs (`benchmarks/seed_search.py
# --budget-steps`), on the search's seeds and on seeds it never saw: {glue:text}`budget_check`.
# Its verdict follows the same rule as the search (`111` at {glue:text}`reached` or more on every
# finished seed).

# %%
from cglib.emergence import REACHED, fmt_acc, passing_steps, seed_search_summary, seed_search_verdict

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
