"""Shared checks for the bad-input tests: refused with exit 2, a Dutch message, earlier output untouched.

Every bad-input case asserts three things: the exit code, that the message names what it must
(the file, field or option, and the fix), and that every folder that existed before the command
is byte for byte as it was (SHA-256 of every file, hidden ones included).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

#: SHA-256 of a file's bytes (:func:`file_digest`) by what identifies one state of the file on disk
#: (device, inode, size and modification time in ns): the hard links of :func:`linked_copy` (one
#: inode) are hashed once a run, not twice a test. Writing into a file sets its modification time to
#: now; a file written anew is a new inode (a rename) or one written now. Not the change time: making
#: a hard link changes it. A file written in the last seconds is always hashed (the clock of file
#: times is coarse: two writes within a few ms may leave the same time).
_DIGESTS: dict[tuple[int, int, int, int], str] = {}


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes (hex), hashed once for each state of the file on disk (see ``_DIGESTS``)."""
    st = path.stat()
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    if time.time_ns() - st.st_mtime_ns < 5_000_000_000:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if key not in _DIGESTS:
        _DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _DIGESTS[key]


def snapshot(*folders: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folders`` (hidden files and links' targets included), by path."""
    digests: dict[str, str] = {}
    for folder in folders:
        folder = Path(folder)
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digests[str(path)] = file_digest(path)
    return digests


def linked_copy(src: Path, dst: Path, *, own: Iterable[str] = (), symlinks: bool = False) -> Path:
    """A copy of the folder ``src`` in ``dst`` whose files are hard links to those of ``src`` (no bytes copied).

    For a copy that a command reads or replaces files in (the package writes each file to a new
    one and renames it into place, which leaves the other links as they were). A file the test or
    the command changes in place (truncates, flips a bit, rewrites under the same name) must be a
    file of its own: name it in ``own`` (paths relative to ``src``) or call :func:`unshare` on it
    first, or it changes the shared original too (which conftest.py then reports).
    """
    shutil.copytree(src, dst, symlinks=symlinks, copy_function=os.link)
    for rel in own:
        unshare(dst / rel)
    return dst


def unshare(path: Path) -> Path:
    """Make ``path`` (a hard link of :func:`linked_copy`) a file of its own with the same bytes, to change in place."""
    if path.stat().st_nlink > 1:
        tmp = path.with_name(f".{path.name}.eigen")
        shutil.copy2(path, tmp)
        os.replace(tmp, path)
    return path


def assert_refused(
    code: int,
    err: str,
    *,
    needles: Iterable[str],
    before: dict[str, str] | None = None,
    after: dict[str, str] | None = None,
    exit_code: int = 2,
    one_line: bool = False,
) -> None:
    """Assert a refusal: ``exit_code``, every needle in the message, no traceback, output untouched.

    Parameters
    ----------
    code, err
        The command's exit code and its standard error.
    needles
        Texts the message must contain (the file, field or option, the fix).
    before, after
        :func:`snapshot` of the earlier output folders before and after the command; equal.
    one_line
        The message is one line.
    """
    assert code == exit_code, f"exit {code}, expected {exit_code}: {err}"
    for needle in needles:
        assert needle in err, f"{needle!r} not in message: {err}"
    assert "Traceback" not in err, err
    if one_line:
        assert len(err.strip().splitlines()) == 1, err
    if before is not None:
        assert after is not None
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        assert not changed, f"earlier output changed: {changed[:10]}"


def mirror(raw: Path, dst: Path) -> Path:
    """The raw data folder as symbolic links in ``dst``, one per top-level dataset folder."""
    dst.mkdir()
    for p in raw.iterdir():
        (dst / p.name).symlink_to(p)
    return dst


def own_copy(root: Path, rel: str) -> Path:
    """Replace the link of one dataset folder of a :func:`mirror` by a real copy, so one file in it can be damaged."""
    folder = root / rel.split("/")[0]
    target = folder.resolve()
    folder.unlink()
    shutil.copytree(target, folder)
    return root / rel
