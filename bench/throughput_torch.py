"""The PyTorch side of bench/throughput: the same CNN, data shape, batch
sizes, threads and loop as ECOpt's image-classification task. Started by
ecopt_bench_throughput with /usr/bin/python3 (Debian's python3-torch); it
reads "train" or "infer" lines and answers each with the images per
wall-clock second and per CPU-second of one timed round, so that the C++
and Python rounds can alternate. The default layout is PyTorch's (NCHW);
--layout task makes the C++ task's choice (channels-last for batches of
more than one image) to compare like with like."""
import argparse
import sys
import time

import torch


def build(layers, channels, height, width, kernel, classes, conv_width):
    modules = []
    for kind in layers.split(","):
        if kind == "conv":
            modules.append(torch.nn.Conv2d(channels, conv_width, kernel, padding=kernel // 2))
            channels = conv_width
        elif kind == "relu":
            modules.append(torch.nn.ReLU())
        elif kind == "pool":
            modules.append(torch.nn.MaxPool2d(2))
            height, width = height // 2, width // 2
        elif kind == "linear":
            modules.append(torch.nn.Flatten())
            modules.append(torch.nn.Linear(channels * height * width, classes))
    return torch.nn.Sequential(*modules)


def train_epoch(model, optimizer, images, labels, batch_size, layout):
    model.train()
    order = torch.randperm(images.shape[0])
    for start in range(0, images.shape[0], batch_size):
        indices = order[start:start + batch_size]
        optimizer.zero_grad()
        batch = images.index_select(0, indices).contiguous(memory_format=layout)
        loss = torch.nn.functional.cross_entropy(model(batch), labels.index_select(0, indices))
        loss.backward()
        optimizer.step()
        loss.item()


def predict(model, images, batch_size, layout):
    model.eval()
    with torch.inference_mode():
        for start in range(0, images.shape[0], batch_size):
            batch = images[start:start + batch_size].contiguous(memory_format=layout)
            model(batch).argmax(1).cpu()


def layout_for(batch_size, policy):
    """"task": the C++ task's choice (channels-last for batches > 1)."""
    if policy == "task" and batch_size > 1:
        return torch.channels_last
    return torch.contiguous_format


def one_round(run, images_per_run, seconds):
    """Images per wall-clock second and per CPU-second of this process."""
    runs = 0
    started = time.perf_counter()
    started_cpu = time.process_time()
    while True:
        run()
        runs += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            cpu = time.process_time() - started_cpu
            return f"{runs * images_per_run / elapsed} {runs * images_per_run / cpu}"


def main():
    parser = argparse.ArgumentParser()
    for name in ("channels", "height", "width_px", "classes", "width", "kernel", "images",
                 "batch", "inference_batch", "threads"):
        parser.add_argument("--" + name, type=int, required=True)
    parser.add_argument("--layers", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--layout", choices=("nchw", "task"), default="nchw")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build(args.layers, args.channels, args.height, args.width_px, args.kernel,
                  args.classes, args.width)
    images = torch.randn(args.images, args.channels, args.height, args.width_px)
    labels = torch.randint(0, args.classes, (args.images,))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    layouts = {"train": layout_for(args.batch, args.layout),
               "infer": layout_for(args.inference_batch, args.layout)}
    runs = {
        "train": lambda: train_epoch(model, optimizer, images, labels, args.batch,
                                     layouts["train"]),
        "infer": lambda: predict(model, images, args.inference_batch, layouts["infer"]),
    }
    for name, run in runs.items():
        model.to(memory_format=layouts[name])
        run()  # warm-up: first calls pick kernels and allocate
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command not in runs:
            print(f"error: unknown command {command!r}", flush=True)
            return 1
        model.to(memory_format=layouts[command])
        print(one_round(runs[command], args.images, args.seconds), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
