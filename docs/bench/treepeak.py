#!/usr/bin/env python3
"""Peak memory of a whole process tree (issue 10's benchmark, docs/bench/README.md).

Usage: treepeak.py [--interval-ms N] -- COMMAND [ARGS...]

Runs COMMAND and, until it exits, samples every N ms (default 5) every process of its tree:
the sum of Rss and the sum of Pss (kB, from /proc/PID/smaps_rollup). Rss summed over a tree
counts shared pages (the binary, fonts, shared memory between Chromium's processes) once per
process, so it overstates; Pss divides each shared page among its users, so the Pss sum is
the honest "memory this tree uses". Sampling can miss a peak shorter than the interval.

If run as root on a cgroup-v1 memory controller (/sys/fs/cgroup/memory), the command is also
put in a fresh memory cgroup and its memory.max_usage_in_bytes (anonymous + page cache
charged to the group, the kernel's exact peak) is reported, with memory.stat's rss/cache at
the end. Page-cache pages already resident (charged elsewhere) are not charged again.

Prints one line of key=value pairs (kB) on stderr after the command's exit; exit status is
the command's.
"""
import os
import subprocess
import sys
import time


def tree(root):
    """PIDs of root and all its descendants (from /proc/*/stat ppid)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
            ppid = int(s[s.rfind(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rollup(pid):
    """(Rss, Pss) in kB of one process, (0, 0) if it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def main():
    args = sys.argv[1:]
    interval = 0.005
    if args and args[0] == "--interval-ms":
        interval = float(args[1]) / 1000.0
        args = args[2:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        sys.exit(__doc__)

    cg = None
    base = "/sys/fs/cgroup/memory"
    if os.geteuid() == 0 and os.path.isdir(base):
        cg = f"{base}/treepeak-{os.getpid()}"
        try:
            os.mkdir(cg)
        except OSError:
            cg = None

    def enter():
        if cg:
            with open(f"{cg}/cgroup.procs", "w") as f:
                f.write(str(os.getpid()))

    proc = subprocess.Popen(args, preexec_fn=enter)
    peak_rss = peak_pss = peak_procs = 0
    while proc.poll() is None:
        pids = tree(proc.pid)
        rss = pss = 0
        for p in pids:
            r, s = rollup(p)
            rss += r
            pss += s
        peak_rss = max(peak_rss, rss)
        peak_pss = max(peak_pss, pss)
        peak_procs = max(peak_procs, len(pids))
        time.sleep(interval)
    rc = proc.wait()

    line = f"tree_peak_rss_sum_kB={peak_rss} tree_peak_pss_sum_kB={peak_pss} max_processes={peak_procs}"
    if cg:
        with open(f"{cg}/memory.max_usage_in_bytes") as f:
            line += f" cgroup_max_usage_kB={int(f.read()) // 1024}"
        with open(f"{cg}/memory.stat") as f:
            stat = dict(l.split() for l in f)
        line += f" cgroup_end_rss_kB={int(stat['rss']) // 1024} cgroup_end_cache_kB={int(stat['cache']) // 1024}"
        # Empty the group before removing it (children may linger a moment).
        for _ in range(100):
            try:
                os.rmdir(cg)
                break
            except OSError:
                time.sleep(0.05)
    print(line, file=sys.stderr)
    sys.exit(rc)


if __name__ == "__main__":
    main()
