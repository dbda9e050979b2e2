"""The toy model of multiplicative emergence.

Paper: section 4, "Toy analysis", Fig. 7.  ``n`` atomic abilities are each
learned at a step with probability ``p`` and never forgotten, so a composition
of ``n`` abilities is learned by step ``t`` with probability

    P(n, t) = (1 - (1 - p)^t)^n,

and the critical time to reach a threshold ``P*`` is

    t* = ceil( log(1 - P*^(1/n)) / log(1 - p) ).

Beyond the paper: unequal rates ``p_i`` (the slowest ability dominates), the
additive measure beside the multiplicative one, a seeded Monte-Carlo of
Bernoulli learners, and a fit of the toy model to a diffusion run's
per-variable accuracies.

Used in: book/02_toy_model.
"""
from __future__ import annotations


import numpy as np

# ---------------------------------------------------------------- argument checks


def _check_p(p):
    p = np.asarray(p, float)
    if np.any((p <= 0) | (p >= 1)) or np.any(np.isnan(p)):
        raise ValueError(f"p={p.tolist()!r} is not allowed; each rate must lie in (0, 1)")
    return p


def _check_n(n):
    arr = np.asarray(n)
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(arr == np.round(arr))):
        raise ValueError(f"n={n!r} is not allowed; n must be an integer >= 1")
    if np.any(arr < 1):
        raise ValueError(f"n={n!r} is not allowed; n must be an integer >= 1")
    return arr.astype(int)


def _check_pstar(pstar):
    ps = np.asarray(pstar, float)
    if np.any((ps <= 0) | (ps >= 1)):
        raise ValueError(f"P*={pstar!r} is not allowed; the threshold must lie in (0, 1)")
    return ps


# ---------------------------------------------------------------- closed forms (Fig. 7)


def p_learned(n, t, p):
    """P(n, t) = (1 - (1 - p)^t)^n: probability that all n abilities are learned by step t (broadcasts)."""
    n, p = _check_n(n), _check_p(p)
    t = np.asarray(t, float)
    if np.any(t < 0):
        raise ValueError("t must be >= 0")
    return (1 - (1 - p) ** t) ** n


def critical_time(n, p, pstar):
    """t* = ceil(log(1 - P*^(1/n)) / log(1 - p)): the least step with P(n, t) >= P* (broadcasts)."""
    n, p, ps = _check_n(n), _check_p(p), _check_pstar(pstar)
    return np.ceil(np.log(1 - ps ** (1.0 / n)) / np.log(1 - p)).astype(int)


def p_learned_rates(t, rates):
    """Unequal rates: prod_i (1 - (1 - p_i)^t), for rates (k,) and steps t (T,). Returns (T,)."""
    rates = _check_p(rates)
    t = np.asarray(t, float)[:, None]
    return np.prod(1 - (1 - rates[None]) ** t, axis=1)


def additive_rates(t, rates):
    """The additive measure: the mean over abilities of P(ability i learned by t). Returns (T,)."""
    rates = _check_p(rates)
    t = np.asarray(t, float)[:, None]
    return np.mean(1 - (1 - rates[None]) ** t, axis=1)


# ---------------------------------------------------------------- Monte-Carlo of Bernoulli learners


def simulate(n_abilities: int, p, steps: int, n_models: int = 2000, seed: int = 0) -> np.ndarray:
    """Simulate ``n_models`` independent learners, each ability a coin that flips to 1 with probability
    ``p`` (scalar or one per ability) per step and stays.  Returns the step at which each ability was
    learned, (n_models, n_abilities), with ``steps + 1`` for "not by the end"."""
    n_abilities = int(_check_n(n_abilities))
    rates = np.broadcast_to(_check_p(p), (n_abilities,))
    rng = np.random.default_rng(seed)
    # the first success of a Bernoulli(p) process is geometric on {1, 2, ...}
    first = rng.geometric(rates, size=(n_models, n_abilities))
    return np.minimum(first, steps + 1)


def simulated_curve(learned_at: np.ndarray, n: int, t) -> np.ndarray:
    """Fraction of simulated models with their first ``n`` abilities all learned by each step t."""
    done = learned_at[:, :n].max(axis=1)
    t = np.asarray(t)
    return (done[None, :] <= t[:, None]).mean(axis=1)


# ---------------------------------------------------------------- the toy model against a diffusion run

VARIABLES = ("shape", "color", "size")


def capability_times(table, threshold: float = 0.8):
    """Per seed, when each capability was learned, read from the *distance-1* classes only: the capability to
    set variable v to value 1 is learned at the first evaluation at which every distance-1 class that asks for
    v = 1 has v right in at least ``threshold`` of its samples (``measured_<v>``; a rejected sample is wrong).
    Returns a DataFrame (seed x variable) of steps, NaN where never."""
    import pandas as pd
    out = {}
    for seed, g in table.groupby("seed"):
        d1 = g[g.distance == 1]
        row = {}
        for j, v in enumerate(VARIABLES):
            need = [c for c in d1.concept_class.unique() if c[j] == "1"]
            per_step = d1[d1.concept_class.isin(need)].groupby("step")[f"measured_{v}"].min()
            hit = per_step[per_step >= threshold]
            row[v] = float(hit.index.min()) if len(hit) and need else np.nan
        out[seed] = row
    return pd.DataFrame(out).T.rename_axis("seed")


def predicted_emergence(table, cls: str, threshold: float = 0.8):
    """The toy model's prediction for a class no capability was read from (e.g. ``111``): it is generated once
    every capability it needs is learned, at the latest of their learning times (``capability_times``).
    Per seed: the capability times, the predicted and the measured first step with accuracy >= ``threshold``,
    the evaluation interval, and whether the measured step lies within one interval of the prediction (a
    prediction of a step where the class never reaches the threshold fails, and so does the reverse)."""
    caps = capability_times(table, threshold)
    need = [v for v, ch in zip(VARIABLES, cls) if ch == "1"]
    rows = []
    for seed, g in table[table.concept_class == cls].groupby("seed"):
        steps = np.sort(g.step.unique())
        every = float(np.median(np.diff(steps))) if len(steps) > 1 else np.nan  # a short last interval is not it
        pred = caps.loc[seed, need].max() if caps.loc[seed, need].notna().all() else np.nan
        hit = g[g.acc >= threshold]
        meas = float(hit.step.min()) if len(hit) else np.nan
        if np.isnan(pred) and np.isnan(meas):
            ok = True  # neither the capabilities nor the class: consistent
        elif np.isnan(pred) or np.isnan(meas):
            ok = False
        else:
            ok = abs(meas - pred) <= every
        rows.append({"seed": seed, **{f"{v} learned": caps.loc[seed, v] for v in VARIABLES}, "predicted": pred,
                     "measured": meas, "eval every": every, "agrees": ok})
    import pandas as pd
    return pd.DataFrame(rows).set_index("seed")


def cross_class_product(table, cls: str):
    """The toy model's curve for ``cls``: at each evaluation, the product over the capabilities it needs of
    the probability that the capability works, estimated on the *distance-1* classes (the mean of
    ``measured_<v>`` over those that ask for v = 1), beside ``cls``'s own measured accuracy.  Nothing of
    ``cls``'s samples enters the prediction, so the two curves can disagree."""
    import pandas as pd
    rows = []
    for (seed, step), g in table.groupby(["seed", "step"]):
        d1 = g[g.distance == 1]
        p = 1.0
        for j, v in enumerate(VARIABLES):
            if cls[j] == "1":
                p *= d1[d1.concept_class.str[j] == "1"][f"measured_{v}"].mean()
        obs = g[g.concept_class == cls].acc
        rows.append({"seed": seed, "step": step, "predicted": p, "observed": float(obs.iloc[0]) if len(obs) else np.nan})
    return pd.DataFrame(rows)


def product_prediction(table, variables=VARIABLES, source: str = "measured"):
    """The within-sample check: each class's multiplicative accuracy against the product of its own
    per-variable accuracies.  Agreement says the variables' errors are independent *within a sample*
    (not the toy model's claim about learning times, which ``predicted_emergence`` tests).

    ``table`` is a run's metrics DataFrame; ``source`` is "measured" (analytic
    evaluator) or "acc" (probes).  Returns the table with ``predicted`` and
    ``observed`` columns added (observed: ``acc`` or ``acc_probe``)."""
    prefix, obs = ("measured_", "acc") if source == "measured" else ("acc_", "acc_probe")
    out = table.copy()
    cols = [f"{prefix}{v}" for v in variables if f"{prefix}{v}" in table]
    out["predicted"] = np.prod([out[c].values for c in cols], axis=0)
    out["observed"] = out[obs]
    return out


def agreement(pred_table) -> "object":
    """Per distance group: mean absolute error and R^2 between predicted and observed accuracy."""
    import pandas as pd
    rows = []
    for d, g in pred_table.groupby("distance"):
        e = g["observed"] - g["predicted"]
        var = ((g["observed"] - g["observed"].mean()) ** 2).sum()
        rows.append({"distance": int(d), "n": len(g), "MAE": float(e.abs().mean()),
                     "R2": float(1 - (e ** 2).sum() / var) if var > 0 else float("nan")})
    return pd.DataFrame(rows).set_index("distance")
