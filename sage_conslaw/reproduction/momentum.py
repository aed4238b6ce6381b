r"""
Reproduce the numerical checks of "Keep the Momentum" (Marcotte, Peyré,
Gribonval, ICML 2024), exactly: ``python -m sage_conslaw reproduce --paper momentum``.

**The released checks** (``sample = 'released'``), drawn exactly as the
authors' notebooks draw them (``numpy.random.seed(seed)`` before each check,
20 architectures, the draws of one architecture in this order; ``randint(a, b)``
excludes `b`):

- ``linear-momentum``: depth ``randint(2, 4)``, then depth + 1 widths
  ``randint(1, 4)``, then `\tau` ``= randint(0, 1)`` (always 0); asserted: the
  number of laws is that of independent polynomial laws of degree `\le 2 + \tau`
  in `(t, \theta, v)`;
- ``relu-momentum``: the same draws, then a bias if ``random() < 0.5``; asserted: no law;
- ``nmf-gf``: 3 sizes ``randint(1, 8)``; asserted: laws = polynomial laws of degree `\le 2`;
- ``nmf-momentum``: 3 sizes ``randint(1, 6)``, then `\tau`; asserted: no law;
- ``icnn-gf``: 3 sizes ``randint(1, 6)``, then the bias coin; asserted: laws =
  polynomial laws of degree `\le 2`;
- ``icnn-momentum``: 3 sizes ``randint(1, 6)``, the bias coin, then `\tau`; asserted: no law.

Here every count is a certified trace (:meth:`~sage_conslaw.core.model.ConservationModel.lie_trace`),
and the number of independent polynomial laws is proven equal to it by
inclusion or computed from an exact kernel over `\QQ` (column ``how``, see
:func:`run_check`).

**Our sample** (``sample = 'ours'``): the released draw ``randint(0, 1)`` is
always `0`, so the released checks only ever tested `\tau = 0`.  We redraw the
momentum checks with the same seed and ranges and ``randint(0, 4)`` in place
of it: `\tau \in \{0, 1, 2\}`, and `3` stands for Nesterov's `3/t`.  (numpy's
``randint(0, 1)`` returns `0` without consuming the generator, while
``randint(0, 4)`` consumes a draw, so the architectures differ from the
released ones after the first.)  Linear networks are compared with the laws of the shape
`T^k q(\theta, v)`, `\deg q \le 2` (:meth:`~sage_conslaw.dynamics.lifting.LiftedModel.structured_laws`),
and, for two layers, with the closed form
:func:`~sage_conslaw.dynamics.momentum.linear_momentum_laws_formula`.

EXAMPLES::

    sage: from sage_conslaw.reproduction.momentum import reproduce_tables
    sage: report = reproduce_tables(released=1, ours=1, progress=False)
    sage: len(report.rows), report.all_certified
    (10, True)
    sage: print(report.table())   # random timings
    sample   check           model                 flow       D  state laws expected certified match seconds
    released linear-momentum linear [1, 1, 2]      tau=0      4  9     0    0        yes       yes   ...
    ...
"""
import time

import numpy as np

from sage.misc.lazy_import import lazy_import

from sage_conslaw.core.checks import boolean, positive_integer
from sage_conslaw.reproduction.sampling import sample_count
from sage_conslaw.reproduction.tables import ReproductionReport, run_report

# lazy: the command line lists this paper's sample without loading the models
lazy_import('sage_conslaw.architectures.icnn', 'ICNN')
lazy_import('sage_conslaw.architectures.linear', 'LinearNetwork')
lazy_import('sage_conslaw.architectures.nmf', 'NMF')
lazy_import('sage_conslaw.architectures.relu', 'ReLUNetwork')
lazy_import('sage_conslaw.dynamics.momentum', ['HeavyBall', 'Nesterov', 'linear_momentum_laws_formula'])

COLUMNS = ['sample', 'check', 'model', 'flow', 'D', 'state', 'laws', 'expected', 'how', 'certified', 'match',
           'seconds']

#: The checks of the released notebooks, in their order.
RELEASED_CHECKS = ('linear-momentum', 'relu-momentum', 'nmf-gf', 'nmf-momentum', 'icnn-gf', 'icnn-momentum')

#: The momentum checks redrawn with a real friction (and Nesterov).
OUR_CHECKS = ('linear-momentum', 'relu-momentum', 'nmf-momentum', 'icnn-momentum')


def sample_check(check, count, seed=0, friction_draws=1):
    r"""
    Return the architectures of one check, drawn as the released notebooks draw them.

    INPUT:

    - ``check`` -- one of :data:`RELEASED_CHECKS`
    - ``count`` -- how many architectures
    - ``seed`` -- the numpy seed (the notebooks: 0)
    - ``friction_draws`` -- the friction is ``randint(0, friction_draws)``: ``1``
      as released (always 0); ``4`` for our sample (`3` = Nesterov)

    OUTPUT: a list of dicts with keys ``check``, ``family``, ``dims``, ``bias``, ``tau``

    EXAMPLES::

        sage: from sage_conslaw.reproduction.momentum import sample_check
        sage: [(a['dims'], a['tau']) for a in sample_check('linear-momentum', 3)]
        [([2, 1, 2], 0), ([2, 3, 1, 3], 0), ([1, 1, 3], 0)]
        sage: [(a['dims'], a['tau']) for a in sample_check('linear-momentum', 3, friction_draws=4)]
        [([2, 1, 2], 'nesterov'), ([3, 1, 3, 1], 0), ([3, 2, 3], 'nesterov')]
        sage: [(a['family'], a['dims'], a['bias']) for a in sample_check('icnn-gf', 2)]
        [('icnn', [5, 1, 4], False), ('icnn', [2, 4, 3], True)]
        sage: sample_check('cnn', 1)
        Traceback (most recent call last):
        ...
        ValueError: unknown check 'cnn'; choose among 'linear-momentum', 'relu-momentum', 'nmf-gf', 'nmf-momentum', 'icnn-gf', 'icnn-momentum'
    """
    if check not in RELEASED_CHECKS:
        raise ValueError("unknown check %r; choose among %s" % (check, ", ".join(repr(c) for c in RELEASED_CHECKS)))
    count = sample_count(count, "count")
    family = check.split('-')[0]
    state = np.random.get_state()
    np.random.seed(int(seed))
    try:
        out = []
        for _ in range(count):
            bias, tau = False, None
            if family in ('linear', 'relu'):
                depth = int(np.random.randint(2, 4))
                dims = [int(np.random.randint(1, 4)) for _ in range(depth + 1)]
            else:
                top = 8 if check == 'nmf-gf' else 6
                dims = [int(np.random.randint(1, top)) for _ in range(3)]
            if family == 'icnn':
                bias = bool(np.random.random() < 0.5)
            if check.endswith('momentum'):
                tau = int(np.random.randint(0, friction_draws))
                tau = 'nesterov' if tau == 3 else tau
            if family == 'relu':
                bias = bool(np.random.random() < 0.5)
            out.append({'check': check, 'family': family, 'dims': dims, 'bias': bias, 'tau': tau})
        return out
    finally:
        np.random.set_state(state)   # leave the user's global generator as it was


def build_model(arch):
    r"""
    Return the first-order model and the flow of a sampled architecture.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.momentum import build_model
        sage: build_model({'family': 'nmf', 'dims': [1, 2, 1], 'bias': False, 'tau': None})
        NMF [1, 2, 1] (phi = UV, mirror flow on U and V): D = 4 parameters
        sage: build_model({'family': 'linear', 'dims': [1, 2, 1], 'bias': False, 'tau': 'nesterov'})
        Nesterov flow theta'' + (3/t) theta' = -grad L of Linear network [1, 2, 1]: ...
    """
    family, dims = arch['family'], arch['dims']
    if family == 'linear':
        model = LinearNetwork(dims)
    elif family == 'relu':
        model = ReLUNetwork(dims, bias=arch['bias'])
    elif family == 'nmf':
        model = NMF(*dims)
    else:
        model = ICNN(*dims, bias=arch['bias'])
    tau = arch['tau']
    if tau is None:
        return model
    return Nesterov(model) if tau == 'nesterov' else HeavyBall(model, tau)


def _model_name(arch):
    r"""
    TESTS::

        sage: from sage_conslaw.reproduction.momentum import _model_name
        sage: _model_name({'family': 'icnn', 'dims': [1, 2, 3], 'bias': True})
        'icnn [1, 2, 3] bias'
    """
    return "%s %s%s" % (arch['family'], arch['dims'], " bias" if arch['bias'] else "")


def _flow_name(arch):
    r"""
    TESTS::

        sage: from sage_conslaw.reproduction.momentum import _flow_name
        sage: _flow_name({'family': 'nmf', 'tau': None}), _flow_name({'family': 'relu', 'tau': 2})
        ('mirror', 'tau=2')
    """
    tau = arch['tau']
    if tau is None:
        return 'mirror' if arch['family'] in ('nmf', 'icnn') else 'gradient'
    return 'nesterov' if tau == 'nesterov' else 'tau=%s' % tau


def _within_search(model, laws, sample, tau):
    r"""
    Whether every law lies in the space searched by the check: degree `\le 2 + \tau`
    for the released checks, the shape `T^k q(\theta, v)` (`k \le 2`, or `3` for
    Nesterov; `\deg q \le 2`) for our linear sample.

    TESTS::

        sage: from sage_conslaw.reproduction.momentum import _within_search
        sage: from sage_conslaw import HeavyBall
        sage: from sage_conslaw.architectures import LinearNetwork
        sage: hb = HeavyBall(LinearNetwork([1, 2, 1]), 1)
        sage: _within_search(hb, hb.known_conservation_laws(), 'ours', 1), _within_search(hb, [hb.time_variable()^3], 'ours', 1)
        (True, False)
    """
    if sample == 'released':
        return all(h.degree() <= 2 + (tau or 0) for h in laws)
    K = 3 if tau == 'nesterov' else 2
    T = model.time_variable()
    return all(m.degree(T) <= K and m.degree() - m.degree(T) <= 2 for h in laws for m in h.monomials())


def run_check(task, kernel=False):
    r"""
    Return the table row of one ``(sample, architecture)`` task.

    ``laws`` is the certified count, ``expected`` what the check compares it
    with: `0` for the momentum checks of ReLU networks, NMF and ICNN; the number
    of independent polynomial laws otherwise -- all polynomials of degree `\le
    2 + \tau` for the released checks, the shape `T^k q(\theta, v)` for our
    linear sample, where two-layer networks must also meet the closed form
    :func:`~sage_conslaw.dynamics.momentum.linear_momentum_laws_formula`.

    That number is obtained in one of two exact ways (column ``how``):
    ``'kernel'``, the rank at the point of a basis of the laws found by an exact
    kernel; or ``'inclusion'``, when the trace is certified by the known laws
    and these lie in the searched space: then `N \le` (independent polynomial
    laws) `\le` (all laws) `= N`, so both are `N` without solving anything.
    ``kernel=True`` always solves the kernel.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.momentum import run_check
        sage: arch = {'check': 'linear-momentum', 'family': 'linear', 'dims': [1, 3, 1], 'bias': False, 'tau': 2}
        sage: row = run_check(('ours', arch)); row['laws'], row['expected'], row['formula'], row['how'], row['match']
        (6, 6, 6, 'inclusion', True)
        sage: run_check(('ours', arch), kernel=True)['expected']
        6
        sage: arch = {'check': 'nmf-gf', 'family': 'nmf', 'dims': [1, 2, 1], 'bias': False, 'tau': None}
        sage: row = run_check(('released', arch)); row['laws'], row['expected'], row['how'], row['match']
        (3, 2, 'kernel', False)
    """
    sample, arch = task
    t0 = time.time()
    model = build_model(arch)
    res = model.lie_trace()
    formula, how = None, None
    tau = arch['tau']
    if arch['check'].endswith('momentum') and arch['family'] != 'linear':
        expected = 0
    else:
        known = model.known_conservation_laws()
        if not kernel and res.certified and res.known_laws and res.number_of_laws == res.known_laws \
                and _within_search(model, known, sample, tau):
            expected, how = res.known_laws, 'inclusion'
        else:
            if sample == 'ours':
                laws = model.structured_laws(2, time_degree=3 if tau == 'nesterov' else 2)
            else:
                laws = model.polynomial_conservation_laws(2 + (tau or 0), homogeneous=False)
            expected, how = model.number_of_independent_laws(laws, point=res.point), 'kernel'
        if sample == 'ours' and len(arch['dims']) == 3:
            formula = linear_momentum_laws_formula(*arch['dims'])
    match = res.certified and res.number_of_laws == expected and formula in (None, expected)
    base = model.model().D if hasattr(model, 'model') else model.D
    return dict(sample=sample, check=arch['check'], model=_model_name(arch), flow=_flow_name(arch), D=base,
                state=model.D, laws=res.number_of_laws, expected=expected, how=how, formula=formula,
                certified=res.certified, match=match, seconds=round(time.time() - t0, 3),
                dimensions=res.dimensions, dims=arch['dims'], family=arch['family'])


class MomentumReport(ReproductionReport):
    r"""
    The rows of a reproduction of the ICML 2024 checks (columns :data:`COLUMNS`).

    EXAMPLES::

        sage: from sage_conslaw.reproduction.momentum import MomentumReport
        sage: row = dict(sample='released', check='nmf-gf', model='nmf [1, 2, 1]', flow='mirror', D=4, state=4,
        ....:            laws=3, expected=2, how='kernel', certified=True, match=False, seconds=float(0.1))
        sage: report = MomentumReport([row], 0.1, 1)
        sage: print(report.table())
        sample   check  model         flow   D state laws expected how    certified match seconds
        released nmf-gf nmf [1, 2, 1] mirror 4 4     3    2        kernel yes       NO    0.1      <-- MISMATCH
        sage: report.summary()
        'released checks (1 x 1): 0/1 match, all certified; MISMATCH on 1: released nmf-gf nmf [1, 2, 1]'

    The CSV file has these columns (:meth:`ReproductionReport.to_csv`)::

        sage: from sage_conslaw.reproduction.momentum import reproduce_tables
        sage: import os
        sage: path = os.path.join(tmp_dir(), "t.csv")
        sage: reproduce_tables(released=1, ours=0, progress=False).to_csv(path)
        sage: open(path).readline().strip()
        'sample,check,model,flow,D,state,laws,expected,how,certified,match,seconds'
    """

    columns = COLUMNS

    def summary(self):
        r"""
        Return the verdict, for the released checks and for our sample separately.

        EXAMPLES::

            sage: from sage_conslaw.reproduction.momentum import reproduce_tables
            sage: print(reproduce_tables(released=1, ours=0, progress=False).summary())
            released checks (6 x 1): 6/6 match, all certified
        """
        parts = []
        for sample, title in (('released', 'released checks'), ('ours', 'our sample (tau in {0, 1, 2}, Nesterov)')):
            rows = [r for r in self.rows if r['sample'] == sample]
            if not rows:
                continue
            checks = sorted({r['check'] for r in rows})
            bad = [r for r in rows if not r['match']]
            text = "%s (%s x %s): %s/%s match, %s" % (
                title, len(checks), len(rows) // len(checks), len(rows) - len(bad), len(rows),
                "all certified" if all(r['certified'] for r in rows) else "NOT all certified")
            if bad:
                text += "; MISMATCH on %s: %s" % (len(bad), "; ".join("%s %s %s" % (r['sample'], r['check'], r['model'])
                                                                         for r in bad))
            parts.append(text)
        if not parts:
            return "no architecture"
        return "\n".join(parts)


def planned_tasks(released=20, ours=20, seed=0):
    r"""
    Return the list of ``(sample, architecture)`` tasks of a run.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.momentum import planned_tasks
        sage: tasks = planned_tasks(2, 1)
        sage: len(tasks), tasks[0][0], tasks[-1][0], tasks[-1][1]['check']
        (16, 'released', 'ours', 'icnn-momentum')
    """
    released = sample_count(released, "the number of architectures per released check")
    ours = sample_count(ours, "the number of architectures per check of our sample")
    tasks = [('released', a) for c in RELEASED_CHECKS for a in sample_check(c, released, seed)]
    tasks += [('ours', a) for c in OUR_CHECKS for a in sample_check(c, ours, seed, friction_draws=4)]
    return tasks


def reproduce_tables(released=20, ours=20, seed=0, workers=1, progress=True):
    r"""
    Recompute the checks of the ICML 2024 paper and return a :class:`MomentumReport`.

    INPUT:

    - ``released`` -- architectures per released check (the notebooks: 20)
    - ``ours`` -- architectures per momentum check of our sample (friction really drawn)
    - ``seed`` -- the numpy seed (the notebooks: 0)
    - ``workers`` -- processes; the rows are the same for any number
    - ``progress`` -- show a progress bar

    EXAMPLES::

        sage: from sage_conslaw.reproduction.momentum import reproduce_tables
        sage: r1 = reproduce_tables(released=1, ours=1, workers=1, progress=False)
        sage: r2 = reproduce_tables(released=1, ours=1, workers=2, progress=False)
        sage: strip = lambda rows: [{k: v for k, v in r.items() if k != 'seconds'} for r in rows]
        sage: strip(r1.rows) == strip(r2.rows)
        True
        sage: reproduce_tables(released=-1)
        Traceback (most recent call last):
        ...
        ValueError: the number of architectures per released check must be an integer >= 0, got -1
    """
    workers = positive_integer(workers, "workers")
    progress = boolean(progress, "progress")
    tasks = planned_tasks(released, ours, seed)
    return run_report(MomentumReport, run_check, tasks, workers, progress, desc="architectures", unit="arch")
