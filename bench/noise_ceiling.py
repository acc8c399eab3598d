#!/usr/bin/env python3
"""What noise costs a perfect sampler under the benchmark's score: 100 points
evenly on the true front (ZDT1: along f1; DTLZ2: a 10 x 10 grid of angles),
observed with Gaussian noise of a share of each objective's range, reported
by their observed Pareto front and scored on their noise-free values (median
of seeds 0-4). Standard library only."""
import math
import random
import statistics


def hypervolume_2d(points, reference):
    area, best_y = 0.0, reference[1]
    staircase = []
    for x, y in sorted(p for p in points if p[0] < reference[0] and p[1] < reference[1]):
        if y < best_y:
            staircase.append((x, y))
            best_y = y
    for i, (x, y) in enumerate(staircase):
        next_x = staircase[i + 1][0] if i + 1 < len(staircase) else reference[0]
        area += (next_x - x) * (reference[1] - y)
    return area


def hypervolume_3d(points, reference):
    """Slices along the third objective: each slab is a 2-D staircase of the points below it."""
    inside = sorted((p for p in points if all(a < r for a, r in zip(p, reference))), key=lambda p: p[2])
    volume = 0.0
    for i, p in enumerate(inside):
        top = inside[i + 1][2] if i + 1 < len(inside) else reference[2]
        volume += hypervolume_2d([q[:2] for q in inside[: i + 1]], reference[:2]) * (top - p[2])
    return volume


def dominated(a, points):
    return any(all(x <= y for x, y in zip(p, a)) and p != a for p in points)


def zdt1_front():
    return [(i / 99, 1 - math.sqrt(i / 99)) for i in range(100)]


def dtlz2_front():
    front = []
    for i in range(10):
        for j in range(10):
            u, v = (i + 0.5) / 10 * math.pi / 2, (j + 0.5) / 10 * math.pi / 2
            front.append((math.cos(u) * math.cos(v), math.cos(u) * math.sin(v), math.sin(u)))
    return front


PROBLEMS = {
    "zdt1": (zdt1_front, hypervolume_2d, (1.1, 1.1), 1.21 - 1.0 / 3.0),
    "dtlz2": (dtlz2_front, hypervolume_3d, (1.1, 1.1, 1.1), 1.331 - math.pi / 6.0),
}


def main():
    for name, (front, hypervolume, reference, true_hv) in PROBLEMS.items():
        truth = front()
        print(f"{name}: all 100 points: {hypervolume(truth, reference) / true_hv:.3f}")
        for noise in (0.01, 0.05, 0.1):
            ratios = []
            for seed in range(5):
                draw = random.Random(seed)
                observed = [tuple(a + noise * draw.gauss(0, 1) for a in t) for t in truth]
                reported = [t for o, t in zip(observed, truth) if not dominated(o, observed)]
                ratios.append(hypervolume(reported, reference) / true_hv)
            print(f"{name}: noise {noise:.0%}: reported {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
