# sage.doctest: optional - torch
r"""
A network graph as a model of the package: :class:`NetworkModel`.

Its ``lie_trace()`` counts the laws **of the network**
(:func:`~sage_conslaw.network.certificate.network_trace`): the rescaling
laws of the graph give the upper bound, completed -- for small networks,
when they do not suffice -- by the quadratic laws of the network's `\phi`
(:mod:`~sage_conslaw.network.phi`); the exact rank of the network's own
gradient fields gives the lower bound.  ``generators()`` is the family of
`\phi` (so ``polynomial_conservation_laws`` and ``is_conservation_law``
work on it: a law of `\phi` is a law of the network).

EXAMPLES::

    sage: from sage_conslaw.network import Network, NetworkModel
    sage: M = NetworkModel(Network.sequential(3, [('linear', 4, False), ('linear', 2, False), ('linear', 3, False)]))
    sage: M
    Network model: input x (3), 3 parameters (D = 26), 3 ops (linear, linear, linear), output 1 node
    sage: res = M.lie_trace(); res.number_of_laws, res.certified  # optional - torch
    (13, True)
    sage: len(M.known_conservation_laws())
    6
"""
from sage_conslaw.core.laws import polynomial_laws
from sage_conslaw.core.model import ConservationModel, as_law_list
from sage_conslaw.core.points import random_point
from sage_conslaw.core.registry import handler
from sage_conslaw.core.reparametrization import Reparametrization
from sage_conslaw.network.certificate import POINT_BOUND, _uncertifiable_ops, network_trace
from sage_conslaw.network.graph import Network
from sage_conslaw.network.phi import network_phi
from sage_conslaw.network.symmetries import scaling_laws, translation_laws

#: Up to this many parameters, ``lie_trace`` completes the known laws by the
#: quadratic laws of `\phi` when the rescaling laws do not certify the count
#: (an exact kernel on the monomials of degree 2: about `D^2/2` unknowns).
MAX_PHI_LAW_SEARCH = 120


class NetworkModel(ConservationModel):
    r"""
    The model of a :class:`~sage_conslaw.network.graph.Network` (see the module documentation).

    EXAMPLES::

        sage: from sage_conslaw.network import Network, NetworkModel
        sage: M = NetworkModel(Network.sequential(2, [('linear', 3), 'relu', ('linear', 1)]))
        sage: M.D, M.number_of_conservation_laws()  # optional - torch
        (13, 3)
        sage: NetworkModel(3)
        Traceback (most recent call last):
        ...
        TypeError: NetworkModel needs a Network, got 3 (Integer)
    """

    def __init__(self, network, family=None):
        r"""
        INPUT:

        - ``network`` -- a :class:`~sage_conslaw.network.graph.Network`
        - ``family`` -- (optional) a model of the package with the same `\theta`
          (same layout), used for :meth:`numeric_model`

        TESTS::

            sage: from sage_conslaw.network import Network, NetworkModel
            sage: NetworkModel(Network.sequential(1, [('linear', 1)])).network.D
            2
        """
        self.family = family
        if not isinstance(network, Network):
            raise TypeError("NetworkModel needs a Network, got %r (%s)" % (network, type(network).__name__))
        self.network = network
        self._ring = None
        self._family = None
        self._laws = None

    def __getattr__(self, name):
        r"""
        Attributes of the package's family with the same `\theta` (``dims``,
        ``parameters``, ``unflatten``, ...), when there is one.

        TESTS::

            sage: from sage_conslaw.network import Network, NetworkModel
            sage: from sage_conslaw.architectures import LinearNetwork
            sage: NetworkModel(Network.sequential(1, [('linear', 1, False)]), family=LinearNetwork([1, 1])).dims
            [1, 1]
            sage: NetworkModel(Network.sequential(1, [('linear', 1)])).dims
            Traceback (most recent call last):
            ...
            AttributeError: 'NetworkModel' object has no attribute 'dims'
        """
        if name.startswith('_') or name in ('family', 'network'):
            raise AttributeError(name)
        family = self.__dict__.get('family')
        if family is not None and hasattr(family, name):
            return getattr(family, name)
        raise AttributeError("'NetworkModel' object has no attribute %r" % name)

    def numeric_model(self, *args, **kwds):
        r"""
        The numeric twin of the package's family with the same `\theta`, when
        there is one (a PyTorch module is trained by PyTorch itself; watch its
        laws with :class:`~sage_conslaw.torch.monitor.LawMonitor`).

        EXAMPLES::

            sage: from sage_conslaw.network import Network, NetworkModel
            sage: NetworkModel(Network.sequential(1, [('linear', 1)])).numeric_model()
            Traceback (most recent call last):
            ...
            NotImplementedError: this network has no numeric twin in the package: train the PyTorch module itself and watch its laws with LawMonitor
        """
        if self.family is None:
            raise NotImplementedError("this network has no numeric twin in the package: train the PyTorch module "
                                      "itself and watch its laws with LawMonitor")
        return self.family.numeric_model(*args, **kwds)

    def _repr_(self):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network, NetworkModel
            sage: NetworkModel(Network.sequential(1, [('linear', 1)]))
            Network model: input x (1), 2 parameters (D = 2), 1 op (linear), output 1 node
        """
        return "Network model: " + repr(self.network).split(": ", 1)[1]

    @property
    def D(self):
        r"""
        TESTS::

            sage: from sage_conslaw.network import Network, NetworkModel
            sage: NetworkModel(Network.sequential(2, [('linear', 2)])).D
            6
        """
        return self.network.D

    def polynomial_ring(self):
        r"""
        `\QQ[\theta]`, its variables named by the network's layout.

        EXAMPLES::

            sage: from sage_conslaw.network import Network, NetworkModel
            sage: NetworkModel(Network.sequential(1, [('linear', 1)])).polynomial_ring()
            Multivariate Polynomial Ring in L0_weight_0_0, L0_bias_0 over Rational Field
        """
        if self._ring is None:
            self._ring = self.network.polynomial_ring()
        return self._ring

    def generators(self):
        r"""
        The family of `\phi` of the whole network (expanded on first use).

        EXAMPLES::

            sage: from sage_conslaw.network import Network, NetworkModel
            sage: NetworkModel(Network.sequential(1, [('linear', 1)])).generators()
            Family of 2 gradient fields on QQ^2 ...
        """
        if self._family is None:
            self._family = Reparametrization(network_phi(self.network, self.polynomial_ring())).generators()
        return self._family

    def scaling_matrix(self):
        r"""
        The integer matrix of the rescaling laws (one row `s` per law `\sum_k s_k\theta_k^2`).

        EXAMPLES::

            sage: from sage_conslaw.network import Network, NetworkModel
            sage: NetworkModel(Network.sequential(1, [('linear', 2), 'relu', ('linear', 1)])).scaling_matrix().shape
            (2, 7)
        """
        if self._laws is None:
            self._laws = scaling_laws(self.network)
        return self._laws

    def known_conservation_laws(self):
        r"""
        The rescaling laws of the graph and the linear laws of the translations
        its ops declare (LayerNorm's), as polynomials.

        EXAMPLES::

            sage: from sage_conslaw.network import Network, NetworkModel
            sage: NetworkModel(Network.sequential(1, [('linear', 1), 'relu', ('linear', 1)])).known_conservation_laws()
            [L0_weight_0_0^2 + L0_bias_0^2 - L2_weight_0_0^2]
            sage: NetworkModel(Network.sequential(1, [('linear', 2), ('layer_norm', 0, False)])).known_conservation_laws()
            [L0_weight_0_0^2 + L0_weight_1_0^2 + L0_bias_0^2 + L0_bias_1^2, L0_weight_0_0 + L0_weight_1_0, L0_bias_0 + L0_bias_1]
        """
        R = self.polynomial_ring()
        g = R.gens()
        return ([R.sum(int(c) * g[k] ** 2 for k, c in enumerate(s) if c) for s in self.scaling_matrix()]
                + [R.sum(int(c) * g[k] for k, c in enumerate(t) if c) for t in translation_laws(self.network)])

    def random_point(self, seed=0):
        r"""
        The random integer point of ``seed`` used by default.

        EXAMPLES::

            sage: from sage_conslaw.network import Network, NetworkModel
            sage: M = NetworkModel(Network.sequential(1, [('linear', 1)])); M.random_point(1) == M.random_point(1)
            True
        """
        return random_point(self.D, seed=seed, bound=POINT_BOUND)

    def lie_trace(self, point=None, laws=None, seed=0, max_steps=4, prime=None, samples=None,
                  certify_with_degree=2, data=None, **options):
        r"""
        Count and certify the laws of the network near ``point`` (default: the
        random point of ``seed``); see
        :func:`~sage_conslaw.network.certificate.network_trace`.

        INPUT:

        - ``laws`` -- further laws of the network (default: the quadratic laws
          of `\phi` when the rescaling laws do not certify the count and `D`
          is at most :data:`MAX_PHI_LAW_SEARCH`)
        - ``certify_with_degree`` -- the degree of that search (``None``: no search)
        - ``data`` -- (optional) a finite data set: the laws of the gradient flows
          on it near ``point``, certified by the explicit data laws (see
          :func:`~sage_conslaw.datalaws.network.data_lie_trace`; with the
          options ``masks`` -- ``'all'``, ``'eval'`` or given Dropout masks --
          and ``route``, see :mod:`~sage_conslaw.datalaws.graph`)

        EXAMPLES::

            sage: from sage_conslaw.network import Network, NetworkModel
            sage: M = NetworkModel(Network.sequential(2, [('linear', 2), ('linear', 2)]))
            sage: res = M.lie_trace(); res.number_of_laws, res.certified  # optional - torch
            (3, True)
            sage: M.lie_trace(certify_with_degree=None).certified  # optional - torch
            False

        A linear chain without biases is certified by Theorem 2.14 (see
        :mod:`~sage_conslaw.network.theorems`), with no search of laws::

            sage: M = NetworkModel(Network.sequential(2, [('linear', 2, False), ('linear', 2, False)]))
            sage: res = M.lie_trace(certify_with_degree=None); res.number_of_laws, res.certified  # optional - torch
            (3, True)
            sage: M.lie_trace(method='rigorous')
            Traceback (most recent call last):
            ...
            TypeError: lie_trace of a network takes no option method

        The laws of one data set (the weights on the always-zero input are frozen)::

            sage: # optional - torch
            sage: import torch  # optional - torch
            sage: from sage_conslaw.torch import from_torch  # optional - torch
            sage: tm = from_torch(torch.nn.Sequential(torch.nn.Linear(2r, 2r, bias=False), torch.nn.Linear(2r, 1r, bias=False)))  # optional - torch
            sage: tm.model.lie_trace(point=tm.exact_theta(), data=[[1, 0], [2, 0]]).number_of_laws  # optional - torch
            5

        Any graph: Dropout (every mask, or evaluation mode), a ReLU on the output::

            sage: net = Network.sequential(1, [('linear', 2), 'relu', ('dropout', 1/2), ('linear', 1), 'relu'])
            sage: M = NetworkModel(net); th = [1, 2, 1, 2, 1, 1, 1/2]
            sage: [M.lie_trace(point=th, data=[[1], [2]], masks=m) for m in ('all', 'eval')]  # optional - torch
            [Trace ... independent conservation laws: 2 ... certified: yes ...,
             Trace ... independent conservation laws: 3 ... certified: yes ...]
            sage: M.lie_trace(point=th, data=[[1]], mask='eval')
            Traceback (most recent call last):
            ...
            TypeError: lie_trace of a network on data takes no option mask
        """
        if data is not None:
            extra = {k: options.pop(k) for k in ('masks', 'route') if k in options}
            if options:
                raise TypeError("lie_trace of a network on data takes no option %s" % ", ".join(sorted(options)))
            return handler("data")(self, data, point=point, laws=laws, seed=seed, max_steps=max_steps,
                                   **dict(extra, **({} if prime is None else {'prime': prime})))
        if options:
            raise TypeError("lie_trace of a network takes no option %s" % ", ".join(sorted(options)))
        given = as_law_list(laws, self.polynomial_ring()) if laws is not None else []
        res = network_trace(self.network, point=point, seed=seed, laws=given, max_steps=max_steps, prime=prime,
                            samples=samples)
        if res.certified or laws is not None or certify_with_degree is None or self.D > MAX_PHI_LAW_SEARCH:
            return res
        if _uncertifiable_ops(self.network):
            return res
        # phi near the point (units whose regions coincide there share their symbols)
        phi = network_phi(self.network, self.polynomial_ring(), point=res.point)
        phi_laws = polynomial_laws(Reparametrization(phi).generators(), certify_with_degree, homogeneous=False) \
            if phi else []
        if not phi_laws:
            return res
        return network_trace(self.network, point=point, seed=seed, laws=phi_laws, max_steps=max_steps, prime=prime,
                             samples=samples)
