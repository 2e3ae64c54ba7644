import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROPERTIES = str(ROOT / "tests" / "properties")
if PROPERTIES not in sys.path:  # the policy and fact strategies
    sys.path.insert(0, PROPERTIES)
