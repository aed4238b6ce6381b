r"""
The checks of "Conservation Laws for Modern Neural Architectures" (Tran, Bui,
Lai Ngoc, Nguyen, Dam, Nguyen; ICML 2026) on random sizes:
``sage-conslaw reproduce --paper modern``.

The paper characterizes its laws by hand, with no code.  Each row states one
of its statements for a block of random size (column ``expected``: the count
the statement predicts), and the count of the *network* that this package
proves (column ``found``: :meth:`~sage_conslaw.architectures.functional.NetworkLaws.network_trace`,
the laws of `\phi` certified by the Lie-trace engine and the network's own
gradients and their brackets in ball arithmetic).  Where the two differ, the
column ``note`` says what is true, and the row is a certified counterexample.
The column ``phi`` is the certified count of the laws of the polynomial `\phi`
alone.

Checks (one row each):

- ``analytic`` -- an MLP through GELU, SiLU, tanh, sigmoid or softplus: no law;
- ``mixed`` -- a ReLU layer then an analytic one: one law per ReLU neuron, none for the analytic layer;
- ``gated`` -- SwiGLU / GEGLU `W_3(\sigma(W_1x) \odot W_2x)`: one law per unit;
- ``norm`` -- Linear, LayerNorm or RMSNorm, Linear: with `\varepsilon = 0` the scale law of the first
  linear map; with `\varepsilon > 0` it is gone; LayerNorm's translation laws (column sums, `\sum b`);
  the gains against the columns (`\gamma_j^2 + \beta_j^2 - \|W[:, j]\|^2`); no law from the translation
  of LayerNorm's own output;
- ``rotary`` -- rotary attention: one law per rotation plane plus `V^\top O`'s (instead of
  `d_k(d_k+1)/2` for `Q^\top K`);
- ``sinusoidal`` -- sinusoidal encodings: the count of plain attention;
- ``moe`` -- a mixture of experts: the router's column sums (and `\sum r`) plus the experts' laws;
  top-`k` gating counted near a point on the regions the sample inputs visit.

**Sampling.**  ``numpy.random.default_rng(seed)`` (seed 0), in the order of the
checks: MLPs `d_{in} \in \{2, 3\}`, one hidden layer of width `\{2, 3, 4\}`,
`d_{out} \in \{1, 2\}`; gated units `d_{in} \in \{2, 3, 4\}`, `h \in \{1, 2,
3\}`, `d_{out} \in \{1, 2, 3\}`, bias coin; normalization: `d_{in} \in \{3,
4\}`, `n = 3`, `d_{out} = 2` (`d_{in} \ge n`: a narrower input adds laws of
its own, see :doc:`/modern`), LayerNorm or RMSNorm, `\varepsilon \in \{0,
10^{-5}\}`, affine and bias coins; rotary: `d_{in} \in \{2, 3\}`, `d_k \in
\{2, 3, 4\}`, `d_v \in \{1, 2\}`, `d_{out} \in \{1, 2\}`, 3 positions;
mixtures: `d_{in} = 2`, 3 experts of width 2, `d_{out} \in \{1, 2\}`, ReLU,
linear or GELU experts, softmax, top-1 (GELU experts) or top-2 gating.

EXAMPLES::

    sage: from sage_conslaw.reproduction.modern import reproduce_tables
    sage: rep = reproduce_tables(analytic=1, mixed=0, gated=1, norm=0, rotary=0, sinusoidal=0, moe=0, progress=False)
    sage: rep.table().splitlines()[0].split()
    ['check', 'block', 'D', 'expected', 'phi', 'found', 'certified', 'agrees', 'seconds', 'note']
    sage: [r['check'] for r in rep.rows], [r['agrees'] for r in rep.rows]
    (['analytic', 'gated'], [True, True])
    sage: rep.all_certified
    True
"""
import time

import numpy as np
from sage.rings.rational_field import QQ

from sage_conslaw.architectures.activations import MLP
from sage_conslaw.architectures.linear import known_independent_laws_formula
from sage_conslaw.architectures.moe import MixtureOfExperts
from sage_conslaw.architectures.normalization import NormalizedMLP
from sage_conslaw.architectures.rotary import RotaryAttention
from sage_conslaw.architectures.swiglu import GatedMLP
from sage_conslaw.reproduction.tables import ReproductionReport, run_checks

#: The checks, in the order of the sampling.
CHECKS = ('analytic', 'mixed', 'gated', 'norm', 'rotary', 'sinusoidal', 'moe')

#: The columns of the table.
COLUMNS = ['check', 'block', 'D', 'expected', 'phi', 'found', 'certified', 'agrees', 'seconds', 'note']

#: The analytic activations of the statement.
ANALYTIC = ('gelu', 'silu', 'tanh', 'sigmoid', 'softplus')


def _pick(rng, values):
    r"""
    One of ``values``, drawn by ``rng`` (as a Python object).

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.reproduction.modern import _pick
        sage: _pick(np.random.default_rng(int(0)), [5]), _pick(np.random.default_rng(int(0)), [None])
        (5, None)
    """
    return values[int(rng.integers(len(values)))]


def planned_tasks(seed=0, analytic=5, mixed=2, gated=6, norm=8, rotary=6, sinusoidal=2, moe=6):
    r"""
    Return the list of ``(check, spec)`` of a run: ``spec`` is a dict (family and sizes).

    EXAMPLES::

        sage: from sage_conslaw.reproduction.modern import planned_tasks
        sage: tasks = planned_tasks(analytic=1, mixed=0, gated=0, norm=1, rotary=0, sinusoidal=0, moe=1)
        sage: [c for c, _ in tasks], tasks[0][1]['family'], tasks[1][1]['hidden']
        (['analytic', 'norm', 'moe'], 'mlp', 3)
        sage: tasks == planned_tasks(analytic=1, mixed=0, gated=0, norm=1, rotary=0, sinusoidal=0, moe=1)
        True
    """
    rng = np.random.default_rng(int(seed))
    tasks = []
    for _ in range(analytic):
        tasks.append(('analytic', dict(family='mlp', d_in=_pick(rng, [2, 3]), hidden=[_pick(rng, [2, 3, 4])],
                                       d_out=_pick(rng, [1, 2]), activation=_pick(rng, ANALYTIC))))
    for _ in range(mixed):
        tasks.append(('mixed', dict(family='mlp', d_in=_pick(rng, [2, 3]), hidden=[_pick(rng, [2, 3]), 2],
                                    d_out=1, activation=['relu', _pick(rng, ANALYTIC)])))
    for _ in range(gated):
        tasks.append(('gated', dict(family='gated', d_in=_pick(rng, [2, 3, 4]), hidden=_pick(rng, [1, 2, 3]),
                                    d_out=_pick(rng, [1, 2, 3]), gate=_pick(rng, ['silu', 'gelu']),
                                    bias=bool(rng.integers(2)))))
    for _ in range(norm):
        tasks.append(('norm', dict(family='norm', d_in=_pick(rng, [3, 4]), hidden=3, d_out=2,
                                   norm=_pick(rng, ['layer', 'rms']), eps=_pick(rng, [0, _EPS]),
                                   affine=bool(rng.integers(2)), bias=bool(rng.integers(2)))))
    for _ in range(rotary):
        tasks.append(('rotary', dict(family='rotary', d_in=_pick(rng, [2, 3]), d_k=_pick(rng, [2, 3, 4]),
                                     d_v=_pick(rng, [1, 2]), d_out=_pick(rng, [1, 2]), positional='rotary')))
    for _ in range(sinusoidal):
        tasks.append(('sinusoidal', dict(family='rotary', d_in=_pick(rng, [2, 3]), d_k=_pick(rng, [1, 2, 3]),
                                         d_v=_pick(rng, [1, 2]), d_out=_pick(rng, [1, 2]),
                                         positional='sinusoidal')))
    for _ in range(moe):
        gating, k = _pick(rng, [('softmax', 1), ('topk', 1), ('topk', 2)])
        activation = 'gelu' if (gating, k) == ('topk', 1) else _pick(rng, ['relu', 'linear', 'gelu'])
        tasks.append(('moe', dict(family='moe', d_in=2, experts=3, hidden=2, d_out=_pick(rng, [1, 2]),
                                  activation=activation, gating=gating, k=k)))
    return tasks


#: PyTorch's default eps of LayerNorm, as a rational.
_EPS = QQ((1, 100000))


def build(spec):
    r"""
    The family of a spec.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.modern import build
        sage: build(dict(family='gated', d_in=2, hidden=1, d_out=1, gate='silu', bias=False))
        SwiGLU 2 -> 1 units -> 1 (gate silu) without biases: D = 5 parameters
    """
    s = {k: v for k, v in spec.items() if k != 'family'}
    f = spec['family']
    if f == 'mlp':
        return MLP(s['d_in'], s['hidden'], s['d_out'], s['activation'])
    if f == 'gated':
        return GatedMLP(s['d_in'], s['hidden'], s['d_out'], s['gate'], s['bias'])
    if f == 'norm':
        return NormalizedMLP(s['d_in'], s['hidden'], s['d_out'], s['norm'], s['eps'], s['affine'], s['bias'])
    if f == 'rotary':
        return RotaryAttention(s['d_in'], s['d_k'], s['d_v'], s['d_out'], positional=s['positional'])
    if f == 'moe':
        return MixtureOfExperts(s['d_in'], s['experts'], s['hidden'], s['d_out'], s['activation'], s['gating'],
                                s['k'])
    raise ValueError("unknown family %r" % f)


def expected(check, spec):
    r"""
    The count the paper's statement predicts for ``spec``, and a note when our count is known to
    differ (filled in by :func:`run_check` when it does).

    EXAMPLES::

        sage: from sage_conslaw.reproduction.modern import expected
        sage: expected('gated', dict(hidden=3))
        3
        sage: expected('norm', dict(norm='layer', d_in=3, hidden=3, d_out=2, eps=0, affine=True, bias=True))
        8
        sage: expected('rotary', dict(d_in=2, d_k=3, d_v=1, d_out=1))      # one plane + V^T O
        2
    """
    if check == 'analytic':
        return 0
    if check == 'mixed':
        return spec['hidden'][0]
    if check == 'gated':
        return spec['hidden']
    if check == 'norm':
        n = 0
        if spec['norm'] == 'layer':
            n += spec['d_in'] + (1 if spec['bias'] else 0)
        if spec['affine']:
            n += spec['hidden']
        if spec['eps'] == 0:
            n += 1
        return n
    vo = known_independent_laws_formula(spec['d_in'], spec['d_out'], spec['d_v']) if 'd_v' in spec else 0
    if check == 'rotary':
        return spec['d_k'] // 2 + vo
    if check == 'sinusoidal':
        return known_independent_laws_formula(spec['d_in'], spec['d_in'], spec['d_k']) + vo
    if check == 'moe':
        n = spec['d_in'] + 1
        E, h = spec['experts'], spec['hidden']
        if spec['activation'] == 'relu':
            n += E * h
        elif spec['activation'] == 'linear':
            n += E * known_independent_laws_formula(spec['d_in'] + 1, spec['d_out'], h)
        return n
    raise ValueError("unknown check %r" % check)


def explain(check, spec, found, model):
    r"""
    What is true when the count ``found`` differs from the statement (a sentence), or ``''``.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.modern import explain, build
        sage: spec = dict(family='norm', norm='layer', d_in=3, hidden=3, d_out=2, eps=0, affine=False, bias=True)
        sage: explain('norm', spec, 7, build(spec))
        "without affine parameters, LayerNorm's output sums to 0: the 2 row sums of the next weight are conserved"
    """
    exp = expected(check, spec)
    if found == exp:
        return ''
    if check == 'norm' and spec['norm'] == 'layer' and not spec['affine'] and found == exp + spec['d_out']:
        return ("without affine parameters, LayerNorm's output sums to 0: the %s row sums of the next weight "
                "are conserved" % spec['d_out'])
    if check == 'rotary' and spec['d_k'] % 2 and found == exp + 1:
        return "d_k is odd: the last coordinate is not rotated and has its own scaling law"
    if check == 'moe' and spec['gating'] == 'topk' and spec['k'] == 1:
        return ("top-1 gating gives the selected expert the weight 1: the router's gradient vanishes and all "
                "its %s entries are conserved" % (spec['experts'] * (spec['d_in'] + 1)))
    return "differs from the statement"


def run_check(task):
    r"""
    One row of the table: the certified count of the network against the statement.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.modern import run_check
        sage: row = run_check(('gated', dict(family='gated', d_in=2, hidden=2, d_out=1, gate='gelu', bias=False)))
        sage: row['expected'], row['phi'], row['found'], row['certified'], row['agrees']
        (2, 2, 2, True, True)
    """
    check, spec = task
    t0 = time.time()
    model = build(spec)
    phi = model.lie_trace()
    res = model.network_trace()
    exp = expected(check, spec)
    found = res.number_of_laws if res.certified else "%s..%s" % (res.number_of_laws, res.upper_bound)
    note = explain(check, spec, res.number_of_laws, model) if res.certified else res.certificate.reason
    if check == 'moe' and spec['gating'] == 'topk':
        note = (note + "; " if note else "") + "top-k: on the regions the samples visit"
    return dict(check=check, block=repr(model), D=model.D, expected=exp,
                phi=phi.number_of_laws if phi.certified else None, found=found, certified=res.certified,
                agrees=(res.certified and res.number_of_laws == exp), match=res.certified,
                seconds=round(time.time() - t0, 2), note=note)


class ModernReport(ReproductionReport):
    r"""
    The rows of a run, with its table and summary (files as :class:`~sage_conslaw.reproduction.tables.ReproductionReport`).

    A row *matches* when its count is certified (the statement may still be refuted: column ``agrees``).

    EXAMPLES::

        sage: from sage_conslaw.reproduction.modern import ModernReport
        sage: row = dict(check='norm', block='b', D=2, expected=1, phi=1, found=2, certified=True, agrees=False,
        ....:            match=True, seconds=float(0.1), note='why')
        sage: rep = ModernReport([row], 0.1, 1); print(rep.table())
        check block D expected phi found certified agrees seconds note
        norm  b     2 1        1   2     yes       NO     0.1     why
        sage: rep.summary()
        '1/1 checks certified; 0/1 agree with the statements (1 refuted or refined: see the column note)'
    """

    columns = COLUMNS
    flag = None       # the column 'agrees' says whether the statement holds; a refuted one is a finding

    def summary(self):
        r"""
        Return the one-line verdict.

        EXAMPLES::

            sage: from sage_conslaw.reproduction.modern import ModernReport
            sage: ModernReport([], 0.0, 1).summary()
            '0/0 checks certified; 0/0 agree with the statements'
        """
        n = len(self.rows)
        cert = sum(1 for r in self.rows if r['certified'])
        agree = sum(1 for r in self.rows if r['agrees'])
        s = "%s/%s checks certified; %s/%s agree with the statements" % (cert, n, agree, n)
        if agree < cert:
            s += " (%s refuted or refined: see the column note)" % (cert - agree)
        return s


def reproduce_tables(seed=0, workers=1, progress=True, **counts):
    r"""
    Run the checks over a random sample of sizes and return a :class:`ModernReport`.

    INPUT:

    - ``seed`` -- the numpy seed of the sampling
    - ``workers`` -- processes; the rows are the same for any number
    - ``progress`` -- a progress bar
    - the counts of :func:`planned_tasks`

    EXAMPLES::

        sage: from sage_conslaw.reproduction.modern import reproduce_tables
        sage: reproduce_tables(norm=-1)
        Traceback (most recent call last):
        ...
        ValueError: the number of norm checks must be an integer >= 0, got -1
        sage: reproduce_tables(nrom=1)
        Traceback (most recent call last):
        ...
        TypeError: unknown count nrom (the counts are analytic, mixed, gated, norm, rotary, sinusoidal, moe)
    """
    return run_checks(ModernReport, run_check, planned_tasks, CHECKS, seed, workers, progress, counts)
