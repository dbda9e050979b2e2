"""The research log's catalogue: every record in ``recipe_search/results``, what remakes it, where it was
made and what it decided; and how a search's record is read back (``summary``, ``chosen_runs``) or
written (``run_entry``, ``recorded_entry``).

A run id names a config, not a machine: the same config trained on two machines ends differently, because
floating-point order changes the trajectory.  So a record says where it was made (``cglib.records.machine``),
and the log page shows each record beside its machine and date.

Used in: book/research_log, recipe_search/seed_search.py, benchmarks/readme.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from cglib.emergence import record_frame

from .verdicts import seed_search_summary, trial_summary

#: Where the searches' records live.
RESULTS = Path(__file__).resolve().parent / "results"

#: The machines the records were made on, as the sessions that made them described them.
MACHINE_2026_11_26 = "2 x86-64 cores, 24 GiB, no GPU (the development machine of 2026-11-26)"


MACHINE_2026_11_28 = "2 x86-64 cores (AVX2, about 2 GHz), 24 GiB, no GPU (the development machine of 2026-11-28)"


MACHINE_2026_12_02 = ("2 AMD EPYC cores (AVX-512 and AVX-512-BF16, no AMX), 24 GiB, no GPU "
                      "(the development machine of 2026-12-01 and 2026-12-02)")


MACHINE_2026_12_02_AVX2 = ("2 AMD EPYC cores (AVX2 and FMA, no AVX-512), 24 GiB, no GPU (the development machine "
                           "of the evening of 2026-12-02)")


MACHINE_2026_12_03 = ("2 AMD EPYC cores (AVX2 and FMA, no AVX-512), 24 GiB, no GPU (the development machine "
                      "of 2026-12-03)")


MACHINE_2026_12_04 = ("2 Intel Xeon cores (AVX-512, AVX-512-BF16 and AMX), 24 GiB, no GPU (the development "
                      "machine of the evening of 2026-12-04)")


#: One entry per record file (by stem): how to read it (``kind``), the script and command that remake it,
#: the machine it was made on, what it decided, and for a retired script the commit that still holds it.
CATALOG = {
    "recipe_sweep_h100_2026-11-26": dict(
        kind="trials", script="benchmarks/sweep_recipes.py (retired; git show 8ca5d2d:benchmarks/sweep_recipes.py)",
        command="python benchmarks/sweep_recipes.py --paper --workers 16 --deadline 440",
        machine="one NVIDIA H100 80GB, 16 runs sharing it", made="af4bbda",
        decided="the cpu preset of 2026-11-26: the one-hot tuple through an MLP, FiLM in every block, v target "
                "(the variant that composed 111 fastest on one seed); retired on 2026-11-28 by the seed search"),
    "seed_sweep_h100_2026-11-26": dict(
        kind="trials", script="benchmarks/sweep_recipes.py (retired; git show 8ca5d2d:benchmarks/sweep_recipes.py)",
        command="python benchmarks/sweep_recipes.py --family seeds --epochs 50 --eval-every 160 --workers 8 "
                "--deadline 185",
        machine="one NVIDIA H100 80GB, 8 runs sharing it", made="af4bbda",
        decided="that recipe's 111 depends on the seed, with or without a cosine decay: the reason every later "
                "search judges three seeds"),
    "cpu_trials_2026-11-26": dict(
        kind="trials", script="benchmarks/cpu_trials.py (retired; git show 8ca5d2d:benchmarks/cpu_trials.py)",
        command="python benchmarks/cpu_trials.py --collect --out benchmarks/results/cpu_trials_2026-11-26.json",
        machine=MACHINE_2026_11_26, made="eda750a",
        decided="no variant of the 2026-11-26 preset (T, condition dropout, weight decay, more images, width 16) "
                "passed on the seeds where it failed; the preset kept T = 400"),
    "sampler_eval_2026-11-26": dict(
        kind="sampler", script="recipe_search/sampler_eval.py",
        command="python recipe_search/sampler_eval.py runs/trials/run-<id> ... --n 100 --samplers 20:0,20:1",
        machine=MACHINE_2026_11_26, made="eda750a",
        decided="stochastic DDIM (eta 1) gave no consistent gain over deterministic DDIM on the same weights, so "
                "the presets keep eta 0; the spread between calls shows how noisy one evaluation is"),
    "seed_search_2026-11-28": dict(
        kind="seed_search", script="recipe_search/seed_search.py",
        command="python recipe_search/seed_search.py --collect --out recipe_search/results/seed_search_2026-11-28.json",
        machine=MACHINE_2026_11_28 + ", two single-thread runs at a time", made="babcd21",
        decided="the cpu preset: the candidate chosen by cglib.emergence.chosen_candidate (chapter 4 shows the rule)"),
    "budget_check_2026-11-29": dict(
        kind="seed_search", script="recipe_search/seed_search.py",
        command="python recipe_search/seed_search.py --candidates b64_drawn_ratio59 --budget-steps 640 "
                "--seeds 0,1,2,3,4,5 --out recipe_search/results/budget_check_2026-11-29.json",
        machine=MACHINE_2026_11_28 + ", two single-thread runs at a time", made="0ec3c4a",
        decided="whether the chosen recipe passes at a third of its budget; the preset kept its full budget"),
    "gpu_seed_search_2026-11-28": dict(
        kind="seed_search", script="recipe_search/seed_search.py",
        command="python recipe_search/seed_search.py --candidates b64_drawn_wide,b64_drawn_wide_decay,"
                "b64_drawn_wide_2x,b64_drawn_wide_decay_2x --out recipe_search/results/gpu_seed_search_<date>.json",
        machine="one NVIDIA H200, six runs at a time", made="86082d7",
        decided="the lr-decay lever was then tried on the CPU, where it failed: one device's floating-point "
                "order cannot choose a recipe for another"),
    "paper_gpu_chapter4_2026-11-28": dict(
        kind="seed_search", script="benchmarks/gpu_chapter4.py",
        command="git checkout 86082d7 && python benchmarks/gpu_chapter4.py --out "
                "benchmarks/results/paper_gpu_chapter4_<date>.json (the paper preset has changed since: at this "
                "commit the same command runs the paper's own network)",
        machine="one NVIDIA H200, three runs at a time", made="86082d7",
        decided="the paper preset of that day (this library's U-Net with the official optimiser and "
                "conditioning; not the official network) did not compose 111 on any seed"),
    "corner_search_2026-12-02": dict(
        kind="corner_search", script="benchmarks/corner_search.py (retired; git show 51d9354:benchmarks/corner_search.py)",
        command="git checkout 51d9354 && python benchmarks/corner_search.py --collect --out benchmarks/results/corner_search_2026-12-02.json",
        machine=MACHINE_2026_12_02 + ", two single-thread runs at a time (base's minimal-set runs: the seed "
                "search's, " + MACHINE_2026_11_28 + "; base from the probe corners: " + MACHINE_2026_12_02_AVX2 + ")",
        made="a7b1999, extended in d15d22e, cdca4c5, 91541ec and 2192361 (the probe corners)",
        decided="no candidate for the cpu preset: none holds both far classes on all six runs. The preset (base) "
                "never composes 000 from the mirrored set (shape wrong: large rounded triangles). Screened at "
                "960 steps on all six runs: wider small sizes and attention compose the minimal set on most "
                "seeds and never the mirrored one; the additive condition embedding lifts the mirrored 000 "
                "(shape still the weak variable) and draws the minimal set's 111 too small to be an object; "
                "with triangles of a circle's area (additive_equal_area, the best by its worst run) 111 holds "
                "on seeds 0 and 2 and still vanishes on seed 1, and 000 stays at 0.45-0.60 (blobs between a "
                "circle and a rounded triangle); per-variable MLPs summed do neither well; the joint MLP and "
                "the additive tables summed (mlp_and_additive) fail as the additive half does (111 empty on "
                "seed 0); base with triangles of a circle's area (equal_area) holds 111 at 0.93-1.00 on every "
                "seed and leaves 000 at 0.00 on every seed (large red triangles): making the mirrored set's "
                "steps 25-57% larger (shape still a third of the minimal set's) did not lift it. Base from the other two "
                "corners of shape and size (screens at 960 steps, seeds 0-2): from 001 the far class 110 is 0.00 "
                "on every seed (large blue circles: the triangle is never drawn large), from 110 the far class "
                "001 is 0.00 on every seed (small red triangles: the circle is never drawn small); shape is "
                "bound to the size it was seen at from three of the four corners, and composes only from the "
                "paper's (every account of corners.ACCOUNTS refuted)"),
    "corner_search_2026-12-03": dict(
        kind="corner_search", script="benchmarks/corner_search.py (retired; git show 51d9354:benchmarks/corner_search.py)",
        command="git checkout 51d9354 && python benchmarks/corner_search.py --collect --corners minimal,mirrored,small_circle,large_triangle "
                "--out benchmarks/results/corner_search_2026-12-03.json",
        machine=MACHINE_2026_12_03 + ", two single-thread runs at a time (additive_equal_area_dropvar, "
                "size_table_equal_area, stage_split_equal_area, additive_stage_split_equal_area, and "
                "additive_equal_area's minimal seed 1 and mirrored seed 2 at full budget); every other run is read back from "
                "corner_search_2026-12-02 and keeps its machine there",
        made="8b9c956: corner_search_2026-12-02 and one more candidate; remade after 4bf2eea with two more "
             "(size_table_equal_area, stage_split_equal_area), whose mirrored seed-0 runs were trained by a repeated "
             "screen to step 1120 (fixed in 4bf2eea) and are judged there; remade again with "
             "additive_stage_split_equal_area and additive_equal_area's two full-budget runs",
        decided="still no candidate for the cpu preset. additive_equal_area with each variable dropped alone in 15% "
                "of training conditions (additive_equal_area_dropvar) fails on every one of its six runs at 960 "
                "steps (far class 0.00-0.05). The minimal set's 111: small blue blobs (seed 0), small blue circles "
                "(seed 1), small purple blobs and empty canvases, 93% rejected (seed 2). The mirrored set's 000: "
                "large red triangles (seeds 0 and 2), blue blobs between a circle and a triangle, colour wrong on "
                "every sample (seed 1). Two candidates that keep shape and size apart in the condition embedding, "
                "size through its own table added to the joint MLP of shape and colour (size_table_equal_area) "
                "and size only into the coarse blocks, shape only into the full-resolution ones "
                "(stage_split_equal_area), fail on all six runs (far class 0.00-0.23): the minimal set's 111 comes "
                "out as small blue circles and the mirrored 000 as large red triangles on every seed, and the "
                "mirrored 010, whose condition is built only from parts seen in training, stays at 0.00-0.12 "
                "(equal_area: 0.00-0.03). The binding of shape to size is made in the features, not the "
                "embedding; the joint MLP is what lets 111 compose from the minimal set (equal_area 0.92-1.00), "
                "and only the fully additive tables lift the mirrored set (000 0.45-0.60). The stage split on the "
                "additive tables (additive_stage_split_equal_area) fails on all six runs as the split alone does "
                "(111 small blue circles, 000 large red triangles). additive_equal_area confirmed at full budget "
                "(1954 steps) on its two weakest runs, retrained on this machine: the minimal 111 on seed 1 holds "
                "(0.90 or more at its last three, 0.92 at the end; 0.23 at 960 steps on the 2026-12-02 machine) "
                "and the mirrored 000 on seed 2 fails (0.38-0.51, shape the weak variable), so it fails at full "
                "budget"),
    "corner_search_2026-12-04": dict(
        kind="corner_search", script="benchmarks/corner_search.py (retired; git show 51d9354:benchmarks/corner_search.py)",
        command="git checkout 51d9354 && python benchmarks/corner_search.py --collect --corners minimal,mirrored,small_circle,large_triangle "
                "--out benchmarks/results/corner_search_2026-12-04.json",
        machine=MACHINE_2026_12_04 + ", two single-thread runs at a time: additive_equal_area_shape2x, "
                "additive_equal_area_big_small and additive_equal_area_cosine, and additive_equal_area screened again "
                "at 960 steps on all six runs so that the levers are compared with it on one machine (its full-budget "
                "runs of 2026-12-03 stay in that record); every other run is read back from corner_search_2026-12-03 and keeps its machine there",
        made="corner_search_2026-12-03 and three more candidates on additive_equal_area",
        decided="no candidate passes. additive_equal_area_shape2x (the shape step twice as often) fails the screen: "
                "against additive_equal_area screened on the same machine, the mirrored 000 (lowest of the last three "
                "at 960 steps) 0.68 / 0.55 / 0.42 -> 0.55 / 0.65 / 0.60 (refuted: mean rise under 0.1), 010 rises on "
                "seeds 0 and 1 only (0.38 -> 0.75, 0.33 -> 0.65, 0.25 -> 0.35; large ragged blobs, neither circle "
                "nor triangle), and the minimal 111 on seed 0 falls from 0.70 to 0.07 (specks, drawn too small). "
                "additive_equal_area_cosine (rate decayed to 0), at full budget on four runs: the far class peaks "
                "and is lost on minimal seed 1 (0.88 at step 800, 0.21 at the end, 101 and 111 empty canvases) and "
                "mirrored seed 2 (0.70 at step 480, 0.33: large rounded triangles), held on minimal seed 0 (0.95), "
                "and never composes on mirrored seed 0 (0.05 at best): it fails. additive_equal_area stays the best "
                "by its worst run (0.42 here at 960 steps, the mirrored seed 2); the same six run ids moved by up to "
                "0.15 between this machine and the previous record's. Added the same evening on the same machine: "
                "additive_equal_area_big_small (small objects drawn larger, radii 0.19-0.22 and 0.27-0.34) fails the "
                "screen: the mirrored 000 (lowest of the last three at 960 steps) 0.68 / 0.55 / 0.42 -> 0.68 / 0.30 / "
                "0.72 (refuted: mean rise under 0.1), the minimal 111 0.70 / 0.53 / 0.85 -> 0.85 / 0.82 / 0.03; "
                "additive_equal_area_cosine completed on its last two runs at full budget: lost again on both "
                "(minimal seed 2 111 0.50 at step 640 -> 0.23, specks and empty canvases; mirrored seed 1 000 0.72 at "
                "step 960 -> 0.56), so a decaying rate loses the far class on four of the five runs that reached 0.5"),
    "sampler_eval_2026-12-04": dict(
        kind="sampler", script="recipe_search/sampler_eval.py",
        command="python recipe_search/sampler_eval.py runs/run-<id> ... --n 200 --samplers 20:0,20:1 --classes 000,111 "
                "(the twelve screened runs of additive_equal_area and additive_equal_area_big_small in "
                "corner_search_2026-12-04, at their step-960 checkpoints)",
        machine=MACHINE_2026_12_04 + ", one process, two threads",
        made="corner_search_2026-12-04's screens, re-sampled",
        decided="the sampler is not the lever: stochastic DDIM (eta 1) on the same weights lifts the mirrored 000 by "
                "0.21-0.30 on four of six runs (ragged blobs drawn round) but to 0.8 on only three, leaves it on two "
                "(0.32 -> 0.34, 0.69 -> 0.73: the network draws the wrong shape), and erases the minimal 111 where the "
                "network draws it too small (0.44 -> 0.01); evaluations keep deterministic DDIM-20 (chapter 4 gives "
                "every run)"),
}


def run_entry(cfg, root, **labels) -> dict | None:
    """A record's entry for the run of ``cfg`` in the run store ``root`` (``labels`` first: candidate, seed,
    corner, overrides), or None when the store holds no evaluation of it: its id, whether it finished, its
    step budget and seconds, the samples per class of its last evaluation, and every metrics row."""
    from cglib.runs import Run, run_dir, run_id
    r = Run(run_dir(run_id(cfg), root), cfg)
    m = r.metrics()
    if not m:
        return None
    return {**labels, "run_id": r.id, "finished": r.finished, "steps": cfg.train.steps,
            "wall_s": max(x["wall_s"] for x in m),
            "n_final": cfg.train.n_eval_final if r.finished else cfg.train.n_eval, "metrics": m}


def recorded_entry(rid: str, results: str | Path) -> dict | None:
    """The most complete entry of run ``rid`` in the records of ``results`` (a finished one first, then the
    most steps), with ``trained_on``: the record's file and the machine it names; None if no record has it."""
    found = []
    for path in record_files(results):
        rec = json.loads(path.read_text())
        for r in rec.get("runs", []):
            if r.get("run_id") == rid:
                where = rec.get("written_on") or CATALOG.get(path.stem, {}).get("machine", "an unrecorded machine")
                found.append({**r, "trained_on": f"{path.name}: {where}"})
    return max(found, key=lambda r: (r["finished"], max(x["step"] for x in r["metrics"])), default=None)


def record_files(results: str | Path) -> list[Path]:
    """Every record in ``results`` (a ``recipe_search/results`` folder), oldest date first."""
    return sorted(Path(results).glob("*.json"), key=lambda p: (p.stem[-10:], p.stem))


def entry(path: str | Path) -> dict:
    """The catalogue entry of a record file; a record nobody catalogued is an error that names the fix."""
    stem = Path(path).stem
    if stem not in CATALOG:
        raise KeyError(f"record {Path(path).name} has no entry in recipe_search.catalog.CATALOG: add its script, command, "
                       "machine and decision there so that the research log shows it")
    return {"name": Path(path).name, "date": stem[-10:], **CATALOG[stem]}


def summary(path: str | Path) -> pd.DataFrame:
    """A record as the table the research log shows: per candidate and seed for seed searches
    (``seed_search_summary``), per candidate, corner and seed for corner searches (``corners.corner_summary``),
    per variant for trials (``trial_summary``), per run and sampler for
    sampler re-judgements."""
    rec = json.loads(Path(path).read_text())
    kind = entry(path)["kind"]
    if kind == "sampler":
        rows = [{"run": r["run"], "sampler": r["sampler"], "samples": r["n"], **r["acc"], "seconds": r["seconds"]}
                for r in rec["rows"]]
        return pd.DataFrame(rows).set_index(["run", "sampler"])
    frame = record_frame(rec)
    if kind == "corner_search":
        from cglib.corners import corner_summary
        return corner_summary(frame)
    return seed_search_summary(frame, "111") if kind == "seed_search" else trial_summary(frame)


def chosen_runs(path: str | Path, cls: str = "111") -> tuple[str, pd.DataFrame]:
    """The candidate that a seed-search record chooses (``emergence.chosen_candidate``) and its runs' metrics
    (one row per evaluation, class and seed): Fig. 5's curves as the search trained them."""
    from cglib.emergence import REACHED

    from .verdicts import chosen_candidate, seed_search_verdict
    frame = record_frame(json.loads(Path(path).read_text()))
    verdict = seed_search_verdict(seed_search_summary(frame, cls), cls=cls, reached=REACHED)
    name = chosen_candidate(verdict)[0]
    return name, frame[frame.candidate == name]
