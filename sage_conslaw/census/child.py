r"""
A persistent helper process that runs calls in its main thread.

Sage calls PARI (finite fields, primality, ...), whose stack exists only in
the main thread of a process; in another thread it crashes.  A Dask worker
runs tasks in a thread pool (and is a daemonic process, which
``multiprocessing`` forbids to have children), so each worker process keeps
one helper started with :mod:`subprocess`: calls are pickled to its standard
input and the results read back from a duplicate of its standard output
(anything the call prints goes to standard error).  The helper leaves when
its standard input closes, i.e. when the worker is gone.

The helper ignores ``SIGINT``: a terminal's Ctrl-C goes to the whole process
group, and the census's client alone reports it (one line); it starts with
``SIGINT`` blocked, so that a Ctrl-C during its start-up waits until it is
ignored.  The helper is stopped by its worker (its input closes, or the worker's death, which
:func:`_watch_parent` sees), and a ``SIGKILL`` to the group still ends it.
``cysignals`` is imported first, since its import installs its own ``SIGINT``
handler over any earlier choice.

EXAMPLES::

    sage: from sage_conslaw.census.child import MainThreadProcess
    sage: P = MainThreadProcess()
    sage: P.call(pow, 2, 10)  # long time
    1024
    sage: P.call(int, 'x')  # long time
    Traceback (most recent call last):
    ...
    ValueError: invalid literal for int() with base 10: 'x'
    sage: P.close()
"""
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time

import cysignals.signals  # noqa: F401 -- its import sets a SIGINT handler: before main() ignores SIGINT

from sage_conslaw.files import DeferredSignals

_HEADER = struct.Struct('<Q')


def _read_exactly(stream, n):
    r"""
    Read ``n`` bytes from a binary stream (fewer only at its end).

    TESTS::

        sage: import io
        sage: from sage_conslaw.census.child import _read_exactly
        sage: _read_exactly(io.BytesIO(b'abcdef'), 4), _read_exactly(io.BytesIO(b'ab'), 4)
        (b'abcd', b'ab')
    """
    chunks, size = [], 0
    while size < n:
        chunk = stream.read(n - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b''.join(chunks)


def _send(stream, obj):
    r"""
    Write one length-prefixed pickle to a binary stream.

    TESTS::

        sage: import io
        sage: from sage_conslaw.census.child import _send, _receive
        sage: buf = io.BytesIO(); _send(buf, (1, 'a')); _ = buf.seek(0); _receive(buf)
        (1, 'a')
    """
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream):
    r"""
    Read one length-prefixed pickle from a binary stream; ``EOFError`` at its end.

    TESTS::

        sage: import io
        sage: from sage_conslaw.census.child import _receive
        sage: _receive(io.BytesIO(b''))
        Traceback (most recent call last):
        ...
        EOFError: the other process closed the pipe
    """
    header = _read_exactly(stream, _HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the other process closed the pipe")
    data = _read_exactly(stream, _HEADER.unpack(header)[0])
    return pickle.loads(data)


def serve(inp=None, out=None):
    r"""
    The helper's loop: read ``(func, args, kwds)``, answer ``(True, value)`` or
    ``(False, exception)``, until the input closes (or the output: the
    worker left while the helper computed).

    TESTS::

        sage: import io
        sage: from sage_conslaw.census.child import serve, _send, _receive
        sage: inp, out = io.BytesIO(), io.BytesIO()
        sage: _send(inp, (pow, (3, 2), {})); _send(inp, (int, ('x',), {})); _ = inp.seek(0)
        sage: serve(inp, out); _ = out.seek(0)
        sage: _receive(out), _receive(out)[0]
        ((True, 9), False)
        sage: class Gone(io.BytesIO):
        ....:     def write(self, data):
        ....:         raise BrokenPipeError(32, 'Broken pipe')
        sage: inp = io.BytesIO(); _send(inp, (pow, (3, 2), {})); _ = inp.seek(0)
        sage: serve(inp, Gone()) is None
        True
    """
    while True:
        try:
            func, args, kwds = _receive(inp)
        except EOFError:
            return
        try:
            answer = (True, func(*args, **kwds))
        except BaseException as e:   # SignalError and friends too: the worker decides
            answer = (False, e)
        try:
            try:
                _send(out, answer)
            except (pickle.PicklingError, TypeError, AttributeError):
                _send(out, (False, RuntimeError("%s: %s" % (type(answer[1]).__name__, answer[1]))))
        except (BrokenPipeError, ConnectionError):
            return                   # the worker is gone (stopped by a Ctrl-C, killed): nobody to answer


class MainThreadProcess:
    r"""
    A helper process started on first use; :meth:`call` runs a picklable call
    in its main thread.  Thread-safe (calls are serialized).

    EXAMPLES::

        sage: from sage_conslaw.census.child import MainThreadProcess
        sage: MainThreadProcess()
        Helper process (not started)
    """

    def __init__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.census.child import MainThreadProcess
            sage: P = MainThreadProcess(); P._proc is None
            True
        """
        self._proc = None
        self._lock = threading.Lock()

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.census.child import MainThreadProcess
            sage: P = MainThreadProcess()
            sage: _ = P.call(abs, -1); P  # long time
            Helper process ... (running)
            sage: P.close(); P
            Helper process (not started)
        """
        if self._proc is None:
            return "Helper process (not started)"
        return "Helper process %s (%s)" % (self._proc.pid, "running" if self._proc.poll() is None else "exited")

    def _start(self):
        r"""
        Start the helper, with this process's module path and ``SIGINT``
        blocked until its :func:`main` ignores it (a Ctrl-C while it imports
        Sage waits, and is then discarded, instead of killing it with a
        traceback).

        TESTS::

            sage: import signal
            sage: from sage_conslaw.census.child import MainThreadProcess
            sage: P = MainThreadProcess()
            sage: P._start(); P._proc.poll() is None  # long time
            True
            sage: P.call(signal.pthread_sigmask, signal.SIG_BLOCK, [])  # long time
            set()
            sage: P.close()
        """
        env = dict(os.environ)
        path = [os.path.abspath(p or os.curdir) for p in sys.path]
        env['PYTHONPATH'] = os.pathsep.join(path)
        with DeferredSignals(block=[signal.SIGINT]):
            self._proc = subprocess.Popen([sys.executable, '-c', 'from sage_conslaw.census.child import main; main()'],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)

    def call(self, func, *args, **kwds):
        r"""
        Return ``func(*args, **kwds)`` computed in the helper's main thread
        (its exception is raised here).  ``RuntimeError`` if the helper died;
        the next call starts a new one.

        EXAMPLES::

            sage: from sage_conslaw.census.child import MainThreadProcess
            sage: P = MainThreadProcess()
            sage: P.call(sorted, [3, 1, 2])  # long time
            [1, 2, 3]
            sage: import os
            sage: P.call(os._exit, 3)  # long time
            Traceback (most recent call last):
            ...
            RuntimeError: the helper process died (exit code 3)
            sage: P.call(abs, -2)  # long time
            2
            sage: P.close()
        """
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            proc = self._proc
            try:
                _send(proc.stdin, (func, args, kwds))
                ok, value = _receive(proc.stdout)
            except (EOFError, BrokenPipeError, OSError):
                code = proc.wait()
                self._proc = None
                raise RuntimeError("the helper process died (exit code %s)" % code) from None
        if ok:
            return value
        raise value

    def close(self):
        r"""
        Stop the helper (it leaves when its input closes).

        EXAMPLES::

            sage: from sage_conslaw.census.child import MainThreadProcess
            sage: MainThreadProcess().close()
        """
        with self._lock:
            if self._proc is not None:
                try:
                    self._proc.stdin.close()
                    self._proc.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    self._proc.kill()
                    self._proc.wait()
                self._proc = None


def _watch_parent(ppid, period=1.0):
    r"""
    Start a daemon thread that ends this process as soon as its parent is gone
    (a killed worker must not leave its helper computing).

    TESTS::

        sage: import os
        sage: from sage_conslaw.census.child import _watch_parent
        sage: t = _watch_parent(os.getppid()); t.daemon
        True
    """
    def watch():
        while True:
            time.sleep(period)
            if os.getppid() != ppid:
                os._exit(1)
    t = threading.Thread(target=watch, name="watch-parent", daemon=True)
    t.start()
    return t


def main():
    r"""
    Entry point of the helper: ignore ``SIGINT`` (see the module's
    description; a Ctrl-C held by the mask it started with is discarded) and
    unblock it, keep a duplicate of standard output for the answers, send
    everything printed to standard error, then :func:`serve`.

    TESTS::

        sage: import subprocess, sys
        sage: from sage_conslaw.census.child import _send, _receive
        sage: p = subprocess.Popen([sys.executable, '-c', 'from sage_conslaw.census.child import main; main()'],
        ....:                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # long time
        sage: _send(p.stdin, (print, ('noise',), {})); _receive(p.stdout)  # long time
        (True, None)
        sage: import os, signal
        sage: os.kill(p.pid, signal.SIGINT); _send(p.stdin, (abs, (-3,), {})); _receive(p.stdout)  # long time
        (True, 3)
        sage: p.stdin.close(); p.wait()  # long time
        0
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])
    _watch_parent(os.getppid())
    out = os.fdopen(os.dup(1), 'wb')
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, out)
