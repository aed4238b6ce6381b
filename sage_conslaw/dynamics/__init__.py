r"""
Conservation laws beyond Euclidean gradient flows ("Keep the Momentum",
Marcotte, Peyré, Gribonval, ICML 2024).

- :mod:`~sage_conslaw.dynamics.lifting` -- lifting a flow to `(T, \theta, v)`; the shared base
- :mod:`~sage_conslaw.dynamics.momentum` -- :class:`HeavyBall` (friction `\tau \ge 0`), :class:`Nesterov` (`3/t`)
- :mod:`~sage_conslaw.dynamics.metric` -- metrics `M(\theta)` (mirror, diagonal, full)
- :mod:`~sage_conslaw.dynamics.preconditioned` -- :class:`Preconditioned`, `\dot\theta = -M\nabla L`
- :mod:`~sage_conslaw.dynamics.weight_decay` -- :class:`WeightDecay`, `\dot\theta = -\nabla L - \lambda\theta`

Each is a :class:`~sage_conslaw.core.model.ConservationModel`: it has ``D``,
``lie_trace`` (with its certificate), ``number_of_conservation_laws``,
``polynomial_conservation_laws``, ``is_conservation_law`` and
``known_conservation_laws``.

EXAMPLES::

    sage: from sage_conslaw.dynamics import HeavyBall, Nesterov, Preconditioned, WeightDecay
    sage: from sage_conslaw.architectures import LinearNetwork
    sage: net = LinearNetwork([2, 2, 2])
    sage: [M.number_of_conservation_laws() for M in (net, HeavyBall(net), HeavyBall(net, 2), Nesterov(net),
    ....:                                             WeightDecay(net, 1), Preconditioned(net, 'mirror'))]
    [3, 1, 1, 1, 3, 2]
"""
from sage_conslaw.dynamics.momentum import HeavyBall, Nesterov  # noqa: F401
from sage_conslaw.dynamics.preconditioned import Preconditioned  # noqa: F401
from sage_conslaw.dynamics.weight_decay import WeightDecay  # noqa: F401
