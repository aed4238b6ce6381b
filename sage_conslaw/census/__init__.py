r"""
Census of architectures: for which networks are the known conservation laws
all the laws?  One certified count per architecture of a range, computed on a
Dask cluster (local by default), streamed to a resumable output directory.

- :mod:`~sage_conslaw.census.tasks` -- the architectures of a range, and the row of one
- :mod:`~sage_conslaw.census.journal` -- the journal of rows (safe against kills) and the canonical table
- :mod:`~sage_conslaw.census.run` -- :func:`census` on a Dask cluster
- :mod:`~sage_conslaw.census.findings` -- the findings page of the documentation
- :mod:`~sage_conslaw.census.cli` -- ``python -m sage_conslaw census``

EXAMPLES::

    sage: from sage_conslaw.census import architectures, census_row
    sage: len(architectures('relu', 2, 3))
    24
    sage: census_row('linear', (2, 3, 2), False)['match']
    True
"""
from sage_conslaw.census.tasks import architectures, census_row  # noqa: F401
from sage_conslaw.census.run import census, CensusResult  # noqa: F401

__all__ = ["census", "CensusResult", "architectures", "census_row"]
