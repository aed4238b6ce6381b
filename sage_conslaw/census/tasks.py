r"""
The work of a census: the architectures of a range, and one row per architecture.

A row is computed by :func:`census_row` in a worker process: the certified
count of conservation laws (``model.lie_trace()``), the number of known laws
independent at the same point, whether they match, and -- when `D` is small
-- the homogeneous degree-2 polynomial laws (and, where the known laws are
not all the laws, a search for the extra laws up to degree 4).  Every value
of a row is a deterministic function of the architecture (the point is the
random point of seed 0), so a census gives the same rows whatever the number
of workers or the order in which they finish.

EXAMPLES::

    sage: from sage_conslaw.census.tasks import architectures, census_row
    sage: architectures('linear', 2, 2)
    [('linear', (1, 1, 1), False), ('linear', (1, 1, 2), False), ...]
    sage: row = census_row('linear', (1, 2, 3, 1), False)
    sage: row['laws'], row['known'], row['match']
    (10, 9, False)
"""
import itertools
import math
import os
import signal
import threading
import time
import traceback

from cysignals.alarm import AlarmInterrupt, alarm, cancel_alarm
from sage.misc.lazy_import import lazy_import
from sage.rings.rational_field import QQ

from sage_conslaw.census.child import MainThreadProcess
from sage_conslaw.core.checks import boolean, one_of, positive_integer
from sage_conslaw.core import thresholds as T

# lazy: the families (and Sage's matrices) are loaded when a row is computed, not when
# the command line checks its arguments (check_census_size) or the scheduler imports this module
lazy_import('sage_conslaw.architectures.linear', 'LinearNetwork')
lazy_import('sage_conslaw.architectures.relu', 'ReLUNetwork')
lazy_import('sage.matrix.constructor', 'matrix')

#: The families a census can range over.
FAMILIES = ('linear', 'relu')


def count_architectures(max_width, max_depth, limit=None):
    r"""
    Count the networks of widths ``1..max_width`` and depths ``2..max_depth``,
    `\sum_{q=2}^{Q} W^{q+1}`, and their widths `\sum_q (q+1) W^{q+1}`, stopping
    as soon as either passes its limit; return ``(networks, widths, complete)``.

    INPUT:

    - ``limit`` -- ``(networks, widths)`` to stop past (default
      :data:`~sage_conslaw.core.thresholds.MAX_CENSUS_NETWORKS` and
      :data:`~sage_conslaw.core.thresholds.MAX_CENSUS_WIDTHS`); ``complete``
      is ``False`` when the counting stopped there

    Nothing is built, and the counting takes microseconds whatever the range.

    EXAMPLES::

        sage: from sage_conslaw.census.tasks import count_architectures
        sage: count_architectures(5, 4)
        (3875, 18500, True)
        sage: count_architectures(1, 10^6)[2], count_architectures(1000, 1000)[2], count_architectures(10^9, 10^9)[2]
        (False, False, False)
    """
    if limit is None:
        limit = (T.MAX_CENSUS_NETWORKS, T.MAX_CENSUS_WIDTHS)
    W, Q = int(max_width), int(max_depth)
    networks = widths = 0
    for q in range(2, Q + 1):
        if W > 1 and (q + 1) * math.log2(W) > 64 + math.log2(max(limit)):
            return networks, widths, False
        n = W ** (q + 1)
        networks += n
        widths += n * (q + 1)
        if networks > limit[0] or widths > limit[1]:
            return networks, widths, False
    return networks, widths, True


def number_of_architectures(max_width, max_depth):
    r"""
    Return how many networks a census of widths ``1..max_width`` and depths
    ``2..max_depth`` has, `\sum_{q=2}^{Q} W^{q+1}`, or ``None`` when it is
    more than :data:`~sage_conslaw.core.thresholds.MAX_CENSUS_NETWORKS`
    (counted before any is built; see :func:`count_architectures`).

    EXAMPLES::

        sage: from sage_conslaw.census.tasks import number_of_architectures
        sage: number_of_architectures(5, 4)
        3875
        sage: number_of_architectures(100000, 100) is None
        True
    """
    networks, _, complete = count_architectures(max_width, max_depth, (T.MAX_CENSUS_NETWORKS, float('inf')))
    return networks if complete else None


def check_census_size(max_width, max_depth):
    r"""
    Raise ``ValueError`` if the census would have more than
    :data:`~sage_conslaw.core.thresholds.MAX_CENSUS_NETWORKS` networks, or more
    than :data:`~sage_conslaw.core.thresholds.MAX_CENSUS_WIDTHS` widths in all;
    return the number of networks.  Counted, never built: instantaneous.

    EXAMPLES::

        sage: from sage_conslaw.census.tasks import check_census_size
        sage: check_census_size(4, 4)
        1344
        sage: check_census_size(100, 5)
        Traceback (most recent call last):
        ...
        ValueError: widths 1..100 and depths 2..5 give more than 1000000 networks, the limit MAX_CENSUS_NETWORKS (sage_conslaw.core.thresholds)
        sage: check_census_size(1000, 1000)
        Traceback (most recent call last):
        ...
        ValueError: widths 1..1000 and depths 2..1000 give more than 1000000 networks, the limit MAX_CENSUS_NETWORKS (sage_conslaw.core.thresholds)
        sage: check_census_size(1, 10^6)
        Traceback (most recent call last):
        ...
        ValueError: widths 1..1 and depths 2..1000000 give more than 10000000 widths in all (networks of depth up to 1000000), the limit MAX_CENSUS_WIDTHS (sage_conslaw.core.thresholds)
    """
    networks, widths, complete = count_architectures(max_width, max_depth)
    if not complete:
        if networks > T.MAX_CENSUS_NETWORKS or widths <= T.MAX_CENSUS_WIDTHS:
            raise ValueError("widths 1..%s and depths 2..%s give more than %s networks, the limit "
                             "MAX_CENSUS_NETWORKS (sage_conslaw.core.thresholds)"
                             % (max_width, max_depth, T.MAX_CENSUS_NETWORKS))
        raise ValueError("widths 1..%s and depths 2..%s give more than %s widths in all (networks of depth up "
                         "to %s), the limit MAX_CENSUS_WIDTHS (sage_conslaw.core.thresholds)"
                         % (max_width, max_depth, T.MAX_CENSUS_WIDTHS, max_depth))
    return networks


def architectures(family, max_width, max_depth, bias=False):
    r"""
    Return every architecture of the range: widths `1 \le n_i \le` ``max_width``,
    depth `2 \le q \le` ``max_depth`` (a depth-1 network is a single matrix,
    without any conservation law), as keys ``(family, dims, bias)``.

    INPUT:

    - ``family`` -- ``'linear'`` or ``'relu'``
    - ``max_width``, ``max_depth`` -- positive integers (``max_depth >= 2``)
    - ``bias`` -- for ReLU networks: with biases (a linear network has none)

    OUTPUT: a list of ``(family, tuple of widths, bias)``, in canonical order
    (depth, then widths lexicographically); there are `\sum_{q=2}^{Q} W^{q+1}`

    EXAMPLES::

        sage: from sage_conslaw.census.tasks import architectures
        sage: len(architectures('linear', 5, 4))
        3875
        sage: architectures('relu', 1, 3, bias=True)
        [('relu', (1, 1, 1), True), ('relu', (1, 1, 1, 1), True)]
        sage: architectures('linear', 2, 1)
        Traceback (most recent call last):
        ...
        ValueError: the maximal depth must be at least 2 (a depth-1 network is a single matrix, without conservation law), got 1
        sage: architectures('linear', 2, 2, bias=True)
        Traceback (most recent call last):
        ...
        ValueError: linear networks have no biases; bias=True is for the family 'relu'
        sage: architectures('conv', 2, 2)
        Traceback (most recent call last):
        ...
        ValueError: the family must be one of 'linear', 'relu', got 'conv'
    """
    one_of(family, FAMILIES, "the family")
    max_width = positive_integer(max_width, "the maximal width")
    max_depth = positive_integer(max_depth, "the maximal depth")
    bias = boolean(bias, "bias")
    if max_depth < 2:
        raise ValueError("the maximal depth must be at least 2 (a depth-1 network is a single matrix, "
                         "without conservation law), got %s" % max_depth)
    if bias and family == 'linear':
        raise ValueError("linear networks have no biases; bias=True is for the family 'relu'")
    check_census_size(max_width, max_depth)
    return [(family, dims, bias) for q in range(2, max_depth + 1)
            for dims in itertools.product(range(1, max_width + 1), repeat=q + 1)]


def build_model(family, dims, bias):
    r"""
    Return the network of a census key.

    EXAMPLES::

        sage: from sage_conslaw.census.tasks import build_model
        sage: build_model('relu', (1, 2, 1), True)
        ReLU network [1, 2, 1] ... with biases: D = 7 parameters, d = 5 paths
    """
    if family == 'linear':
        return LinearNetwork(list(dims))
    return ReLUNetwork(list(dims), bias=bias)


def _span_dimension(polys):
    r"""
    Dimension over `\QQ` of the span of a list of polynomials of one ring.

    TESTS::

        sage: from sage_conslaw.census.tasks import _span_dimension
        sage: R.<x,y> = QQ[]
        sage: _span_dimension([x^2 - y^2, 2*x^2 - 2*y^2, x*y]), _span_dimension([])
        (2, 0)
    """
    if not polys:
        return 0
    monomials = sorted({m for h in polys for m in h.monomials()})
    index = {m: i for i, m in enumerate(monomials)}
    return matrix(QQ, len(polys), len(monomials),
                  {(i, index[m]): c for i, h in enumerate(polys)
                   for c, m in zip(h.coefficients(), h.monomials())}).rank()


def _extra_laws(model, known, point, independent_known):
    r"""
    Search polynomial laws of degree at most :data:`~sage_conslaw.core.thresholds.CENSUS_EXTRA_DEGREE`
    functionally independent of the known ones; return ``(count, shortest extra law or None)``.

    TESTS::

        sage: from sage_conslaw.census.tasks import build_model, _extra_laws
        sage: net = build_model('linear', (1, 2, 2), False)
        sage: known = net.known_conservation_laws(); pt = net.random_point(0)
        sage: _extra_laws(net, known, pt, net.number_of_independent_laws(known, pt))
        (0, None)
    """
    found = model.polynomial_conservation_laws(T.CENSUS_EXTRA_DEGREE, homogeneous=False)
    extra, chosen, rank = [], list(known), independent_known
    for h in sorted(found, key=lambda h: (h.degree(), len(h.monomials()), str(h))):
        r = model.number_of_independent_laws(chosen + [h], point)
        if r > rank:
            chosen.append(h)
            extra.append(h)
            rank = r
    return len(extra), (str(extra[0]) if extra else None)


def failed_row(family, dims, bias, why):
    r"""
    The row of a network whose computation failed every time (its worker process
    died): no count, not certified, and the reason.

    EXAMPLES::

        sage: from sage_conslaw.census.tasks import failed_row
        sage: from sage_conslaw.census.journal import check_row, encode
        sage: row = failed_row('relu', (2, 2, 2), True, 'RuntimeError: the helper process died (exit code -11)')
        sage: row['certified'], row['laws'], row['reason']
        (False, None, 'error: its worker died on every try (RuntimeError: the helper process died (exit code -11)); run the census again with --redo-uncertified to retry')
        sage: check_row(encode(row))
        ('relu', (2, 2, 2), True)
    """
    return dict(family=family, bias=bool(bias), depth=len(dims) - 1, dims=list(dims), D=None, d=None,
                laws=None, known=None, match=False, certified=False, method=None, dimensions=None,
                deg2=None, deg2_extra=None, extra_poly=None, extra_example=None,
                reason="error: its worker died on every try (%s); run the census again with --redo-uncertified "
                       "to retry" % why, seconds=0.0, worker='')


def census_row(family, dims, bias, delay=0.0, budget=None, crash=False):
    r"""
    Compute the row of one architecture (run by a census worker).

    INPUT:

    - ``family``, ``dims``, ``bias`` -- a key of :func:`architectures`
    - ``delay`` -- seconds to sleep first (used by the tests to keep workers
      busy while they are killed)
    - ``crash`` -- kill this process with a segmentation fault first (used by
      the tests: a network that crashes its worker every time)
    - ``budget`` -- seconds allowed to the trace, and again to each law search
      (default :data:`~sage_conslaw.core.thresholds.CENSUS_SECONDS`); beyond, the
      row says so.  It must run in the main thread of its process (a signal).

    OUTPUT: a dict with the columns of :data:`~sage_conslaw.census.journal.ROW_COLUMNS`
    and the non-deterministic ``seconds`` and ``worker``:

    - ``laws`` -- `D - \dim \mathrm{Lie}(W_\phi)(\theta)`, from ``model.lie_trace()``
    - ``known`` -- the number `N` of known laws independent at `\theta`, as the certificate counts them
    - ``match`` -- ``laws == known``: the known laws are all the laws (when certified)
    - ``certified``, ``reason``, ``method``, ``dimensions`` -- as the engine gives them
    - ``deg2`` -- the dimension of the homogeneous degree-2 laws (when
      `D \le` :data:`~sage_conslaw.core.thresholds.CENSUS_DEGREE2_MAX_D`, else ``None``)
    - ``deg2_extra`` -- how much of it lies outside the span of the known laws
    - ``extra_poly`` -- when ``laws > known`` and `D` is small, the number of
      polynomial laws of degree at most 4 independent of the known laws, and
      ``extra_example`` the shortest of them

    An exception of the engine is a row too (not certified, the reason says it).

    EXAMPLES::

        sage: from sage_conslaw.census.tasks import census_row
        sage: row = census_row('relu', (2, 2, 2), True)
        sage: [row[k] for k in ('D', 'd', 'laws', 'known', 'match', 'certified', 'deg2', 'deg2_extra')]
        [12, 14, 2, 2, True, True, 2, 0]
        sage: row = census_row('linear', (1, 2, 3, 1), False)
        sage: row['extra_poly'], row['deg2'], row['deg2_extra']   # the 10th law is not polynomial of degree <= 4
        (0, 9, 0)
    """
    t0 = time.time()
    if budget is None:
        budget = T.CENSUS_SECONDS
    if delay:
        time.sleep(delay)
    if crash:
        os.kill(os.getpid(), signal.SIGSEGV)
    row = dict(family=family, bias=bool(bias), depth=len(dims) - 1, dims=list(dims), D=None, d=None,
               laws=None, known=None, match=False, certified=False, method=None, dimensions=None,
               deg2=None, deg2_extra=None, extra_poly=None, extra_example=None, reason=None)
    try:
        model = build_model(family, dims, bias)
        row.update(D=int(model.D), d=int(model.d))
        # the rigorous method gets a quarter of the budget: past it, it reports what it
        # proved (a count certified by equal ranks over QQ(theta) of W_k and W_k+1, or a bound)
        res = _within(budget, lambda: model.lie_trace(max_seconds=max(1, budget // 4)))
        if res is None:
            row['reason'] = ("the trace did not finish within the census budget of %s s per network "
                             "(no count)" % budget)
        else:
            n_known = int(res.known_laws or 0)   # the very N of the certificate (rank at theta)
            row.update(laws=int(res.number_of_laws), known=n_known, match=res.number_of_laws == n_known,
                       certified=bool(res.certified), method=res.method, reason=res.reason,
                       dimensions=[int(x) for x in res.dimensions])
        known = model.known_conservation_laws()
        if model.D <= T.CENSUS_DEGREE2_MAX_D:
            deg2 = _within(budget, model.polynomial_conservation_laws, 2)
            if deg2 is not None:
                row.update(deg2=len(deg2), deg2_extra=_span_dimension(deg2 + known) - _span_dimension(known))
        if res is not None and res.number_of_laws > row['known'] and model.D <= T.CENSUS_EXTRA_MAX_D:
            extra = _within(budget, _extra_laws, model, known, res.point, row['known'])
            if extra is not None:
                row['extra_poly'], row['extra_example'] = extra
    except Exception as e:   # a row says what went wrong; the census goes on
        last = traceback.extract_tb(e.__traceback__)[-1]
        row.update(certified=False, match=False,
                   reason="error: %s: %s (at %s:%s)" % (type(e).__name__, e, last.filename.split("/")[-1],
                                                        last.lineno))
    row['seconds'] = round(time.time() - t0, 3)
    row['worker'] = _worker_name()
    return row


def _within(seconds, func, *args):
    r"""
    Return ``func(*args)``, or ``None`` if it takes more than ``seconds`` (an
    alarm signal interrupts it: main thread only).

    TESTS::

        sage: from sage_conslaw.census.tasks import _within
        sage: import time
        sage: _within(5, abs, -3)
        3
        sage: _within(0.5, time.sleep, 3) is None
        True
    """
    alarm(seconds)
    try:
        return func(*args)
    except AlarmInterrupt:
        return None
    finally:
        cancel_alarm()


_HELPER = None


def in_main_thread(func, *args, **kwds):
    r"""
    Return ``func(*args, **kwds)``, computed in the main thread of a process.

    Sage calls PARI (finite fields, primality, ...), whose stack only exists in
    the main thread of a process: in any other thread it crashes.  A Dask
    worker runs its tasks in a thread pool, so off the main thread the call
    goes to the persistent helper process of this worker
    (:class:`~sage_conslaw.census.child.MainThreadProcess`, started once); the
    cluster itself is used unchanged.

    EXAMPLES::

        sage: import threading
        sage: from sage_conslaw.census.tasks import in_main_thread
        sage: in_main_thread(GF, 7)
        Finite Field of size 7
        sage: out = []
        sage: t = threading.Thread(target=lambda: out.append(in_main_thread(GF, 7))); t.start(); t.join()  # long time
        sage: out  # long time
        [Finite Field of size 7]
    """
    global _HELPER
    if threading.current_thread() is threading.main_thread():
        return func(*args, **kwds)
    with _HELPER_LOCK:
        if _HELPER is None:
            _HELPER = MainThreadProcess()
    return _HELPER.call(func, *args, **kwds)


_HELPER_LOCK = threading.Lock()


def census_task(family, dims, bias, delay=0.0, budget=None, crash=False):
    r"""
    The Dask task of one architecture: :func:`census_row` computed in a main
    thread (see :func:`in_main_thread`), with the name of the worker.

    EXAMPLES::

        sage: from sage_conslaw.census.tasks import census_task
        sage: row = census_task('linear', (1, 1, 1), False); row['laws'], row['worker']
        (1, 'local')
    """
    row = in_main_thread(census_row, family, dims, bias, delay, budget, crash)
    row['worker'] = _worker_name()
    return row


def _worker_name():
    r"""
    The address of the Dask worker running this task, or ``'local'`` outside a worker.

    TESTS::

        sage: from sage_conslaw.census.tasks import _worker_name
        sage: _worker_name()
        'local'
    """
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return 'local'
