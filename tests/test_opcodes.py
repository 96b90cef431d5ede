"""Every instruction ``dis`` can print on each CPython present has a gloss for ``--explain``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_explain import VERSIONS, python

from perflint.output.opcodes import GLOSSES, glossary, opname

#: Run by each interpreter: the instruction names its ``dis`` can show (no specialised or
#: instrumented variants, which ``dis`` prints only on request), pseudo-instructions included.
_NAMES = r"""
import dis, json
names = {name for name in dis.opname if not name.startswith("<")}
for attr in ("_specialized_instructions", "_specialized_opmap", "_specializations"):
    found = getattr(dis, attr, None) or ()
    if isinstance(found, dict):
        for key, value in found.items():
            names -= set(value) if isinstance(value, (list, tuple)) else {key}
    else:
        names -= set(found)
names = {name for name in names if not name.startswith("INSTRUMENTED_")}
names |= set(getattr(dis, "_pseudo_ops", None) or ())
print(json.dumps(sorted(names)))
"""


@pytest.mark.parametrize("version", [None, *VERSIONS], ids=["running", *VERSIONS])
def test_every_instruction_of_each_cpython_has_a_gloss(version: str | None) -> None:
    interpreter = sys.executable if version is None else python(version)
    done = subprocess.run([interpreter, "-I", "-c", _NAMES], capture_output=True, text=True, check=True)
    names = json.loads(done.stdout)
    assert len(names) > 90
    missing = sorted(set(names) - set(GLOSSES))
    assert not missing, missing


def test_glosses_are_one_plain_line() -> None:
    for name, gloss in GLOSSES.items():
        assert gloss and "\n" not in gloss and len(gloss) <= 110, name
        assert not gloss.endswith("."), name


def test_the_glossary_lists_the_changed_instructions_once_in_order() -> None:
    diff = [
        "    RESUME",
        "-   LOAD_GLOBAL NULL + range",
        "-   LOAD_GLOBAL NULL + len",
        "    LOAD_FAST nums",
        "-   CALL",
        "+   LOAD_FAST num",
        "  L1:",
        "-   CALL",
    ]
    names = [name for name, _ in glossary(diff)]
    assert names == ["LOAD_GLOBAL", "CALL", "LOAD_FAST"]
    assert dict(glossary(["-   BINARY_SUBSCR"]))["BINARY_SUBSCR"].startswith("index into a container")
    assert opname("  code object <snippet>:") is None
