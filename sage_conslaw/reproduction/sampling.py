r"""
The random architectures of the paper's numerical section (Section 4.2, Appendix J).

The sampling follows the authors' protocol: numpy's global generator is seeded
(``numpy.random.seed(seed)``, once per family) and draws, architecture after
architecture and in this order, the depth `q`, then the `q + 1` widths one by
one, then -- ReLU networks only -- one uniform number in `[0, 1)`: the network
has biases when it is below `1/2`.

- ``'linear'`` (Lie-algebra check): depth in `2..4`, widths in `2..5`;
- ``'relu'`` (Lie-algebra check): depth in `2..4`, widths in `2..9`, biases with probability `1/2`;
- ``'poly-linear'`` and ``'poly-relu'`` (degree-2 polynomial laws): depth in `2..3`, widths in `2..4`.

EXAMPLES::

    sage: from sage_conslaw.reproduction.sampling import sample_architectures
    sage: [a['dims'] for a in sample_architectures('linear', 3)]
    [[5, 3, 2], [5, 3, 4, 2], [2, 2, 2, 4, 3]]
"""
import numpy as np

#: For each sample: (family of the network, depth range, width range, whether biases are drawn).
PROTOCOLS = {
    'linear': ('linear', (2, 4), (2, 5), False),
    'relu': ('relu', (2, 4), (2, 9), True),
    'poly-linear': ('linear', (2, 3), (2, 4), False),
    'poly-relu': ('relu', (2, 3), (2, 4), True),
}


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
    """
    if sample not in PROTOCOLS:
        raise ValueError("unknown sample %r; choose among %s" % (sample, ", ".join(repr(k) for k in PROTOCOLS)))
    family, (qmin, qmax), (wmin, wmax), draws_bias = PROTOCOLS[sample]
    state = np.random.get_state()
    np.random.seed(int(seed))
    try:
        out = []
        for _ in range(int(count)):
            q = int(np.random.randint(qmin, qmax + 1))
            dims = [int(np.random.randint(wmin, wmax + 1)) for _ in range(q + 1)]
            bias = bool(np.random.rand() < 0.5) if draws_bias else False
            out.append({'family': family, 'dims': dims, 'bias': bias})
        return out
    finally:
        np.random.set_state(state)   # leave the user's global generator as it was
