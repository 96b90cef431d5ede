"""The prefilter (``perflint.engine.prefilter``) must never change what perflint finds.

Every built-in rule runs with ``Settings(prefilter=True)`` and ``prefilter=False`` over real
code: a deterministic sample of the running interpreter's standard library plus files known
to hold findings or to trip libcst, for two target versions. The sample is every 8th file in
sorted order, alternating between the targets (py310 checks files 0, 16, 32, ...; py312
files 8, 24, 40, ...), big files left out: a full libcst parse of every file is what
``prefilter=False`` costs, and this keeps the test near half a minute on two cores.

Findings must be identical. Errors may differ in one way only: without the prefilter libcst
parses every file and fails on some that CPython's parser accepts (nesting too deep for it,
grammar it lacks); with the prefilter such a file is never handed to libcst when no rule
can fire in it. The prefilter must never hide a real syntax error nor add one.
"""

from __future__ import annotations

import ast
import dataclasses
import sysconfig
import warnings
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from perflint import FileResult, Settings, lint_paths
from perflint.rules.registry import builtin_rules

STDLIB = Path(sysconfig.get_paths()["stdlib"])
EVERY = 8
MAX_BYTES = 60_000
#: Files of the standard library (3.10-3.13) with findings or with libcst parse failures; those
#: missing from the running version are skipped.
KNOWN = (
    "_strptime.py",
    "bdb.py",
    "concurrent/futures/process.py",
    "csv.py",
    "ensurepip/__init__.py",
    "http/client.py",
    "multiprocessing/resource_sharer.py",
    "multiprocessing/util.py",
    "netrc.py",
    "shelve.py",
    "test/ann_module.py",
    "test/test_hashlib.py",
    "test/test_memoryview.py",
    "test/test_shlex.py",
    "test/typinganndata/ann_module.py",
    "unittest/signals.py",
)
#: Target versions, each with its share of the sample.
TARGETS = ("py310", "py312")

pytestmark = pytest.mark.slow


@cache
def corpus(share: int) -> tuple[str, ...]:
    """Share ``share`` (0-based, of ``len(TARGETS)``) of the sample, plus the known files."""
    files = sorted(
        path
        for path in STDLIB.rglob("*.py")
        if "site-packages" not in path.relative_to(STDLIB).parts and path.is_file()
    )
    step = EVERY * len(TARGETS)
    sample = {path for path in files[share * EVERY :: step] if path.stat().st_size <= MAX_BYTES}
    sample |= {STDLIB / name for name in KNOWN if (STDLIB / name).is_file()}
    return tuple(str(path) for path in sorted(sample))


def _cpython_parses(path: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(Path(path).read_bytes(), filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


@pytest.mark.parametrize("target", TARGETS)
def test_prefilter_finds_exactly_what_a_full_parse_finds(target: str) -> None:
    files = corpus(TARGETS.index(target))
    assert len(files) > 50, f"standard library not found under {STDLIB}"
    on = Settings(select=tuple(spec.code for spec in builtin_rules()), target_version=target)
    off = dataclasses.replace(on, prefilter=False)
    with_filter: list[FileResult] = lint_paths(files, on)
    without: list[FileResult] = lint_paths(files, off)

    found: Counter[str] = Counter()
    for filtered, full in zip(with_filter, without, strict=True):
        assert filtered.path == full.path
        assert filtered.findings == full.findings, filtered.path
        found.update(finding.code for finding in full.findings)
        if filtered.error is not None:
            assert filtered.error == full.error, filtered.path
        elif full.error is not None:
            # Only a libcst limitation on a file CPython parses may go unreported.
            assert _cpython_parses(full.path), f"prefilter hid a syntax error in {full.path}"
    # The corpus must exercise the rules, or this test could not fail.
    assert sum(found.values()) >= 5, found
    assert len(found) >= 3, found
