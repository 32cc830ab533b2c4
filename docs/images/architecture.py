#!/usr/bin/env python3
"""Draws docs/images/architecture.svg: gpuhal's layers, and the path of one submission.

Plain SVG text, no dependencies:  python3 docs/images/architecture.py
"""
from pathlib import Path

WIDTH, HEIGHT = 1180, 760
FONT = "font-family='DejaVu Sans, Arial, sans-serif'"

out = []


def text(x, y, s, size=13, weight="normal", anchor="middle", color="#1b1b1b"):
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out.append(f"<text x='{x}' y='{y}' {FONT} font-size='{size}' font-weight='{weight}' "
               f"text-anchor='{anchor}' fill='{color}'>{s}</text>")


def box(x, y, w, h, title, lines=(), fill="#eef3fb", stroke="#4a6fa5"):
    out.append(f"<rect x='{x}' y='{y}' width='{w}' height='{h}' rx='7' fill='{fill}' "
               f"stroke='{stroke}' stroke-width='1.4'/>")
    text(x + w / 2, y + 19, title, 14, "bold")
    for i, line in enumerate(lines):
        text(x + w / 2, y + 38 + 16 * i, line, 11.5, color="#333")


def arrow(x1, y1, x2, y2, label="", color="#555", dashed=False):
    dash = " stroke-dasharray='5,4'" if dashed else ""
    out.append(f"<line x1='{x1}' y1='{y1}' x2='{x2}' y2='{y2}' stroke='{color}' "
               f"stroke-width='1.6' marker-end='url(#head)'{dash}/>")
    if label:
        text((x1 + x2) / 2 + 6, (y1 + y2) / 2 - 4, label, 11, anchor="start", color=color)


out.append(f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{HEIGHT}' "
           f"viewBox='0 0 {WIDTH} {HEIGHT}'>")
out.append("<defs><marker id='head' markerWidth='9' markerHeight='9' refX='8' refY='4.5' "
           "orient='auto'><path d='M0,0 L9,4.5 L0,9 z' fill='#555'/></marker></defs>")
out.append(f"<rect width='{WIDTH}' height='{HEIGHT}' fill='white'/>")

# Left: the layers, each using only those below it.
text(270, 30, "Layers (each uses only those below)", 17, "bold")
box(40, 50, 460, 48, "application, tools/, conformance/, fuzz/",
    ["name devices by URI; include only <gpuhal/...>"], "#f7f7f7", "#888")
box(40, 112, 460, 64, "public API  runtime/include/gpuhal",
    ["Device, Buffer, CommandBuffer, Semaphore, Executable, Channel",
     "Status / Result<T>, Ref<T>, Allocator"])
box(40, 190, 460, 80, "runtime core  runtime/src/gpuhal/core",
    ["driver registry, timeline semaphores, host events",
     "deferred + validating command buffers, DeviceOperandCheck",
     "arenas, block pools, executable container (FlatBuffers)"])
box(40, 284, 460, 96, "single-source GPU driver  backends/gpu",
    ["GpuDevice, GpuQueue, ActionScheduler (pending actions)",
     "GpuSemaphore + device-signal announcements, event pool",
     "graph / stream command buffers, executables, channels",
     "templated on a Vendor; instantiated once per vendor"], "#e9f6ec", "#3f8a52")
box(40, 394, 220, 80, "backends/cuda", ["CudaVendor traits", "CUDA + NCCL symbol lists",
                                         "dlopen loaders"], "#fff4e5", "#b07a2a")
box(280, 394, 220, 80, "backends/hip", ["HipVendor traits", "HIP + RCCL symbol lists",
                                        "dlopen loaders"], "#fff4e5", "#b07a2a")
text(270, 746, "(between the two: a symbol table of the vendor's own names and signatures)", 11.5,
     color="#b07a2a")
box(40, 512, 220, 74, "vendor libraries", ["libcuda.so.1, libnccl.so.2",
                                            "libamdhip64.so, librccl.so"], "#fdecec", "#a94442")
box(280, 512, 220, 74, "simulated GPU front ends", ["fakes/cuda, fakes/hip,", "fakes/nccl"],
    "#f3ecfa", "#7a55a5")
box(280, 600, 220, 74, "simulated GPU engine", ["fakes/engine: memory, streams,",
                                                 "graphs, faults, no vendor types"],
    "#f3ecfa", "#7a55a5")
box(40, 600, 220, 74, "NVIDIA / AMD GPU", ["cuda://N, hip://N"], "#fdecec", "#a94442")
for x in (150, 390):
    arrow(x, 474, x, 510)
arrow(150, 586, 150, 598)
arrow(390, 586, 390, 598)
text(270, 700, "fake-cuda://N and fake-hip://N fill the same tables", 12, color="#7a55a5")
text(270, 718, "as libcuda and libamdhip64: the driver code is the same", 12, color="#7a55a5")

# Right: the path of one submission.
X = 620
text(X + 260, 30, "One submission, QueueExecute to retirement", 17, "bold")
box(X, 50, 520, 62, "QueueExecute (calling thread)",
    ["checks at the call: queue, points, signal values, command buffers",
     "(this device's, ended, one-shot once); nothing half-applies"])
box(X, 130, 520, 78, "ActionScheduler::Submit",
    ["an action from the free list; waits, signals, buffers copied, retained",
     "each wait: reached | served by a recorded device signal (GPU-side)",
     "| pending (a timepoint on the semaphore)"], "#e9f6ec", "#3f8a52")
box(X, 244, 250, 62, "pending", ["released when a timepoint fires", "or a device signal appears"],
    "#fff4e5", "#b07a2a")
box(X + 270, 244, 250, 62, "issue (GpuQueue::Issue)", ["stream waits, command buffers,",
                                                        "completion event, announcements"],
    "#e9f6ec", "#3f8a52")
box(X, 324, 520, 80, "in flight on the queue's stream",
    ["the GPU runs it; a later submission may wait on its event on the GPU",
     "the queue's completion thread observes its event: eagerly, or sparsely",
     "during a rapid run of issues (the next submission retires it inline)"])
box(X, 422, 520, 62, "completion (ActionScheduler::Complete)",
    ["GPU-side waits checked against their semaphores' host values",
     "signals advanced, or failed with the action's status"], "#e9f6ec", "#3f8a52")
box(X, 502, 520, 62, "retirement",
    ["events back to the pool, references dropped, action to the free list",
     "timepoints that fire release pending actions, which issue then"])
box(X, 590, 520, 104, "failure (terminal, spreads)",
    ["a failed wait fails the action without running it; a vendor error",
     "at issue or completion fails it after its work ends; its signals fail,",
     "and their waiters fail in turn; collectives it never issued",
     "abort their channels so peers fail too"], "#fdecec", "#a94442")
arrow(X + 260, 112, X + 260, 128)
arrow(X + 125, 208, X + 125, 242)
text(X + 133, 230, "waits not met", 11, anchor="start", color="#555")
arrow(X + 395, 208, X + 395, 242)
text(X + 403, 230, "all met", 11, anchor="start", color="#555")
arrow(X + 250, 275, X + 268, 275)
arrow(X + 395, 306, X + 395, 322)
arrow(X + 260, 404, X + 260, 420)
arrow(X + 260, 484, X + 260, 500)
arrow(X + 30, 564, X + 30, 588, "", "#a94442", dashed=True)
out.append("</svg>")

Path(__file__).with_name("architecture.svg").write_text("\n".join(out) + "\n")
