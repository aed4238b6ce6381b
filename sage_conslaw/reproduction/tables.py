r"""
Reproduce the paper's numerical tables (Section 4.2 and Appendix J), exactly.

For every sampled architecture:

- ``check = 'lie'``: compute `D - \dim \mathrm{Lie}(W_\phi)(\theta)` at the
  default random point with the known laws as certificate, and compare with
  the number of independent known laws (Proposition 4.1).  A certified row
  proves that the known laws are all the laws near `\theta`.
- ``check = 'poly'``: compute the space of homogeneous degree-2 polynomial laws
  (exact kernel over `\QQ`) and compare it with the span of the known laws.

EXAMPLES::

    sage: from sage_conslaw.reproduction import reproduce_tables
    sage: report = reproduce_tables(linear=2, relu=2, poly=1, workers=1, progress=False)
    sage: len(report.rows), report.all_match, report.all_certified
    (6, True, True)
    sage: print(report.summary())
    6/6 architectures: no conservation law beyond the known ones (all certified)
    sage: report.rows[0]['family'], report.rows[0]['check'], report.rows[0]['match']
    ('linear', 'lie', True)
"""
import csv
import io
import json
import multiprocessing
import os
import signal
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from sage.misc.lazy_import import lazy_import

from sage_conslaw.core.checks import boolean, positive_integer
from sage_conslaw.files import DeferredSignals, DirectoryLock, atomic_write, publish_set
from sage_conslaw.reproduction.sampling import sample_architectures, sample_count

# lazy: the command line builds its parser and lists the sampled architectures
# without loading the families or Singular's polynomial sequences
lazy_import('sage_conslaw.architectures.linear', 'LinearNetwork')
lazy_import('sage_conslaw.architectures.relu', 'ReLUNetwork')
lazy_import('sage.rings.polynomial.multi_polynomial_sequence', 'PolynomialSequence')
lazy_import('tqdm.auto', 'tqdm')        # the progress bar, only when asked for

COLUMNS = ['family', 'check', 'dims', 'bias', 'D', 'd', 'known', 'found', 'step', 'certified',
           'match', 'seconds']


def aligned(cells):
    r"""
    Return the lines of a table of strings (header first), columns left-aligned.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.tables import aligned
        sage: aligned([['check', 'dims'], ['lie', '[2, 2]'], ['poly', '[3]']])
        ['check dims', 'lie   [2, 2]', 'poly  [3]']
    """
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return [" ".join(x.ljust(w) for x, w in zip(row, widths)).rstrip() for row in cells]


def build_network(arch):
    r"""
    Return the architecture object of a sampled row.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.tables import build_network
        sage: build_network({'family': 'relu', 'dims': [2, 2, 2], 'bias': True})
        ReLU network [2, 2, 2] (inputs 2 -> hidden 2 -> outputs 2) with biases: D = 12 parameters, d = 14 paths
    """
    if arch['family'] == 'linear':
        return LinearNetwork(arch['dims'])
    return ReLUNetwork(arch['dims'], bias=arch['bias'])


def check_lie(arch):
    r"""
    Return the table row of the Lie-algebra check of one architecture.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.tables import check_lie
        sage: row = check_lie({'family': 'linear', 'dims': [2, 3, 2], 'bias': False})
        sage: row['D'], row['known'], row['found'], row['certified'], row['match']
        (12, 6, 6, True, True)
    """
    t0 = time.time()
    net = build_network(arch)
    res = net.lie_trace()
    known = res.known_laws if res.known_laws is not None else 0
    return dict(family=arch['family'], check='lie', dims=list(arch['dims']), bias=arch['bias'],
                D=net.D, d=net.d, known=known, found=res.number_of_laws, step=res.stopped_at,
                certified=res.certified, match=res.certified and res.number_of_laws == known,
                seconds=round(time.time() - t0, 3), dimensions=res.dimensions)


def compare_spans(ring, found, known):
    r"""
    Return the dimensions of the spans of two lists of polynomials and whether the spans are equal.

    Exact linear algebra over the base field on the coefficient matrix of both
    lists (Sage's ``coefficients_monomials``): the spans are equal when the
    three ranks (``found``, ``known``, both together) agree.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.tables import compare_spans
        sage: R.<x,y,z> = QQ[]
        sage: compare_spans(R, [x^2 - y^2, y^2 - z^2], [x^2 - z^2, 2*y^2 - 2*z^2])
        (2, 2, True)
        sage: compare_spans(R, [x^2 - y^2, y^2 - z^2, x*y], [x^2 - y^2, x^2 - y^2])
        (3, 1, False)
        sage: compare_spans(R, [x*y], [x*z])
        (1, 1, False)
        sage: compare_spans(R, [], [])
        (0, 0, True)
    """
    A, _ = PolynomialSequence(ring, list(found) + list(known)).coefficients_monomials()
    dim_found = A.matrix_from_rows(range(len(found))).rank()
    dim_known = A.matrix_from_rows(range(len(found), A.nrows())).rank()
    return int(dim_found), int(dim_known), dim_found == dim_known == A.rank()


def check_poly(arch):
    r"""
    Return the table row of the degree-2 polynomial-law check of one architecture.

    ``known`` is the dimension of the span of the known laws, ``found`` that of
    the space of homogeneous degree-2 laws; they match when the spaces are equal.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.tables import check_poly
        sage: row = check_poly({'family': 'relu', 'dims': [2, 3, 2], 'bias': True})
        sage: row['known'], row['found'], row['match']
        (3, 3, True)
        sage: row = check_poly({'family': 'linear', 'dims': [3, 2, 3], 'bias': False})
        sage: row['known'], row['found'], row['match']
        (3, 3, True)

    """
    t0 = time.time()
    net = build_network(arch)
    found = net.polynomial_conservation_laws(2)
    known = net.known_conservation_laws()
    dim_found, dim_known, same_space = compare_spans(net.polynomial_ring(), found, known)
    return dict(family=arch['family'], check='poly', dims=list(arch['dims']), bias=arch['bias'],
                D=net.D, d=net.d, known=dim_known, found=dim_found, step=None,
                certified=True, match=same_space, seconds=round(time.time() - t0, 3))


def _run_one(task):
    r"""
    Run one ``(check, architecture)`` task (the unit of work of the process pool).

    TESTS::

        sage: from sage_conslaw.reproduction.tables import _run_one
        sage: arch = {'family': 'linear', 'dims': [2, 2, 2], 'bias': False}
        sage: _run_one(('lie', arch))['check'], _run_one(('poly', arch))['check']
        ('lie', 'poly')
    """
    kind, arch = task
    return check_lie(arch) if kind == 'lie' else check_poly(arch)


class ReproductionReport:
    r"""
    The rows of a reproduction run, with a table, a summary, CSV and JSON.

    EXAMPLES::

        sage: from sage_conslaw.reproduction import reproduce_tables
        sage: report = reproduce_tables(linear=1, relu=0, poly=0, progress=False)
        sage: print(report.table())
        family check dims      bias D  d  known found step certified match seconds
        linear lie   [5, 3, 2] no   21 10 6     6     1    yes       yes   ...
    """

    #: The CSV columns; a paper's report sets its own.
    columns = COLUMNS
    #: The column whose ``False`` flags a row of the text table with ``<-- MISMATCH`` (``None``: no flag).
    flag = 'match'
    #: The words of :meth:`summary` when every row matches, and when some do not.
    all_match_words = "architectures: no conservation law beyond the known ones"
    some_match_words = "architectures match"
    #: The columns that name a mismatched row in :meth:`summary`.
    mismatch_columns = ('family', 'check', 'dims')

    def __init__(self, rows, seconds, workers, planned=None):
        r"""
        INPUT:

        - ``rows``, ``seconds``, ``workers`` -- the rows, the wall time and the processes used
        - ``planned`` -- the number of tasks of the run (default: the rows);
          more than the rows for a run interrupted by Ctrl-C

        TESTS::

            sage: from sage_conslaw.reproduction.tables import ReproductionReport
            sage: report = ReproductionReport([], float(0.5), 2)
            sage: report.rows, report.seconds, report.workers, report.all_match, report.complete
            ([], 0.5, 2, True, True)
        """
        self.rows = rows
        self.seconds = seconds
        self.workers = workers
        self.planned = len(rows) if planned is None else int(planned)

    @property
    def complete(self):
        r"""
        Whether every planned task has its row (``False`` after Ctrl-C).

        EXAMPLES::

            sage: from sage_conslaw.reproduction.tables import ReproductionReport
            sage: ReproductionReport([], 0.0, 1, planned=3).complete
            False
        """
        return len(self.rows) >= self.planned

    def status(self):
        r"""
        The line that says whether the run is complete (empty if it is).

        EXAMPLES::

            sage: from sage_conslaw.reproduction.tables import ReproductionReport
            sage: ReproductionReport([], 0.0, 1, planned=3).status()
            'INCOMPLETE: interrupted after 0 of 3 tasks; the rows are those finished'
            sage: ReproductionReport([], 0.0, 1).status()
            ''
        """
        if self.complete:
            return ""
        return "INCOMPLETE: interrupted after %s of %s tasks; the rows are those finished" % (
            len(self.rows), self.planned)

    @property
    def all_match(self):
        r"""
        Whether every row matches the known laws.

        EXAMPLES::

            sage: from sage_conslaw.reproduction import reproduce_tables
            sage: reproduce_tables(linear=1, relu=0, poly=0, progress=False).all_match
            True
        """
        return all(r['match'] for r in self.rows)

    @property
    def all_certified(self):
        r"""
        Whether every row is certified.

        EXAMPLES::

            sage: from sage_conslaw.reproduction import reproduce_tables
            sage: reproduce_tables(linear=0, relu=1, poly=0, progress=False).all_certified
            True
        """
        return all(r['certified'] for r in self.rows)

    def mismatches(self):
        r"""
        Return the rows that do not match (found laws beyond or below the known ones, or uncertified).

        EXAMPLES::

            sage: from sage_conslaw.reproduction import reproduce_tables
            sage: reproduce_tables(linear=1, relu=1, poly=0, progress=False).mismatches()
            []
        """
        return [r for r in self.rows if not r['match']]

    def table(self):
        r"""
        Return the rows as an aligned text table (mismatches flagged with ``<-- MISMATCH``).

        EXAMPLES::

            sage: from sage_conslaw.reproduction.tables import ReproductionReport
            sage: row = dict(family='relu', check='lie', dims=[2, 2, 2], bias=False, D=8, d=8, known=2,
            ....:            found=3, step=0, certified=False, match=False, seconds=float(0.1))
            sage: print(ReproductionReport([row], 0.1, 1).table())
            family check dims      bias D d known found step certified match seconds
            relu   lie   [2, 2, 2] no   8 8 2     3     0    NO        NO    0.1      <-- MISMATCH
        """
        lines = aligned([self.columns] + [[self.cell(r, c) for c in self.columns] for r in self.rows])
        return "\n".join(line + ("" if k == 0 or self.flag is None or self.rows[k - 1][self.flag]
                                 else "  <-- MISMATCH") for k, line in enumerate(lines))

    @staticmethod
    def cell(row, column):
        r"""
        The text of one cell of :meth:`table`: a verdict ``yes``/``NO`` (a bias ``yes``/``no``), ``-`` for none.

        EXAMPLES::

            sage: from sage_conslaw.reproduction.tables import ReproductionReport
            sage: [ReproductionReport.cell(dict(bias=False, match=False, D=None, found=3), c) for c in ('bias', 'match', 'D', 'found')]
            ['no', 'NO', '-', '3']
        """
        v = row[column]
        if isinstance(v, bool):
            return ("yes" if v else "no") if column == 'bias' else ("yes" if v else "NO")
        return "-" if v is None else str(v)

    def summary(self):
        r"""
        Return the one-line verdict.

        EXAMPLES::

            sage: from sage_conslaw.reproduction.tables import ReproductionReport
            sage: row = dict(family='relu', check='lie', dims=[2, 2, 2], bias=False, D=8, d=8, known=2,
            ....:            found=3, step=0, certified=False, match=False, seconds=float(0.1))
            sage: ReproductionReport([row], 0.1, 1).summary()
            '0/1 architectures match; MISMATCH on 1: relu lie [2, 2, 2]'
            sage: ReproductionReport([dict(row, match=True, certified=True)], 0.1, 1).summary()
            '1/1 architectures: no conservation law beyond the known ones (all certified)'
        """
        n = len(self.rows)
        bad = self.mismatches()
        if not bad:
            return "%s/%s %s (%s)" % (n, n, self.all_match_words,
                                      "all certified" if self.all_certified else "not all certified")
        return "%s/%s %s; MISMATCH on %s: %s" % (
            n - len(bad), n, self.some_match_words, len(bad),
            "; ".join(" ".join(str(r[c]) for c in self.mismatch_columns) for r in bad))

    def csv_text(self):
        r"""
        The rows as CSV text (the columns of the report).

        EXAMPLES::

            sage: from sage_conslaw.reproduction.tables import ReproductionReport
            sage: ReproductionReport([], 0.0, 1).csv_text()
            'family,check,dims,bias,D,d,known,found,step,certified,match,seconds\r\n'
        """
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=self.columns, extrasaction='ignore')
        w.writeheader()
        for r in self.rows:
            w.writerow(r)
        return buf.getvalue()

    def json_text(self):
        r"""
        ``{"rows": [...], "seconds": ..., "workers": ..., "planned": ..., "complete": ..., "summary": ...}`` as JSON text.

        EXAMPLES::

            sage: import json
            sage: from sage_conslaw.reproduction.tables import ReproductionReport
            sage: sorted(json.loads(ReproductionReport([], float(0), 1, planned=2).json_text()).items())
            [('complete', False), ('planned', 2), ('rows', []), ('seconds', 0.0), ('summary', ...), ('workers', 1)]
        """
        return json.dumps({"rows": self.rows, "seconds": float(self.seconds), "workers": int(self.workers),
                           "planned": int(self.planned), "complete": self.complete, "summary": self.summary()},
                          indent=1)

    def text(self):
        r"""
        The table, the summary and (if interrupted) the status, as in ``tables.txt``.

        EXAMPLES::

            sage: from sage_conslaw.reproduction.tables import ReproductionReport
            sage: print(ReproductionReport([], 0.0, 1, planned=1).text())
            family check dims bias D d known found step certified match seconds
            0/0 architectures: no conservation law beyond the known ones (all certified)
            INCOMPLETE: interrupted after 0 of 1 tasks; the rows are those finished
            <BLANKLINE>
        """
        return self.table() + "\n" + self.summary() + "\n" + (self.status() + "\n" if self.status() else "")

    def to_csv(self, path):
        r"""
        Write the rows as CSV (atomically).

        EXAMPLES::

            sage: from sage_conslaw.reproduction import reproduce_tables
            sage: import os
            sage: path = os.path.join(tmp_dir(), "t.csv")
            sage: reproduce_tables(linear=1, relu=0, poly=0, progress=False).to_csv(path)
            sage: open(path).readline().strip()
            'family,check,dims,bias,D,d,known,found,step,certified,match,seconds'
        """
        atomic_write(path, self.csv_text())

    def to_json(self, path):
        r"""
        Write :meth:`json_text` (atomically).

        EXAMPLES::

            sage: from sage_conslaw.reproduction import reproduce_tables
            sage: import json, os
            sage: path = os.path.join(tmp_dir(), "t.json")
            sage: reproduce_tables(linear=1, relu=0, poly=0, progress=False).to_json(path)
            sage: row = json.load(open(path))["rows"][0]
            sage: row["family"], row["check"], row["match"], row["certified"]
            ('linear', 'lie', True, True)
        """
        atomic_write(path, self.json_text())

    def save(self, directory):
        r"""
        Write ``tables.csv``, ``tables.json`` and ``tables.txt`` into ``directory``; return their paths.

        The directory is locked while writing (:class:`~sage_conslaw.files.DirectoryLock`:
        another run writing there is :class:`~sage_conslaw.files.DirectoryBusy`),
        and the three files are published together by one atomic rename
        (:func:`~sage_conslaw.files.publish_set`): they are written into a new
        generation directory ``.sets/tables.<random>``, the link ``.sets/tables``
        is switched to it at once, and each name is a fixed link through it
        (``tables.csv -> .sets/tables/tables.csv``), so that a kill at any
        instant leaves the three files of the old run or the three of the new
        one, never a mix; nothing planted there (a link under a name) is followed.
        Ctrl-C and ``SIGTERM`` wait until the three files are published
        (:class:`~sage_conslaw.files.DeferredSignals`), then act.

        EXAMPLES::

            sage: from sage_conslaw.reproduction import reproduce_tables
            sage: import os
            sage: d = tmp_dir()
            sage: paths = reproduce_tables(linear=1, relu=0, poly=0, progress=False).save(d)
            sage: [os.path.basename(p) for p in paths], sorted(os.listdir(d))
            (['tables.csv', 'tables.json', 'tables.txt'], ['.lock', '.sets', 'tables.csv', 'tables.json', 'tables.txt'])
            sage: os.readlink(paths[0]), open(paths[0]).readline().startswith('family,')
            ('.sets/tables/tables.csv', True)
        """
        names = ("tables.csv", "tables.json", "tables.txt")
        with DeferredSignals():
            os.makedirs(directory, exist_ok=True)
            contents = dict(zip(names, (self.csv_text(), self.json_text(), self.text())))
            with DirectoryLock(directory):
                publish_set(directory, "tables", contents)
        return [os.path.join(directory, name) for name in names]


class Interrupted(KeyboardInterrupt):
    r"""
    Ctrl-C during :func:`run_tasks`: ``rows`` holds the rows finished so far (in
    the order of the tasks, the unfinished left out), ``planned`` the number of
    tasks, and ``report`` (set by :func:`run_report`) their report, which
    ``sage-conslaw reproduce --out`` still saves.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.tables import Interrupted
        sage: e = Interrupted([1], 3); e.rows, e.planned, e.report, isinstance(e, KeyboardInterrupt)
        ([1], 3, None, True)
    """

    def __init__(self, rows, planned):
        r"""
        TESTS::

            sage: from sage_conslaw.reproduction.tables import Interrupted
            sage: Interrupted([], 0).args
            ('interrupted after 0 of 0 tasks',)
        """
        super().__init__("interrupted after %s of %s tasks" % (len(rows), planned))
        self.rows = rows
        self.planned = planned
        self.report = None


class WorkerDied(RuntimeError):
    r"""
    A task whose worker process died every time it ran (a crash, or killed:
    out of memory); ``rows`` and ``planned`` as for :class:`Interrupted`.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.tables import WorkerDied
        sage: WorkerDied("x", [], 2).planned
        2
    """

    def __init__(self, message, rows, planned):
        r"""
        TESTS::

            sage: from sage_conslaw.reproduction.tables import WorkerDied
            sage: str(WorkerDied("the worker died", [], 1))
            'the worker died'
        """
        super().__init__(message)
        self.rows = rows
        self.planned = planned
        self.report = None


def worker_count(requested, tasks):
    r"""
    Return the number of processes to use: ``requested``, but at most the cores
    of this machine (``os.cpu_count()``) and the number of tasks (at least 1).

    EXAMPLES::

        sage: import os
        sage: from sage_conslaw.reproduction.tables import worker_count
        sage: worker_count(100000, 10**6) == os.cpu_count(), worker_count(8, 1), worker_count(1, 0)
        (True, 1, 1)
    """
    return max(1, min(int(requested), os.cpu_count() or 1, int(tasks)))


def _ignore_interrupts():
    r"""
    The initializer of a worker process: Ctrl-C (sent to the whole process
    group by a terminal) is for the parent, which stops the workers itself;
    ``SIGTERM`` ends the worker (the handler a command line installed in the
    parent, :class:`~sage_conslaw.files.DeferredSignals`, is not inherited:
    a worker killed is a dead worker, not an interruption).  The worker was
    forked with ``SIGINT`` blocked (:func:`_run_in_pools`): a Ctrl-C received
    before this function is discarded when it is ignored, then ``SIGINT`` is
    unblocked.

    TESTS::

        sage: import signal, subprocess, sys
        sage: code = ("import signal; from sage_conslaw.reproduction.tables import _ignore_interrupts; "
        ....:         "signal.signal(signal.SIGTERM, print); signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT]); "
        ....:         "_ignore_interrupts(); "
        ....:         "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN, signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, "
        ....:         "signal.pthread_sigmask(signal.SIG_BLOCK, []))")
        sage: subprocess.run([sys.executable, '-c', code], capture_output=True, text=True).stdout
        'True True set()\n'
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])


def _stop(executor):
    r"""
    Stop a process pool at once: cancel what has not started, kill the workers.

    TESTS::

        sage: from concurrent.futures import ProcessPoolExecutor
        sage: from sage_conslaw.reproduction.tables import _stop
        sage: import multiprocessing, time
        sage: ex = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        sage: f = ex.submit(time.sleep, 60); _stop(ex); f.cancelled() or f.exception() is not None
        True
    """
    processes = list(getattr(executor, '_processes', {}).values())   # the workers (Python's own attribute)
    executor.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.kill()
    for p in processes:
        p.join(5)


def run_tasks(function, tasks, workers=1, progress=False, desc="architectures", unit="arch"):
    r"""
    Return ``[function(task) for task in tasks]``, computed by ``workers``
    processes, in the order of ``tasks`` whatever the number of workers, with a
    progress bar if ``progress``.  The one runner of every paper's table.

    The workers are forked from this process in its main thread, all at once
    (they share its Sage session: no second start-up), never more than the
    cores of the machine and the tasks (:func:`worker_count`).  Ctrl-C (to this
    process or its whole group) kills them and raises :class:`Interrupted`
    with the rows finished.  A worker that dies (a crash in a library, the
    memory killer) breaks the pool: the unfinished tasks are run again in a
    new pool, and after a second break one at a time; a task whose process
    dies alone is :class:`WorkerDied`, naming it.  Each break is said (a
    ``RuntimeWarning``): the finished rows are kept.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.tables import run_tasks
        sage: run_tasks(abs, [-1, 2, -3], workers=2)
        [1, 2, 3]
        sage: run_tasks(abs, [], workers=2)
        []

    A task that kills its process::

        sage: import os
        sage: run_tasks(os._exit, [0, 0], workers=2)
        Traceback (most recent call last):
        ...
        WorkerDied: the worker process running task 1 of 2 (0) died every time (a crash or the memory killer)
    """
    tasks = list(tasks)
    bar = None
    if progress:
        bar = tqdm(total=len(tasks), desc=desc, unit=unit)
    results = {}

    def finished():
        return [results[i] for i in sorted(results)]
    try:
        if worker_count(workers, len(tasks)) == 1:
            for i, task in enumerate(tasks):
                _check_stop()
                results[i] = function(task)
                if bar is not None:
                    bar.update()
        else:
            _run_in_pools(function, tasks, worker_count(workers, len(tasks)), results, bar)
    except KeyboardInterrupt:
        raise Interrupted(finished(), len(tasks)) from None
    except WorkerDied as e:
        e.rows, e.planned = finished(), len(tasks)
        raise
    finally:
        if bar is not None:
            bar.close()
    return finished()


def _check_stop():
    r"""
    Raise ``KeyboardInterrupt`` if a command's stop was asked and its first
    ``KeyboardInterrupt`` was swallowed by library code
    (:meth:`~sage_conslaw.files.DeferredSignals.stop_requested`): the pool
    stops at the next row, not at the end of the computation.

    TESTS::

        sage: import signal
        sage: from sage_conslaw.reproduction.tables import _check_stop
        sage: from sage_conslaw.files import DeferredSignals
        sage: _check_stop()
        sage: with DeferredSignals([signal.SIGUSR2], interrupt=True) as guard:
        ....:     guard.received.append(signal.SIGUSR2)
        ....:     _check_stop()
        Traceback (most recent call last):
        ...
        KeyboardInterrupt
        sage: _ = signal.signal(signal.SIGUSR2, signal.SIG_DFL)     # the guard left it ignored (a stop)
    """
    if DeferredSignals.stop_requested():
        raise KeyboardInterrupt


def _run_in_pools(function, tasks, workers, results, bar):
    r"""
    The pool part of :func:`run_tasks`: fill ``results`` (index -> row).

    TESTS::

        sage: from sage_conslaw.reproduction.tables import _run_in_pools
        sage: results = {}; _run_in_pools(abs, [-1, -2, -3], 2, results, None); results
        {0: 1, 1: 2, 2: 3}
    """
    context = multiprocessing.get_context("fork")
    breaks = 0
    while len(results) < len(tasks):
        pending = [i for i in range(len(tasks)) if i not in results]
        solo = breaks >= 2
        for batch in ([[i] for i in pending] if solo else [pending]):
            executor = ProcessPoolExecutor(1 if solo else min(workers, len(batch)), mp_context=context,
                                           initializer=_ignore_interrupts)
            try:
                # the workers are forked at the first submit: with SIGINT blocked (a Ctrl-C meanwhile
                # waits until they ignore it, then stops this process) and a pool complete (all known to _stop)
                with DeferredSignals(block=[signal.SIGINT]):
                    futures = {executor.submit(function, tasks[i]): i for i in batch}
                for future in as_completed(futures):
                    _check_stop()
                    results[futures[future]] = future.result()
                    if bar is not None:
                        bar.update()
            except BrokenProcessPool:
                if solo:
                    i = batch[0]
                    raise WorkerDied("the worker process running task %s of %s (%s) died every time (a crash or "
                                     "the memory killer)" % (i + 1, len(tasks), _describe(tasks[i])), [], 0) from None
                breaks += 1
                warnings.warn("a worker process died (a crash or the memory killer): the %s unfinished tasks "
                              "run again %s" % (len(tasks) - len(results),
                                                "one at a time" if breaks >= 2 else "in a new pool"),
                              RuntimeWarning, stacklevel=2)
                break
            finally:
                _stop(executor)


def _describe(task):
    r"""
    A short description of a task for messages.

    TESTS::

        sage: from sage_conslaw.reproduction.tables import _describe
        sage: _describe(('lie', {'family': 'relu', 'dims': [2, 3], 'bias': True}))
        "lie {'family': 'relu', 'dims': [2, 3], 'bias': True}"
        sage: _describe(0)
        '0'
    """
    if isinstance(task, tuple):
        return " ".join(map(str, task))
    return str(task)


def run_report(report_class, function, tasks, workers, progress, desc="architectures", unit="arch"):
    r"""
    Run ``tasks`` (:func:`run_tasks`) and return ``report_class(rows, seconds, workers)``;
    on Ctrl-C or a worker that died, the exception carries the report of the
    rows finished (``planned`` says how many there were to do).

    EXAMPLES::

        sage: from sage_conslaw.reproduction.tables import run_report, ReproductionReport
        sage: run_report(ReproductionReport, abs, [], 1, False).rows
        []
    """
    t0 = time.time()
    try:
        rows = run_tasks(function, tasks, workers, progress, desc=desc, unit=unit)
    except (Interrupted, WorkerDied) as e:
        e.report = report_class(e.rows, round(time.time() - t0, 3), worker_count(workers, len(tasks)),
                                planned=len(tasks))
        raise
    return report_class(rows, round(time.time() - t0, 3), worker_count(workers, len(tasks)))


def run_checks(report_class, run_check, planned_tasks, checks, seed, workers, progress, counts):
    r"""
    The body of a paper's ``reproduce_tables(seed, workers, progress, **counts)``
    whose counts are numbers of checks by name: check the counts (names among
    ``checks``, each a :func:`~sage_conslaw.reproduction.sampling.sample_count`),
    ``workers`` and ``progress``, plan the tasks (``planned_tasks(seed=seed,
    **counts)``) and run ``run_check`` on them (:func:`run_report`).

    EXAMPLES::

        sage: from sage_conslaw.reproduction.tables import run_checks, ReproductionReport
        sage: plan = lambda seed, a=0: [-1] * a
        sage: run_checks(ReproductionReport, abs, plan, ['a'], 0, 1, False, {'a': 2}).rows
        [1, 1]
        sage: run_checks(ReproductionReport, abs, plan, ['a'], 0, 1, False, {'b': 2})
        Traceback (most recent call last):
        ...
        TypeError: unknown count b (the counts are a)
        sage: run_checks(ReproductionReport, abs, plan, ['a'], 0, 1, False, {'a': -2})
        Traceback (most recent call last):
        ...
        ValueError: the number of a checks must be an integer >= 0, got -2
    """
    unknown = set(counts) - set(checks)
    if unknown:
        raise TypeError("unknown count %s (the counts are %s)" % (", ".join(sorted(unknown)), ", ".join(checks)))
    counts = {k: sample_count(v, "the number of %s checks" % k) for k, v in counts.items()}
    workers = positive_integer(workers, "workers")
    progress = boolean(progress, "progress")
    tasks = planned_tasks(seed=seed, **counts)
    return run_report(report_class, run_check, tasks, workers, progress, desc="checks", unit="check")


def planned_tasks(linear=50, relu=50, poly=10, seed=0):
    r"""
    Return the list of ``(check, architecture)`` tasks of a reproduction run.

    ``poly`` counts architectures of each family for the polynomial check.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.tables import planned_tasks
        sage: [(k, a['family']) for k, a in planned_tasks(1, 1, 1)]
        [('lie', 'linear'), ('lie', 'relu'), ('poly', 'linear'), ('poly', 'relu')]
    """
    return ([('lie', a) for a in sample_architectures('linear', linear, seed)]
            + [('lie', a) for a in sample_architectures('relu', relu, seed)]
            + [('poly', a) for a in sample_architectures('poly-linear', poly, seed)]
            + [('poly', a) for a in sample_architectures('poly-relu', poly, seed)])


def reproduce_tables(linear=50, relu=50, poly=10, seed=0, workers=1, progress=True):
    r"""
    Recompute the paper's tables and return a :class:`ReproductionReport`.

    INPUT:

    - ``linear``, ``relu`` -- how many deep linear / ReLU networks get the Lie-algebra check
      (the paper: 50 and 50)
    - ``poly`` -- how many linear and how many ReLU networks get the degree-2 check (the paper: 10 + 10)
    - ``seed`` -- the numpy seed of the sampling (the paper: 0)
    - ``workers`` -- processes to use; the rows are the same for any number
    - ``progress`` -- show a progress bar

    OUTPUT: a :class:`ReproductionReport`

    EXAMPLES::

        sage: from sage_conslaw.reproduction import reproduce_tables
        sage: r1 = reproduce_tables(linear=3, relu=3, poly=1, workers=1, progress=False)
        sage: r2 = reproduce_tables(linear=3, relu=3, poly=1, workers=2, progress=False)
        sage: strip = lambda rows: [{k: v for k, v in r.items() if k != 'seconds'} for r in rows]
        sage: strip(r1.rows) == strip(r2.rows)
        True
        sage: reproduce_tables(linear=-1)
        Traceback (most recent call last):
        ...
        ValueError: the number of deep linear networks must be an integer >= 0, got -1
        sage: reproduce_tables(workers=0)
        Traceback (most recent call last):
        ...
        ValueError: workers must be an integer >= 1, got 0
    """
    linear = sample_count(linear, "the number of deep linear networks")
    relu = sample_count(relu, "the number of deep ReLU networks")
    poly = sample_count(poly, "the number of networks of each family for the degree-2 check")
    workers = positive_integer(workers, "workers")
    progress = boolean(progress, "progress")
    tasks = planned_tasks(linear, relu, poly, seed)
    return run_report(ReproductionReport, _run_one, tasks, workers, progress, desc="architectures", unit="arch")
