"""A process's CPU time and memory, read from ``/proc`` (Linux only).

CPU time is ``utime + stime`` from ``/proc/<pid>/stat``: the kernel sums it over every thread of the
process, including threads that have exited, so gRPC's worker and poller threads are all counted. The
resolution is one clock tick (10 ms on most kernels); the loops measured are long enough for that.
"""

from __future__ import annotations

import os

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far, all threads included."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        raw = f.read()
    # The command name (field 2) may contain spaces and parentheses; fields after the last ")" are safe.
    fields = raw.rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / _TICKS_PER_SECOND


def _status_kib(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(f"{key} not in /proc/{pid}/status")


def peak_rss_mib(pid: int) -> float:
    """Peak resident set size (``VmHWM``) of process ``pid``, in MiB."""
    return _status_kib(pid, "VmHWM") / 1024


def rss_mib(pid: int) -> float:
    """Current resident set size (``VmRSS``) of process ``pid``, in MiB."""
    return _status_kib(pid, "VmRSS") / 1024
