r"""
Common ground of the architectures: named parameter matrices over the
polynomial ring, and points built from named numeric matrices.

EXAMPLES::

    sage: from sage_conslaw.architectures import MatrixFactorization
    sage: mf = MatrixFactorization(2, 1, 1)
    sage: mf.parameters()
    {'U': [U_0_0]
    [U_1_0], 'V': [V_0_0]}
    sage: mf.point(U=[[1], [2]], V=[[3]])
    (1, 2, 3)
    sage: mf.unflatten([1, 2, 3])['U']
    [1]
    [2]
"""
from sage.matrix.constructor import matrix
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.rings.rational_field import QQ

from sage_conslaw.core.points import as_exact_point
from sage_conslaw.core.reparametrization import Reparametrization


def parameter_ring(shapes):
    r"""
    Return a polynomial ring over `\QQ` with one variable per entry of the named
    matrices, and those matrices.

    INPUT:

    - ``shapes`` -- a list of ``(name, (rows, cols))``; a vector is a shape ``(rows, 1)``

    OUTPUT: ``(R, {name: matrix over R})``; the variables are ordered matrix by
    matrix, row by row, and named ``name_i_j`` (``name_i`` for vectors)

    EXAMPLES::

        sage: from sage_conslaw.architectures.base import parameter_ring
        sage: R, mats = parameter_ring([('A', (1, 2)), ('b', (2, 1))])
        sage: R.gens(), mats['A']
        ((A_0_0, A_0_1, b_0, b_1), [A_0_0 A_0_1])
    """
    names = []
    for name, (r, c) in shapes:
        for i in range(r):
            for j in range(c):
                names.append("%s_%s_%s" % (name, i, j) if c > 1 or name[0].isupper() else "%s_%s" % (name, i))
    R = PolynomialRing(QQ, len(names), names)   # multivariate even for one name
    gens = iter(R.gens())
    mats = {}
    for name, (r, c) in shapes:
        mats[name] = matrix(R, r, c, [next(gens) for _ in range(r * c)])
    return R, mats


class Architecture(Reparametrization):
    r"""
    A reparametrization whose parameters are named matrices.

    Subclasses set ``self._shapes`` (``[(name, (rows, cols))]``) and the
    components of `\phi`, and provide :meth:`known_conservation_laws`.

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: net = LinearNetwork([2, 2, 2])
        sage: sorted(net.parameters())
        ['U1', 'U2']
    """

    def __init__(self, shapes, phis_from):
        R, mats = parameter_ring(shapes)
        self._shapes = list(shapes)
        self._mats = mats
        Reparametrization.__init__(self, R, phis_from(mats))

    def parameters(self):
        r"""
        Return the parameter matrices, by name, over the polynomial ring.

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: MatrixFactorization(1, 1, 2).parameters()['U']
            [U_0_0 U_0_1]
        """
        return dict(self._mats)

    def __getattr__(self, name):
        # Parameter matrices are reachable as attributes: net.U1, mf.V, relu.b1.
        mats = self.__dict__.get("_mats")
        if mats is not None and name in mats:
            return mats[name]
        raise AttributeError("%s has no attribute %r" % (type(self).__name__, name))

    def flatten(self, values):
        r"""
        Return the list of the `D` coordinates of the parameters given by name.

        INPUT:

        - ``values`` -- a dict ``{name: matrix}`` (Sage matrices, lists of rows,
          numpy arrays; vectors as flat lists); every parameter must be given

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: MatrixFactorization(1, 1, 1).flatten({'U': [[2]], 'V': [[3]]})
            [2, 3]
            sage: MatrixFactorization(1, 1, 1).flatten({'U': [[2]]})
            Traceback (most recent call last):
            ...
            ValueError: missing parameter V (a 1 x 1 matrix)
            sage: MatrixFactorization(1, 1, 1).flatten({'U': [[2, 1]], 'V': [[3]]})
            Traceback (most recent call last):
            ...
            ValueError: parameter U must be a 1 x 1 matrix, got shape 1 x 2
        """
        out = []
        unknown = set(values) - set(self._mats)
        if unknown:
            raise ValueError("unknown parameter%s %s (the parameters are %s)"
                             % ("s" if len(unknown) > 1 else "", ", ".join(sorted(unknown)),
                                ", ".join(name for name, _ in self._shapes)))
        for name, (r, c) in self._shapes:
            if name not in values:
                raise ValueError("missing parameter %s (a %s x %s matrix)" % (name, r, c))
            rows = _rows_of(values[name])
            if len(rows) != r or any(len(row) != c for row in rows):
                lengths = sorted({len(row) for row in rows})
                got = ("shape %s x %s" % (len(rows), lengths[0] if lengths else 0) if len(lengths) <= 1
                       else "rows of lengths %s" % ", ".join(str(len(row)) for row in rows))
                raise ValueError("parameter %s must be a %s x %s matrix, got %s" % (name, r, c, got))
            out.extend(x for row in rows for x in row)
        return out

    def unflatten(self, theta):
        r"""
        Return the parameter matrices of a point `\theta` (a list of `D` numbers), by name.

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork([1, 2, 1]).unflatten([1, 2, 3, 4])['U2']
            [3]
            [4]
        """
        theta = list(theta)
        if len(theta) != self.D:
            raise ValueError("the point has %s coordinates, but the parametrization has D = %s parameters"
                             % (len(theta), self.D))
        out, k = {}, 0
        for name, (r, c) in self._shapes:
            out[name] = matrix(r, c, theta[k:k + r * c])
            k += r * c
        return out

    def point(self, *args, **named):
        r"""
        Return the exact point `\theta` of the given parameter matrices.

        Call it with keywords (``model.point(U=..., V=...)``), or with the list of
        weight matrices and the biases by keyword (``model.point([U1, U2], b1=...)``).
        Entries must be exact (integers, rationals).

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork([1, 2, 1]).point([[[1, 2]], [[3], [4]]])
            (1, 2, 3, 4)
            sage: LinearNetwork([1, 2, 1]).point([[[1, 2]]])
            Traceback (most recent call last):
            ...
            ValueError: expected 2 weight matrices U1, ..., U2, got 1
        """
        values = dict(named)
        if args:
            if len(args) > 1:
                raise TypeError("give the weight matrices as one list, e.g. model.point([U1, U2])")
            weights = [name for name, _ in self._shapes if name.startswith("U")]
            mats = list(args[0])
            if len(mats) != len(weights):
                raise ValueError("expected %s weight matrices U1, ..., U%s, got %s"
                                 % (len(weights), len(weights), len(mats)))
            values.update(zip(weights, mats))
        return as_exact_point(self.flatten(values), self.D, self.polynomial_ring().base_ring())


def check_widths(dims, what):
    r"""
    Return the widths `[n_0, \dots, n_q]` as Python ints, or raise a clear error.

    EXAMPLES::

        sage: from sage_conslaw.architectures.base import check_widths
        sage: check_widths((2, 3), "a network")
        [2, 3]
        sage: check_widths([2, 0], "a network")
        Traceback (most recent call last):
        ...
        ValueError: the widths of a network must be positive integers, got [2, 0]
    """
    try:
        dims = list(dims)
    except TypeError:
        raise TypeError("%s needs a list of widths [n0, n1, ...], got %r" % (what, dims)) from None
    if len(dims) < 2:
        raise ValueError("%s needs at least two widths [n0, n1], got %s" % (what, dims))
    for n in dims:
        if int(n) != n or n < 1:
            raise ValueError("the widths of %s must be positive integers, got %s" % (what, dims))
    return [int(n) for n in dims]


class LayeredNetwork(Architecture):
    r"""
    A network of widths `[n_0, \dots, n_q]` with weight matrices
    `U_i \in \QQ^{n_{i-1} \times n_i}` (`U_1` next to the outputs).

    Subclasses give the extra parameters (a function of the checked widths)
    and the components of `\phi`.

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
        sage: LinearNetwork([2, 3, 4, 1]).depth, ReLUNetwork([2, 3, 4]).depth
        (3, 2)
    """

    def __init__(self, dims, what, phis_from, extra_shapes=lambda dims: []):
        self.dims = check_widths(dims, what)
        shapes = [("U%s" % i, (self.dims[i - 1], self.dims[i])) for i in range(1, len(self.dims))]
        Architecture.__init__(self, shapes + extra_shapes(self.dims), phis_from)

    @property
    def depth(self):
        r"""
        The number `q` of layers.

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork([2, 3, 4, 1]).depth
            3
        """
        return len(self.dims) - 1

    def weights(self):
        r"""
        Return `[U_1, \dots, U_q]` over the polynomial ring.

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: [U.dimensions() for U in LinearNetwork([2, 3, 4]).weights()]
            [(2, 3), (3, 4)]
        """
        return [self._mats["U%s" % i] for i in range(1, self.depth + 1)]


def _rows_of(M):
    """The rows of a matrix-like object as lists (a flat list or a vector is a column)."""
    if hasattr(M, "rows") and callable(M.rows):
        return [list(r) for r in M.rows()]
    if hasattr(M, "tolist"):
        M = M.tolist()
    M = list(M)
    if M and not hasattr(M[0], "__len__"):
        return [[x] for x in M]
    return [list(r) for r in M]
