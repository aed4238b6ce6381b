r"""
Common ground of the architectures: the parameter layout, the polynomial ring
it defines, and points built from named matrices.

The parameter layout
--------------------

Every architecture describes its parameters once, by a
:class:`ParameterLayout`: an ordered list of :class:`Parameter` records, each
with

- ``name`` -- ``'U1'``, ``'b1'``, ``'c'``, ``'V'``...;
- ``shape`` -- ``(rows, cols)`` of the stored matrix (a vector is ``(n, 1)``);
- ``offset`` -- where its entries start in the flat parameter vector `\theta`;
  entries are stored row by row (row-major), parameters one after the other;
- ``role`` -- ``'weight'``, ``'bias'`` or ``'parameter'`` (anything else);
- ``layer`` -- for a layered network, the layer index: weight `U_i` maps the
  neurons of layer `i` to those of layer `i-1` (layer `0` = outputs), and a
  bias of layer `i` is added to the neurons of layer `i` (``c`` is the output
  bias, layer `0`); ``None`` otherwise;
- ``transposed`` -- whether the stored matrix is the transpose of the layer's
  matrix (matrix factorization stores `V = U_2^\top`).

That one description is read by everything else: the ring variables
(``name_i_j``, or ``name_i`` for a vector), :meth:`Architecture.parameters`,
:meth:`Architecture.flatten`, :meth:`Architecture.unflatten`,
:meth:`Architecture.point` (the weights are the parameters of role
``'weight'``, by layer), the numeric twin of :mod:`sage_conslaw.flows.models`
(:meth:`ParameterLayout.split` cuts a float vector into numpy views),
training (initialization scales by layer, positive incoming weights) and the
intrinsic metric.

Adding an architecture
----------------------

Subclass :class:`Architecture` and call ``Architecture.__init__(self, shapes,
phis_from)`` where ``shapes`` lists the parameters -- ``(name, (rows, cols))``
pairs, or ``(name, (rows, cols), role, layer)`` tuples, or :class:`Parameter`
records -- and ``phis_from(mats)`` returns the components of `\phi` from the
parameter matrices over the polynomial ring (a dict by name).  It is called on
first need of the components, not at construction; give ``d=`` (and
``terms=``, ``structured=``, see :class:`Architecture`) when the number of
components is known without forming them.  Implement
``_repr_`` and :meth:`known_conservation_laws`.  For training, the numeric
floor registers a twin for the class (a
:class:`~sage_conslaw.flows.models.NumericModel` whose flat order is
``self.layout()``, see :mod:`~sage_conslaw.core.registry`), which
:meth:`Architecture.numeric_model` returns; without one, the twin needs a
model ``f(z, X)`` and is built from the compiled polynomials of `\phi`.

EXAMPLES::

    sage: from sage_conslaw.architectures import MatrixFactorization
    sage: mf = MatrixFactorization(2, 1, 1)
    sage: mf.layout()
    Parameter layout (D = 3): U 2 x 1 weight of layer 1 at 0, V 1 x 1 weight of layer 2 (stored transposed) at 2
    sage: mf.parameters()
    {'U': [U_0_0]
    [U_1_0], 'V': [V_0_0]}
    sage: mf.point(U=[[1], [2]], V=[[3]])
    (1, 2, 3)
    sage: mf.unflatten([1, 2, 3])['U']
    [1]
    [2]
"""
from numpy.random import default_rng
from sage.matrix.constructor import matrix
from sage.rings.polynomial.polynomial_ring_constructor import PolynomialRing
from sage.rings.rational_field import QQ

from sage_conslaw.core import checks
from sage_conslaw.core.registry import numeric_twin
from sage_conslaw.core.thresholds import (COMPRESSION_SURPLUS, MAX_DEPTH, MAX_VARIABLES, MIN_BYTES_PER_PARAMETER,
                                          memory_budget)
from sage_conslaw.core.points import as_exact_point
from sage_conslaw.core.reparametrization import Reparametrization

#: The roles a parameter may have.
ROLES = ("weight", "bias", "parameter")


class Parameter:
    r"""
    One named parameter matrix of an architecture (see the module documentation).

    INPUT:

    - ``name`` -- a string
    - ``shape`` -- ``(rows, cols)`` of the stored matrix; ``(n, 1)`` for a vector
    - ``role`` -- ``'weight'``, ``'bias'`` or ``'parameter'``
    - ``layer`` -- the layer index, or ``None``
    - ``transposed`` -- whether the stored matrix is the transpose of the layer's matrix
    - ``offset`` -- the index of its first entry in `\theta` (set by :class:`ParameterLayout`)

    EXAMPLES::

        sage: from sage_conslaw.architectures.base import Parameter
        sage: P = Parameter('U1', (2, 3), 'weight', 1, offset=4); P
        U1 2 x 3 weight of layer 1 at 4
        sage: P.size, P.slice, P.layer_shape
        (6, slice(4, 10, None), (2, 3))
        sage: P.variable_names()
        ['U1_0_0', 'U1_0_1', 'U1_0_2', 'U1_1_0', 'U1_1_1', 'U1_1_2']
        sage: Parameter('b1', (2, 1), 'bias', 1).variable_names()
        ['b1_0', 'b1_1']
        sage: Parameter('U', (2, 0))
        Traceback (most recent call last):
        ...
        ValueError: the shape of parameter U must be two positive integers (rows, cols), got (2, 0)
        sage: Parameter('U', (2, 2), role='kernel')
        Traceback (most recent call last):
        ...
        ValueError: the role of parameter U must be one of 'weight', 'bias', 'parameter', got 'kernel'
    """

    def __init__(self, name, shape, role="parameter", layer=None, transposed=False, offset=0):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import Parameter
            sage: Parameter('', (1, 1))
            Traceback (most recent call last):
            ...
            TypeError: a parameter name must be a nonempty string, got ''
            sage: Parameter('u', (1, 1), layer=-1)
            Traceback (most recent call last):
            ...
            ValueError: the layer of u must be an integer >= 0, got -1
        """
        if not isinstance(name, str) or not name:
            raise TypeError("a parameter name must be a nonempty string, got %r" % (name,))
        self.name = name
        try:
            r, c = shape
            self.shape = (checks.positive_integer(r, "rows"), checks.positive_integer(c, "cols"))
        except (TypeError, ValueError):
            raise ValueError("the shape of parameter %s must be two positive integers (rows, cols), got %s"
                             % (name, shape)) from None
        self.role = checks.one_of(role, ROLES, "the role of parameter %s" % name)
        self.layer = None if layer is None else checks.nonnegative_integer(layer, "the layer of %s" % name)
        self.transposed = checks.boolean(transposed, "transposed")
        self.offset = checks.nonnegative_integer(offset, "offset")

    def __repr__(self):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import Parameter
            sage: Parameter('V', (3, 2), 'weight', 2, transposed=True, offset=6)
            V 3 x 2 weight of layer 2 (stored transposed) at 6
        """
        where = "" if self.layer is None else " of layer %s" % self.layer
        return "%s %s x %s %s%s%s at %s" % (self.name, self.shape[0], self.shape[1], self.role, where,
                                            " (stored transposed)" if self.transposed else "", self.offset)

    def __eq__(self, other):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import Parameter
            sage: Parameter('u', (1, 1)) == Parameter('u', (1, 1)), Parameter('u', (1, 1)) == 3
            (True, False)
        """
        return isinstance(other, Parameter) and self._key() == other._key()

    def __hash__(self):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import Parameter
            sage: len({Parameter('u', (1, 1)), Parameter('u', (1, 1))})
            1
        """
        return hash(self._key())

    def _key(self):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import Parameter
            sage: Parameter('u', (1, 2), 'bias', 0)._key()
            ('u', (1, 2), 'bias', 0, False, 0)
        """
        return (self.name, self.shape, self.role, self.layer, self.transposed, self.offset)

    @property
    def size(self):
        r"""
        The number of entries.

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import Parameter
            sage: Parameter('U', (3, 4)).size
            12
        """
        return self.shape[0] * self.shape[1]

    @property
    def slice(self):
        r"""
        The slice of `\theta` holding the entries, row by row.

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import Parameter
            sage: Parameter('U', (1, 2), offset=3).slice
            slice(3, 5, None)
        """
        return slice(self.offset, self.offset + self.size)

    @property
    def layer_shape(self):
        r"""
        The shape of the layer's matrix: ``shape``, reversed when stored transposed.

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import Parameter
            sage: Parameter('V', (3, 2), 'weight', 2, transposed=True).layer_shape
            (2, 3)
        """
        return self.shape[::-1] if self.transposed else self.shape

    def is_vector(self):
        r"""
        Whether the ring variables are named ``name_i`` (a column with a lower-case name).

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import Parameter
            sage: Parameter('b', (3, 1)).is_vector(), Parameter('U', (3, 1)).is_vector()
            (True, False)
        """
        return self.shape[1] == 1 and not self.name[0].isupper()

    def variable_names(self):
        r"""
        Return the names of the ring variables of the entries, row by row.

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import Parameter
            sage: Parameter('V', (2, 1)).variable_names()
            ['V_0_0', 'V_1_0']
        """
        r, c = self.shape
        if self.is_vector():
            return ["%s_%s" % (self.name, i) for i in range(r)]
        return ["%s_%s_%s" % (self.name, i, j) for i in range(r) for j in range(c)]

    def placed(self, offset):
        r"""
        Return the same parameter at another offset.

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import Parameter
            sage: Parameter('c', (2, 1), 'bias', 0).placed(7)
            c 2 x 1 bias of layer 0 at 7
        """
        return Parameter(self.name, self.shape, self.role, self.layer, self.transposed, offset)


def as_parameter(spec):
    r"""
    Return a :class:`Parameter` from a record or a tuple ``(name, (rows, cols)[, role[, layer]])``.

    EXAMPLES::

        sage: from sage_conslaw.architectures.base import as_parameter
        sage: as_parameter(('A', (1, 2)))
        A 1 x 2 parameter at 0
        sage: as_parameter(('b', (2, 1), 'bias', 1))
        b 2 x 1 bias of layer 1 at 0
        sage: as_parameter('A')
        Traceback (most recent call last):
        ...
        TypeError: a parameter is given as (name, (rows, cols)[, role[, layer]]) or a Parameter, got 'A'
    """
    if isinstance(spec, Parameter):
        return spec
    if isinstance(spec, tuple) and 2 <= len(spec) <= 4:
        return Parameter(*spec)
    raise TypeError("a parameter is given as (name, (rows, cols)[, role[, layer]]) or a Parameter, got %r"
                    % (spec,))


class ParameterLayout:
    r"""
    The ordered parameters of an architecture and their place in `\theta`
    (see the module documentation).

    INPUT:

    - ``parameters`` -- a list of :class:`Parameter` records or tuples
      ``(name, (rows, cols)[, role[, layer]])``; offsets are assigned in order

    EXAMPLES::

        sage: from sage_conslaw.architectures.base import ParameterLayout
        sage: L = ParameterLayout([('U1', (1, 2), 'weight', 1), ('U2', (2, 1), 'weight', 2),
        ....:                      ('b1', (2, 1), 'bias', 1)])
        sage: L.D, L.names(), len(L)
        (6, ['U1', 'U2', 'b1'], 3)
        sage: L['U2'].slice
        slice(2, 4, None)
        sage: [P.name for P in L.weights()], [P.name for P in L.biases()]
        (['U1', 'U2'], ['b1'])
        sage: L.layer_widths()
        [1, 2, 1]
        sage: ParameterLayout([('U', (1, 1)), ('U', (2, 2))])
        Traceback (most recent call last):
        ...
        ValueError: two parameters are named U
    """

    def __init__(self, parameters):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: ParameterLayout([]).D
            0
            sage: ParameterLayout([('a', (1, 1)), 'b'])
            Traceback (most recent call last):
            ...
            TypeError: a parameter is given as (name, (rows, cols)[, role[, layer]]) or a Parameter, got 'b'
        """
        placed, k = [], 0
        for spec in parameters:
            P = as_parameter(spec).placed(k)
            placed.append(P)
            k += P.size
        names = [P.name for P in placed]
        for name in names:
            if names.count(name) > 1:
                raise ValueError("two parameters are named %s" % name)
        self._parameters = tuple(placed)
        self._by_name = {P.name: P for P in placed}
        self.D = k

    def __repr__(self):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: ParameterLayout([('a', (2, 1), 'bias', 0)])
            Parameter layout (D = 2): a 2 x 1 bias of layer 0 at 0
        """
        return "Parameter layout (D = %s): %s" % (self.D, ", ".join(repr(P) for P in self._parameters))

    def __iter__(self):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: [P.offset for P in ParameterLayout([('a', (2, 1)), ('B', (2, 2))])]
            [0, 2]
        """
        return iter(self._parameters)

    def __len__(self):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: len(ParameterLayout([('a', (2, 1))]))
            1
        """
        return len(self._parameters)

    def __getitem__(self, name):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: ParameterLayout([('a', (2, 1))])['b']
            Traceback (most recent call last):
            ...
            KeyError: 'no parameter b (the parameters are a)'
        """
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError("no parameter %s (the parameters are %s)" % (name, ", ".join(self.names()))) from None

    def __contains__(self, name):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: 'a' in ParameterLayout([('a', (2, 1))]), 'b' in ParameterLayout([('a', (2, 1))])
            (True, False)
        """
        return name in self._by_name

    def __eq__(self, other):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: ParameterLayout([('a', (2, 1))]) == ParameterLayout([('a', (2, 1))])
            True
        """
        return isinstance(other, ParameterLayout) and self._parameters == other._parameters

    def __hash__(self):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: hash(ParameterLayout([('a', (2, 1))])) == hash(ParameterLayout([('a', (2, 1))]))
            True
        """
        return hash(self._parameters)

    def names(self):
        r"""
        Return the parameter names, in order.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: ReLUNetwork([1, 2, 1], bias=True).layout().names()
            ['U1', 'U2', 'b1', 'c']
        """
        return [P.name for P in self._parameters]

    def variable_names(self):
        r"""
        Return the names of the `D` ring variables, in the order of `\theta`.

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: ParameterLayout([('A', (1, 2)), ('b', (2, 1))]).variable_names()
            ['A_0_0', 'A_0_1', 'b_0', 'b_1']
        """
        return [name for P in self._parameters for name in P.variable_names()]

    def with_role(self, role):
        r"""
        Return the parameters of a role, sorted by layer (then by position).

        EXAMPLES::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: ReLUNetwork([1, 2, 2, 1], bias=True).layout().with_role('bias')
            [c 1 x 1 bias of layer 0 at 12, b1 2 x 1 bias of layer 1 at 8, b2 2 x 1 bias of layer 2 at 10]
        """
        checks.one_of(role, ROLES, "role")
        found = [P for P in self._parameters if P.role == role]
        return sorted(found, key=lambda P: (-1 if P.layer is None else P.layer, P.offset))

    def weights(self):
        r"""
        Return the weight parameters, by layer.

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork([2, 3, 1]).layout().weights()
            [U1 2 x 3 weight of layer 1 at 0, U2 3 x 1 weight of layer 2 at 6]
        """
        return self.with_role("weight")

    def biases(self):
        r"""
        Return the bias parameters, by layer (the output bias, layer 0, first).

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork([2, 3, 1]).layout().biases()
            []
        """
        return self.with_role("bias")

    def layer_widths(self):
        r"""
        Return the widths `[n_0, \dots, n_q]` of a layered network, from its weights.

        Weight `i` must have the layer shape `n_{i-1} \times n_i`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: MatrixFactorization(3, 4, 2).layout().layer_widths()
            [3, 2, 4]
            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: ParameterLayout([('A', (1, 2), 'weight', 1), ('B', (3, 1), 'weight', 2)]).layer_widths()
            Traceback (most recent call last):
            ...
            ValueError: the weights A, B do not chain: layer 2 has shape 3 x 1, expected 2 rows
            sage: ParameterLayout([('A', (1, 2))]).layer_widths()
            Traceback (most recent call last):
            ...
            ValueError: the weights of a layered network are the layers 1, ..., q; got []
        """
        W = self.weights()
        if [P.layer for P in W] != list(range(1, len(W) + 1)) or not W:
            raise ValueError("the weights of a layered network are the layers 1, ..., q; got %s"
                             % [P.layer for P in W])
        dims = [W[0].layer_shape[0]]
        for P in W:
            r, c = P.layer_shape
            if r != dims[-1]:
                raise ValueError("the weights %s do not chain: layer %s has shape %s x %s, expected %s rows"
                                 % (", ".join(Q.name for Q in W), P.layer, r, c, dims[-1]))
            dims.append(c)
        return dims

    def ring(self, base=QQ):
        r"""
        Return the polynomial ring with one variable per entry, and the parameter matrices over it.

        OUTPUT: ``(R, {name: matrix over R})``; the variables are ordered as `\theta`

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: R, mats = ParameterLayout([('A', (1, 2)), ('b', (2, 1))]).ring()
            sage: R.gens(), mats['b'].list()
            ((A_0_0, A_0_1, b_0, b_1), [b_0, b_1])
        """
        R = self.polynomial_ring(base)
        return R, self.matrices(R)

    def polynomial_ring(self, base=QQ):
        r"""
        Return the polynomial ring with one variable per entry, ordered as `\theta`
        (multivariate even for one variable; its generators are not formed here).

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: ParameterLayout([('A', (1, 1))]).polynomial_ring()
            Multivariate Polynomial Ring in A_0_0 over Rational Field
        """
        check_size(self.D, "the number D of parameters")
        return PolynomialRing(base, self.D, self.variable_names())

    def matrices(self, R):
        r"""
        Return the parameter matrices over the ring ``R`` of :meth:`ring`, by name.

        The generators of a ring of `D` variables cost `O(D^2)` memory in
        Singular (each is a dense exponent vector: half a gigabyte for `D =
        16230`), so architectures form these matrices on first need only.

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: L = ParameterLayout([('A', (1, 2)), ('b', (2, 1))])
            sage: L.matrices(L.ring()[0])['A']
            [A_0_0 A_0_1]
        """
        gens = R.gens()
        return {P.name: matrix(R, P.shape[0], P.shape[1], gens[P.slice]) for P in self._parameters}

    def as_lists(self, values, vectors=()):
        r"""
        Return the list of the `D` coordinates ``values`` (numbers, jets,
        balls) by parameter: each a list of rows, those named in ``vectors``
        a flat list (the inverse of :meth:`flatten`, without a ring; the
        networks that evaluate themselves on jets or balls read their
        parameters so; :meth:`split` gives numpy views).

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: L = ParameterLayout([('A', (2, 2)), ('b', (2, 1), 'bias')])
            sage: L.as_lists(list(range(6))), L.as_lists(list(range(6)), vectors=['b'])
            ({'A': [[0, 1], [2, 3]], 'b': [[4], [5]]}, {'A': [[0, 1], [2, 3]], 'b': [4, 5]})
            sage: L.flatten(L.as_lists(list(range(6)), vectors=['b'])) == list(range(6))
            True
        """
        out = {}
        for P in self._parameters:
            r, c = P.shape
            flat = values[P.offset:P.offset + r * c]
            out[P.name] = flat if P.name in vectors else [flat[i * c:(i + 1) * c] for i in range(r)]
        return out

    def flatten(self, values):
        r"""
        Return the list of the `D` coordinates of the parameters given by name.

        INPUT:

        - ``values`` -- a dict ``{name: matrix}`` (Sage matrices, lists of rows,
          numpy arrays; vectors as flat lists); every parameter must be given

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: L = ParameterLayout([('A', (1, 2)), ('b', (2, 1))])
            sage: L.flatten({'A': [[1, 2]], 'b': [3, 4]})
            [1, 2, 3, 4]
            sage: L.flatten({'A': [[1, 2]], 'b': [3, 4], 'c': 5})
            Traceback (most recent call last):
            ...
            ValueError: unknown parameter c (the parameters are A, b)
        """
        out = []
        unknown = set(values) - set(self._by_name)
        if unknown:
            raise ValueError("unknown parameter%s %s (the parameters are %s)"
                             % ("s" if len(unknown) > 1 else "", ", ".join(sorted(unknown)),
                                ", ".join(self.names())))
        for P in self._parameters:
            r, c = P.shape
            if P.name not in values:
                raise ValueError("missing parameter %s (a %s x %s matrix)" % (P.name, r, c))
            rows = _rows_of(values[P.name])
            if len(rows) != r or any(len(row) != c for row in rows):
                lengths = sorted({len(row) for row in rows})
                got = ("shape %s x %s" % (len(rows), lengths[0] if lengths else 0) if len(lengths) <= 1
                       else "rows of lengths %s" % ", ".join(str(len(row)) for row in rows))
                raise ValueError("parameter %s must be a %s x %s matrix, got %s" % (P.name, r, c, got))
            out.extend(x for row in rows for x in row)
        return out

    def unflatten(self, theta):
        r"""
        Return the parameter matrices (Sage matrices) of a point `\theta`, by name.

        EXAMPLES::

            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: ParameterLayout([('A', (1, 2)), ('b', (2, 1))]).unflatten([1, 2, 3, 4])['A']
            [1 2]
            sage: ParameterLayout([('A', (1, 2))]).unflatten([1])
            Traceback (most recent call last):
            ...
            ValueError: the point has 1 coordinates, but the parametrization has D = 2 parameters
        """
        theta = list(theta)
        if len(theta) != self.D:
            raise ValueError("the point has %s coordinates, but the parametrization has D = %s parameters"
                             % (len(theta), self.D))
        return {P.name: matrix(P.shape[0], P.shape[1], theta[P.slice]) for P in self._parameters}

    def split(self, theta):
        r"""
        Return the parameters of a numeric vector `\theta` (numpy), by name, as
        views of shape ``shape`` (no copy).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures.base import ParameterLayout
            sage: parts = ParameterLayout([('A', (1, 2)), ('b', (2, 1))]).split(np.arange(4.))
            sage: parts['A'].tolist(), parts['b'].tolist()
            ([[0.0, 1.0]], [[2.0], [3.0]])
        """
        return {P.name: theta[P.slice].reshape(P.shape) for P in self._parameters}

    def layer_matrix(self, theta, P):
        r"""
        Return the layer's matrix of parameter ``P`` from a numeric `\theta` (a view,
        transposed back when the parameter is stored transposed).

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: L = MatrixFactorization(1, 2, 1).layout()
            sage: L.layer_matrix(np.arange(3.), L['V']).tolist()
            [[1.0, 2.0]]
        """
        M = theta[P.slice].reshape(P.shape)
        return M.T if P.transposed else M


def parameter_ring(shapes):
    r"""
    Return a polynomial ring over `\QQ` with one variable per entry of the named
    matrices, and those matrices (see :meth:`ParameterLayout.ring`).

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
    return ParameterLayout(shapes).ring()


class Architecture(Reparametrization):
    r"""
    A reparametrization whose parameters are named matrices, described by a
    :class:`ParameterLayout`.

    INPUT:

    - ``shapes`` -- the parameters: :class:`Parameter` records or tuples
      ``(name, (rows, cols)[, role[, layer]])``
    - ``phis_from`` -- a function of the dict ``{name: matrix over the ring}``
      returning the components of `\phi`; it is called on first need of the
      components (:meth:`~sage_conslaw.core.reparametrization.Reparametrization.components`),
      never at construction
    - ``d`` -- (optional) the number of components, when it is known without
      forming them (then :attr:`d` and the repr never form them)
    - ``terms`` -- (optional) the number of terms of the expanded components;
      above :data:`~sage_conslaw.core.thresholds.MAX_COMPONENTS` they are not
      formed (a clear error when they are needed)
    - ``structured`` -- (optional) an evaluator by matrix products (a
      :class:`~sage_conslaw.core.jets.StructuredFamily`), through which the fast
      trace never forms the components

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork
        sage: net = LinearNetwork([2, 2, 2])
        sage: sorted(net.parameters())
        ['U1', 'U2']

    A new architecture in a few lines::

        sage: from sage_conslaw.architectures.base import Architecture
        sage: A = Architecture([('a', (2, 1)), ('B', (1, 2), 'weight', 1)],
        ....:                  lambda M: (M['a'] * M['B']).list())
        sage: A.D, A.d, A.layout().names()
        (4, 4, ['a', 'B'])
        sage: A.point(a=[1, 2], B=[[3, 4]])
        (1, 2, 3, 4)
    """

    def __init__(self, shapes, phis_from, d=None, terms=None, structured=None):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import Architecture, ParameterLayout
            sage: L = ParameterLayout([('a', (1, 2))])
            sage: A = Architecture(L, lambda M: M['a'].list()); A.layout() is L
            True
            sage: A.generators().is_expanded(), A.d, A.generators().is_expanded()
            (False, 2, True)
            sage: Architecture(L, lambda M: M['a'].list(), d=2).d
            2
        """
        layout = shapes if isinstance(shapes, ParameterLayout) else ParameterLayout(shapes)
        check_parameters(layout.D)
        self._layout = layout
        # the ring of D variables is built on first need (symbolic phi, laws): counting never needs it
        Reparametrization.__init__(self, layout.polynomial_ring, lambda: phis_from(self._mats), d=d, terms=terms,
                                   structured=structured, what=self._phi_name(), D=layout.D)

    @property
    def _mats(self):
        r"""
        The parameter matrices over the ring, by name, formed on first need
        (see :meth:`ParameterLayout.matrices`) and kept.

        TESTS::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: net = LinearNetwork([1, 2, 1]); '_formed_mats' in net.__dict__
            False
            sage: net._mats['U2'], '_formed_mats' in net.__dict__
            (
            [U2_0_0]
            [U2_1_0], True
            )
        """
        mats = self.__dict__.get("_formed_mats")
        if mats is None:
            mats = self.__dict__["_formed_mats"] = self._layout.matrices(self.polynomial_ring())
        return mats

    def _phi_name(self):
        r"""
        What `\phi` is, for the messages (``repr`` of the architecture is not used:
        some need `d`).

        TESTS::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: MatrixFactorization(1, 1, 1)._phi_name()
            'phi of MatrixFactorization'
        """
        return "phi of %s" % type(self).__name__

    def layout(self):
        r"""
        Return the :class:`ParameterLayout`: names, shapes, offsets, roles and layers of the parameters.

        EXAMPLES::

            sage: from sage_conslaw.architectures import ReLUNetwork
            sage: ReLUNetwork([1, 2, 1], bias=True).layout()
            Parameter layout (D = 7): U1 1 x 2 weight of layer 1 at 0, U2 2 x 1 weight of layer 2 at 2, b1 2 x 1 bias of layer 1 at 4, c 1 x 1 bias of layer 0 at 6
        """
        return self._layout

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
        """
        The parameter matrices are reachable as attributes: ``net.U1``, ``mf.V``, ``relu.b1``.

        TESTS::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: MatrixFactorization(1, 1, 1).V
            [V_0_0]
            sage: MatrixFactorization(1, 1, 1).W
            Traceback (most recent call last):
            ...
            AttributeError: MatrixFactorization has no attribute 'W'
        """
        layout = self.__dict__.get("_layout")
        if layout is not None and name in layout.names():
            return self._mats[name]
        raise AttributeError("%s has no attribute %r" % (type(self).__name__, name))

    def flatten(self, values):
        r"""
        Return the list of the `D` coordinates of the parameters given by name
        (see :meth:`ParameterLayout.flatten`).

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
        return self._layout.flatten(values)

    def unflatten(self, theta):
        r"""
        Return the parameter matrices of a point `\theta` (a list of `D` numbers), by name.

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork([1, 2, 1]).unflatten([1, 2, 3, 4])['U2']
            [3]
            [4]
        """
        return self._layout.unflatten(theta)

    def point(self, *args, **named):
        r"""
        Return the exact point `\theta` of the given parameter matrices.

        Call it with keywords (``model.point(U=..., V=...)``), or with the list of
        weight matrices (the parameters of role ``'weight'``, by layer) and the
        other parameters by keyword (``model.point([U1, U2], b1=...)``).
        Entries must be exact (integers, rationals).

        EXAMPLES::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: LinearNetwork([1, 2, 1]).point([[[1, 2]], [[3], [4]]])
            (1, 2, 3, 4)
            sage: LinearNetwork([1, 2, 1]).point([[[1, 2]]])
            Traceback (most recent call last):
            ...
            ValueError: expected 2 weight matrices U1, ..., U2, got 1
            sage: LinearNetwork([1, 2, 1]).point([[[1, 2]]], [[[3], [4]]])
            Traceback (most recent call last):
            ...
            TypeError: give the weight matrices as one list, e.g. model.point([U1, U2])
        """
        values = dict(named)
        if args:
            weights = [P.name for P in self._layout.weights()]
            if len(args) > 1:
                raise TypeError("give the weight matrices as one list, e.g. model.point([%s])" % ", ".join(weights))
            mats = list(args[0])
            if len(mats) != len(weights):
                raise ValueError("expected %s weight matrices %s, ..., %s, got %s"
                                 % (len(weights), weights[0], weights[-1], len(mats)))
            values.update(zip(weights, mats))
        return as_exact_point(self.flatten(values), self.D, self.generators().base_ring())

    def numeric_model(self, *args, **options):
        r"""
        Return the numeric (float64) twin of this architecture, for training.

        The twin is built by the numeric floor (:mod:`~sage_conslaw.flows`),
        which registers a builder for each architecture class in
        :mod:`~sage_conslaw.core.registry`; ``args`` and ``options`` go to that
        builder.  By default (an architecture without a twin of its own), the model
        `g(\theta, X) = f(\phi(\theta), X)` of
        :class:`~sage_conslaw.flows.models.ReparametrizedModel`, with `\phi`
        compiled from its polynomials: give ``f`` and ``grad_f`` (and
        ``input_dim``, ``output_dim``).  Layered networks get their
        backpropagation twin (:class:`~sage_conslaw.flows.models.LayeredModel`);
        the sequence blocks (attention, convolution, residual blocks, sequences)
        theirs (:mod:`~sage_conslaw.flows.twins`), which take ``length`` and ``scale``.

        EXAMPLES::

            sage: import numpy as np
            sage: from sage_conslaw.architectures.base import Architecture
            sage: A = Architecture([('a', (1, 1)), ('b', (1, 1))], lambda M: [M['a'][0, 0] * M['b'][0, 0]])
            sage: m = A.numeric_model(lambda z, X: X * z[0], lambda z, X: X[:, :, None]); m
            numeric model f(phi(theta), x) with phi: QQ^2 -> QQ^1
            sage: m.forward(np.array([2., 3.]), np.ones((1, 1))).tolist()
            [[6.0]]
            sage: A.numeric_model()
            Traceback (most recent call last):
            ...
            TypeError: a general Reparametrization needs a model f: pass model=(phi, f, grad_f) with f(z, X) and its Jacobian grad_f(z, X) of shape (N, output dim, d)
            sage: from sage_conslaw.architectures import LinearNetwork, ReLUNetwork, MatrixFactorization
            sage: LinearNetwork([2, 3]).numeric_model()
            numeric linear network [2, 3] (D = 6)
            sage: ReLUNetwork([2, 3, 2], bias=True).numeric_model()
            numeric ReLU network [2, 3, 2] with biases (D = 17)
            sage: MatrixFactorization(3, 2, 2).numeric_model()
            numeric matrix factorization U V^T, U: 3 x 2, V: 2 x 2 (D = 10)
        """
        return numeric_twin(self, *args, **options)


def check_parameters(D, what="the number D of parameters"):
    r"""
    Refuse at once a number of parameters that no count could hold in the
    memory available now (about
    :data:`~sage_conslaw.core.thresholds.MIN_BYTES_PER_PARAMETER` bytes a
    parameter); counted before anything is built.  There is no other cap on `D`:
    the ring of `D` variables is built only when the symbolic components or
    laws are asked for (:func:`check_size`).

    EXAMPLES::

        sage: from sage_conslaw.architectures.base import check_parameters
        sage: check_parameters(10^6)
        sage: check_parameters(10^20)
        Traceback (most recent call last):
        ...
        ValueError: the number D of parameters is 100000000000000000000, above the limit ... of parameters that fit in the memory available (a count needs about 128 bytes a parameter: MIN_BYTES_PER_PARAMETER)
    """
    limit = memory_budget() // MIN_BYTES_PER_PARAMETER
    if D > limit:
        raise ValueError("%s is %s, above the limit %s of parameters that fit in the memory available (a count "
                         "needs about %s bytes a parameter: MIN_BYTES_PER_PARAMETER)"
                         % (what, D, limit, MIN_BYTES_PER_PARAMETER))


def check_size(n, what):
    r"""
    Refuse at once a number of ring variables that no polynomial ring can hold.

    The size is counted before anything is built (see
    :data:`~sage_conslaw.core.thresholds.MAX_VARIABLES`); architectures build
    their ring only when the symbolic components or laws are asked for, so
    counting (``lie_trace()`` with a structured family) has no such limit.

    EXAMPLES::

        sage: from sage_conslaw.architectures.base import check_size
        sage: check_size(10, "D")
        sage: check_size(10^20, "the number D of parameters")
        Traceback (most recent call last):
        ...
        ValueError: the number D of parameters is 100000000000000000000, above the limit 32767 of ring variables (libSingular's polynomial rings hold at most 2^15 - 1 variables)
    """
    if n > MAX_VARIABLES:
        raise ValueError("%s is %s, above the limit %s of ring variables (libSingular's polynomial rings "
                         "hold at most 2^15 - 1 variables)" % (what, n, MAX_VARIABLES))


def positive_integers(values, message):
    r"""
    Return ``values`` as positive Python ints (through
    :func:`sage_conslaw.core.checks.positive_integer`), or raise with ``message``.

    ``True``, ``None``, strings and other non-numbers are a ``TypeError``
    naming the culprit; numbers that are not positive integers (``0``, ``-1``,
    ``1.5``) are a ``ValueError``.

    EXAMPLES::

        sage: from sage_conslaw.architectures.base import positive_integers
        sage: positive_integers([2, ZZ(3)], "n, m must be positive integers")
        [2, 3]
        sage: positive_integers([2, 1.5], "n, m must be positive integers, got 2, 1.5")
        Traceback (most recent call last):
        ...
        ValueError: n, m must be positive integers, got 2, 1.5
        sage: positive_integers([True], "n must be a positive integer")
        Traceback (most recent call last):
        ...
        TypeError: n must be a positive integer: True (bool) is not a number
    """
    out = []
    for n in values:
        if isinstance(n, (bool, str, bytes)) or n is None or not hasattr(n, "__int__"):
            raise TypeError("%s: %r (%s) is not a number" % (message, n, type(n).__name__))
        try:
            out.append(checks.positive_integer(n, "a value"))
        except (TypeError, ValueError):
            raise ValueError(message) from None
    return out


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
        sage: check_widths([2, True], "a network")
        Traceback (most recent call last):
        ...
        TypeError: the widths of a network must be positive integers, got [2, True]: True (bool) is not a number
        sage: check_widths([2, None], "a network")
        Traceback (most recent call last):
        ...
        TypeError: the widths of a network must be positive integers, got [2, None]: None (NoneType) is not a number

    A depth no polynomial ring can hold is refused at once, before the widths are read::

        sage: check_widths([2] * 10^7, "a linear network")
        Traceback (most recent call last):
        ...
        ValueError: a linear network of 9999999 layers is refused: above the limit 32767 of layers (MAX_DEPTH: every layer is a parameter record and a matrix product)
    """
    try:
        dims = list(dims)
    except TypeError:
        raise TypeError("%s needs a list of widths [n0, n1, ...], got %r" % (what, dims)) from None
    if len(dims) < 2:
        raise ValueError("%s needs at least two widths [n0, n1], got %s" % (what, dims))
    if len(dims) - 1 > MAX_DEPTH:     # refused before the widths are read
        raise ValueError("%s of %s layers is refused: above the limit %s of layers (MAX_DEPTH: every layer is a "
                         "parameter record and a matrix product)" % (what, len(dims) - 1, MAX_DEPTH))
    return positive_integers(dims, "the widths of %s must be positive integers, got %s" % (what, dims))


def layered_parameters(dims, bias=False):
    r"""
    Return the parameters of a network of widths `[n_0, \dots, n_q]`: the
    weights `U_1, \dots, U_q` (`U_i` is `n_{i-1} \times n_i`), then with
    ``bias`` the hidden biases `b_1, \dots, b_{q-1}` and the output bias `c`.

    EXAMPLES::

        sage: from sage_conslaw.architectures.base import layered_parameters
        sage: layered_parameters([1, 2, 3], bias=True)
        [U1 1 x 2 weight of layer 1 at 0, U2 2 x 3 weight of layer 2 at 0, b1 2 x 1 bias of layer 1 at 0, c 1 x 1 bias of layer 0 at 0]
    """
    q = len(dims) - 1
    out = [Parameter("U%s" % i, (dims[i - 1], dims[i]), "weight", i) for i in range(1, q + 1)]
    if bias:
        out += [Parameter("b%s" % i, (dims[i], 1), "bias", i) for i in range(1, q)]
        out.append(Parameter("c", (dims[0], 1), "bias", 0))
    return out


class LayeredNetwork(Architecture):
    r"""
    A network of widths `[n_0, \dots, n_q]` with weight matrices
    `U_i \in \QQ^{n_{i-1} \times n_i}` (`U_1` next to the outputs).

    INPUT:

    - ``dims`` -- the widths, outputs first
    - ``what`` -- the name of the family, for messages
    - ``phis_from`` -- as in :class:`Architecture`
    - ``bias`` -- whether the hidden layers and the outputs have biases
      (the parameters of :func:`layered_parameters`)
    - ``extra_shapes`` -- (optional) a function of the widths returning more
      parameters, placed after those
    - ``d``, ``terms``, ``structured`` -- as in :class:`Architecture`

    EXAMPLES::

        sage: from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
        sage: LinearNetwork([2, 3, 4, 1]).depth, ReLUNetwork([2, 3, 4]).depth
        (3, 2)
        sage: LinearNetwork([2, 10^20])
        Traceback (most recent call last):
        ...
        ValueError: the number D of parameters is 200000000000000000000, above the limit ... of parameters that fit in the memory available (a count needs about 128 bytes a parameter: MIN_BYTES_PER_PARAMETER)
    """

    #: Whether the hidden layers apply the ReLU (the numeric twin reads it).
    relu = False

    def __init__(self, dims, what, phis_from, bias=False, extra_shapes=None, d=None, terms=None, structured=None):
        """
        TESTS::

            sage: from sage_conslaw.architectures.base import LayeredNetwork
            sage: net = LayeredNetwork([1, 2], "a test network", lambda M: M['U1'].list(),
            ....:                      extra_shapes=lambda dims: [('s', (1, 1))])
            sage: net.layout().names()
            ['U1', 's']
            sage: net.numeric_model()
            Traceback (most recent call last):
            ...
            ValueError: a layered model has weights and biases only; the parameters s have no place in it (give the architecture its own numeric_model)
            sage: LayeredNetwork([1, 2], "a test network", lambda M: M['U1'].list(), bias='no')
            Traceback (most recent call last):
            ...
            TypeError: bias must be True or False, got 'no' (str)
        """
        self.dims = check_widths(dims, what)
        self.bias = checks.boolean(bias, "bias")
        # the number of weights (and biases), counted before any parameter is built
        check_parameters(sum(a * b for a, b in zip(self.dims, self.dims[1:])) +
                         (sum(self.dims[:-1]) if self.bias else 0))
        params = layered_parameters(self.dims, self.bias)
        if extra_shapes is not None:
            params += [as_parameter(spec) for spec in extra_shapes(self.dims)]
        check_parameters(sum(P.size for P in params))
        Architecture.__init__(self, params, phis_from, d=d, terms=terms, structured=structured)

    def _known_law_gradients(self):
        r"""
        The known laws by their gradients, evaluated by the structured family
        (random combinations of the laws, matrix products, no polynomial formed):
        a function ``(x, p, seed)`` for the ``law_gradients`` of
        :func:`~sage_conslaw.core.trace.lie_trace` (no rows without known laws:
        the ring of `D` variables is then not built either), or ``None``
        without a structured family.

        TESTS::

            sage: from sage_conslaw.architectures import LinearNetwork
            sage: from sage_conslaw.core.modular import rank_mod_p
            sage: net = LinearNetwork([2, 3, 2, 2]); x = list(range(2, 18))
            sage: G = net._known_law_gradients()(x, 101, 0); G.shape
            (16, 16)
            sage: rank_mod_p(G, 101), net.number_of_known_laws(x)
            (8, 8)
            sage: LinearNetwork([2, 3])._known_law_gradients()([1] * 6, 101, 0).shape
            (0, 6)
            sage: from sage_conslaw.architectures.base import LayeredNetwork
            sage: LayeredNetwork([1, 2], "a test network", lambda M: M['U1'].list())._known_law_gradients() is None
            True
        """
        structured = self.generators().structured
        if structured is None:
            return None
        count = self._known_law_count()
        count = min(count + COMPRESSION_SURPLUS, self.D) if count else 0
        return lambda x, p, seed: structured.law_gradients(x, count, default_rng(int(seed)), p)

    def _known_law_count(self):
        r"""
        The number of known laws (listed, not necessarily independent), without forming them.

        TESTS::

            sage: from sage_conslaw.architectures import LinearNetwork, ReLUNetwork
            sage: LinearNetwork([2, 3, 2, 2])._known_law_count(), ReLUNetwork([2, 3, 4, 2])._known_law_count()
            (9, 7)
            sage: from sage_conslaw.architectures.base import LayeredNetwork
            sage: LayeredNetwork([1, 2], "a test network", lambda M: M['U1'].list())._known_law_count()
            0
        """
        return len(self.known_conservation_laws())

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
        return [self._mats[P.name] for P in self.layout().weights()]

def _rows_of(M):
    """
    The rows of a matrix-like object as lists (a flat list or a vector is a column).

    TESTS::

        sage: import numpy as np
        sage: from sage_conslaw.architectures.base import _rows_of
        sage: _rows_of(matrix([[1, 2]])), _rows_of([3, 4]), _rows_of(np.eye(2)), _rows_of([[5]])
        ([[1, 2]], [[3], [4]], [[1.0, 0.0], [0.0, 1.0]], [[5]])
    """
    if hasattr(M, "rows") and callable(M.rows):
        return [list(r) for r in M.rows()]
    if hasattr(M, "tolist"):
        M = M.tolist()
    M = list(M)
    if M and not hasattr(M[0], "__len__"):
        return [[x] for x in M]
    return [list(r) for r in M]
