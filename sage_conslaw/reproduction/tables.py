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
import json
import os
import time

from sage_conslaw.core.checks import boolean, nonnegative_integer, positive_integer
from sage_conslaw.reproduction.sampling import sample_architectures

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
    from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
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
    from sage.rings.polynomial.multi_polynomial_sequence import PolynomialSequence
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

    def __init__(self, rows, seconds, workers):
        r"""
        TESTS::

            sage: from sage_conslaw.reproduction.tables import ReproductionReport
            sage: report = ReproductionReport([], float(0.5), 2)
            sage: report.rows, report.seconds, report.workers, report.all_match
            ([], 0.5, 2, True)
        """
        self.rows = rows
        self.seconds = seconds
        self.workers = workers

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
        def fmt(r, c):
            v = r[c]
            if isinstance(v, bool):
                return ("yes" if v else "no") if c == 'bias' else ("yes" if v else "NO")
            return "-" if v is None else str(v)
        lines = aligned([COLUMNS] + [[fmt(r, c) for c in COLUMNS] for r in self.rows])
        return "\n".join(line + ("" if k == 0 or self.rows[k - 1]['match'] else "  <-- MISMATCH")
                         for k, line in enumerate(lines))

    def summary(self):
        r"""
        Return the one-line verdict.

        EXAMPLES::

            sage: from sage_conslaw.reproduction.tables import ReproductionReport
            sage: row = dict(family='relu', check='lie', dims=[2, 2, 2], bias=False, D=8, d=8, known=2,
            ....:            found=3, step=0, certified=False, match=False, seconds=float(0.1))
            sage: ReproductionReport([row], 0.1, 1).summary()
            '0/1 architectures match; MISMATCH on 1: relu lie [2, 2, 2]'
        """
        n = len(self.rows)
        bad = self.mismatches()
        if not bad:
            return "%s/%s architectures: no conservation law beyond the known ones (%s)" % (
                n, n, "all certified" if self.all_certified else "not all certified")
        return "%s/%s architectures match; MISMATCH on %s: %s" % (
            n - len(bad), n, len(bad), "; ".join("%s %s %s" % (r['family'], r['check'], r['dims']) for r in bad))

    def to_csv(self, path):
        r"""
        Write the rows as CSV.

        EXAMPLES::

            sage: from sage_conslaw.reproduction import reproduce_tables
            sage: import os, tempfile
            sage: path = os.path.join(tempfile.mkdtemp(), "t.csv")
            sage: reproduce_tables(linear=1, relu=0, poly=0, progress=False).to_csv(path)
            sage: open(path).readline().strip()
            'family,check,dims,bias,D,d,known,found,step,certified,match,seconds'
        """
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.columns, extrasaction='ignore')
            w.writeheader()
            for r in self.rows:
                w.writerow(r)

    def to_json(self, path):
        r"""
        Write ``{"rows": [...], "seconds": ..., "workers": ..., "summary": ...}`` as JSON.

        EXAMPLES::

            sage: from sage_conslaw.reproduction import reproduce_tables
            sage: import json, os, tempfile
            sage: path = os.path.join(tempfile.mkdtemp(), "t.json")
            sage: reproduce_tables(linear=1, relu=0, poly=0, progress=False).to_json(path)
            sage: row = json.load(open(path))["rows"][0]
            sage: row["family"], row["check"], row["match"], row["certified"]
            ('linear', 'lie', True, True)
        """
        with open(path, "w") as f:
            json.dump({"rows": self.rows, "seconds": self.seconds, "workers": self.workers,
                       "summary": self.summary()}, f, indent=1)

    def save(self, directory):
        r"""
        Write ``tables.csv``, ``tables.json`` and ``tables.txt`` into ``directory``; return their paths.

        EXAMPLES::

            sage: from sage_conslaw.reproduction import reproduce_tables
            sage: import os, tempfile
            sage: paths = reproduce_tables(linear=1, relu=0, poly=0, progress=False).save(tempfile.mkdtemp())
            sage: [os.path.basename(p) for p in paths]
            ['tables.csv', 'tables.json', 'tables.txt']
        """
        os.makedirs(directory, exist_ok=True)
        paths = [os.path.join(directory, name) for name in ("tables.csv", "tables.json", "tables.txt")]
        self.to_csv(paths[0])
        self.to_json(paths[1])
        with open(paths[2], "w") as f:
            f.write(self.table() + "\n" + self.summary() + "\n")
        return paths


def run_tasks(function, tasks, workers=1, progress=False, desc="architectures", unit="arch"):
    r"""
    Return ``[function(task) for task in tasks]``, computed by ``workers``
    processes (forked, so they share the parent's Sage session: no second
    start-up), in the order of ``tasks`` whatever the number of workers, with a
    progress bar if ``progress``.  The one runner of every paper's table.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.tables import run_tasks
        sage: run_tasks(abs, [-1, 2, -3], workers=2)
        [1, 2, 3]
        sage: run_tasks(abs, [], workers=2)
        []
    """
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(tasks), desc=desc, unit=unit)
    rows = []
    if workers == 1 or len(tasks) <= 1:
        results = map(function, tasks)
        pool = None
    else:
        import multiprocessing
        pool = multiprocessing.get_context("fork").Pool(workers)
        results = pool.imap(function, tasks, chunksize=1)
    try:
        for row in results:
            rows.append(row)
            if bar is not None:
                bar.update()
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        if bar is not None:
            bar.close()
    return rows


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
    linear = nonnegative_integer(linear, "the number of deep linear networks")
    relu = nonnegative_integer(relu, "the number of deep ReLU networks")
    poly = nonnegative_integer(poly, "the number of networks of each family for the degree-2 check")
    workers = positive_integer(workers, "workers")
    progress = boolean(progress, "progress")
    t0 = time.time()
    tasks = planned_tasks(linear, relu, poly, seed)
    rows = run_tasks(_run_one, tasks, workers, progress, desc="architectures", unit="arch")
    return ReproductionReport(rows, round(time.time() - t0, 3), workers)
