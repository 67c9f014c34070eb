"""Test helpers: a private Xvfb server and solid-colour X11 windows drawn through ctypes Xlib."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def xvfb(width: int = 1280, height: int = 720, timeout: float = 10.0) -> Iterator[str]:
    """Run ``Xvfb`` on a free display (chosen by ``-displayfd``); yield ``":N"``."""
    binary = shutil.which("Xvfb")
    if binary is None:
        raise FileNotFoundError("Xvfb")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [binary, "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
         "-nolisten", "tcp", "-br", "-noreset"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    os.close(write_fd)
    try:
        number = b""
        deadline = time.monotonic() + timeout
        while not number.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([read_fd], [], [], max(remaining, 0))
            chunk = os.read(read_fd, 16) if ready else b""
            if not chunk:
                err = proc.stderr.read().decode(errors="replace") if proc.poll() is not None else ""
                raise RuntimeError(f"Xvfb did not report a display number: {err[-500:]}")
            number += chunk
        display = f":{int(number)}"
        socket = Path(f"/tmp/.X11-unix/X{int(number)}")
        while not socket.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"Xvfb socket {socket} did not appear")
            time.sleep(0.02)
        yield display
    finally:
        os.close(read_fd)
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


class XWindows:
    """A connection to ``display`` that maps solid-colour windows (no window manager needed)."""

    def __init__(self, display: str) -> None:
        name = ctypes.util.find_library("X11")
        if name is None:
            raise OSError("libX11 not found")
        x11 = ctypes.CDLL(name)
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XDefaultRootWindow.restype = ctypes.c_ulong
        x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x11.XCreateSimpleWindow.restype = ctypes.c_ulong
        x11.XCreateSimpleWindow.argtypes = [
            ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_ulong,
        ]
        x11.XMapWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self._x11 = x11
        self._dpy = x11.XOpenDisplay(display.encode())
        if not self._dpy:
            raise OSError(f"cannot open X display {display}")
        self._root = x11.XDefaultRootWindow(self._dpy)

    def add(self, x: int, y: int, w: int, h: int, rgb: tuple[int, int, int]) -> None:
        """Map a window filled with ``rgb`` at (x, y) of size w x h and wait until it is shown."""
        pixel = (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]
        win = self._x11.XCreateSimpleWindow(self._dpy, self._root, x, y, w, h, 0, 0, pixel)
        self._x11.XMapWindow(self._dpy, win)
        self._x11.XSync(self._dpy, 0)

    def close(self) -> None:
        if self._dpy:
            self._x11.XCloseDisplay(self._dpy)
            self._dpy = None


def run_on_xvfb(module: str, *args: str, width: int, height: int,
                timeout: float) -> subprocess.CompletedProcess:
    """Run ``python -m module args`` as a Qt (xcb) program on a private Xvfb screen of
    ``width`` x ``height``, from the repository root; skip the test where Xvfb is missing."""
    try:
        ctx = xvfb(width, height)
        display = ctx.__enter__()
    except FileNotFoundError:
        pytest.skip("Xvfb is not installed (bash install.sh installs it)")
    try:
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        return subprocess.run([sys.executable, "-m", module, *args], env=env,
                              capture_output=True, text=True, timeout=timeout,
                              cwd=Path(__file__).resolve().parents[2])
    finally:
        ctx.__exit__(None, None, None)


def set_resolution(display: str, width: int, height: int, fb: tuple[int, int] | None = None
                   ) -> None:
    """Switch the Xvfb output to a ``width`` x ``height`` mode with real ``xrandr``.

    ``fb`` is the root window size; by default it shrinks with the mode, as a resolution change
    does. A larger ``fb`` leaves desktop area that no monitor shows (as an unplugged monitor of
    a two-monitor desktop can). Xvfb cannot grow past the size it was started with.
    """
    xrandr = shutil.which("xrandr")
    if xrandr is None:
        pytest.skip("xrandr is not installed (apt-get install x11-xserver-utils)")

    def run(*args: str) -> str:
        return subprocess.run([xrandr, "--display", display, *args], check=True,
                              capture_output=True, text=True, timeout=10).stdout

    listing = run()
    output = re.search(r"^(\S+) connected", listing, re.M)
    assert output is not None, listing
    mode = f"{width}x{height}"
    if not re.search(rf"^\s+{mode}\s", listing, re.M):
        run("--newmode", mode, "0", str(width), "0", "0", "0", str(height), "0", "0", "0")
        run("--addmode", output.group(1), mode)
    fb_w, fb_h = fb or (width, height)
    run("--output", output.group(1), "--mode", mode, "--fb", f"{fb_w}x{fb_h}")


#: A region on the window of :func:`orange_window_near_the_right_edge`; off the screen once
#: the screen is 800x600.
RIGHT_EDGE = (900, 100, 200, 150)


@contextmanager
def orange_window_near_the_right_edge(rgb: tuple[int, int, int]) -> Iterator[str]:
    """A private 1280x720 Xvfb whose resolution tests may change (with ``xrandr``), with a
    window of colour ``rgb`` under :data:`RIGHT_EDGE`; skips without Xvfb or xrandr."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb); screen tests need an X server")
    if shutil.which("xrandr") is None:
        pytest.skip("xrandr is not installed (apt-get install x11-xserver-utils)")
    with xvfb(1280, 720) as display:
        windows = XWindows(display)
        windows.add(*RIGHT_EDGE, rgb)
        try:
            yield display
        finally:
            windows.close()
