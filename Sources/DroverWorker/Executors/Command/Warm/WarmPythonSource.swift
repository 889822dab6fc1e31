/// The Python half of warm interpreters (`WarmInterpreters`), written next to the zygotes'
/// sockets when the first one starts. One file, two roles:
///
/// - `zygote DIR MODULE…`: imports the modules once, listens on `DIR/zygote-PID.sock` (only this
///   user's processes are served), says `ready PATH` on stdout and forks a child per request;
///   exits when its stdin (a pipe from the worker) closes.
/// - `launch SOCKET [--cgroup-procs PATH]… -- SCRIPT|-m MODULE ARGS…`: what the worker starts
///   as the attempt's process (its pipes, process group, cgroups, limits and environment). It hands
///   all of that to the zygote — descriptors 0–2 by SCM_RIGHTS — and the zygote's child takes them
///   over: it joins the launcher's process group (so stopping the group stops it) and cgroups,
///   takes its limits, directory, environment and argv, and runs the program as `python SCRIPT`
///   would. The launcher ends as the child ended (exit code or signal).
///
/// Kept as a Swift string so the one `drover` binary carries it (no resource bundle to find).
enum WarmPythonSource {
    static let fileName = "drover_warm.py"

    static let text = #"""
"""Drover's warm Python interpreters: a zygote that imports once and forks, and a launcher."""
import json
import os
import signal
import socket
import struct
import sys


def _send(conn, obj, fds=()):
    data = json.dumps(obj).encode()
    frame = struct.pack("!I", len(data)) + data
    if fds:
        socket.send_fds(conn, [frame], list(fds))
    else:
        conn.sendall(frame)


def _recv(conn, maxfds=0):
    # Exactly one frame: never past its end, so a frame sent right after it (a quick child's
    # end after its pid) stays in the socket for the next call.
    fds, buf, need = [], b"", 4
    while len(buf) < need:
        if maxfds and not fds:
            chunk, got, _, _ = socket.recv_fds(conn, need - len(buf), maxfds)
            fds = list(got)
        else:
            chunk = conn.recv(need - len(buf))
        if not chunk:
            for fd in fds:
                os.close(fd)
            return None, []
        buf += chunk
        if need == 4 and len(buf) == 4:
            need = 4 + struct.unpack("!I", buf)[0]
    return json.loads(buf[4:]), fds


# ---- the child: becomes the launcher's program ------------------------------------------

def _become(req, fds):
    os.setpgid(0, req["pgid"])
    for path in req["cgroup_procs"]:
        try:
            with open(path, "w") as f:
                f.write(str(os.getpid()))
        except OSError as e:
            os.write(fds[2], f"drover: cannot join the attempt cgroup {path}: {e}\n".encode())
            os._exit(125)
    import resource
    for name, (soft, hard) in req["rlimits"].items():
        resource.setrlimit(getattr(resource, name), (soft, hard))
    for i, fd in enumerate(fds):
        os.dup2(fd, i)
        os.close(fd)
    os.chdir(req["cwd"])
    os.environ.clear()
    os.environ.update(req["env"])
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if "numpy" in sys.modules:  # a fresh process seeds NumPy's global generator from the OS
        sys.modules["numpy"].random.seed()
    code = 0
    try:
        argv = req["argv"]
        import runpy
        if argv[0] == "-m":
            sys.argv = [argv[1]] + argv[2:]
            sys.path[0] = os.getcwd()
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        else:
            sys.argv = list(argv)
            sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))
            runpy.run_path(argv[0], run_name="__main__")
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code & 0xFF
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    os._exit(code)


# ---- the zygote -------------------------------------------------------------------------

def zygote(directory, modules):
    import importlib
    import selectors
    sys.path[0] = os.getcwd()  # as for `python -m`: the job's directory, not this file's
    for name in modules:
        try:
            importlib.import_module(name)
        except BaseException as e:
            print(f"drover: preload: cannot import '{name}': {type(e).__name__}: {e}", file=sys.stderr)
            sys.exit(3)
    path = os.path.join(directory, f"zygote-{os.getpid()}.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the worker stops us by closing stdin
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sel = selectors.DefaultSelector()
    sel.register(server, selectors.EVENT_READ, "accept")
    sel.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")
    sel.register(wake_r, selectors.EVENT_READ, "wake")
    print("ready " + path, flush=True)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    children = {}  # pid -> the launcher's connection
    uid = os.getuid()
    try:
        while True:
            for key, _ in sel.select():
                what = key.data
                if what == "stdin":
                    if not os.read(sys.stdin.fileno(), 4096):
                        return
                elif what == "wake":
                    os.read(wake_r, 4096)
                elif what == "accept":
                    conn, _ = server.accept()
                    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
                    if struct.unpack("3i", creds)[2] != uid:
                        conn.close()
                        continue
                    conn.setblocking(True)
                    req, fds = _recv(conn, maxfds=3)
                    if req is None or len(fds) != 3:
                        for fd in fds:
                            os.close(fd)
                        conn.close()
                        continue
                    pid = os.fork()
                    if pid == 0:
                        sel.close()
                        server.close()
                        conn.close()
                        for other in children.values():  # other launchers must see EOF if we die
                            other.close()
                        signal.set_wakeup_fd(-1)
                        os.close(wake_r)
                        os.close(wake_w)
                        os.close(devnull)
                        _become(req, fds)
                    for fd in fds:
                        os.close(fd)
                    children[pid] = conn
                    try:
                        _send(conn, {"pid": pid})
                    except OSError:
                        pass
            while children:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                conn = children.pop(pid, None)
                if conn is None:
                    continue
                if os.WIFSIGNALED(status):
                    ended = {"signal": os.WTERMSIG(status)}
                else:
                    ended = {"exit": os.WEXITSTATUS(status)}
                try:
                    _send(conn, ended)
                except OSError:
                    pass
                conn.close()
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


# ---- the launcher -----------------------------------------------------------------------

def launch(args):
    sock_path, cgroup_procs = args[0], []
    i = 1
    while args[i] != "--":
        if args[i] == "--cgroup-procs":
            cgroup_procs.append(args[i + 1])
        i += 2
    argv = args[i + 1:]
    if not argv or (argv[0].startswith("-") and (argv[0] != "-m" or len(argv) < 2)):
        print("drover: preload runs `python SCRIPT ARGS…` or `python -m MODULE ARGS…`; "
              f"interpreter options ({argv[0] if argv else 'nothing'}) are not supported with preload", file=sys.stderr)
        sys.exit(2)
    # Stopping the attempt signals the whole group, the child included: the launcher waits
    # for the child's end and reports it, so it must outlive SIGTERM (SIGKILL ends both).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import resource
    limits = {name: resource.getrlimit(getattr(resource, name)) for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NOFILE")}
    req = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "pgid": os.getpgid(0),
           "cgroup_procs": cgroup_procs, "rlimits": limits}
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(sock_path)
        _send(conn, req, fds=(0, 1, 2))
        started, _ = _recv(conn)
        ended, _ = _recv(conn) if started else (None, [])
    except OSError as e:
        print(f"drover: the warm interpreter at {sock_path} is not reachable: {e}", file=sys.stderr)
        sys.exit(125)
    if ended is None:
        print("drover: the warm interpreter ended before the program did", file=sys.stderr)
        sys.exit(125)
    if "signal" in ended:
        signal.signal(ended["signal"], signal.SIG_DFL)
        os.kill(os.getpid(), ended["signal"])
        sys.exit(128 + ended["signal"])
    sys.exit(ended["exit"])


if __name__ == "__main__":
    if sys.argv[1] == "zygote":
        zygote(sys.argv[2], sys.argv[3:])
    else:
        launch(sys.argv[2:])
"""#
}
