"""The README's figure and the record-backed numbers of its findings table, computed from recipe_search/results/.

Usage: python benchmarks/readme.py [--png book/figures/fig5_record.png]
Writes Fig. 5's curves (mean and min-max band over seeds) of the candidate that the newest seed search chose,
drawn by cglib.plots.plot_curves as the research-log page draws them, and prints, per record that a finding
rests on, the numbers the README quotes (with the record's name and date).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runs from a checkout where cglib may not be installed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--png", default=str(ROOT / "book" / "figures" / "fig5_record.png"))
    a = ap.parse_args()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cglib import plots
    from cglib.emergence import REACHED, fmt_acc
    from recipe_search.catalog import RESULTS as results, chosen_runs, entry
    from recipe_search.verdicts import recorded_sweep, seed_search_summary
    newest = sorted(results.glob("seed_search_*.json"))[-1]
    name, frame = chosen_runs(newest)
    fig, ax = plt.subplots(figsize=(8, 3.8), dpi=110)
    plots.plot_curves(frame, "acc", ax=ax, title=f"Fig. 5(b): {name} ({newest.name}),\n"
                                                  f"mean and min-max band over {frame.seed.nunique()} seeds")
    ax.set_ylabel("accuracy with rejection")
    fig.tight_layout()
    Path(a.png).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(a.png)
    print(f"wrote {a.png}")
    summ = seed_search_summary(recorded_sweep(newest), "111").loc[[name]]  # the README's first finding
    e = entry(newest)
    per_seed = " / ".join(fmt_acc(v, REACHED) for v in summ["111"])
    seeds = ", ".join(str(s) for s in summ.index.get_level_values(1))
    print(f"{newest.name} ({e['date']}, {e['machine']}): {name} at step {summ.step.max()}, "
          f"111 ends at {per_seed} on seeds {seeds}")


if __name__ == "__main__":
    main()
