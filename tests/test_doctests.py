"""Every docstring example in the package runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import earlywarn

#: Importing these has side effects (the Faust app connects to its broker).
SKIP = frozenset(("earlywarn.app",))
MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(earlywarn.__path__, prefix="earlywarn.")
    if m.name not in SKIP
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
