"""One load run: wrk against a URL for a bounded time, with the CPU the server side spent.

    python load.py NAME URL CONNS SECONDS ROOT_PID [--header 'Authorization: Bearer ...'] [--split]

CPU comes from /proc/<pid>/stat (utime+stime, plus cutime+cstime for children reaped during the run)
of ROOT_PID and all its descendants, before and after. With --split, ROOT_PID's own utime+stime is
reported apart ("gateway": the lamina process) from everything under it ("workers": zygotes, workers,
and the CPU of workers reaped during the run). Prints one Markdown table row.
"""

import argparse
import os
import re
import subprocess
import time

TICK_US = 1_000_000 / os.sysconf("SC_CLK_TCK")


def stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(") ", 1)[1].split()
    # rest[0] is field 3 (state): utime, stime, cutime, cstime are fields 14-17; ppid is field 4.
    return int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14])


def tree(root):
    """{pid: (own ticks, reaped children's ticks)} for root and its descendants."""
    procs = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                procs[int(name)] = stat(int(name))
            except (OSError, IndexError):
                pass
    keep, frontier = {}, [root]
    children = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    while frontier:
        pid = frontier.pop()
        if pid in procs:
            keep[pid] = procs[pid][1:]
            frontier.extend(children.get(pid, []))
    return keep


def split(snapshot, root):
    own = snapshot.get(root, (0, 0))[0]
    rest = sum(a + b for pid, (a, b) in snapshot.items() if pid != root) + snapshot.get(root, (0, 0))[1]
    return own, rest


def ms(value):
    m = re.match(r"([\d.]+)(us|ms|s)", value)
    n, unit = float(m.group(1)), m.group(2)
    return n / 1000 if unit == "us" else n * 1000 if unit == "s" else n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("url")
    ap.add_argument("conns", type=int)
    ap.add_argument("seconds", type=int)
    ap.add_argument("root", type=int)
    ap.add_argument("--header", default=None)
    ap.add_argument("--split", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    # wrk needs at least one connection per thread.
    cmd = ["wrk", "-t", str(min(a.threads, a.conns)), "-c", str(a.conns), "-d", f"{a.seconds}s", "--latency", "--timeout", "10s"]
    if a.header:
        cmd += ["-H", a.header]
    cmd.append(a.url)
    before = tree(a.root)
    t0 = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=a.seconds + 30).stdout
    after = tree(a.root)
    load = os.getloadavg()[0]
    reqs = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    b_own, b_rest = split(before, a.root)
    a_own, a_rest = split(after, a.root)
    if a.split:
        cpu = f"gateway {(a_own - b_own) * TICK_US / reqs:.0f} / workers {(a_rest - b_rest) * TICK_US / reqs:.0f}"
    else:
        total = a_own + a_rest - b_own - b_rest
        # Negative: processes of the tree exited and were reaped outside it (their CPU is lost).
        cpu = f"{total * TICK_US / reqs:.0f}" if total >= 0 else "n/a"
    notes = []
    if non2xx:
        notes.append(f"{non2xx.group(1)} non-2xx")
    if errors:
        notes.append(f"socket errors: {errors.group(1)}")
    print(
        f"| {a.name} | {a.conns} | {rps:,.0f} | {p50:.1f} | {p99:.1f} | {cpu} | {load:.1f} | {'; '.join(notes)} |",
        flush=True,
    )
    del t0


if __name__ == "__main__":
    main()
