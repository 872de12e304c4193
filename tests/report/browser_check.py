#!/usr/bin/env python3
"""Opens a `pipesim report` page in a real browser (headless Chromium) and checks that it
rendered: its script ran to the end (body data-status="ready") with no error (no data-errors, no
console error), every lane's header is in the DOM, and the screenshot is not blank: the lane
headers' colours are on it and a good share of it is drawn.

With --filter (a run of several executions), the page is also opened at #execution=0, and the
lanes of every other execution must be hidden, the shared lanes and execution 0's shown.

usage: browser_check.py CHROMIUM REPORT.html SCREENSHOT.png [--filter]
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from PIL import Image

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--enable-logging=stderr", "--v=0", "--window-size=1400,900"]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def chromium(binary, args, profile):
    try:
        return subprocess.run([binary, *FLAGS, "--user-data-dir=" + profile, *args],
                              capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        fail("Chromium did not finish within 120 s")


def main():
    binary, page, shot = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    url = "file://" + page
    with tempfile.TemporaryDirectory() as profile:
        dom = chromium(binary, ["--dump-dom", url], profile)
        if dom.returncode != 0:
            fail(f"chromium --dump-dom exited {dom.returncode}: {dom.stderr[-2000:]}")
        console = [l for l in dom.stderr.splitlines()
                   if "CONSOLE" in l and re.search(r"error|Uncaught", l, re.I)]
        if console:
            fail("console errors:\n" + "\n".join(console))
        body = re.search(r"<body([^>]*)>", dom.stdout)
        if not body:
            fail("no <body> in the rendered DOM")
        if 'data-status="ready"' not in body.group(1):
            fail("the page's script did not finish (body is " + body.group(1).strip() + ")")
        if "data-errors" in body.group(1):
            fail("the page reported errors: " + body.group(1))
        heads = len(re.findall(r'<g class="lane-head[^"]*" data-lane="\d+"', dom.stdout))
        lanes = re.search(r'"lanes":(\d+)', dom.stdout)
        if not lanes or heads != int(lanes.group(1)) or heads == 0:
            fail(f"{heads} lane headers in the DOM, layout says {lanes.group(1) if lanes else '?'}")
        grab = chromium(binary, ["--screenshot=" + os.path.abspath(shot), url], profile)
        if grab.returncode != 0 or not os.path.exists(shot):
            fail(f"chromium --screenshot failed: {grab.stderr[-2000:]}")
    image = Image.open(shot).convert("RGB")
    width, height = image.size
    pixels = image.load()
    drawn = sum(1 for y in range(0, height, 3) for x in range(0, width, 3)
                if pixels[x, y] != (255, 255, 255))
    share = drawn / ((width // 3 + 1) * (height // 3 + 1))
    if share < 0.05:
        fail(f"the screenshot is nearly blank ({share:.1%} drawn)")
    colours = {pixels[x, y] for y in range(0, height, 2) for x in range(0, width, 2)}
    # The lane headers' fills (report/html.cpp), for each kind with a lane inside the window.
    in_view = set()
    for m in re.finditer(r'<g class="lane-head ([a-z]+)[^"]*"[^>]*transform="translate\(([0-9.]+),0\)"',
                         dom.stdout):
        if float(m.group(2)) + 40 < width:
            in_view.add(m.group(1))
    fills = (("execution", ("execution", "step"), (0xEB, 0xF4, 0xFF)),
             ("queue", ("queue",), (0xF0, 0xFF, 0xF4)),
             ("consumer", ("consumer", "invocation", "lambda"), (0xFF, 0xFA, 0xF0)))
    for name, kinds, rgb in fills:
        if not in_view.intersection(kinds):
            continue
        if not any(abs(c[0] - rgb[0]) + abs(c[1] - rgb[1]) + abs(c[2] - rgb[2]) <= 6 for c in colours):
            fail(f"no {name} lane header on the screenshot")
    if not in_view:
        fail("no lane header inside the window")
    print(f"ok: rendered, {heads} lanes, {share:.0%} of the screenshot drawn, {len(colours)} colours")
    if len(sys.argv) > 4 and sys.argv[4] == "--filter":
        check_filter(binary, url)


def check_filter(binary, url):
    with tempfile.TemporaryDirectory() as profile:
        dom = chromium(binary, ["--dump-dom", url + "#execution=0"], profile)
    layout = re.search(r'<script type="application/json" id="pipesim-layout">(.*?)</script>',
                       dom.stdout, re.S)
    if not layout:
        fail("no layout in the filtered page")
    owner = json.loads(layout.group(1))["lane_execution"]
    if max(owner) < 1:
        fail("--filter needs a run of several executions")
    shown = hidden = 0
    for m in re.finditer(r'<g class="lane-head[^"]*" data-lane="(\d+)"[^>]*>', dom.stdout):
        lane = int(m.group(1))
        is_hidden = "display: none" in m.group(0)
        if is_hidden != (owner[lane] not in (-1, 0)):
            fail(f"lane {lane} (execution {owner[lane]}) is {'hidden' if is_hidden else 'shown'} "
                 "with execution 0 chosen")
        hidden += is_hidden
        shown += not is_hidden
    print(f"ok: filtered to execution 0: {shown} lanes shown, {hidden} hidden")


if __name__ == "__main__":
    main()
