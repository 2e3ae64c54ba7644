import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UPDATE_GOLDEN = os.environ.get("ASSESS_UPDATE_GOLDEN") == "1"


@pytest.fixture
def root() -> Path:
    return ROOT
