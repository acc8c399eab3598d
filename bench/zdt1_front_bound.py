#!/usr/bin/env python3
"""The best hypervolume ratio any n evaluations can reach on ZDT1 (reference
(1.1, 1.1), as ecopt_bench_optimizers scores it): n points on the true front
f2 = 1 - sqrt(f1), their f1 positions placed by coordinate descent (the ends
stay at 0 and 1). docs/benchmarks/optimizers.md quotes it for issue 28's
warm-start target. Usage: bench/zdt1_front_bound.py [n ...]"""
import math
import sys

REFERENCE = 1.1


def hypervolume(f1s):
    points = sorted((f1, 1.0 - math.sqrt(f1)) for f1 in f1s)
    area = 0.0
    for i, (f1, f2) in enumerate(points):
        right = points[i + 1][0] if i + 1 < len(points) else REFERENCE
        area += (right - f1) * (REFERENCE - f2)
    return area


def front_hypervolume(steps=200_000):
    under = sum(REFERENCE - (1.0 - math.sqrt((i + 0.5) / steps)) for i in range(steps)) / steps
    return under + (REFERENCE - 1.0) * REFERENCE


def best_positions(n, sweeps=200, grid=200):
    f1s = [(i / (n - 1)) ** 1.5 for i in range(n)]
    for _ in range(sweeps):
        for i in range(1, n - 1):
            low, high = f1s[i - 1], f1s[i + 1]
            candidates = [low + (high - low) * k / grid for k in range(1, grid)]
            f1s[i] = max(candidates, key=lambda c: hypervolume(f1s[:i] + [c] + f1s[i + 1:]))
    return f1s


if __name__ == "__main__":
    whole = front_hypervolume()
    for n in [int(a) for a in sys.argv[1:]] or [21, 25, 50]:
        print(f"{n} points: {hypervolume(best_positions(n)) / whole:.4f}")
