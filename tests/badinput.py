"""Shared checks for the bad-input tests: refused with exit 2, a Dutch message, earlier output untouched.

Every bad-input case asserts three things: the exit code, that the message names what it must
(the file, field or option, and the fix), and that every folder that existed before the command
is byte for byte as it was (SHA-256 of every file, hidden ones included).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from pathlib import Path


def snapshot(*folders: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folders`` (hidden files and links' targets included), by path."""
    digests: dict[str, str] = {}
    for folder in folders:
        folder = Path(folder)
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digests[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


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
