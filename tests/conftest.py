"""Shared pytest configuration for the sage_conslaw property tests.

``import sage_conslaw`` must come first: it fixes the import order of the
modular passagemath distributions.
"""
import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import sage_conslaw  # noqa: E402,F401


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a larger case (deselect with -m 'not slow')")
