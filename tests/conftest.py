from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import os
import secrets

# The result cache signs its entries with a key kept outside the project: the suite's runs
# use a key of their own (no ~/.cache/perflint/cache-key is created or read), and no cache
# directory chosen by the environment. tests/test_cache.py tests the key file itself.
os.environ["PERFLINT_CACHE_KEY"] = secrets.token_hex(32)
os.environ.pop("PERFLINT_CACHE_DIR", None)
