#!/usr/bin/env python3
"""A prototype of the next step for `drover bench artifacts` (issue #8): a download that moves the
body from the socket into the file with splice(2) (socket → pipe → file, no copy through user
space) while a second thread hashes what landed, read back through mmap. Not Drover's client:
it measures what that design would give against the same server (docs/performance.md, session 28).

    drover coordinator --bind tcp://127.0.0.1:28555 --data-dir /tmp/sx &
    drover artifacts put big.bin --artifacts http://127.0.0.1:28557     # prints sha256:…:SIZE
    python3 bench/artifacts/splice_prototype.py 127.0.0.1 28557 sha256:… SIZE /tmp/out.bin
"""
import fcntl
import hashlib
import mmap
import os
import socket
import sys
import threading
import time

F_SETPIPE_SZ = 1031


def main() -> None:
    host, port, digest, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    t0 = time.perf_counter()
    s = socket.create_connection((host, port))
    s.sendall(f"GET /artifacts/{digest} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, _, body = buf.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        sys.exit(f"server answered {head.splitlines()[0].decode()}")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, body)
    done = len(body)
    h = hashlib.sha256()
    progress, finished = [done], threading.Event()

    def hasher() -> None:
        rfd = os.open(out, os.O_RDONLY)
        hashed = 0
        while True:
            upto = progress[0]
            if upto - hashed >= 4 << 20 or (finished.is_set() and upto > hashed):
                start = hashed & ~(mmap.ALLOCATIONGRANULARITY - 1)
                m = mmap.mmap(rfd, upto - start, prot=mmap.PROT_READ, offset=start)
                h.update(memoryview(m)[hashed - start:])
                m.close()
                hashed = upto
            elif finished.is_set():
                break
            else:
                time.sleep(0.0002)
        os.close(rfd)

    thread = threading.Thread(target=hasher)
    thread.start()
    r, w = os.pipe()
    fcntl.fcntl(w, F_SETPIPE_SZ, 1 << 20)
    while done < size:
        n = os.splice(s.fileno(), w, min(1 << 20, size - done))
        if n == 0:
            break
        moved = 0
        while moved < n:
            moved += os.splice(r, fd, n - moved)
        done += n
        progress[0] = done
    finished.set()
    thread.join()
    os.close(fd)
    t = time.perf_counter() - t0
    ok = "sha256:" + h.hexdigest() == digest and done == size
    print(f"{done} bytes in {t:.3f} s = {done / t / 1e9:.2f} GB/s, digest {'ok' if ok else 'WRONG'}")


if __name__ == "__main__":
    main()
