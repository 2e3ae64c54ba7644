"""Write output files whole or not at all, readable by whoever may read the folder.

:func:`atomic_open` gives a handle on a file with no name yet; only when the
block completes is it linked into place under its name (replacing an earlier
file in one step). On Linux the file is made with ``O_TMPFILE``: until it is
linked it has no name, so a writer killed even by SIGKILL leaves nothing
behind. Elsewhere (or on a file system without ``O_TMPFILE``) it is a named
temporary file beside the target, ``.NAME.PID.RANDOM.tmp``, removed on any
failure; one left by a killed process is removed by the next write of the same
target. Either way a new file gets the permissions of any new file, 0666 less
the process's umask (a named temporary file is made 0600, and changed before
it is renamed), so colleagues sharing the folder can open it; a file that is
replaced keeps its permissions.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from pathlib import Path


class OutputError(Exception):
    pass


_UMASK: int | None = None


def _umask() -> int:
    """The process's umask, read once (reading it means setting it, so not twice)."""
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return _UMASK


def _mode_for(target: Path) -> int:
    """The permissions of the file written: those of the file it replaces, else those of any
    new file (0666 less the umask)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


@contextlib.contextmanager
def atomic_open(path: str | Path, *, text: bool = False):
    """A handle on a new file that replaces ``path`` only if the block completes; on any
    failure nothing is left and ``path`` is as it was. OSErrors become :class:`OutputError`
    naming the file and the reason."""
    target = Path(path)
    if "\0" in str(target):
        raise OutputError(f"cannot write `{str(target).replace(chr(0), '␀')}`: a file name cannot hold a NUL character")
    directory = target.parent if str(target.parent) else Path(".")
    try:
        if not directory.is_dir():
            raise OutputError(f"cannot write `{target}`: folder `{directory}` does not exist")
        if target.is_dir():
            raise OutputError(f"cannot write `{target}`: it is a folder")
        mode = _mode_for(target)
        fd, temp = _unnamed(directory, target.name, mode)
    except OSError as error:  # e.g. a name longer than the file system allows
        raise OutputError(f"cannot write `{target}`: {_reason(error)}") from None
    try:
        handle = os.fdopen(fd, **({"mode": "w", "encoding": "utf-8", "newline": ""} if text else {"mode": "wb"}))
    except BaseException:
        os.close(fd)
        _remove(temp)
        raise
    try:
        with handle:
            yield handle
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
            if temp is None:
                _link(handle.fileno(), directory, target)
        if temp is not None:
            os.replace(temp, target)
            temp = None
        _remove_stale(directory, target.name)
    except OSError as error:
        _remove(temp)
        raise OutputError(f"cannot write `{target}`: {_reason(error)}") from None
    except BaseException:
        _remove(temp)
        raise


def _unnamed(directory: Path, name: str, mode: int) -> tuple[int, str | None]:
    """(fd, None) for an O_TMPFILE file in ``directory``; else (fd, path) of a named one."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is not None:
        try:
            # read and write: if it cannot be linked into place, it is copied (see _link)
            return os.open(directory, flag | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), mode), None
        except OSError as error:
            if error.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
                raise
    return _named(directory, name)


_STALE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.tmp$")


def _named(directory: Path, name: str) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{name}.{os.getpid()}.", suffix=".tmp", dir=directory)


def _remove(temp: str | None) -> None:
    if temp is not None:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass


def _link(fd: int, directory: Path, target: Path) -> None:
    """Give the unnamed file ``fd`` the name ``target``, replacing any file there in one step:
    linked under a temporary name first (through /proc, or ``linkat(AT_EMPTY_PATH)``; failing
    both, its bytes are copied into a named temporary file), then renamed over the target."""
    name = str(directory / f".{target.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
    try:
        os.link(f"/proc/self/fd/{fd}", name, follow_symlinks=True)
    except OSError:
        if not _linkat_empty_path(fd, name):
            name = _copied(fd, directory, target.name)
    try:
        os.replace(name, target)
    except BaseException:
        _remove(name)
        raise


def _linkat_empty_path(fd: int, name: str) -> bool:
    """``linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH)``; False where it is refused."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.linkat(fd, b"", -100, os.fsencode(name), 0x1000) == 0  # AT_FDCWD, AT_EMPTY_PATH
    except (OSError, AttributeError):
        return False


def _copied(fd: int, directory: Path, name: str) -> str:
    """A named temporary copy of the unnamed file ``fd``."""
    out, temp = _named(directory, name)
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        while True:
            block = os.read(fd, 1 << 20)
            if not block:
                break
            view = memoryview(block)
            while view:
                view = view[os.write(out, view):]
        os.fchmod(out, stat.S_IMODE(os.fstat(fd).st_mode))
        os.fsync(out)
    except BaseException:
        os.close(out)
        _remove(temp)
        raise
    os.close(out)
    return temp


def _remove_stale(directory: Path, name: str) -> None:
    """Remove the temporary files of ``name`` left in ``directory`` by writers that no longer run."""
    prefix = f".{name}."
    try:
        entries = [e for e in os.listdir(directory) if e.startswith(prefix) and e.endswith(".tmp")]
    except OSError:
        return
    for entry in entries:
        match = _STALE.match(entry)
        if match is None or match["name"] != name:
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or _running(pid):
            continue  # still being written (this process's own are removed where they are made)
        _remove(str(directory / entry))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def atomic_write(path: str | Path, data: bytes) -> None:
    with atomic_open(path) as handle:
        handle.write(data)
