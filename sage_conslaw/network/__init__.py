# sage.doctest: optional - torch
r"""
Networks as graphs: the laws of the network the user trains, proven -- or not claimed.

API (stable; other parts of the package build on it):

- :class:`~sage_conslaw.network.graph.Network` -- a DAG of inputs,
  parameters (trainable = `\theta`; frozen = constants; a parameter read by
  several ops is tied), constants and op nodes; ``Network.sequential(input_shape,
  layers)`` builds a chain without PyTorch; ``net.layout()`` names `\theta`.
- :mod:`sage_conslaw.network.ops` -- the registry of op kinds: a new layer
  kind is one module with one ``@register_op`` class (``name``, ``kind`` in
  ``'polynomial'``/``'homogeneous'``/``'mask'``/``'analytic'``, ``shape``,
  ``forward(B, args, attrs, node)`` written with the backend's operations,
  ``scaling``, ``contraction``, and what it reads from PyTorch:
  ``torch_modules``/``torch_functions``/``torch_methods``, ``read_fx``).
- :mod:`sage_conslaw.network.backends` -- ``evaluate(net, B, theta, inputs)``
  with ``TorchBackend(p=None|prime, relu_masks, dropout_masks)`` (float64 or
  exact residues modulo `p` with autograd), ``ObjectBackend('exact')``
  (rationals; records the ReLU regions) and ``ObjectBackend('symbolic')``.
- :mod:`sage_conslaw.network.symmetries` -- ``scaling_laws(net)``: the
  rescaling laws `\sum_k s_k\theta_k^2` the graph has by construction.
- :mod:`sage_conslaw.network.phi` -- ``network_phi(net)``: `\phi` of the whole
  network (coefficients of the network polynomial in its inputs and 0/1
  region symbols), across block boundaries.
- :mod:`sage_conslaw.network.certificate` -- ``network_trace(net, ...)``: the
  count of the laws *of the network*, certified by the exact rank modulo `p`
  of the network's own gradient fields (and their brackets) meeting the bound
  given by laws independent at `\theta`.
- :mod:`sage_conslaw.network.model` -- ``NetworkModel(net)``: a
  ``ConservationModel`` whose ``lie_trace()`` is that certificate.
- :mod:`sage_conslaw.network.fx` -- ``network_from_module(module)``: any
  ``torch.nn.Module`` read through ``torch.fx`` (optional extra ``torch``).

EXAMPLES::

    sage: from sage_conslaw.network import Network, NetworkModel
    sage: net = Network.sequential(4, [('linear', 6), 'relu', ('dropout', 0.5), ('linear', 2)])
    sage: res = NetworkModel(net).lie_trace(); res.number_of_laws, res.certified  # optional - torch
    (6, True)
"""
from sage_conslaw.network.graph import Network, Node
try:
    from sage_conslaw.network.model import NetworkModel
except ImportError:
    pass
