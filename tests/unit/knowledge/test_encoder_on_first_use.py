"""The bundled encoder loads its model (and torch) only when something is encoded: the action
server, which reuses the NLU's vector, then never carries torch (~390 MB)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from casebook.settings import PROJECT_ROOT

pytestmark = pytest.mark.model  # loads the bundled encoder

PROBE = """
import sys
import numpy as np
from knowledge.retrieval.encoder import BUNDLED, create_encoder, encoder_name
encoder = create_encoder(BUNDLED)
assert encoder.name == encoder_name(BUNDLED)
assert "torch" not in sys.modules, "made, not used: nothing loaded"
vector = encoder.encode_queries(["老板拖欠工资怎么办"])
assert "torch" in sys.modules and vector.shape == (1, 384)
assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
assert np.array_equal(encoder.encode_queries(["老板拖欠工资怎么办"]), vector), "one model, loaded once"
"""


def test_the_bundled_model_loads_on_first_use() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
