"""Run a whole class the way a teacher would, in its own process, with every Python-level
network call blocked and recorded (an audit hook), then print what was attempted as JSON.

Used by tests/test_privacy.py: argv[1] = FER-2013 folder, argv[2] = a scratch folder that
also serves as HOME, TMPDIR and the data/config folders, argv[3] = "snapshots" to turn the
per-session snapshots on for the first session, or "selfcheck" to only try two connections.
"""

from __future__ import annotations

import json
import os
import socket
import sys

ATTEMPTS: list[str] = []
_NET_EVENTS = {"socket.connect", "socket.connect_ex", "socket.bind", "socket.sendto",
               "socket.sendmsg", "socket.getaddrinfo", "socket.gethostbyname",
               "socket.gethostbyaddr", "urllib.Request", "http.client.connect",
               "ftplib.connect", "smtplib.connect", "webbrowser.open"}


def _hook(event: str, args: tuple) -> None:
    if event == "socket.__new__":
        family = args[1] if len(args) > 1 else None
        if family not in (socket.AF_UNIX, -1, None):
            ATTEMPTS.append(f"{event} family={family}")
            raise PermissionError("network blocked by the privacy test")
    elif event in _NET_EVENTS:
        sock = args[0] if args else None
        if isinstance(sock, socket.socket) and sock.family == socket.AF_UNIX:
            return
        ATTEMPTS.append(f"{event} {args[1:]!r}"[:200])
        raise PermissionError("network blocked by the privacy test")


sys.addaudithook(_hook)


def main() -> int:
    from pathlib import Path

    data, scratch = Path(sys.argv[1]), Path(sys.argv[2])
    if len(sys.argv) > 3 and sys.argv[3] == "selfcheck":  # the hook does see a connection
        import urllib.request

        for attempt in (lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
                        lambda: urllib.request.urlopen("http://example.com", timeout=1)):
            try:
                attempt()
            except OSError:
                pass
        print("PRIVACY " + json.dumps({"attempts": ATTEMPTS}))
        return 0
    snapshots = len(sys.argv) > 3 and sys.argv[3] == "snapshots"
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import cv2
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

    from fer_desktop.capture import SyntheticSource
    from fer_desktop.cli import main as cli_main
    from fer_desktop.settings import AppSettings
    from fer_desktop.testing.gallery import compose_gallery, load_faces
    from fer_desktop.ui.main_window import MainWindow

    app = QApplication([])
    for name in ("warning", "critical", "information"):
        setattr(QMessageBox, name, staticmethod(lambda *a, **k: None))
    faces, labels = load_faces(data, 9, seed=3)
    frames = [compose_gallery(faces, labels, rows=3, cols=3, size=(960, 540), face_px=100,
                              seed=k, video_off=(4,))[0] for k in range(6)]
    window = MainWindow(AppSettings(notice_accepted=True, store_images=snapshots),
                        QSettings(str(scratch / "qsettings.ini"), QSettings.Format.IniFormat))
    window.show()
    results = {"sessions": []}
    for _session in range(2):
        window.source_factory_override = lambda: SyntheticSource(
            lambda i: frames[i % len(frames)], fps=60.0, count=150)
        window.start()
        while window.controller.running:  # until the source's 150 frames are analysed
            app.processEvents()
        app.processEvents()
        window.stop()
        results["sessions"].append({"snapshot_dir": str(window.snapshot_dir or ""),
                                    "students": len(window.recorder.students)})
    out = scratch / "export" / "class.csv"
    out.parent.mkdir()
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(out), ""))
    window.export_csv()
    video = scratch / "export" / "recording.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (960, 540))
    for img in frames:
        writer.write(img)
    writer.release()
    results["analyze_rc"] = cli_main(["analyze", str(video), "--csv",
                                      str(scratch / "export" / "analyzed.csv"),
                                      "--no-progress"])
    window.close()
    results["attempts"] = ATTEMPTS
    print("PRIVACY " + json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
