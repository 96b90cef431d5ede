"""The result cache: each file's lint result kept under the project (``.perflint_cache/``), so
that a run over files that did not change reads their results back instead of linting them.

**Key.** An entry is found by a hash of: the bytes of the file as read (never its mtime), its
path as shown and relative to the project root, the codes it is linted with (the selection
less its per-file ignores), and the run's key: perflint's version and the hash of its own
code, the running CPython (its parser decides what is a syntax error) and libcst's version,
the content of every rule file (built-in and rule packs) and every field of ``Settings``
except those classified below. A new ``Settings`` field is in the key unless it is named in
:data:`MODE_SETTINGS` or :data:`PER_FILE_SETTINGS` (``tests/test_cache.py`` fails until it is
classified one way or the other).

**Trust.** The repository is hostile: it may commit a ``.perflint_cache`` of its own. Every
entry carries an HMAC-SHA256 of its name and content, keyed by a secret outside the
repository (``PERFLINT_CACHE_KEY``, else ``$XDG_CACHE_HOME/perflint/cache-key`` or
``~/.cache/perflint/cache-key``, created with mode 0600); an entry whose MAC does not verify
is a miss, and its JSON is never parsed. The directory is reached without following a
symbolic link (``perflint.text.cachedir``); anything refused is one warning and a run
without the cache, never a failed run. A ``cache-dir`` from the configuration file must lie
inside the project.

**Modes.** Entries hold what ``perflint check`` finds (before any fix). ``--fix``/``--diff``
reuse an entry with no fixable finding, ``--add-noqa`` one with no finding; other files are
linted. What the cache gives back is the ``FileResult`` the engine would have given, field
for field (the text comes from the bytes just read). ``--since``/``--staged`` look both
sides up (``lookup_text``: git blobs are keyed as files are).

**Entries.** ``<cache>/<tag>/<name>``: the tag names the engine (format, perflint's version
and code, CPython, libcst), the name is the key's hash; the file is a line
``perflint-cache FORMAT MAC`` and JSON: ``{"decoded": ..., "result": ...}``, a dataclass as
the list of its fields in order (only the code that wrote it, which the tag names, reads
it), decoded against the types' annotations, every value checked.

**Size.** Entries not used for :data:`MAX_AGE` go, then the oldest while the directory holds
more than :data:`MAX_BYTES`; entries of other versions of perflint (or CPython, or libcst) are
never read and go once that version has not run here for :data:`OTHER_VERSIONS_AFTER`.
Pruning runs after a run that wrote entries, at most every :data:`PRUNE_INTERVAL`.

Long because it is one security boundary (what is trusted of a cache found in a repository),
reviewed as one: the key, the secret, the MAC, the codec and the pruning.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import gc
import hashlib
import hmac
import json
import os
import secrets
import stat
import sys
import time
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path

from perflint.project.perfile import enabled_codes
from perflint.text.cachedir import CacheRefused, Directory, stale_temp, supported
from perflint.text.files import (
    FileRefused,
    Snapshot,
    TooLarge,
    lint_root,
    read_bounded,
    read_regular,
    remove_stale_temps,
    within,
    work_tree,
)
from perflint.text.source import SourceError, decode
from perflint.types import FileResult, Settings
from perflint.version import __version__

#: The cache directory's default name, under the project root.
DIRECTORY_NAME = ".perflint_cache"
#: The environment variables: the secret itself, and where the cache is.
KEY_ENV = "PERFLINT_CACHE_KEY"
DIR_ENV = "PERFLINT_CACHE_DIR"
#: The layout of entries; a new one is a new tag, so old entries are never read.
FORMAT = 1
#: The largest entry written or read (a bound on what a hostile entry costs to look at).
MAX_ENTRY_BYTES = 16_000_000
#: Pruning: the directory's budget, how long an unused entry stays, how often to prune.
MAX_BYTES = 256_000_000
MAX_AGE = 14 * 86_400
PRUNE_INTERVAL = 600
OTHER_VERSIONS_AFTER = 3600
#: A hit refreshes its entry's mtime (what pruning goes by) when it is older than this.
REFRESH_AFTER = 86_400
_MARKER = "last-prune"
_GITIGNORE = b"# Created by perflint: its result cache, never committed.\n*\n"
_CACHEDIR_TAG = (
    b"Signature: 8a477f597d28d172789f06886806bc55\n"
    b"# This file is a cache directory tag created by perflint.\n"
    b"# For information about cache directory tags see https://bford.info/cachedir/\n"
)
_MAGIC = b"perflint-cache"
_HEX = frozenset("0123456789abcdef")

# -- which settings are keyed ------------------------------------------------------------------

#: ``Settings`` fields that change findings: each is in every entry's key, as it is.
KEYED_SETTINGS: tuple[str, ...] = ("select", "target_version", "prefilter", "max_file_size", "rule_paths")
#: ``Settings`` fields resolved per file: the key holds what they come to for the file.
PER_FILE_SETTINGS: Mapping[str, str] = {
    "per_file_ignores": "the key holds the codes the file is linted with: the selection less its ignores",
}
#: ``Settings`` fields that do not change what a text is found to have: entries hold the
#: findings before any fix, and ``ResultCache._in_mode`` says when a mode may use them.
MODE_SETTINGS: Mapping[str, str] = {
    "fix": "an entry with a fixable finding is not used: the file is linted and fixed",
    "unsafe_fixes": "decides which findings are fixable, not what is found",
    "diff": "as fix (nothing is written)",
    "add_noqa": "an entry with a finding is not used: the file is linted and its comments added",
}


def settings_key(settings: Settings) -> dict[str, object]:
    """The fields of ``settings`` in the run's key: all but the per-file and mode fields, so
    that a field nobody classified is keyed (never forgotten)."""
    skip = set(PER_FILE_SETTINGS) | set(MODE_SETTINGS)
    return {
        field.name: to_json(getattr(settings, field.name))
        for field in dataclasses.fields(Settings)
        if field.name not in skip
    }


# -- the run's key -----------------------------------------------------------------------------


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_digest(data: bytes) -> str:
    """The hash of a file's bytes that its entry is keyed by."""
    return _digest(data)


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


@cache
def code_fingerprint() -> str:
    """The hash of perflint's own code and data (a source checkout keeps its version number
    while its code changes)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for directory, subdirectories, names in os.walk(package):
        subdirectories[:] = sorted(name for name in subdirectories if name != "__pycache__")
        for name in sorted(names):
            if name.endswith((".py", ".json", ".yaml")):
                path = os.path.join(directory, name)
                digest.update(os.path.relpath(path, package).encode("utf-8", "surrogateescape") + b"\0")
                try:
                    with open(path, "rb") as handle:
                        digest.update(_digest(handle.read()).encode("ascii"))
                except OSError as error:
                    digest.update(f"unreadable: {error.errno}".encode("ascii"))
    return digest.hexdigest()


@cache
def libcst_fingerprint() -> str:
    """Where libcst is and the version it was installed as, without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("libcst")
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        return "none"
    folder = os.path.dirname(spec.origin)
    try:
        with open(os.path.join(folder, "_version.py"), "rb") as handle:
            version = _digest(handle.read())
    except OSError:
        version = "unknown"
    return f"{folder}:{version}"


def engine_identity() -> dict[str, object]:
    """What a result depends on besides the file and the settings: the code that made it."""
    return {
        "format": FORMAT,
        "perflint": __version__,
        "code": code_fingerprint(),
        "python": sys.version,
        "implementation": sys.implementation.cache_tag,
        "libcst": libcst_fingerprint(),
    }


def rule_files(rule_paths: Sequence[str]) -> list[list[str]]:
    """Each rule file (built-in, then each rule pack's) as ``[folder, name, content hash]``:
    editing a rule pack changes the key."""
    from perflint.rules import MAX_RULE_FILE
    from perflint.rules.registry import rules_dir

    found = []
    for folder in (str(rules_dir()), *rule_paths):
        try:
            names = sorted(path.name for path in Path(folder).glob("*.yaml"))
        except OSError:
            names = []
        for name in names:
            try:
                held = _digest(read_bounded(os.path.join(folder, name), MAX_RULE_FILE))
            except FileRefused as error:
                held = f"refused: {error}"
            found.append([folder, name, held])
    return found


def run_key(settings: Settings) -> tuple[str, bytes]:
    """The tag of the engine (the directory its entries go in) and the run's key."""
    engine = engine_identity()
    tag = f"v{FORMAT}-{_digest(_canonical(engine))[:16]}"
    whole = {"engine": engine, "rules": rule_files(settings.rule_paths), "settings": settings_key(settings)}
    return tag, hashlib.sha256(_canonical(whole)).digest()


# -- the secret --------------------------------------------------------------------------------


def key_path() -> str:
    """Where the secret is kept: ``$XDG_CACHE_HOME/perflint/cache-key``, else under
    ``~/.cache``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            raise CacheRefused(f"no home directory for the cache key: set {KEY_ENV} or XDG_CACHE_HOME")
        base = os.path.join(home, ".cache")
    return os.path.join(base, "perflint", "cache-key")


def cache_secret(project_root: str) -> bytes:
    """The key of the entries' MACs: ``PERFLINT_CACHE_KEY``, else the key file (created on
    first use). ``CacheRefused`` if there is none that can be trusted: a key file inside the
    project (the repository would know it), a link, or one others may read or write."""
    given = os.environ.get(KEY_ENV)
    if given:
        if len(given) < 16:
            raise CacheRefused(f"{KEY_ENV} is shorter than 16 characters")
        return given.encode("utf-8", "surrogateescape")
    path = key_path()
    project = os.path.realpath(work_tree(project_root) or project_root)
    if within(os.path.realpath(os.path.dirname(path)), project):
        raise CacheRefused(f"the cache key {path} would be inside the project {project}: set {KEY_ENV}")
    for _ in range(3):
        key = _read_key(path)
        if key is not None:
            return key
        _create_key(path)
    raise CacheRefused(f"cannot create the cache key {path}")


def _read_key(path: str) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK):
            raise CacheRefused(f"the cache key {path} is a symbolic link: not followed") from None
        raise CacheRefused(f"cannot read the cache key {path}: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CacheRefused(f"the cache key {path} is not a regular file")
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            raise CacheRefused(f"the cache key {path} belongs to another user")
        if info.st_mode & 0o077:
            raise CacheRefused(f"the cache key {path} is open to other users (chmod 600 it)")
        text = os.read(fd, 200).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    if len(text) != 64 or not set(text) <= _HEX:
        if not text:
            return None  # another run is writing it (or was killed doing so): make a new one
        raise CacheRefused(f"the cache key {path} is not a perflint cache key: delete it")
    return bytes.fromhex(text)


def _create_key(path: str) -> None:
    """A new key at ``path``, atomically: written whole to a file of this process, then
    linked to its name only if no other run made one first."""
    folder = os.path.dirname(path)
    temp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, path)
        except FileExistsError:
            pass  # another run made one: use it
        except OSError:  # a file system without hard links
            try:
                if os.path.getsize(path) == 0:
                    os.replace(temp, path)
            except FileNotFoundError:
                os.replace(temp, path)
    except OSError as error:
        raise CacheRefused(f"cannot create the cache key {path}: {error.strerror}") from None
    finally:
        try:
            os.unlink(temp)
        except OSError:
            pass


# -- entries as JSON ---------------------------------------------------------------------------


def to_json(value: object) -> object:
    """Plain data (dataclasses, tuples, strings, numbers, None) as JSON values."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (tuple, list)):
        return [to_json(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Its fields in their order, without their names: the layout is that of the code
        # that wrote it, which the entry's tag names (no other code reads it).
        return [to_json(getattr(value, field.name)) for field in dataclasses.fields(value)]
    raise TypeError(f"the cache cannot keep a {type(value).__name__}")


class EntryError(ValueError):
    """An entry that does not hold what its type says: a miss."""


def from_json(kind: object, value: object) -> typing.Any:
    """``value`` (from ``to_json``) as ``kind``, checked all the way down (``EntryError``)."""
    return _decoder(kind)(value)


@cache
def _decoder(kind: object) -> Callable[[object], typing.Any]:
    """A function that turns a JSON value into a ``kind`` or raises ``EntryError``, built once
    per type from its annotations (an entry is decoded on every hit: this is the warm path)."""
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin is typing.Union or origin is types.UnionType:
        nullable = type(None) in args
        options = [_decoder(option) for option in args if option is not type(None)]

        def union(value: object) -> object:
            if value is None and nullable:
                return None
            for option in options:
                try:
                    return option(value)
                except EntryError:
                    continue
            raise EntryError(f"{value!r:.40} is none of {kind}")

        return union
    if origin is typing.Literal:
        allowed = {(type(arg), arg) for arg in args}

        def literal(value: object) -> object:
            if (type(value), value) in allowed:
                return value
            raise EntryError(f"{value!r:.40} is not one of {args}")

        return literal
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])

            def many(value: object) -> tuple[object, ...]:
                if type(value) is not list:
                    raise EntryError("not a list")
                return tuple([item(part) for part in value])

            return many
        items = [_decoder(arg) for arg in args]

        def fixed(value: object) -> tuple[object, ...]:
            if type(value) is not list or len(value) != len(items):
                raise EntryError("not a list of the right length")
            return tuple([item(part) for item, part in zip(items, value)])

        return fixed
    if kind is type(None) or kind is None:

        def null(value: object) -> None:
            if value is not None:
                raise EntryError("not null")

        return null
    if kind in (str, bool, int, float):
        accepted = (int, float) if kind is float else (kind,)

        def plain(value: object) -> object:
            if type(value) in accepted:
                return value
            raise EntryError(f"not a {kind.__name__}")  # type: ignore[union-attr]

        return plain
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        if hasattr(kind, "__post_init__") or hasattr(kind, "__slots__"):
            raise TypeError(f"the cache cannot read a {kind}: it is not plain data")
        names = [field.name for field in dataclasses.fields(kind)]
        count = len(names)
        #: Fields of one plain type are checked here (most of them); the others by decoder.
        scalar = [(index, hints[name]) for index, name in enumerate(names) if hints[name] in (str, bool, int)]
        nested = [
            (index, name, _decoder(hints[name]))
            for index, name in enumerate(names)
            if hints[name] not in (str, bool, int)
        ]
        new = object.__new__

        def record(value: object) -> object:
            if type(value) is not list or len(value) != count:
                raise EntryError(f"not the fields of {kind.__name__}")
            for index, expected in scalar:
                if type(value[index]) is not expected:
                    raise EntryError(f"{kind.__name__}.{names[index]} is not a {expected.__name__}")
            made = new(kind)
            # What the frozen dataclass's __init__ would set (it has no __post_init__), at
            # the cost of one dict update: a hit builds thousands of these.
            fields = made.__dict__
            fields.update(zip(names, value))
            for index, name, decode in nested:
                fields[name] = decode(value[index])
            return made

        return record
    raise TypeError(f"the cache cannot read a {kind}")


# -- the cache ---------------------------------------------------------------------------------


def _lean(result: FileResult) -> FileResult:
    """As the runner leaves a result (its text only where something refers to it)."""
    if result.findings or result.error is not None or result.source is None:
        return result
    return dataclasses.replace(result, source=None)


def cache_location(directory: str, root: str) -> tuple[str, tuple[str, ...]]:
    """Where the walk to the cache directory starts (opened as it is) and the components
    below it (each opened without following a link): from the project root, or the git work
    tree holding it, when the cache lies inside; else the cache directory's parent."""
    directory = os.path.normpath(os.path.abspath(directory))
    for base in (os.path.normpath(os.path.abspath(root)), work_tree(os.path.abspath(root))):
        if base is not None and within(directory, base) and directory != base:
            return base, tuple(os.path.relpath(directory, base).split(os.sep))
    return os.path.dirname(directory), (os.path.basename(directory),)


_Method = typing.TypeVar("_Method", bound=Callable[..., typing.Any])


def _never_fails(method: _Method) -> _Method:
    """A method of the cache that, on a bug of its own, warns once and turns the cache off
    for the rest of the run (which goes on, uncached): a run never fails because of it."""

    @functools.wraps(method)
    def guarded(self: ResultCache, *args: object, **kwargs: object) -> object:
        try:
            return method(self, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the run must go on
            self._refuse(CacheRefused(f"internal error: {error!r}"))
            return None

    return typing.cast(_Method, guarded)


@dataclasses.dataclass
class Counts:
    hits: int = 0
    misses: int = 0
    written: int = 0


class ResultCache:
    """The cache of one run: looked up in the parent before any worker starts, filled with
    the results the workers bring back, pruned at the end (``close``)."""

    def __init__(
        self,
        directory: str,
        root: str,
        settings: Settings,
        warn: Callable[[str], None],
        *,
        secret: bytes,
        tag: str,
        key: bytes,
    ) -> None:
        self.directory = os.path.normpath(os.path.abspath(directory))
        self.root = os.path.normpath(os.path.abspath(root))
        self.settings = settings
        self.counts = Counts()
        self._warn = warn
        self._secret = secret
        self._tag = tag
        self._key = key
        self._base, self._parts = cache_location(self.directory, self.root)
        #: The hash of entry names, fed the run's key; each selection's codes, as JSON.
        self._keyed = hashlib.sha256(key + b"\0")
        self._codes: dict[tuple[str, ...], bytes] = {}
        #: ``lint_root`` by directory (it walks up to the git work tree: once per folder).
        self._lint_roots: dict[str, str] = {}
        self._top: Directory | None = None
        self._entries: Directory | None = None
        self._opened = False
        self._created = False
        self.disabled = False

    @classmethod
    def open(
        cls, directory: str, root: str, settings: Settings, warn: Callable[[str], None]
    ) -> ResultCache | None:
        """The cache in ``directory`` for a run under ``root`` with ``settings``; None (after
        one warning) if it cannot be used."""
        try:
            if not supported():
                raise CacheRefused("this platform cannot open files without following symbolic links")
            secret = cache_secret(root)
            tag, key = run_key(settings)
        except (CacheRefused, TypeError) as problem:
            warn(f"not using the cache: {problem}")
            return None
        return cls(directory, root, settings, warn, secret=secret, tag=tag, key=key)

    # -- the directory
    def _refuse(self, problem: CacheRefused | OSError) -> None:
        if not self.disabled:
            self._warn(f"not using the cache in {self.directory}: {problem}")
        self.disabled = True
        self._close_directories()

    def _close_directories(self) -> None:
        for directory in (self._entries, self._top):
            if directory is not None:
                directory.close()
        self._entries = self._top = None

    def _reach(self, *, create: bool) -> Directory | None:
        """The directory of this engine's entries (created with ``create``)."""
        if self.disabled:
            return None
        if self._entries is not None and (self._created or not create):
            return self._entries
        if self._opened and not create:
            return None  # looked once: not there
        self._opened = True
        self._close_directories()
        top = Directory.reach(self._base, self._parts, create=create)
        if top is None:
            return None
        self._top = top
        if create:
            top.write_if_missing(".gitignore", _GITIGNORE)
            top.write_if_missing("CACHEDIR.TAG", _CACHEDIR_TAG)
            self._created = True
        self._entries = top.child(self._tag, create=create)
        return self._entries

    # -- entries
    def _name(self, path: str, digest: str) -> str:
        """An entry's name: the hash of the run's key, the path as shown and relative to the
        root, the codes the file is linted with and the hash of its bytes."""
        absolute = os.path.abspath(path)
        prefix = self.root.rstrip(os.sep) + os.sep
        relative = absolute[len(prefix) :] if absolute.startswith(prefix) else os.path.relpath(absolute, self.root)
        codes = enabled_codes(path, self.settings.select, self.settings.per_file_ignores)
        listed = self._codes.get(codes)
        if listed is None:
            listed = self._codes[codes] = _canonical(list(codes))
        named = self._keyed.copy()
        # No path holds a NUL, and surrogatepass encodes every string, one way each.
        named.update(f"{path}\0{relative}\0{digest}\0".encode("utf-8", "surrogatepass") + listed)
        return named.hexdigest()

    def _mac(self, name: str, payload: bytes) -> bytes:
        message = self._tag.encode("ascii") + b"\n" + name.encode("ascii") + b"\n" + payload
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest().encode("ascii")

    def _unseal(self, name: str, data: bytes) -> bytes | None:
        """The payload of an entry whose MAC verifies, else None."""
        header, newline, payload = data.partition(b"\n")
        parts = header.split(b" ")
        if not newline or len(parts) != 3 or parts[0] != _MAGIC or parts[1] != str(FORMAT).encode():
            return None
        return payload if hmac.compare_digest(parts[2], self._mac(name, payload)) else None

    @_never_fails
    def lookup(self, path: str, root: str | None = None) -> FileResult | None:
        """The result of ``path`` as the engine would give it, without linting, or None (a
        miss: lint it). The file is read here, as a worker would read it (``root``: the real
        path its links may lead into)."""
        if self.disabled:
            return None
        if root is None:
            folder = os.path.dirname(os.path.abspath(path))
            root = self._lint_roots.get(folder)
            if root is None:
                root = self._lint_roots[folder] = lint_root(path)
        try:
            snapshot = read_regular(path, root=root, limit=self.settings.max_file_size)
        except TooLarge as skipped:  # what a worker reports, without starting one
            self.counts.hits += 1
            return FileResult(path=path, skipped=str(skipped))
        except FileRefused:
            self.counts.misses += 1
            return None
        result = self._lookup(path, snapshot)
        if result is None:
            self.counts.misses += 1
        else:
            self.counts.hits += 1
        return result

    def _lookup(self, path: str, snapshot: Snapshot) -> FileResult | None:
        held = self._held(path, snapshot.data)
        return None if held is None else self._in_mode(*held, snapshot)

    def _held(self, path: str, data: bytes) -> tuple[FileResult, bool] | None:
        """What the cache holds for ``data`` shown as ``path`` (and whether it decoded), from
        an entry whose MAC verifies; None for a miss."""
        name = self._name(path, content_digest(data))
        try:
            entries = self._reach(create=False)
            sealed = entries.read(name, MAX_ENTRY_BYTES) if entries is not None else None
        except CacheRefused as problem:
            self._refuse(problem)
            return None
        payload = self._unseal(name, sealed) if sealed is not None else None
        if payload is None or entries is None:
            return None
        mtime = entries.read_mtime
        try:
            held = json.loads(payload)
            if not isinstance(held, dict) or set(held) != {"decoded", "result"}:
                return None
            decoded = from_json(bool, held["decoded"])
            stored: FileResult = from_json(FileResult, held["result"])
        except (ValueError, RecursionError):
            return None
        if stored.path != path:
            return None
        if time.time() - mtime > REFRESH_AFTER:
            entries.touch(name)  # used: pruning goes by the time of last use
        return stored, decoded

    @_never_fails
    def lookup_text(self, data: bytes, path: str) -> FileResult | None:
        """``lint_source(data, path)`` as the engine would give it (a text that is no file of
        the tree: a git blob of ``--since``), or None (a miss)."""
        if self.disabled or self.settings.fix or self.settings.diff or self.settings.add_noqa:
            return None
        held = self._held(path, data)
        if held is None:
            self.counts.misses += 1
            return None
        stored, decoded = held
        if decoded:
            try:
                stored = dataclasses.replace(stored, source=decode(data).text)
            except SourceError:
                return None
        self.counts.hits += 1
        return stored

    def store_text(self, result: FileResult, data: bytes) -> None:
        """Keep ``lint_source(data, ...)``'s ``result``."""
        self.store(result, content_digest(data))

    def _in_mode(self, stored: FileResult, decoded: bool, snapshot: Snapshot) -> FileResult | None:
        """The result the engine would give in this run's mode, or None where it would do more
        than find (fix, add a comment)."""
        settings = self.settings
        fixing = settings.fix or settings.diff
        if fixing and any(finding.fixable(settings.unsafe_fixes) for finding in stored.findings):
            return None
        if settings.add_noqa and stored.findings:
            return None
        if settings.fix and not settings.diff:
            remove_stale_temps(os.path.dirname(snapshot.path))  # as a worker about to fix would
        if not decoded:
            return stored
        wanted = fixing or bool(stored.findings) or stored.error is not None
        text = None
        if wanted:
            try:
                text = decode(snapshot.data).text
            except SourceError:
                return None
        if fixing:
            return _lean(dataclasses.replace(stored, source=text, original_source=text, fixed_source=text))
        return _lean(dataclasses.replace(stored, source=text))

    def _stored(self, result: FileResult) -> tuple[FileResult, bool] | None:
        """What of a worker's result goes into the cache (the findings before any fix) and
        whether its text was decoded; None for a result that found something else (a file
        fixed, skipped, or that could not be written)."""
        settings = self.settings
        if result.skipped is not None or result.fixed or result.noqa_added or result.dropped_fixes or result.fixes:
            return None
        if settings.fix or settings.diff:
            decoded = result.original_source is not None
        else:
            if settings.add_noqa and result.findings:
                return None
            decoded = result.error is None or result.source is not None
        if not decoded and result.error is None:
            return None
        kept = FileResult(path=result.path, findings=result.findings, error=result.error, notes=result.notes)
        return kept, decoded

    @_never_fails
    def store(self, result: FileResult, digest: str | None) -> None:
        """Keep ``result`` (a worker's, for the file whose bytes hash to ``digest``)."""
        if self.disabled or digest is None:
            return
        kept = self._stored(result)
        if kept is None:
            return
        stored, decoded = kept
        try:
            payload = _canonical({"decoded": decoded, "result": to_json(stored)})
        except TypeError:
            return
        name = self._name(result.path, digest)
        data = b"%s %d %s\n" % (_MAGIC, FORMAT, self._mac(name, payload)) + payload
        if len(data) > MAX_ENTRY_BYTES:
            return
        try:
            entries = self._reach(create=True)
            if entries is not None:
                entries.write(name, data)
                self.counts.written += 1
        except CacheRefused as problem:
            self._refuse(problem)

    def lint(
        self,
        paths: Sequence[str],
        roots: Mapping[str, str],
        lint: Callable[[list[str], Callable[[int], None] | None], list[tuple[FileResult, str | None]]],
        progress: Callable[[int], None] | None = None,
    ) -> list[FileResult]:
        """The results of ``paths`` in path order: those the cache has, then ``lint`` of the
        others (``runner.lint_paths_read``: each result with the hash of the bytes read),
        which are stored; ``progress`` gets the number of files done. Closes the cache."""
        try:
            known: dict[str, FileResult] = {}
            collecting = gc.isenabled()
            gc.disable()  # a hit builds objects that all stay: collecting them is wasted work
            try:
                for path in paths:
                    found = self.lookup(path, roots.get(path))
                    if found is not None:
                        known[path] = found
            finally:
                if collecting:
                    gc.enable()
            missing = [path for path in paths if path not in known]
            if progress is not None and known:
                progress(len(known))
            done = None if progress is None else (lambda count: progress(len(known) + count))
            linted = lint(missing, done) if missing else []
            for result, digest in linted:
                self.store(result, digest)
        finally:
            self.close()
        results = known | {result.path: result for result, _ in linted}
        return [results[path] for path in sorted(paths)]

    @_never_fails
    def close(self) -> None:
        """After the run: prune if it wrote entries, mark this engine's entries as used."""
        try:
            if not self.disabled and self._top is not None:
                self._top.touch(self._tag)
                if self.counts.written:
                    prune(self._top, self._tag)
        finally:
            self._close_directories()


# -- pruning -----------------------------------------------------------------------------------


def _is_tag(name: str) -> bool:
    head, _, tail = name.partition("-")
    return head[:1] == "v" and head[1:].isdigit() and len(tail) == 16 and set(tail) <= _HEX


def _is_entry(name: str) -> bool:
    return len(name) == 64 and set(name) <= _HEX


def prune(top: Directory, tag: str, *, now: float | None = None, force: bool = False) -> int:
    """Bound the cache in ``top``: stale temporary files, entries unused for ``MAX_AGE``, other
    engines' entries not used for ``OTHER_VERSIONS_AFTER``, then the oldest while over
    ``MAX_BYTES``. At most every ``PRUNE_INTERVAL`` unless ``force``. Only names this cache
    writes are removed; the number removed is returned."""
    now = time.time() if now is None else now
    if not force and _pruned_lately(top, now):
        return 0
    try:
        top.write(_MARKER, b"")
    except CacheRefused:
        return 0
    removed = 0
    kept: list[tuple[float, int, Directory, str]] = []
    opened: list[Directory] = []
    try:
        for listed in list(top.listing()):
            if not (listed.directory and _is_tag(listed.name)):
                continue
            try:
                folder = top.child(listed.name, create=False)
            except CacheRefused:
                continue
            if folder is None:
                continue
            opened.append(folder)
            other_unused = listed.name != tag and now - listed.mtime > OTHER_VERSIONS_AFTER
            for item in list(folder.listing()):
                if stale_temp(item.name, item.mtime, now):
                    removed += folder.remove(item.name)
                elif _is_entry(item.name):
                    if other_unused or not item.regular or now - item.mtime > MAX_AGE:
                        removed += folder.remove(item.name)
                    else:
                        kept.append((item.mtime, item.size, folder, item.name))
            if other_unused:
                top.remove_directory(listed.name)
        total = sum(size for _, size, _, _ in kept)
        if total > MAX_BYTES:
            for _, size, folder, name in sorted(kept, key=lambda item: item[0]):
                if total <= MAX_BYTES * 3 // 4:
                    break
                if folder.remove(name):
                    removed += 1
                    total -= size
    finally:
        for folder in opened:
            folder.close()
    return removed


def _pruned_lately(top: Directory, now: float) -> bool:
    try:
        info = os.stat(_MARKER, dir_fd=top.fd, follow_symlinks=False)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and now - PRUNE_INTERVAL < info.st_mtime <= now + 60
