#!/usr/bin/env python3
"""What noise costs a perfect sampler under the benchmark's score: 100 points
evenly on ZDT1's true front, observed with Gaussian noise of a share of each
objective's range, reported by their observed Pareto front and scored on
their noise-free values (median of seeds 0-4). Standard library only."""
import math
import random
import statistics

TRUE_HV = 1.21 - 1.0 / 3.0
REFERENCE = (1.1, 1.1)


def hypervolume(points):
    area, best_y = 0.0, REFERENCE[1]
    staircase = []
    for x, y in sorted(p for p in points if p[0] < REFERENCE[0] and p[1] < REFERENCE[1]):
        if y < best_y:
            staircase.append((x, y))
            best_y = y
    for i, (x, y) in enumerate(staircase):
        next_x = staircase[i + 1][0] if i + 1 < len(staircase) else REFERENCE[0]
        area += (next_x - x) * (REFERENCE[1] - y)
    return area


def dominated(a, points):
    return any(p[0] <= a[0] and p[1] <= a[1] and p != a for p in points)


def main():
    truth = [(i / 99, 1 - math.sqrt(i / 99)) for i in range(100)]
    print(f"all 100 points: {hypervolume(truth) / TRUE_HV:.3f}")
    for noise in (0.01, 0.05, 0.1):
        ratios = []
        for seed in range(5):
            draw = random.Random(seed)
            observed = [(a + noise * draw.gauss(0, 1), b + noise * draw.gauss(0, 1)) for a, b in truth]
            reported = [t for o, t in zip(observed, truth) if not dominated(o, observed)]
            ratios.append(hypervolume(reported) / TRUE_HV)
        print(f"noise {noise:.0%}: reported {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
