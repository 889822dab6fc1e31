#!/usr/bin/env python3
"""Does a large file write stall another thread's small fdatasync on the same disk?

Models the coordinator: one thread writes 4 KiB at offset 0 and fdatasyncs it every 5 ms (SQLite
syncs the WAL header each time the WAL starts over, on the loop thread); another writes a 45 MB
"snapshot" now and then, in one of these ways (MODE[:MiB]):
  whole          write everything, then one fsync (the snapshot writer before 2026-12-01)
  srf:N          sync_file_range(WAIT_BEFORE|WRITE|WAIT_AFTER) every N MiB, then fsync (PacedFileWriter)
  fdatasync:N    fdatasync every N MiB, then fsync
Prints the small syncs' latency outside and during each kind of snapshot, and per snapshot the
worst stall (median and worst over the rounds).

usage: fsync_coupling.py DIR [ROUNDS] [MODES]     e.g. fsync_coupling.py /tmp 30 whole,srf:4,srf:1
"""
import ctypes, os, statistics, sys, threading, time

D = sys.argv[1] if len(sys.argv) > 1 else '.'
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
MODES = sys.argv[3].split(',') if len(sys.argv) > 3 else ['whole', 'srf:4', 'srf:1', 'fdatasync:4']
SIZE = 45 << 20
libc = ctypes.CDLL(None, use_errno=True)
libc.sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
stop = False
window = [None]  # (mode, round) while a snapshot is being written
samples = []     # (window, latency ms)


def committer():
    fd = os.open(f'{D}/fsync_coupling.wal', os.O_RDWR | os.O_CREAT, 0o644)
    buf = os.urandom(4096)
    while not stop:
        t0 = time.monotonic()
        os.pwrite(fd, buf, 0)
        os.fdatasync(fd)
        samples.append((window[0], (time.monotonic() - t0) * 1000))
        time.sleep(0.005)
    os.close(fd)


def snapshot(spec):
    mode, mib = (spec.split(':') + ['4'])[:2]
    chunk = int(mib) << 20
    tmp = f'{D}/fsync_coupling.snap.tmp'
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    data = os.urandom(1 << 20)
    written = synced = 0
    while written < SIZE:
        os.write(fd, data)
        written += len(data)
        if written - synced >= chunk:
            if mode == 'fdatasync':
                os.fdatasync(fd)
            elif mode == 'srf':
                libc.sync_file_range(fd, synced, written - synced, 1 | 2 | 4)
            synced = written
    os.fsync(fd)
    os.close(fd)
    os.rename(tmp, f'{D}/fsync_coupling.snap')


thread = threading.Thread(target=committer)
thread.start()
took = {m: [] for m in MODES}
for r in range(ROUNDS):
    for m in MODES:
        time.sleep(0.5)
        window[0] = (m, r)
        t0 = time.monotonic()
        snapshot(m)
        took[m].append(time.monotonic() - t0)
        window[0] = None
stop = True
thread.join()
for f in ['fsync_coupling.wal', 'fsync_coupling.snap']:
    os.remove(f'{D}/{f}')

quiet = sorted(l for w, l in samples if w is None)
print(f'no snapshot      n={len(quiet):5d} p50={quiet[len(quiet) // 2]:.2f} p99={quiet[int(len(quiet) * .99)]:.1f} ms')
for m in MODES:
    v = sorted(l for w, l in samples if w and w[0] == m)
    worst = sorted(max([l for w, l in samples if w == (m, r)] or [0]) for r in range(ROUNDS))
    print(f'{m:16s} n={len(v):5d} p50={v[len(v) // 2]:.2f} p99={v[int(len(v) * .99)]:.1f} ms; worst stall per snapshot: '
          f'median {worst[len(worst) // 2]:.1f}, max {worst[-1]:.1f} ms; snapshot written in {statistics.median(took[m]) * 1000:.0f} ms')
