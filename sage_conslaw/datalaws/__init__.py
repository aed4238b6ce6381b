r"""
The laws of the user's data and step size.

- :mod:`~sage_conslaw.datalaws.network` -- the laws of gradient flows on a fixed
  data set (:func:`~sage_conslaw.datalaws.network.data_lie_trace`,
  :class:`~sage_conslaw.datalaws.network.DataModel`): exact activation
  patterns, data fields on jets modulo `p`, explicit data laws (frozen
  directions, dead neurons, balancedness and cross laws of neurons sharing an
  activation pattern), certified counts.
- :mod:`~sage_conslaw.datalaws.graph` -- the same for every other network
  graph (convolutions, Dropout as pairs of a point and a mask, a ReLU on the
  output, residual sums; :func:`~sage_conslaw.datalaws.graph.graph_data_trace`),
  where ``data_lie_trace`` sends what the layered route does not read.
- :mod:`~sage_conslaw.datalaws.family` -- mixtures of experts (dense and
  top-`k`), rotary attention and the GPT block through their own forward pass
  (ball arithmetic, brackets to depth 3), and the ICNN's mirror flow (exact).
- :mod:`~sage_conslaw.datalaws.brackets` -- nested brackets of data fields in
  ball arithmetic at any depth (nested dual numbers).
- :mod:`~sage_conslaw.datalaws.attention` -- the attention layers (softmax:
  the rank of the data fields proven in ball arithmetic).
- :mod:`~sage_conslaw.datalaws.result` -- the record of a count on a data set
  (:class:`~sage_conslaw.datalaws.result.DataTraceResult`), which the results
  of the attention, family and graph routes extend.
- :mod:`~sage_conslaw.datalaws.drift` -- the exact drift of a law under one
  step of GD, SGD or the heavy ball, a polynomial in the step size.

This floor sits above the architectures (it reads their layouts) and below
the PyTorch bridge.

EXAMPLES::

    sage: from sage_conslaw.datalaws import data_lie_trace
    sage: from sage_conslaw.architectures import LinearNetwork
    sage: data_lie_trace(LinearNetwork([2, 3, 4]), [[1, 0, 0, 0]], point=LinearNetwork([2, 3, 4]).random_point(0)).number_of_laws
    15
"""
from sage_conslaw.datalaws.network import DataModel, DataLieTraceResult, data_lie_trace  # noqa: F401
from sage_conslaw.datalaws.graph import GraphDataModel, graph_data_trace  # noqa: F401
from sage_conslaw.datalaws.family import FamilyDataModel, MirrorDataModel, family_data_trace  # noqa: F401
from sage_conslaw.datalaws.drift import one_step_drift, leading_term, quadratic_drift  # noqa: F401
