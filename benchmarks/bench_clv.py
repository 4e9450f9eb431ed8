"""CLV benchmarks, side by side with lifetimes when it is installed.

Run:  python benchmarks/bench_clv.py [--scale 1.0] [--skip-lifetimes-pareto] [--pure-python]

CDNOW fits (published parameters and fit time), then a simulated population of 1M customers
with daily timestamps over a year (BG/NBD, Pareto/NBD, Gamma-Gamma). lifetimes' Pareto/NBD on
1M customers takes about ten minutes; --skip-lifetimes-pareto leaves it out. --pure-python
turns crmkit's optional NumPy likelihoods off (``accelerate=False``).
"""

from __future__ import annotations

import argparse
import functools
import os
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from crmkit.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel
from crmkit.clv.simulate import simulate_bgnbd, simulate_gammagamma
from crmkit.datasets import load_cdnow

try:
    import lifetimes
    import numpy as np
except ImportError:  # pragma: no cover - the comparison is optional
    lifetimes = None


ACCELERATE = True


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def row(what: str, ours: float, theirs: float | None, note: str = "") -> None:
    ref = f"{theirs:.2f} s" if theirs is not None else "-"
    ratio = f"{ours / theirs:.2f}" if theirs else "-"
    print(f"  {what:<42} {ours:>8.2f} s {ref:>10} {ratio:>7}  {note}", flush=True)


def params(d: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.3f}" for k, v in d.items())


def _lifetimes_fit(name: str, *columns: Any) -> Any:
    return getattr(lifetimes, name)().fit(*(np.array(c) for c in columns))


def cdnow() -> None:
    c = load_cdnow()
    x, t_x, T = c.frequency, c.recency, c.T
    rep = [i for i, f in enumerate(x) if f > 0]
    for name, ours_fn, theirs_cls in (
        ("BG/NBD", lambda: BetaGeoModel(accelerate=ACCELERATE).fit(x, t_x, T), "BetaGeoFitter"),
        (
            "Pareto/NBD",
            lambda: ParetoNBDModel(accelerate=ACCELERATE).fit(x, t_x, T),
            "ParetoNBDFitter",
        ),
    ):
        fit, ours = timed(ours_fn)
        theirs = None
        if lifetimes is not None:
            _, theirs = timed(functools.partial(_lifetimes_fit, theirs_cls, x, t_x, T))
        row(f"CDNOW {name} fit", ours, theirs, params(fit.params) + f" LL={fit.log_likelihood:.1f}")
    rep_x, rep_m = [x[i] for i in rep], [c.monetary_value[i] for i in rep]
    fit, ours = timed(lambda: GammaGammaModel(accelerate=ACCELERATE).fit(rep_x, rep_m))
    theirs = None
    if lifetimes is not None:
        gg = lifetimes.GammaGammaFitter()
        _, theirs = timed(lambda: gg.fit(np.array(rep_x), np.array(rep_m)))
    row("CDNOW Gamma-Gamma fit (946 repeat buyers)", ours, theirs, params(fit.params))


def population(n: int, skip_pareto: bool) -> None:
    (x, t_x, T), sim = timed(
        lambda: simulate_bgnbd(
            n, r=0.25, alpha=28.0, a=0.8, b=2.5, T=(1.0, 365.0), seed=1, resolution=1.0
        )
    )
    spend = simulate_gammagamma(x, p=6.25, q=3.74, v=15.44, seed=2)
    rep_x = [f for f in x if f > 0]
    rep_m = [m for f, m in zip(x, spend, strict=True) if f > 0]
    print(
        f"  simulated {n:,} customers (daily, one year) in {sim:.1f} s; "
        f"{len(rep_x):,} repeat buyers"
    )
    arrays = (np.array(x), np.array(t_x), np.array(T)) if lifetimes is not None else None
    fit, ours = timed(lambda: BetaGeoModel(accelerate=ACCELERATE).fit(x, t_x, T))
    theirs = None
    if arrays is not None:
        _, theirs = timed(lambda: lifetimes.BetaGeoFitter().fit(*arrays))
    row(f"{n:,} customers BG/NBD fit", ours, theirs, params(fit.params))
    fit, ours = timed(lambda: ParetoNBDModel(accelerate=ACCELERATE).fit(x, t_x, T))
    theirs = None
    if arrays is not None and not skip_pareto:
        _, theirs = timed(lambda: lifetimes.ParetoNBDFitter().fit(*arrays))
    row(f"{n:,} customers Pareto/NBD fit", ours, theirs, params(fit.params))
    fit, ours = timed(lambda: GammaGammaModel(accelerate=ACCELERATE).fit(rep_x, rep_m))
    theirs = None
    if lifetimes is not None:
        _, theirs = timed(
            lambda: lifetimes.GammaGammaFitter().fit(np.array(rep_x), np.array(rep_m))
        )
    row(f"{len(rep_x):,} repeat buyers Gamma-Gamma fit", ours, theirs, params(fit.params))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--skip-lifetimes-pareto", action="store_true")
    parser.add_argument("--pure-python", action="store_true")
    args = parser.parse_args()
    global ACCELERATE
    ACCELERATE = not args.pure_python
    warnings.simplefilter("ignore")  # lifetimes' own deprecation noise
    print(
        f"crmkit CLV benchmarks ({'pure Python' if args.pure_python else 'NumPy if installed'}), "
        f"scale {args.scale}, {os.cpu_count()} cores, "
        f"{datetime.now(UTC):%Y-%m-%d}, lifetimes "
        f"{lifetimes.__version__ if lifetimes else 'not installed'}"
    )
    print(f"  {'what':<42} {'crmkit':>10} {'lifetimes':>10} {'ratio':>7}")
    cdnow()
    population(int(1_000_000 * args.scale), args.skip_lifetimes_pareto)


if __name__ == "__main__":
    main()
