"""Running ``dot``: one way, with a time limit, whole files, nothing left running.

Every diagram of the extension reaches ``dot`` through here, whether drawn one at a
time when its page is written (:mod:`..features.diagrams`) or in batches by the
speed layer (:mod:`..speed.batchdot`): a process group of its own (so a wrapper
script or helper dies with it), a timeout, and files that appear whole or not at
all. Nothing here knows Sphinx.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

#: ``Popen`` arguments that start a process in a process group of its own (POSIX), so
#: that it can be killed with whatever it started (:func:`kill`): ``dot`` may be a
#: wrapper script, and a helper process starts ``dot``.
GROUP: dict[str, Any] = {"process_group": 0} if os.name == "posix" else {}


def kill(proc: subprocess.Popen[Any], *, group: bool = True) -> None:
    """Kill ``proc`` and, with ``group``, every process of its group (see :data:`GROUP`),
    then reap it. Killing a helper alone would leave its ``dot`` running, orphaned."""
    if group and GROUP:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        proc.communicate(timeout=5)  # reaped, its pipes closed


def launch(command: Sequence[str], *, stdin: Any, stdout: Any,
          cwd: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None,
          group: bool = True) -> subprocess.Popen[bytes]:
    """Start ``command`` (``dot``, or a helper that runs it) without waiting: the
    caller polls it and, to stop it, calls :func:`kill` with the same ``group``."""
    return subprocess.Popen(list(command), stdin=stdin, stdout=stdout,
                            stderr=subprocess.DEVNULL, cwd=cwd, env=env,
                            **(GROUP if group else {}))


def run(command: Sequence[str], *, input: bytes, timeout: float,
        cwd: str | os.PathLike[str] | None = None,
        group: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run ``command`` (``dot``) in a group of its own, ``input`` on its standard input.

    Raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds and ``OSError``
    when it cannot be started; on a timeout, or anything else that interrupts the
    wait (Ctrl-C), the whole group is killed first. ``group=False`` keeps ``dot`` in
    the caller's group: a helper process, whose whole group the build kills.
    """
    proc = subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=cwd, **(GROUP if group else {}))
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except BaseException:
        kill(proc, group=group)
        raise
    return subprocess.CompletedProcess(list(command), proc.returncode, out, err)


#: How a complete file of each format ends (PNG: its IEND chunk; PDF: ``%%EOF`` and at
#: most a line end): what a ``dot`` that died while writing does not leave.
_HEADS = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF"}
_TAILS = {"png": b"IEND\xaeB`\x82", "pdf": b"%%EOF"}


def complete(path: str | os.PathLike[str], fmt: str) -> bool:
    """Whether ``path`` holds a whole image of format ``fmt``, as far as its ends show
    (cheap: a few bytes read at each end). A truncated SVG lacks its ``</svg>``."""
    try:
        with open(path, "rb") as file:
            head = file.read(16)
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - 32))
            tail = file.read().rstrip()
    except OSError:
        return False
    if fmt == "svg":
        return tail.endswith(b"</svg>")
    if fmt in ("cmapx", "map"):
        return tail.endswith(b"</map>")
    if fmt == "json":
        return tail.endswith(b"}")
    return head.startswith(_HEADS.get(fmt, b"")) and tail.endswith(_TAILS.get(fmt, b""))


def parseable_svg(data: bytes) -> bool:
    """Whether ``data`` is one well-formed XML document (expat: no global state touched)."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        return False
    return True


def draw(code: str, target: Path, fmt: str, *, program: str, args: Sequence[str] = (),
         timeout: float, cwd: str | os.PathLike[str] | None = None, image_map: bool = False,
         finish: Any = None) -> str | None:
    """Draw one graph into ``target`` whole or not at all: None when it is drawn, else
    why not (``dot``'s exit status and message, or an incomplete file).

    ``dot`` writes to names of its own beside ``target``; only a complete, parseable
    result replaces it (the image map first, the image last: its existence says
    "drawn"). Whatever a failed run left is removed, never served. ``finish`` turns
    an SVG's text into what is placed (links relative to ``_images/``).
    Raises ``subprocess.TimeoutExpired`` (nothing left behind or running).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(target)
    partial_map = partial.with_name(f"{partial.name}.map")
    command = [program, *args, f"-T{fmt}", f"-o{partial}"]
    if image_map:
        command += ["-Tcmapx", f"-o{partial_map}"]
    try:
        result = run(command, input=code.encode(), timeout=timeout, cwd=cwd)
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip()
            return f"dot exited with status {result.returncode}" + (
                f": {message}" if message else "")
        if fmt == "svg":
            data = partial.read_bytes() if partial.is_file() else b""
            if not parseable_svg(data):
                return "dot left an incomplete SVG file"
            if finish is not None:
                partial.write_text(finish(data.decode("utf-8")), encoding="utf-8")
        elif not complete(partial, fmt):
            return f"dot left an incomplete {fmt.upper()} file"
        if image_map:
            if not (complete(partial_map, "cmapx") and parseable_svg(partial_map.read_bytes())):
                return "dot left an incomplete image map"
            os.replace(partial_map, f"{target}.map")
        os.replace(partial, target)
        return None
    finally:
        for leftover in (partial, partial_map):
            with contextlib.suppress(OSError):
                leftover.unlink()


def partial_path(target: Path) -> Path:
    """Where a file is written before it replaces ``target`` whole (the same directory)."""
    return target.with_name(f".{target.name}.{os.getpid()}.part")


def move_whole(source: Path, target: Path) -> None:
    """Move ``source`` to ``target`` so that ``target`` appears whole (from another file
    system, the copy is made aside first)."""
    partial = partial_path(target)
    with _removed_unless_placed(partial):
        shutil.move(source, partial)
        os.replace(partial, target)


def place_whole(target: Path, text: str) -> None:
    """Write ``target`` whole or not at all (its directory exists)."""
    partial = partial_path(target)
    with _removed_unless_placed(partial):
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)


@contextlib.contextmanager
def _removed_unless_placed(partial: Path) -> Iterator[None]:
    """Remove ``partial`` if the block is left by any exception (a full disk, Ctrl-C)
    before it was renamed into place: a ``.part`` file in ``_images/`` would stay
    there for good, the build's output directory being reused from build to build."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
