r"""
Follow the flow: train the networks and watch the laws hold, drift, and shape the dynamics.

Float64 numpy/scipy simulation (not proof): the gradient flow by an adaptive
ODE solver, gradient descent, SGD and heavy-ball momentum, with exact
(backpropagation) gradients, recording the conservation laws of the model.

- :mod:`~sage_conslaw.flows.models` -- numeric models and gradients, compiled Sage polynomials
- :mod:`~sage_conslaw.flows.train` -- :func:`train`, the one entry point
- :mod:`~sage_conslaw.flows.data` -- synthetic datasets, initialization, seeds
- :mod:`~sage_conslaw.flows.descents` -- the methods (flow, GD, SGD, momentum), one registered function each
- :mod:`~sage_conslaw.flows.trajectory` -- :class:`Trajectory`, the record of a run
- :mod:`~sage_conslaw.flows.experiments` -- drift studies
- :mod:`~sage_conslaw.flows.intrinsic` -- Example 3.8 and the metric `\partial\phi\,\partial\phi^\top`
- :mod:`~sage_conslaw.flows.plots` -- figures

EXAMPLES::

    sage: from sage_conslaw.architectures import LinearNetwork
    sage: from sage_conslaw.flows import train
    sage: traj = train(LinearNetwork([2, 2, 2]), method='flow', horizon=1.0)
    sage: bool(traj.drift().max() < 1e-8)
    True
    sage: traj = train(LinearNetwork([2, 2, 2]), method='gd', eta=0.05, horizon=1.0)
    sage: bool(traj.drift().max() > 1e-12)
    True
"""
from sage.misc.lazy_import import lazy_import

from sage_conslaw.flows.models import (CompiledPolynomials, NumericModel, LayeredModel,  # noqa: F401
                                       ReparametrizedModel, numeric_model)
from sage_conslaw.flows.train import (Trajectory, train, make_dataset, initial_point,  # noqa: F401
                                      relu_region_start)
from sage_conslaw.flows.experiments import gd_drift_vs_eta, sgd_drift_vs_batch_size  # noqa: F401
from sage_conslaw.flows.intrinsic import (example_3_8, metric, metric_closed_form,  # noqa: F401
                                          metric_along_flow, metric_depends_on_laws)
from sage_conslaw.flows.descents import METHODS, register_method  # noqa: F401

# matplotlib takes ~2 s to import (measured under load) and serves only the figures: loaded on the first plot
lazy_import("sage_conslaw.flows.plots", ["plot_trajectory", "plot_drift_vs_eta", "plot_drift_vs_batch_size",
                                         "plot_example_3_8"])

__all__ = ["train", "Trajectory", "make_dataset", "initial_point", "gd_drift_vs_eta",
           "sgd_drift_vs_batch_size", "relu_region_start", "example_3_8", "metric", "metric_closed_form",
           "metric_along_flow", "metric_depends_on_laws", "plot_trajectory", "plot_drift_vs_eta",
           "plot_drift_vs_batch_size", "plot_example_3_8", "numeric_model", "NumericModel",
           "LayeredModel", "ReparametrizedModel", "CompiledPolynomials", "METHODS", "register_method"]
