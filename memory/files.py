"""Files that hold customer data (databases, logs) are readable by their owner only.

Plain Python, no database code: the command line uses it before anything heavy is imported.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_UMASK = 0o077
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
# SQLite's companions of a database file, created with the database file's permissions.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def keep_files_private() -> None:
    """Everything this process, and the processes it starts, create from now on is its
    owner's only (libraries that create files of their own included)."""
    os.umask(PRIVATE_UMASK)


def private_folder(folder: Path) -> None:
    """Create `folder` (and missing parents) for its owner only; an existing one is left as
    it is, since it may be shared (a database put in /tmp, say)."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    for created in missing:
        with contextlib.suppress(OSError):
            created.chmod(PRIVATE_FOLDER)


def private_file(path: Path) -> None:
    """Create `path` empty if it is missing, and make it (and SQLite's companion files
    beside it) readable by its owner only.

    An existing file is never opened here: closing any descriptor of a SQLite database drops
    every POSIX lock this process holds on it, so another process could think itself the last
    user, checkpoint and delete the write-ahead log under this process's open connections
    (whose later writes would then be lost).
    """
    private_folder(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in SQLITE_COMPANIONS)):
        with contextlib.suppress(OSError):  # missing, or someone else's
            if candidate.exists():
                candidate.chmod(PRIVATE_FILE)
