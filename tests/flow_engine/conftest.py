"""Fixtures for flow engine tests; the helpers themselves live in flow_helpers.py."""
from __future__ import annotations

import pytest
from flow_helpers import FakeDirectory


@pytest.fixture
def directory() -> FakeDirectory:
    """The CRM demo organisation in memory (see flow_helpers.PEOPLE)."""
    return FakeDirectory()
