r"""
PyTorch, where the networks are trained (the optional extra ``torch``).

Imported only when asked (``import sage_conslaw.torch``); nothing else in the
package imports PyTorch.

- :func:`~sage_conslaw.torch.mapping.from_torch` -- an ``nn.Sequential`` of
  ``Linear``, ``ReLU``, ``Conv1d``, attention and residual blocks as the
  package's model, with the map between its parameters and `\theta`
- :class:`~sage_conslaw.torch.monitor.LawMonitor` -- the conservation laws
  evaluated along an ordinary training loop, recorded and plotted

EXAMPLES::

    sage: import torch  # optional - torch
    sage: from sage_conslaw.torch import from_torch, LawMonitor  # optional - torch
    sage: net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))  # optional - torch
    sage: from_torch(net).model.number_of_conservation_laws()  # optional - torch
    3
"""
from sage_conslaw.torch.mapping import from_torch, TorchMap, SelfAttention, Residual  # noqa: F401
from sage_conslaw.torch.monitor import LawMonitor, plot_drift  # noqa: F401

__all__ = ["from_torch", "TorchMap", "SelfAttention", "Residual", "LawMonitor", "plot_drift"]
