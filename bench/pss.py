"""Prints the summed PSS (KiB) of the given processes and all their descendants.

Reads /proc/PID/smaps_rollup (Linux >= 4.14). Used by the memory benchmarks to
measure a server as a whole: postino is one process, Dovecot a tree under its master.
"""
import os
import sys


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    kids = children_map()
    todo = [int(p) for p in sys.argv[1:]]
    seen = set()
    total = 0
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += pss_kib(pid)
        todo.extend(kids.get(pid, []))
    print(total, len(seen))


if __name__ == "__main__":
    main()
