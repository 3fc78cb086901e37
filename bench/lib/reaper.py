#!/usr/bin/env python3
"""reaper.py CMD [ARGS...]: run CMD as the child of a child subreaper that reaps every
orphan below it, as containerd's shim does. Detached containers (create/start, run -d)
are reparented here instead of to PID 1, which on some machines never reaps, so a
stopped container is reported as stopped rather than lingering as a zombie.
Exits with CMD's status."""
import ctypes
import os
import signal
import sys

PR_SET_CHILD_SUBREAPER = 36

libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("reaper: prctl(PR_SET_CHILD_SUBREAPER): " + os.strerror(ctypes.get_errno()))
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(sig, lambda s, _f: os.kill(pid, s))
status = 1
while True:
    try:
        p, st = os.waitpid(-1, 0)
    except ChildProcessError:
        break
    except InterruptedError:
        continue
    if p == pid:
        status = os.waitstatus_to_exitcode(st)
        status = status if status >= 0 else 128 - status
        break
# CMD is gone: reap what has already exited and leave (anything still running would be
# reparented to PID 1; run.sh deletes its containers before it exits).
while True:
    try:
        if os.waitpid(-1, os.WNOHANG)[0] == 0:
            break
    except ChildProcessError:
        break
sys.exit(status)
