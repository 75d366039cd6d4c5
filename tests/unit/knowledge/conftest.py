"""Fixtures shared by the knowledge tests (the statutes, knowledge base and consultant are in tests/conftest.py)."""

from __future__ import annotations

import pytest
from legal_aid_helpers import RULES

from knowledge.legal_aid.rules import LegalAidRules


@pytest.fixture(scope="module")
def legal_aid_rules() -> LegalAidRules:
    return RULES
