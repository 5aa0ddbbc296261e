"""Coverage of the 95 % interval of an item mean: the platform's method against the Student t interval.

Run from the repository root: ``python bench/coverage.py [--reps N] [--seed S]``. Prints a table;
it is not a test. For each answer distribution and n, draws `reps` seeded samples of n answers
(codes 1..6), computes both intervals and counts how often they cover the true mean. Also prints
the share of t intervals that leave 1..6 or have zero width.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indicators.intervals import mean_interval  # noqa: E402

STEPS = np.arange(1, 7, dtype=np.float64)

#: The four answer distributions of Scoring rule 2 (shares of codes 1..6).
DISTRIBUTIONS = {
    "uniform": (1 / 6,) * 6,
    "typical": (0.02, 0.03, 0.10, 0.25, 0.30, 0.30),  # mostly 4-6
    "ceiling-heavy": (0.02, 0.02, 0.03, 0.08, 0.15, 0.70),  # about 70 % sixes
    "bimodal": (0.45, 0.03, 0.02, 0.02, 0.03, 0.45),  # 1s and 6s
    "bimodal (only 1s and 6s)": (0.5, 0, 0, 0, 0, 0.5),
}
SIZES = (5, 8, 15, 30)


def t_interval(counts: np.ndarray):
    """Student t 95 % interval of the mean from counts (the previous method)."""
    n = counts.sum(axis=-1).astype(np.float64)
    mean = counts @ STEPS / n
    sd = np.sqrt((counts @ STEPS**2 - n * mean**2).clip(0) / (n - 1))
    half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
    return mean - half, mean + half


def coverage_table(reps: int = 20_000, seed: int = 20261202) -> list[dict]:
    """Return one row per (distribution, n) with the coverage of both methods."""
    rng = np.random.default_rng(seed)
    rows = []
    for name, shares in DISTRIBUTIONS.items():
        p = np.asarray(shares, dtype=np.float64)
        true_mean = float(p @ STEPS)
        for n in SIZES:
            counts = rng.multinomial(n, p, size=reps)
            low, high = mean_interval(counts)
            t_low, t_high = t_interval(counts)
            rows.append({
                "distribution": name,
                "n": n,
                "true_mean": true_mean,
                "coverage": float(np.mean((low <= true_mean) & (true_mean <= high))),
                "t_coverage": float(np.mean((t_low <= true_mean) & (true_mean <= t_high))),
                "t_outside_scale": float(np.mean((t_low < 1) | (t_high > 6))),
                "t_zero_width": float(np.mean(t_high - t_low == 0)),
                "width": float(np.mean(high - low)),
                "t_width": float(np.nanmean(t_high - t_low)),
            })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()
    rows = coverage_table(args.reps, args.seed)
    print(f"Coverage of 95 % intervals of an item mean, {args.reps} seeded samples per row (seed {args.seed})")
    print(f"{'distribution':26s} {'n':>3s} {'mean':>5s} | {'Dirichlet-beta':>14s} {'width':>6s} | "
          f"{'t':>6s} {'width':>6s} {'t off 1-6':>9s} {'t width 0':>9s}")
    for r in rows:
        print(f"{r['distribution']:26s} {r['n']:3d} {r['true_mean']:5.2f} | {r['coverage']:14.3f} {r['width']:6.2f} | "
              f"{r['t_coverage']:6.3f} {r['t_width']:6.2f} {r['t_outside_scale']:9.3f} {r['t_zero_width']:9.3f}")
    worst = min(rows, key=lambda r: r["coverage"])
    print(f"Lowest coverage of the platform's interval: {worst['coverage']:.3f} "
          f"({worst['distribution']}, n = {worst['n']})")


if __name__ == "__main__":
    main()
