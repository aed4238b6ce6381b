r"""
The random architectures of the paper's numerical section (Section 4.2, Appendix J).

The sampling is that of the authors' released notebook (``main.ipynb``):
numpy's global generator is seeded (``numpy.random.seed(seed)``, once per
sample) and draws, architecture after architecture and in this order, the
depth `q`, then the `q + 1` widths one by one (outputs first, as
``ReLUNetwork`` and ``LinearNetwork`` take them), then -- for the ReLU
networks of the Lie-algebra check only -- one uniform number in `[0, 1)`: the
network has biases when it is below `1/2`.

- ``'linear'`` (Lie-algebra check): depth in `2..4`, widths in `2..5`;
- ``'relu'`` (Lie-algebra check): depth in `2..4`, widths in `2..9`, biases with probability `1/2`;
- ``'poly-linear'`` and ``'poly-relu'`` (degree-2 polynomial laws): depth in
  `2..3`, widths in `2..4`; no bias coin is drawn and the ReLU networks have
  no biases, as in the released notebook.

EXAMPLES::

    sage: from sage_conslaw.reproduction.sampling import sample_architectures
    sage: [a['dims'] for a in sample_architectures('linear', 3)]
    [[5, 3, 2], [5, 3, 4, 2], [2, 2, 2, 4, 3]]

The ten ReLU networks of the paper's degree-2 check, all without biases::

    sage: sample = sample_architectures('poly-relu', 10)
    sage: [a['dims'] for a in sample]
    [[3, 2, 3], [3, 4, 2, 4], [2, 2, 4], [4, 4, 2, 3], [3, 3, 2, 3],
     [2, 3, 4], [2, 4, 2, 3], [3, 4, 2, 3], [3, 2, 4, 2], [4, 4, 2, 4]]
    sage: any(a['bias'] for a in sample), {a['family'] for a in sample}
    (False, {'relu'})

The linear networks of that check are the same widths (same seed, same draws)::

    sage: [a['dims'] for a in sample_architectures('poly-linear', 10)] == [a['dims'] for a in sample]
    True
"""
import numpy as np

from sage_conslaw.core.checks import integer, nonnegative_integer
from sage_conslaw.core import thresholds as T

#: numpy's legacy seeding (``numpy.random.seed``) takes the integers below this bound.
SEED_BOUND = 2**32

#: For each sample: (family of the network, depth range, width range, whether biases are drawn).
PROTOCOLS = {
    'linear': ('linear', (2, 4), (2, 5), False),
    'relu': ('relu', (2, 4), (2, 9), True),
    'poly-linear': ('linear', (2, 3), (2, 4), False),
    'poly-relu': ('relu', (2, 3), (2, 4), False),
}


def check_seed(seed, what="the seed"):
    r"""
    Return ``seed`` as a Python ``int`` if ``numpy.random.seed`` takes it, or raise a clear error
    naming it ``what``.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.sampling import check_seed
        sage: check_seed(0), check_seed(2^32 - 1)
        (0, 4294967295)
        sage: check_seed(-1)
        Traceback (most recent call last):
        ...
        ValueError: the seed must be an integer in [0, 2^32 - 1] (numpy's legacy seeding), got -1
        sage: check_seed(1.5)
        Traceback (most recent call last):
        ...
        TypeError: the seed must be an integer, got 1.50000000000000 (RealLiteral)
    """
    seed = integer(seed, what)
    if not 0 <= seed < SEED_BOUND:
        raise ValueError("%s must be an integer in [0, 2^32 - 1] (numpy's legacy seeding), got %s" % (what, seed))
    return seed


def sample_count(count, what="the number of architectures"):
    r"""
    Return ``count`` as a Python ``int`` if it is a number of architectures a
    reproduction may sample (`0 \le` ``count`` `\le`
    :data:`~sage_conslaw.core.thresholds.MAX_SAMPLE`), else raise a clear
    error, before anything is drawn.

    EXAMPLES::

        sage: from sage_conslaw.reproduction.sampling import sample_count
        sage: sample_count(50)
        50
        sage: sample_count(10^8, "the number of deep linear networks")
        Traceback (most recent call last):
        ...
        ValueError: the number of deep linear networks must be at most MAX_SAMPLE = 100000 (sage_conslaw.core.thresholds; the papers use 50), got 100000000
    """
    count = nonnegative_integer(count, what)
    if count > T.MAX_SAMPLE:
        raise ValueError("%s must be at most MAX_SAMPLE = %s (sage_conslaw.core.thresholds; the papers use 50), "
                         "got %s" % (what, T.MAX_SAMPLE, count))
    return count


def sample_architectures(sample, count, seed=0):
    r"""
    Return ``count`` architectures of the given sample, drawn reproducibly.

    INPUT:

    - ``sample`` -- one of ``'linear'``, ``'relu'``, ``'poly-linear'``, ``'poly-relu'``
    - ``count`` -- how many architectures
    - ``seed`` -- the seed of ``numpy.random`` (default ``0``, as in the paper's code)

    OUTPUT: a list of dicts with keys ``family`` (``'linear'`` or ``'relu'``),
    ``dims`` and ``bias``

    EXAMPLES::

        sage: from sage_conslaw.reproduction.sampling import sample_architectures
        sage: [(a['dims'], a['bias']) for a in sample_architectures('relu', 4)]
        [([9, 7, 2], False), ([5, 7, 4, 6], True), ([2, 6, 4], True), ([2, 3, 7, 3, 7], True)]
        sage: sample_architectures('cnn', 1)
        Traceback (most recent call last):
        ...
        ValueError: unknown sample 'cnn'; choose among 'linear', 'relu', 'poly-linear', 'poly-relu'
        sage: sample_architectures('relu', -1)
        Traceback (most recent call last):
        ...
        ValueError: the number of architectures must be an integer >= 0, got -1
        sage: sample_architectures('relu', 1, seed=2^32)
        Traceback (most recent call last):
        ...
        ValueError: the seed must be an integer in [0, 2^32 - 1] (numpy's legacy seeding), got 4294967296
    """
    if sample not in PROTOCOLS:
        raise ValueError("unknown sample %r; choose among %s" % (sample, ", ".join(repr(k) for k in PROTOCOLS)))
    count = sample_count(count, "the number of architectures")
    seed = check_seed(seed)
    family, (qmin, qmax), (wmin, wmax), draws_bias = PROTOCOLS[sample]
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        out = []
        for _ in range(count):
            q = int(np.random.randint(qmin, qmax + 1))
            dims = [int(np.random.randint(wmin, wmax + 1)) for _ in range(q + 1)]
            bias = bool(np.random.rand() < 0.5) if draws_bias else False
            out.append({'family': family, 'dims': dims, 'bias': bias})
        return out
    finally:
        np.random.set_state(state)   # leave the user's global generator as it was
