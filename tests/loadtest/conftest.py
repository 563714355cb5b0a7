"""One small seeded scenario written to disk once per session."""

from __future__ import annotations

import pytest
from loadtest_helpers import SMALL, Written, write_scenario


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Written:
    return write_scenario(SMALL, tmp_path_factory.mktemp("small"))
