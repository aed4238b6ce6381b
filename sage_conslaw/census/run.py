r"""
A census of architectures on a Dask cluster (``dask.distributed``).

:func:`census` submits one task per architecture of the range that is not
already in the output directory, streams each finished row to the journal
``rows.csv``, and writes the canonical table ``census.csv`` and a summary
``summary.json`` at the end.  Without a scheduler address it starts a
:class:`distributed.LocalCluster` on this machine's cores (one
single-threaded worker process per core: Sage is not thread-safe); with one,
it connects a :class:`distributed.Client` to that cluster and changes
nothing on it (the workers need ``sage_conslaw`` installed).

Nothing is lost: a worker killed in the middle of a task is replaced and the
task rerun by Dask's scheduler; a client killed (or interrupted with Ctrl-C)
leaves a journal of complete rows, and running the same census again
computes only the missing rows.

EXAMPLES::

    sage: from sage_conslaw.census import census
    sage: # a budget of minutes per network: what is printed must not depend on the machine's load
    sage: res = census('linear', 2, 2, out=tmp_dir(), workers=1, progress=False, budget=300)  # long time, optional - dask
    sage: res  # long time, optional - dask
    Census of 8 linear networks (widths <= 2, depth 2..2): 8 rows, 8 certified (100.0 %), 8 matching the known laws
    sage: res.rows[0]['dims'], res.rows[0]['laws']  # long time, optional - dask
    ('[1, 1, 1]', '1')
"""
import importlib.util
import json
import logging
import os
import re
import signal
import socket
import struct
import sys
import time
from multiprocessing import resource_tracker

from sage.misc.lazy_import import lazy_import

from sage_conslaw.census.journal import Journal, number_of_parameters, read_table, write_table
from sage_conslaw.census.tasks import architectures, census_task, failed_row
from sage_conslaw.core.checks import positive_integer
from sage_conslaw.files import DeferredSignals, DirectoryLock, atomic_write

lazy_import("tqdm.auto", "tqdm")        # the progress bar, only when asked for

#: How long a scheduler address is given to answer (connection and Dask's handshake), in seconds.
CONNECT_SECONDS = 10

#: The largest first message a Dask scheduler sends (its handshake, a few hundred bytes): a
#: server announcing more is not a Dask scheduler (an SSH server's banner read as a length
#: asks for 3 EiB).
MAX_HANDSHAKE_BYTES = 2 ** 20


class CensusError(RuntimeError):
    r"""
    A census that cannot go on (no Dask, a scheduler that cannot be reached or went
    away, an output that cannot be written); the message says what to do, and
    the rows finished so far are kept in the journal.

    EXAMPLES::

        sage: from sage_conslaw.census.run import CensusError
        sage: isinstance(CensusError('x'), RuntimeError)
        True
    """


class CensusInterrupted(KeyboardInterrupt):
    r"""
    A census stopped by Ctrl-C (``KeyboardInterrupt``) once its journal was
    open: ``rows`` finished rows are kept in the journal ``path``, and the
    same census run again computes only the others.

    EXAMPLES::

        sage: from sage_conslaw.census.run import CensusInterrupted
        sage: e = CensusInterrupted(3, 'out/rows.csv'); e.rows, e.path, isinstance(e, KeyboardInterrupt)
        (3, 'out/rows.csv', True)
        sage: e
        CensusInterrupted('3 finished rows kept in out/rows.csv')
    """

    def __init__(self, rows, path):
        r"""
        TESTS::

            sage: from sage_conslaw.census.run import CensusInterrupted
            sage: str(CensusInterrupted(0, 'rows.csv'))
            '0 finished rows kept in rows.csv'
        """
        super().__init__("%s finished rows kept in %s" % (rows, path))
        self.rows, self.path = rows, path


class CensusResult:
    r"""
    The outcome of a census: its rows (canonical order), files and timings.

    Attributes: ``rows`` (list of dicts of strings, see
    :data:`~sage_conslaw.census.journal.ROW_COLUMNS`), ``family``,
    ``max_width``, ``max_depth``, ``bias``, ``out`` (the directory),
    ``computed`` (rows computed by this run), ``seconds`` (this run's wall
    time), ``cores`` (worker threads of the cluster, or ``None`` if nothing
    was left to compute), ``scheduler``, ``notes`` (sentences for the user:
    rows of the journal not trusted, workers capped, networks that failed).

    EXAMPLES::

        sage: from sage_conslaw.census.run import CensusResult
        sage: r = CensusResult(rows=[{'certified': 'yes', 'match': 'no'}], family='relu', max_width=1,
        ....:                  max_depth=2, bias=True, out='x', computed=1, seconds=1.0, cores=2, scheduler='local')
        sage: r
        Census of 1 ReLU networks with biases (widths <= 1, depth 2..2): 1 rows, 1 certified (100.0 %), 0 matching the known laws
        sage: r.certified_share
        1.0
    """

    def __init__(self, **data):
        r"""
        TESTS::

            sage: from sage_conslaw.census.run import CensusResult
            sage: CensusResult(rows=[], family='linear', max_width=1, max_depth=2, bias=False, out='x',
            ....:              computed=0, seconds=0.0, cores=None, scheduler='local').certified_share
            0.0
        """
        self.notes = []
        self.__dict__.update(data)

    @property
    def certified_share(self):
        r"""
        The share of certified rows (``0.0`` for an empty census).

        EXAMPLES::

            sage: from sage_conslaw.census.run import CensusResult
            sage: CensusResult(rows=[{'certified': 'yes'}, {'certified': 'no'}]).certified_share
            0.5
        """
        return sum(r['certified'] == 'yes' for r in self.rows) / len(self.rows) if self.rows else 0.0

    def __repr__(self):
        r"""
        TESTS::

            sage: from sage_conslaw.census.run import CensusResult
            sage: CensusResult(rows=[], family='linear', max_width=1, max_depth=2, bias=False)
            Census of 1 linear networks (widths <= 1, depth 2..2): 0 rows, 0 certified (0.0 %), 0 matching the known laws
        """
        n = len(architectures(self.family, self.max_width, self.max_depth, self.bias))
        what = "linear networks" if self.family == 'linear' else "ReLU networks %s biases" % (
            "with" if self.bias else "without")
        return ("Census of %s %s (widths <= %s, depth 2..%s): %s rows, %s certified (%.1f %%), %s matching the "
                "known laws" % (n, what, self.max_width, self.max_depth, len(self.rows),
                                sum(r['certified'] == 'yes' for r in self.rows), 100 * self.certified_share,
                                sum(r['match'] == 'yes' for r in self.rows)))


def _cost(key):
    r"""
    A rough cost of an architecture (its number of parameters times its depth), to submit large tasks first.

    TESTS::

        sage: from sage_conslaw.census.run import _cost
        sage: _cost(('linear', (2, 3, 4), False)), _cost(('relu', (2, 3, 4), True))
        (36, 46)
    """
    family, dims, bias = key
    return number_of_parameters(family, dims, bias) * (len(dims) - 1)


def _task_key(key):
    r"""
    The Dask key of the task of an architecture (readable in the dashboard).

    TESTS::

        sage: from sage_conslaw.census.run import _task_key
        sage: _task_key(('relu', (2, 3, 4), True))
        'census-relu-2x3x4-bias'
    """
    family, dims, bias = key
    return "census-%s-%s%s" % (family, "x".join(map(str, dims)), "-bias" if bias else "")


def check_scheduler_address(address):
    r"""
    Return ``(host, port)`` of a TCP scheduler address (``tcp://host:port`` or
    ``host:port``), ``None`` for another protocol of Dask (``tls://``, ``ucx://``,
    ``inproc://``, ``ws://``, ``wss://``); ``ValueError`` for anything else.

    EXAMPLES::

        sage: from sage_conslaw.census.run import check_scheduler_address
        sage: check_scheduler_address('tcp://127.0.0.1:8786'), check_scheduler_address('localhost:8786')
        (('127.0.0.1', 8786), ('localhost', 8786))
        sage: check_scheduler_address('tcp://[::1]:8786'), check_scheduler_address('tls://h:1')
        (('::1', 8786), None)
        sage: check_scheduler_address('http://x:80')
        Traceback (most recent call last):
        ...
        ValueError: --scheduler 'http://x:80' is not a Dask scheduler address such as tcp://HOST:8786
        sage: check_scheduler_address('tcp://h:99999')
        Traceback (most recent call last):
        ...
        ValueError: --scheduler 'tcp://h:99999' is not a Dask scheduler address such as tcp://HOST:8786
    """
    if not isinstance(address, str):
        raise TypeError("the scheduler must be an address such as 'tcp://127.0.0.1:8786', got %r" % (address,))
    if re.match(r'(tls|ucx|inproc|ws|wss)://.', address):
        return None
    m = re.fullmatch(r'(?:tcp://)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):([0-9]{1,5})', address)
    if m is None or not 1 <= int(m.group(2)) <= 65535:
        raise ValueError("--scheduler %r is not a Dask scheduler address such as tcp://HOST:8786" % address)
    return m.group(1).strip('[]'), int(m.group(2))


def probe_scheduler(address, seconds=CONNECT_SECONDS):
    r"""
    Check that a Dask scheduler answers at a TCP address before Dask connects
    to it; raise :class:`CensusError` saying why not.

    A Dask server sends its handshake first, prefixed by its length in 8
    bytes: a server that says nothing, or announces more than
    :data:`MAX_HANDSHAKE_BYTES`, is something else (Dask itself would try to
    allocate what the first 8 bytes of, e.g., an SSH banner say).

    EXAMPLES::

        sage: import socket, threading
        sage: from sage_conslaw.census.run import probe_scheduler
        sage: server = socket.create_server(('127.0.0.1', 0)); port = server.getsockname()[1]
        sage: def banner():
        ....:     conn, _ = server.accept(); conn.sendall(b'SSH-2.0-OpenSSH_9.6\r\n'); conn.close()
        sage: t = threading.Thread(target=banner); t.start()
        sage: probe_scheduler('tcp://127.0.0.1:%s' % port)
        Traceback (most recent call last):
        ...
        CensusError: tcp://127.0.0.1:... is not a Dask scheduler (its first message announces ... bytes)
        sage: t.join(); server.close()
        sage: probe_scheduler('tcp://127.0.0.1:%s' % port, seconds=2)
        Traceback (most recent call last):
        ...
        CensusError: cannot reach the Dask scheduler at tcp://127.0.0.1:...: Connection refused
    """
    where = check_scheduler_address(address)
    if where is None:
        return
    try:
        with socket.create_connection(where, timeout=seconds) as sock:
            sock.settimeout(seconds)
            head = b''
            while len(head) < 8:
                chunk = sock.recv(8 - len(head))
                if not chunk:
                    break
                head += chunk
    except socket.timeout:
        raise CensusError("%s does not answer like a Dask scheduler (nothing within %s s)" % (address, seconds)) from None
    except OSError as e:
        raise CensusError("cannot reach the Dask scheduler at %s: %s" % (address, e.strerror or e)) from None
    if len(head) < 8:
        raise CensusError("%s is not a Dask scheduler (it closed the connection)" % address)
    size = struct.unpack('<Q', head)[0]
    if size > MAX_HANDSHAKE_BYTES:
        raise CensusError("%s is not a Dask scheduler (its first message announces %s bytes)" % (address, size))


def connect(scheduler=None, workers=None):
    r"""
    Return ``(client, cluster)``: a client of the cluster at ``scheduler``
    (``cluster`` is then ``None``), or of a new local cluster of ``workers``
    single-threaded worker processes (default: the number of cores).

    The local cluster and its dashboard listen on ``127.0.0.1`` only.  A
    scheduler that cannot be reached, or is not a Dask scheduler, is a
    :class:`CensusError` within :data:`CONNECT_SECONDS`.

    A Ctrl-C (``SIGINT``, or ``SIGTERM``) while the cluster starts waits
    until it has started (:class:`~sage_conslaw.files.DeferredSignals` with
    ``block``): Dask's threads and worker processes start with ``SIGINT``
    blocked, and each worker ignores it before unblocking it
    (:func:`dask_setup`), so no worker dies of it half-started (Dask's
    ``Nanny failed to start``, ``Status.init`` at exit) and none prints a
    traceback from its import of Sage; then the signal stops this call:
    the client and the cluster are closed and ``KeyboardInterrupt`` raised.

    EXAMPLES::

        sage: from sage_conslaw.census.run import connect
        sage: client, cluster = connect(workers=1)  # long time, optional - dask
        sage: sum(client.nthreads().values()), cluster.dashboard_link.startswith('http://127.0.0.1:')  # long time, optional - dask
        (1, True)
        sage: client.close(); cluster.close()  # long time, optional - dask

    A Ctrl-C during the start: the cluster starts, then is closed::

        sage: import os, signal, threading
        sage: timer = threading.Timer(0.5r, os.kill, (os.getpid(), signal.SIGINT))
        sage: try:  # long time, optional - dask
        ....:     timer.start(); connect(workers=1)
        ....: except KeyboardInterrupt:
        ....:     print("interrupted")
        interrupted
        sage: timer.join()  # long time, optional - dask
    """
    from distributed import Client, LocalCluster
    if scheduler is None:
        # Python's resource tracker, started by the first worker process, unblocks SIGINT in the
        # thread that starts it (Dask's event loop, which starts the workers): start it first
        resource_tracker.ensure_running()
    client = cluster = None
    try:
        # Ctrl-C waits until the cluster has started, its threads and processes start with SIGINT blocked
        with DeferredSignals(block=[signal.SIGINT]):
            if scheduler is not None:
                probe_scheduler(scheduler)
                try:
                    client = Client(scheduler, timeout=CONNECT_SECONDS)
                except (OSError, TimeoutError) as e:
                    raise CensusError("cannot connect to the Dask scheduler at %s: %s" % (scheduler, e)) from None
            else:
                n = workers or os.cpu_count() or 1
                # Dask's own log is silenced below CRITICAL: a worker whose heartbeat meets the scheduler
                # closing logs an ERROR with a traceback (seen in a doctest under load); the census says
                # in its own words what failed (failed rows, CensusError)
                cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL,
                                       preload=[__name__])     # each worker process runs dask_setup below
                client = Client(cluster)
    except BaseException:
        close(client, cluster)
        raise
    return client, cluster


def close(client, cluster):
    r"""
    Close a client and the local cluster of :func:`connect` (either may be
    ``None``), quietly: a client of a scheduler that is gone cannot close
    cleanly, and the census says what happened in its own words.  A Ctrl-C
    (or ``SIGTERM``) meanwhile waits until both are closed (a second or two;
    at most :data:`CONNECT_SECONDS` for the client), then acts.

    EXAMPLES::

        sage: from sage_conslaw.census.run import close, connect
        sage: close(None, None)
        sage: client, cluster = connect(workers=1)  # long time, optional - dask
        sage: close(client, cluster); client.status, cluster.status.name  # long time, optional - dask
        ('closed', 'closed')
    """
    with DeferredSignals():     # a close cut halfway is retried by Dask at exit: seconds more, and tracebacks
        if client is not None:
            try:
                client.close(timeout=CONNECT_SECONDS)
            except Exception:
                pass
        if cluster is not None:
            cluster.close()


def dask_setup(worker):
    r"""
    Dask's preload hook, run in each worker process of the local cluster
    (see :func:`connect`): ignore ``SIGINT`` there, then unblock it.

    A terminal's Ctrl-C goes to the whole process group; the census's client
    alone reports it (one line) and closes the cluster, whose nannies stop the
    workers.  Left to Python (and to ``cysignals``, imported with this module,
    which installs its handler over an earlier choice), each worker process
    would print a ``KeyboardInterrupt`` traceback.  The worker started with
    ``SIGINT`` blocked (:func:`connect`): a Ctrl-C received before this hook is
    pending, and discarded when it is ignored.  Returns the previous handler.

    TESTS::

        sage: import signal
        sage: from sage_conslaw.census.run import dask_setup
        sage: _ = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
        sage: old = dask_setup(None); signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        True
        sage: signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
        False
        sage: _ = signal.signal(signal.SIGINT, old)
    """
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])
    return old


def check_dask():
    r"""
    Raise :class:`CensusError` naming the extra to install if Dask's
    ``distributed`` is missing (checked before anything is written).

    EXAMPLES::

        sage: from sage_conslaw.census.run import check_dask
        sage: check_dask()  # optional - dask
    """
    if importlib.util.find_spec('distributed') is None:
        raise CensusError("the census runs on Dask, which is not installed: pip install 'sage_conslaw[census]' "
                          "(from a clone: pip install '.[census]')")


def worker_count(requested, tasks):
    r"""
    Return ``(workers, note)``: the local cluster's size, at most the cores of
    this machine (``os.cpu_count()``) and the number of tasks, and the sentence
    saying it was capped (``None`` if not).

    EXAMPLES::

        sage: import os
        sage: from sage_conslaw.census.run import worker_count
        sage: worker_count(1, 5)
        (1, None)
        sage: n, note = worker_count(100000, 10**6); n == os.cpu_count(), note
        (True, '100000 workers asked; ... used (the cores of this machine)')
        sage: worker_count(None, 1)
        (1, None)
    """
    cores = os.cpu_count() or 1
    n = min(requested or cores, cores, max(tasks, 1))
    if requested is None or n == requested:
        return n, None
    why = "the cores of this machine" if n == cores else "the networks left to compute"
    return n, "%s workers asked; %s used (%s)" % (requested, n, why)


def census(family, max_width, max_depth, bias=False, out=None, scheduler=None, workers=None, progress=None,
           budget=None, redo_uncertified=False, _delay=0.0, _on_row=None, _crash=None):
    r"""
    Run (or resume) the census of every architecture of a range on a Dask cluster.

    INPUT:

    - ``family`` -- ``'linear'`` or ``'relu'``
    - ``max_width``, ``max_depth`` -- the range: widths `1..W`, depths `2..Q`
      (see :func:`~sage_conslaw.census.tasks.architectures`)
    - ``bias`` -- ReLU networks with biases
    - ``out`` -- the output directory (created if needed): ``rows.csv`` (the
      journal, completion order, with seconds and worker), ``census.csv`` (the
      canonical table), ``summary.json``
    - ``scheduler`` -- the address of a running Dask scheduler
      (``'tcp://host:8786'``); default: a local cluster
    - ``workers`` -- the number of worker processes of the local cluster
      (default: the number of cores; never more than the cores, nor than the
      networks to compute: the result's ``notes`` say so); not allowed with ``scheduler``
    - ``progress`` -- a tqdm progress bar (default: when standard error is a terminal)
    - ``budget`` -- seconds allowed to the trace of one network (default
      :data:`~sage_conslaw.core.thresholds.CENSUS_SECONDS`); a network beyond it
      gets a row without count that says so (the only row that depends on the
      speed of the machine)
    - ``redo_uncertified`` -- compute again the rows of the journal that are not
      certified (after an improvement of the engine, or with a larger budget)

    OUTPUT: a :class:`CensusResult`

    Rows already in ``out/rows.csv`` are not computed again, if they pass the
    checks of :meth:`~sage_conslaw.census.journal.Journal.load` (else they are).
    The output directory is locked (:class:`~sage_conslaw.files.DirectoryLock`):
    a second census on it is refused.  A network whose worker dies every time
    gets a row that says so, and the census goes on.  No Dask, a scheduler that
    cannot be reached or goes away: :class:`CensusError` (the finished rows are kept).
    Ctrl-C: :class:`CensusInterrupted` (a ``KeyboardInterrupt``) once the journal
    is open, saying how many finished rows it keeps; the cluster is closed.

    EXAMPLES::

        sage: import os
        sage: from sage_conslaw.census import census
        sage: out = tmp_dir()
        sage: res = census('relu', 1, 3, bias=True, out=out, workers=1, progress=False)  # long time, optional - dask
        sage: [r['dims'] for r in res.rows], res.computed  # long time, optional - dask
        (['[1, 1, 1]', '[1, 1, 1, 1]'], 2)
        sage: census('relu', 1, 3, bias=True, out=out, progress=False).computed  # long time, optional - dask
        0
        sage: sorted(os.listdir(out))  # long time, optional - dask
        ['.lock', 'census.csv', 'rows.csv', 'summary.json']

    Bad input::

        sage: census('linear', 0, 3, out='x')
        Traceback (most recent call last):
        ...
        ValueError: the maximal width must be an integer >= 1, got 0
        sage: census('linear', 2, 3)
        Traceback (most recent call last):
        ...
        ValueError: census needs an output directory (out=...)
        sage: census('linear', 2, 3, out='x', scheduler='tcp://127.0.0.1:8786', workers=2)
        Traceback (most recent call last):
        ...
        ValueError: workers is the size of the local cluster; with a scheduler, the cluster's workers are used
        sage: census('linear', 2, 3, out='x', scheduler='http://example.org')
        Traceback (most recent call last):
        ...
        ValueError: --scheduler 'http://example.org' is not a Dask scheduler address such as tcp://HOST:8786
    """
    keys = architectures(family, max_width, max_depth, bias)
    max_width, max_depth = int(max_width), int(max_depth)
    if out is None:
        raise ValueError("census needs an output directory (out=...)")
    if workers is not None:
        workers = positive_integer(workers, "the number of workers")
        if scheduler is not None:
            raise ValueError("workers is the size of the local cluster; with a scheduler, the cluster's "
                             "workers are used")
    if scheduler is not None:
        check_scheduler_address(scheduler)
    if budget is not None:
        budget = positive_integer(budget, "the budget in seconds")
    if progress is None:
        progress = sys.stderr.isatty()
    check_dask()
    os.makedirs(out, exist_ok=True)
    with DirectoryLock(out):
        return _census_locked(keys, family, max_width, max_depth, bias, out, scheduler, workers, progress,
                              budget, redo_uncertified, _delay, _on_row, _crash)


def _census_locked(keys, family, max_width, max_depth, bias, out, scheduler, workers, progress, budget,
                   redo_uncertified, delay, on_row, crash):
    r"""
    The census of :func:`census`, in its locked output directory.

    TESTS::

        sage: from sage_conslaw.census.run import _census_locked
        sage: keys = [('linear', (1, 1, 1), False)]
        sage: _census_locked(keys, 'linear', 1, 2, False, tmp_dir(), None, 1,  # long time, optional - dask
        ....:                False, 300, False, 0.0, None, None)
        Census of 1 linear networks (widths <= 1, depth 2..2): 1 rows, 1 certified (100.0 %), 1 matching the known laws
    """
    journal = Journal(os.path.join(out, 'rows.csv'))
    done = journal.load()
    notes = []
    if journal.dropped:
        notes.append("%s line%s of %s not trusted (damaged, edited or conflicting): computed again"
                     % (journal.dropped, "s" if journal.dropped > 1 else "", journal.path))
    if redo_uncertified:
        journal.drop([k for k, r in done.items() if r['certified'] != 'yes'])
        done = dict(journal.rows)
    todo = sorted((k for k in keys if k not in done), key=_cost, reverse=True)
    if scheduler is None and todo:
        workers, note = worker_count(workers, len(todo))
        if note:
            notes.append(note)
    t0 = time.time()
    cores, failed, problem = None, [], None
    try:
        if todo:
            cores = _compute(todo, journal, len(keys), scheduler, workers, progress, budget, delay, on_row,
                             failed, crash)
    except CensusError as e:
        problem = e
    except KeyboardInterrupt:
        raise CensusInterrupted(len(journal.rows), journal.path) from None
    finally:
        journal.close()
    seconds = time.time() - t0
    if failed:
        notes.append("%s network%s failed (their worker died each time; see the reason column): %s"
                     % (len(failed), "s" if len(failed) > 1 else "", ", ".join("x".join(map(str, k[1]))
                                                                              for k in failed)))
    with DeferredSignals():     # Ctrl-C and SIGTERM wait until the table and its summary agree
        write_table(journal.rows, keys, os.path.join(out, 'census.csv'))
        rows = read_table(os.path.join(out, 'census.csv'))
        result = CensusResult(rows=rows, family=family, max_width=max_width, max_depth=max_depth, bias=bias,
                              out=out, computed=len(todo) if problem is None else sum(k in journal.rows for k in todo),
                              seconds=seconds, cores=cores, scheduler=scheduler or 'local', notes=notes)
        _write_summary(result, os.path.join(out, 'summary.json'))
    if problem is not None:
        raise CensusError("%s; the %s finished rows are kept in %s: run the same command again to resume"
                          % (problem, len(journal.rows), out))
    return result


def _compute(todo, journal, total, scheduler, workers, progress, budget, delay, on_row, failed=None, crash=None):
    r"""
    Submit the tasks of ``todo`` and append their rows to the journal as they
    complete; return the number of worker threads.

    A task that fails every time (its worker process dies) gets a row that
    says so (:func:`~sage_conslaw.census.tasks.failed_row`) and its key is
    added to ``failed``; a scheduler that goes away is a :class:`CensusError`.

    TESTS::

        sage: import os
        sage: from sage_conslaw.census.journal import Journal
        sage: from sage_conslaw.census.run import _compute
        sage: J = Journal(os.path.join(tmp_dir(), 'rows.csv')); _ = J.load()
        sage: _compute([('linear', (1, 1, 1), False)], J, 1, None, 1, False, None, 0.0, None)  # long time, optional - dask
        1
        sage: list(J.rows)  # long time, optional - dask
        [('linear', (1, 1, 1), False)]
    """
    from distributed import as_completed
    client, cluster = connect(scheduler, workers)
    bar = None
    failed = [] if failed is None else failed
    try:
        cores = sum(client.nthreads().values())
        futures = {}
        for k in todo:
            future = client.submit(census_task, *k, delay=delay, budget=budget, crash=k == crash,
                                   key=_task_key(k), pure=False, retries=2)
            futures[future] = k
        if progress:
            bar = tqdm(total=total, initial=total - len(todo), desc="census", unit="net")
        for n, future in enumerate(as_completed(list(futures)), 1):
            if DeferredSignals.stop_requested():      # a Ctrl-C whose KeyboardInterrupt library code swallowed
                raise KeyboardInterrupt
            if future.status == 'finished':
                row = future.result()
            elif future.status == 'error':
                exc = future.exception()
                row = failed_row(*futures[future], why="%s: %s" % (type(exc).__name__, exc))
                failed.append(futures[future])
            else:
                raise CensusError("the Dask scheduler %s went away (task %s)"
                                  % (scheduler or "of the local cluster", future.status))
            try:
                journal.append(row)
            except OSError as e:     # the output, not the scheduler (a disk full)
                raise _WriteFailed(e) from None
            future.release()
            if bar is not None:
                bar.update(1)
            if on_row is not None:
                on_row(n, client)
        return cores
    except _WriteFailed as e:
        raise e.error
    except (OSError, TimeoutError) as e:
        raise CensusError("the Dask scheduler %s went away (%s: %s)"
                          % (scheduler or "of the local cluster", type(e).__name__, e)) from None
    except Exception as e:
        if type(e).__name__ in ('CancelledError', 'FutureCancelledError', 'CommClosedError'):
            raise CensusError("the Dask scheduler %s went away (%s)" % (scheduler or "of the local cluster",
                                                                        type(e).__name__)) from None
        raise
    finally:
        if bar is not None:
            bar.close()
        close(client, cluster)


class _WriteFailed(Exception):
    r"""
    An error writing the journal during :func:`_compute` (kept apart from the
    network errors of Dask, which are ``OSError`` too).

    TESTS::

        sage: from sage_conslaw.census.run import _WriteFailed
        sage: _WriteFailed(OSError(28, 'No space left on device')).error.errno
        28
    """

    def __init__(self, error):
        r"""
        TESTS::

            sage: from sage_conslaw.census.run import _WriteFailed
            sage: _WriteFailed(OSError()).args
            ()
        """
        super().__init__()
        self.error = error


def _write_summary(result, path):
    r"""
    Write ``summary.json``: the range, the counts, and the list of runs (wall
    time, rows computed, cores), previous runs of a resumed census included.

    TESTS::

        sage: import json, os
        sage: from sage_conslaw.census.run import CensusResult, _write_summary
        sage: path = os.path.join(tmp_dir(), 'summary.json')
        sage: r = CensusResult(rows=[{'certified': 'yes', 'match': 'yes', 'seconds': '1'}], family='linear',
        ....:                  max_width=1, max_depth=2, bias=False, computed=1, seconds=2.0, cores=2, scheduler='local')
        sage: _write_summary(r, path); _write_summary(r, path)
        sage: s = json.load(open(path)); s['networks'], s['certified'], len(s['runs'])
        (1, 1, 2)
    """
    runs = []
    if os.path.exists(path):
        try:
            with open(path) as f:
                runs = json.load(f).get('runs', [])
        except (ValueError, OSError):
            runs = []
    if result.computed:
        runs.append({'computed': int(result.computed), 'seconds': round(float(result.seconds), 1),
                     'cores': None if result.cores is None else int(result.cores), 'scheduler': str(result.scheduler)})
    summary = {'family': result.family, 'max_width': int(result.max_width), 'max_depth': int(result.max_depth),
               'bias': bool(result.bias), 'networks': len(result.rows),
               'certified': sum(r['certified'] == 'yes' for r in result.rows),
               'match': sum(r['match'] == 'yes' for r in result.rows), 'runs': runs}
    atomic_write(path, json.dumps(summary, indent=1))
