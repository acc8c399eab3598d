"""The PyTorch side of bench/throughput: the same CNN, data shape, batch
sizes, threads and loop as ECOpt's image-classification task, timed the same
way. Run by ecopt_bench_throughput with /usr/bin/python3 (Debian's
python3-torch); prints one JSON object."""
import argparse
import json
import time

import torch


def build(layers, channels, height, width, kernel, classes):
    modules = []
    for kind in layers.split(","):
        if kind == "conv":
            modules.append(torch.nn.Conv2d(channels, args.width, kernel, padding=kernel // 2))
            channels = args.width
        elif kind == "relu":
            modules.append(torch.nn.ReLU())
        elif kind == "pool":
            modules.append(torch.nn.MaxPool2d(2))
            height, width = height // 2, width // 2
        elif kind == "linear":
            modules.append(torch.nn.Flatten())
            modules.append(torch.nn.Linear(channels * height * width, classes))
    return torch.nn.Sequential(*modules)


def train_epoch(model, optimizer, images, labels, batch_size):
    model.train()
    order = torch.randperm(images.shape[0])
    for start in range(0, images.shape[0], batch_size):
        indices = order[start:start + batch_size]
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(images.index_select(0, indices)),
                                                 labels.index_select(0, indices))
        loss.backward()
        optimizer.step()
        loss.item()


def predict(model, images, batch_size):
    model.eval()
    with torch.inference_mode():
        for start in range(0, images.shape[0], batch_size):
            model(images[start:start + batch_size]).argmax(1).cpu()


def images_per_s(run, images_per_run, seconds):
    run()  # warm-up: first calls pick kernels and allocate
    runs = 0
    started = time.perf_counter()
    while True:
        run()
        runs += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return runs * images_per_run / elapsed


parser = argparse.ArgumentParser()
for name in ("channels", "height", "width_px", "classes", "width", "kernel", "images",
             "batch", "inference_batch", "threads"):
    parser.add_argument("--" + name, type=int, required=True)
parser.add_argument("--layers", required=True)
parser.add_argument("--seconds", type=float, required=True)
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(0)
model = build(args.layers, args.channels, args.height, args.width_px, args.kernel, args.classes)
images = torch.randn(args.images, args.channels, args.height, args.width_px)
labels = torch.randint(0, args.classes, (args.images,))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
result = {
    "train_images_per_s": images_per_s(
        lambda: train_epoch(model, optimizer, images, labels, args.batch), args.images,
        args.seconds),
    "inference_images_per_s": images_per_s(
        lambda: predict(model, images, args.inference_batch), args.images, args.seconds),
    "torch_version": torch.__version__,
}
print(json.dumps(result))
