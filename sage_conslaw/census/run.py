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

    sage: import tempfile
    sage: from sage_conslaw.census import census
    sage: res = census('linear', 2, 2, out=tempfile.mkdtemp(), workers=1, progress=False)  # long time
    sage: res  # long time
    Census of 8 linear networks (widths <= 2, depth 2..2): 8 rows, 8 certified (100.0 %), 8 matching the known laws
    sage: res.rows[0]['dims'], res.rows[0]['laws']  # long time
    ('[1, 1, 1]', '1')
"""
import json
import os
import sys
import time

from sage_conslaw.census.journal import Journal, write_table
from sage_conslaw.census.tasks import architectures, census_task


class CensusResult:
    r"""
    The outcome of a census: its rows (canonical order), files and timings.

    Attributes: ``rows`` (list of dicts of strings, see
    :data:`~sage_conslaw.census.journal.ROW_COLUMNS`), ``family``,
    ``max_width``, ``max_depth``, ``bias``, ``out`` (the directory),
    ``computed`` (rows computed by this run), ``seconds`` (this run's wall
    time), ``cores`` (worker threads of the cluster, or ``None`` if nothing
    was left to compute), ``scheduler``.

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
    D = sum(a * b for a, b in zip(dims, dims[1:])) + (sum(dims[:-1]) if bias else 0)
    return D * (len(dims) - 1)


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


def connect(scheduler=None, workers=None):
    r"""
    Return ``(client, cluster)``: a client of the cluster at ``scheduler``
    (``cluster`` is then ``None``), or of a new local cluster of ``workers``
    single-threaded worker processes (default: the number of cores).

    EXAMPLES::

        sage: from sage_conslaw.census.run import connect
        sage: client, cluster = connect(workers=1)  # long time
        sage: sum(client.nthreads().values())  # long time
        1
        sage: client.close(); cluster.close()  # long time
    """
    import logging
    from distributed import Client, LocalCluster
    if scheduler is not None:
        return Client(scheduler), None
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0",
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def census(family, max_width, max_depth, bias=False, out=None, scheduler=None, workers=None, progress=None,
           budget=None, redo_uncertified=False, _delay=0.0, _on_row=None):
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
      (default: the number of cores); not allowed with ``scheduler``
    - ``progress`` -- a tqdm progress bar (default: when standard error is a terminal)
    - ``budget`` -- seconds allowed to the trace of one network (default
      :data:`~sage_conslaw.core.thresholds.CENSUS_SECONDS`); a network beyond it
      gets a row without count that says so (the only row that depends on the
      speed of the machine)
    - ``redo_uncertified`` -- compute again the rows of the journal that are not
      certified (after an improvement of the engine, or with a larger budget)

    OUTPUT: a :class:`CensusResult`

    Rows already in ``out/rows.csv`` are not computed again.

    EXAMPLES::

        sage: import os, tempfile
        sage: from sage_conslaw.census import census
        sage: out = tempfile.mkdtemp()
        sage: res = census('relu', 1, 3, bias=True, out=out, workers=1, progress=False)  # long time
        sage: [r['dims'] for r in res.rows], res.computed  # long time
        (['[1, 1, 1]', '[1, 1, 1, 1]'], 2)
        sage: census('relu', 1, 3, bias=True, out=out, progress=False).computed  # long time
        0
        sage: sorted(os.listdir(out))  # long time
        ['census.csv', 'rows.csv', 'summary.json']

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
    """
    from sage_conslaw.core.checks import positive_integer
    keys = architectures(family, max_width, max_depth, bias)
    max_width, max_depth = int(max_width), int(max_depth)
    if out is None:
        raise ValueError("census needs an output directory (out=...)")
    if workers is not None:
        workers = positive_integer(workers, "the number of workers")
        if scheduler is not None:
            raise ValueError("workers is the size of the local cluster; with a scheduler, the cluster's "
                             "workers are used")
    if scheduler is not None and not isinstance(scheduler, str):
        raise TypeError("the scheduler must be an address such as 'tcp://127.0.0.1:8786', got %r" % (scheduler,))
    if budget is not None:
        budget = positive_integer(budget, "the budget in seconds")
    if progress is None:
        progress = sys.stderr.isatty()
    os.makedirs(out, exist_ok=True)
    journal = Journal(os.path.join(out, 'rows.csv'))
    done = journal.load()
    if redo_uncertified:
        journal.drop([k for k, r in done.items() if r['certified'] != 'yes'])
        done = dict(journal.rows)
    todo = sorted((k for k in keys if k not in done), key=_cost, reverse=True)
    t0 = time.time()
    cores = None
    try:
        if todo:
            cores = _compute(todo, journal, len(keys), scheduler, workers, progress, budget, _delay, _on_row)
    finally:
        journal.close()
    seconds = time.time() - t0
    write_table(journal.rows, keys, os.path.join(out, 'census.csv'))
    from sage_conslaw.census.journal import read_table
    rows = read_table(os.path.join(out, 'census.csv'))
    result = CensusResult(rows=rows, family=family, max_width=max_width, max_depth=max_depth, bias=bias,
                          out=out, computed=len(todo), seconds=seconds, cores=cores,
                          scheduler=scheduler or 'local')
    _write_summary(result, os.path.join(out, 'summary.json'))
    return result


def _compute(todo, journal, total, scheduler, workers, progress, budget, delay, on_row):
    r"""
    Submit the tasks of ``todo`` and append their rows to the journal as they
    complete; return the number of worker threads.

    TESTS::

        sage: import os, tempfile
        sage: from sage_conslaw.census.journal import Journal
        sage: from sage_conslaw.census.run import _compute
        sage: J = Journal(os.path.join(tempfile.mkdtemp(), 'rows.csv')); _ = J.load()
        sage: _compute([('linear', (1, 1, 1), False)], J, 1, None, 1, False, None, 0.0, None)  # long time
        1
        sage: list(J.rows)  # long time
        [('linear', (1, 1, 1), False)]
    """
    from distributed import as_completed
    client, cluster = connect(scheduler, workers)
    bar = None
    try:
        cores = sum(client.nthreads().values())
        futures = [client.submit(census_task, *k, delay=delay, budget=budget, key=_task_key(k), pure=False, retries=2) for k in todo]
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=total, initial=total - len(todo), desc="census", unit="net")
        for n, (future, row) in enumerate(as_completed(futures, with_results=True), 1):
            journal.append(row)
            future.release()
            if bar is not None:
                bar.update(1)
            if on_row is not None:
                on_row(n, client)
        return cores
    finally:
        if bar is not None:
            bar.close()
        client.close()
        if cluster is not None:
            cluster.close()


def _write_summary(result, path):
    r"""
    Write ``summary.json``: the range, the counts, and the list of runs (wall
    time, rows computed, cores), previous runs of a resumed census included.

    TESTS::

        sage: import json, os, tempfile
        sage: from sage_conslaw.census.run import CensusResult, _write_summary
        sage: path = os.path.join(tempfile.mkdtemp(), 'summary.json')
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
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(summary, f, indent=1)
    os.replace(tmp, path)
