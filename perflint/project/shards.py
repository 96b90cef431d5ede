"""``--shard K/N``: a stable split of a run's files, for a CI job matrix (``perflint merge``
joins the shards' reports)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import PurePath

from perflint.project.discovery import Discovery


def shard_of(path: str, count: int) -> int:
    """The shard (1 to ``count``) that lints ``path``: a stable split by the path, written with
    ``/`` relative to the current directory, so that a file stays in its shard from run to run
    and machine to machine (and each shard's cache stays warm)."""
    key = PurePath(os.path.relpath(path)).as_posix()
    return int.from_bytes(hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()[:8], "big") % count + 1


def in_shard(found: Discovery, shard: tuple[int, int]) -> Discovery:
    """The part of ``found`` that shard ``K`` of ``N`` lints (``shard`` is ``(K, N)``): every file,
    and every path that cannot be linted, is in exactly one shard."""
    number, count = shard
    files = tuple(path for path in found.files if shard_of(path, count) == number)
    return replace(
        found,
        files=files,
        roots={path: found.roots[path] for path in files if path in found.roots},
        skipped=tuple(item for item in found.skipped if shard_of(item.path, count) == number),
        refused=tuple(item for item in found.refused if shard_of(item.path, count) == number),
    )
