"""Reading a file the user names, and writing a command's output files, safely.

A name given on the command line may be a FIFO, a device or a folder: opening a FIFO for reading
blocks until someone writes to it, and /dev/zero never ends. `read_regular` refuses anything but
a regular file, before reading, and reads at most a cap. `write_all_atomic` writes several files
of one result so that an interruption or a full disk leaves either all the new files or the old
ones, never a mix.
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from auditor.errors import AuditorError

MB = 1 << 20


def read_regular(path: Path, what: str, cap: int = 16 * MB) -> bytes:
    """The bytes of the regular file `path` (at most `cap`), or an AuditorError naming it.

    Opened without blocking (a FIFO would otherwise wait for a writer), then refused unless it is
    a regular file; FileNotFoundError is left to the caller, which knows how to word it.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise AuditorError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise AuditorError(f"{path}: not a regular file: give the {what} as a file")
        try:
            data = fh.read(cap + 1)
        except OSError as exc:
            raise AuditorError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    if len(data) > cap:
        raise AuditorError(f"{path}: the {what} is larger than {cap // MB} MB: not one auditor wrote or reads")
    return data


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold back SIGINT (Ctrl-C) for the duration: a few renames that must all happen or none.

    The signal is delivered when the block ends. Only the main thread can block it for the
    process; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def write_all_atomic(files: dict[Path, bytes | str]) -> None:
    """Write every file through a temporary file beside it, then rename them all at once.

    A failure while writing (a full disk, an interruption) removes the temporary files and
    leaves every old file as it was; the renames run with SIGINT held back, so the new files
    replace the old ones together. A path that is not a regular file (/dev/stdout, a FIFO) is
    written to directly: a rename would replace the device itself.
    """
    written: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            raw = data.encode("utf-8") if isinstance(data, str) else data
            if _special(path):
                with open(path, "wb") as fh:
                    fh.write(raw)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            written.append((tmp, path))
            _write_temp(fd, tmp, raw)
        with sigint_deferred():
            while written:
                tmp, path = written[0]
                os.replace(tmp, path)
                written.pop(0)
    except OSError as exc:
        if exc.filename is None:  # a write or flush names no file: say which one
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    finally:
        for tmp, _ in written:
            Path(tmp).unlink(missing_ok=True)


def _special(path: Path) -> bool:
    """Whether `path` exists and is not a regular file (or a link to one)."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


def _write_temp(fd: int, tmp: str, raw: bytes) -> None:
    """Fill a new temporary file and make it an ordinary file, readable as the umask allows."""
    with os.fdopen(fd, "wb") as fh:
        fh.write(raw)
        fh.flush()
        os.fsync(fh.fileno())  # a full disk shows here, before any old file is replaced
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
