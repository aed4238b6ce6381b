r"""
The record of a training run: times, loss, conservation laws and parameters.

EXAMPLES::

    sage: from sage_conslaw.architectures import MatrixFactorization
    sage: from sage_conslaw.flows import train
    sage: traj = train(MatrixFactorization(2, 2, 1), method='gd', eta=0.05, steps=10)
    sage: traj.times.shape, traj.laws.shape
    ((11,), (11, 1))
"""
import numpy as np
from sage.misc.lazy_import import lazy_import

from sage_conslaw.flows.models import CompiledPolynomials

lazy_import("sage_conslaw.flows.plots", "plot_trajectory")     # matplotlib: only for a plot


class Trajectory:
    r"""
    A recorded training run.

    Attributes: ``times`` (``T``), ``loss`` (``T``), ``laws`` (``T x n_laws``),
    ``thetas`` (``T x D`` or ``None``), ``law_polynomials`` (the Sage
    polynomials, one per column), ``method``, ``activation_changed``
    (``True``/``False`` for ReLU networks, ``None`` otherwise) and ``info``
    (a dict: solver statistics, parameters).

    EXAMPLES::

        sage: from sage_conslaw.architectures import ScalarTimesVector
        sage: from sage_conslaw.flows import train, make_dataset
        sage: m = ScalarTimesVector(2)
        sage: X, Y = make_dataset(m, 10, seed=0)
        sage: traj = train(m, X, Y, method='gd', eta=0.01, steps=50, theta0=[1, 1/2, -1])
        sage: traj.times.shape, traj.laws.shape, traj.thetas.shape
        ((51,), (51, 1), (51, 3))
        sage: traj.law_polynomials
        [u_0^2 - v_0^2 - v_1^2]
        sage: float(traj.laws[0, 0])
        -0.25
    """

    def __init__(self, times, loss, laws, thetas, law_polynomials, method, model,
                 activation_changed=None, info=None):
        """
        TESTS::

            sage: from sage_conslaw.flows.trajectory import Trajectory
            sage: t = Trajectory([0, 1], [2., 1.], [[1.], [1.5]], None, ['h'], 'gd', 'm')
            sage: t.laws.shape, t.thetas, t.info
            ((2, 1), None, {})
        """
        self.times = np.asarray(times, dtype=float)
        self.loss = np.asarray(loss, dtype=float)
        self.laws = np.asarray(laws, dtype=float).reshape(len(self.times), -1)
        self.thetas = None if thetas is None else np.asarray(thetas, dtype=float)
        self.law_polynomials = list(law_polynomials)
        self.method = method
        self.model = model
        self.activation_changed = activation_changed
        self.info = dict(info or {})

    def __repr__(self):
        """
        TESTS::

            sage: from sage_conslaw.flows.trajectory import Trajectory
            sage: Trajectory([0, 1], [2., 1.], [[1.], [1.5]], None, ['h'], 'gd', 'm')
            Trajectory of gd on 'm': 2 records, t in [0, 1], loss 2 -> 1, 1 laws, max drift 0.5
            sage: Trajectory([0], [2.], [[]], None, [], 'gd', 'm')
            Trajectory of gd on 'm': 1 records, t in [0, 0], loss 2 -> 2, 0 laws, max drift -
        """
        dr = self.drift()
        return ("Trajectory of %s on %r: %s records, t in [%g, %g], loss %.4g -> %.4g, %s laws, max drift %s"
                % (self.method, self.model, len(self.times), self.times[0], self.times[-1],
                   self.loss[0], self.loss[-1], self.laws.shape[1],
                   "%.3g" % dr.max() if dr.size else "-"))

    def drift(self):
        r"""
        Return `\max_t |h(\theta(t)) - h(\theta_{init})|` for each law (a numpy array).

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: from sage_conslaw.flows import train, make_dataset
            sage: mf = MatrixFactorization(2, 2, 1)
            sage: X, Y = make_dataset(mf, 10, seed=0)
            sage: d = train(mf, X, Y, method='gd', eta=0.1, steps=20).drift()
            sage: d.shape, bool(0 < d[0] < 0.1)
            ((1,), True)
        """
        if self.laws.shape[1] == 0:
            return np.zeros(0)
        return np.max(np.abs(self.laws - self.laws[0]), axis=0)

    def relative_drift(self):
        r"""
        Return the drift of each law divided by `\max(1, |h(\theta_{init})|)`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: from sage_conslaw.flows import train, make_dataset
            sage: mf = MatrixFactorization(2, 2, 1)
            sage: X, Y = make_dataset(mf, 10, seed=0)
            sage: t = train(mf, X, Y, method='gd', eta=0.1, steps=5)
            sage: bool((t.relative_drift() <= t.drift()).all())
            True
        """
        return self.drift() / np.maximum(1.0, np.abs(self.laws[0]))

    def phi(self):
        r"""
        Return `z(t) = \phi(\theta(t))` at the recorded times (``T x d``).

        EXAMPLES::

            sage: from sage_conslaw.architectures import ScalarTimesVector
            sage: from sage_conslaw.flows import train, make_dataset
            sage: m = ScalarTimesVector(1)
            sage: X, Y = make_dataset(m, 5, seed=0)
            sage: train(m, X, Y, method='gd', eta=0.1, steps=3, theta0=[2, 3]).phi()[0].tolist()
            [6.0]
        """
        if self.thetas is None:
            raise ValueError("this trajectory did not record the parameters (record_thetas=False)")
        return self.model.phi(self.thetas)

    def plot(self, **kwds):
        r"""
        Plot the loss and the laws versus time; see :func:`~sage_conslaw.flows.plots.plot_trajectory`.

        EXAMPLES::

            sage: from sage_conslaw.architectures import MatrixFactorization
            sage: from sage_conslaw.flows import train, make_dataset
            sage: mf = MatrixFactorization(2, 2, 1)
            sage: X, Y = make_dataset(mf, 10, seed=0)
            sage: fig = train(mf, X, Y, method='gd', eta=0.1, steps=5).plot()
            sage: len(fig.axes)
            2
        """
        return plot_trajectory(self, **kwds)


def law_evaluator(m, laws=None):
    r"""
    Return the laws recorded for the numeric model ``m`` (its known laws, then
    ``laws``) and their compiled float64 evaluator.

    The extra laws are converted into the model's ring exactly, with the
    ring check of the engine
    (:func:`~sage_conslaw.core.points.to_exact_polynomial`).

    EXAMPLES::

        sage: import numpy as np
        sage: from sage_conslaw.architectures import MatrixFactorization
        sage: from sage_conslaw.flows.trajectory import law_evaluator
        sage: mf = MatrixFactorization(1, 1, 1)
        sage: polys, H = law_evaluator(mf.numeric_model(), [mf.U[0, 0]])
        sage: polys, H(np.array([2., 3.])).tolist()
        ([U_0_0^2 - V_0_0^2, U_0_0], [-5.0, 2.0])
        sage: R.<a,b> = QQ[]
        sage: law_evaluator(mf.numeric_model(), [a])
        Traceback (most recent call last):
        ...
        TypeError: the polynomial a lives in Multivariate Polynomial Ring in a, b over Rational Field, whose variables are not among those of the ring Multivariate Polynomial Ring in U_0_0, V_0_0 over Rational Field
    """
    rp = m.reparametrization
    polys = list(rp.known_conservation_laws()) if rp is not None else []
    polys += list(laws or [])
    if not polys:
        return [], (lambda T: np.zeros((np.atleast_2d(T).shape[0], 0)))
    H = CompiledPolynomials(polys, rp.polynomial_ring() if rp is not None else None)
    return H.polys, H
