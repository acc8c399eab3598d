#!/usr/bin/python3
"""A plain PyTorch training script, tuned by ECOpt without rewriting it.

It takes its hyperparameters as command-line flags (ECOpt fills them in from
the study file's argv template), trains a small convolutional network on
Fashion-MNIST, and reports through python/ecopt.py: the test accuracy, and an
"inference" phase whose energy ECOpt measures apart from training.

Run it alone:  /usr/bin/python3 train.py --width 16 --lr 0.003
"""
import argparse
import gzip
import os
import struct
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import ecopt  # noqa: E402  (the one-file helper shipped with ECOpt)

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path, expected_magic):
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    magic = struct.unpack(">I", data[:4])[0]
    if magic != expected_magic:
        sys.exit(f"{path}: magic {magic:#x}, expected {expected_magic:#x}: not an IDX file")
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def load(split, limit):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(f"{DATA}/{prefix}-images-idx3-ubyte.gz", 0x803)[:limit]
    labels = read_idx(f"{DATA}/{prefix}-labels-idx1-ubyte.gz", 0x801)[:limit]
    return images.float().div(255).sub(0.2860).div(0.3530).unsqueeze(1), labels.long()


def model(width, depth):
    layers, channels = [], 1
    for index in range(depth):
        layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
        if index > 0:
            layers.append(nn.MaxPool2d(2))
        channels = width
    side = 28 // (2 ** (depth - 1))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(width * side * side, 10))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--train-subset", type=int, default=5000)
    parser.add_argument("--test-subset", type=int, default=1000)
    parser.add_argument("--inference-batch", type=int, default=64)
    args = parser.parse_args()
    torch.manual_seed(max(ecopt.trial_number(), 0))
    torch.set_num_threads(1)

    train_x, train_y = load("train", args.train_subset)
    test_x, test_y = load("test", args.test_subset)
    net = model(args.width, args.depth)
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
    start = time.time()
    with ecopt.phase("training", samples=len(train_x) * args.epochs):
        for _ in range(args.epochs):
            for batch in torch.randperm(len(train_x)).split(64):
                optimizer.zero_grad()
                nn.functional.cross_entropy(net(train_x[batch]), train_y[batch]).backward()
                optimizer.step()
    train_s = time.time() - start

    net.eval()
    correct = 0
    with torch.no_grad(), ecopt.phase("inference", samples=len(test_x)):
        for images, labels in zip(test_x.split(args.inference_batch), test_y.split(args.inference_batch)):
            correct += (net(images).argmax(1) == labels).sum().item()
    params = sum(p.numel() for p in net.parameters())
    ecopt.report(accuracy=correct / len(test_x), train_s=train_s, params=params)


if __name__ == "__main__":
    main()
