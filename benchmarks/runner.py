"""Run one command and measure it: ``python -I -S runner.py SPEC_JSON`` prints the measures as JSON.

A small interpreter of its own starts every measured command, not the benchmark: on Linux a
child's ``ru_maxrss`` counts the high-water mark of the process that started it (it survives
fork and exec), so the launcher must stay small; this one is ~11 MB, and it says how much
(``launcher_rss_mb``, its VmHWM). Standard library only, no site (``-S``).

The command runs in its own session (so that a hung command's worker processes are stopped with
it); a thread blocks in ``os.wait4`` for it, which gives the exact end time and the child's
resource usage (user + system CPU and the largest ``ru_maxrss``, its reaped descendants
included), while the main thread samples the proportional set size (PSS) of every process of the
session every ``SAMPLE_SECONDS``: forked workers share pages with their parent, and PSS counts a
shared page once over all of them.

SPEC_JSON: {"argv": [...], "cwd": DIR, "stdout": FILE, "stderr": FILE, "timeout": SECONDS, "env": {...} | null}
"""

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time

SAMPLE_SECONDS = 0.1


def session_pids(sid):
    """Processes whose session is ``sid`` (the child started its own session)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()  # after "pid (comm) ": state ppid pgrp session
        if len(fields) > 3 and int(fields[3]) == sid:
            pids.append(int(entry))
    return pids


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def session_pss_mb(sid):
    """Sum of the PSS of the session's processes, in MB (10**6 bytes; 0 without smaps_rollup)."""
    return sum(pss_kb(pid) for pid in session_pids(sid)) * 1024 / 1e6


def own_hwm_mb():
    """This process's own peak RSS (VmHWM), which the command's ru_maxrss includes. Not
    ``getrusage``: that also counts what this process inherited from whoever started it."""
    try:
        with open("/proc/self/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def kill_session(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run(spec):
    sampling = sys.platform.startswith("linux")
    launcher = own_hwm_mb()
    with open(spec["stdout"], "wb") as out, open(spec["stderr"], "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(spec["argv"], cwd=spec["cwd"], stdout=out, stderr=err, env=spec.get("env"),
                                start_new_session=True)
    reaped = {}

    def reap():
        _, status, usage = os.wait4(proc.pid, 0)
        reaped.update(end=time.perf_counter(), status=status, usage=usage)

    waiter = threading.Thread(target=reap, daemon=True)
    waiter.start()
    peak, timed_out = 0.0, False
    try:
        while waiter.is_alive():
            waiter.join(SAMPLE_SECONDS)
            if waiter.is_alive():
                if sampling:
                    peak = max(peak, session_pss_mb(proc.pid))
                if not timed_out and time.perf_counter() - start > spec["timeout"]:
                    timed_out = True
                    kill_session(proc.pid)
    except KeyboardInterrupt:
        kill_session(proc.pid)
        raise
    proc.returncode = os.waitstatus_to_exitcode(reaped["status"])  # reaped here, not by Popen
    kill_session(proc.pid)  # anything the command left running (its own session: ours to stop)
    usage = reaped["usage"]
    return {"wall": reaped["end"] - start, "cpu": usage.ru_utime + usage.ru_stime,
            "max_rss_mb": usage.ru_maxrss * 1024 / 1e6, "tree_pss_mb": peak,
            "code": None if timed_out else proc.returncode, "launcher_rss_mb": launcher}


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))))
