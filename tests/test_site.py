"""The website build is part of the tests: zero warnings, every page rendered.

Builds the whole book from scratch (``--all``) into a temporary directory, so the
user's ``_build/`` is neither used nor touched, with warnings as errors (``-W``),
nit-picky cross-references (``-n``) and ``--keep-going`` so that every warning is
reported, not just the first.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _jupyter_book():
    exe = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-book")
    if exe is None:
        pytest.fail("jupyter-book is not installed: pip install -r requirements.txt")
    return exe


def test_site_builds_without_warnings(tmp_path):
    cmd = [_jupyter_book(), "build", "--all", "-W", "-n", "--keep-going",
           "--path-output", str(tmp_path), str(ROOT)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    log = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)  # drop ANSI colours
    problems = [line for line in log.splitlines()
                if re.search(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback|Exception", line)]
    assert proc.returncode == 0, (
        f"jupyter-book build failed (exit code {proc.returncode}). Warnings and errors:\n"
        + ("\n".join(problems) or log[-5000:])
    )
    html = tmp_path / "_build" / "html"
    for page in ["index.html", "intro.html", "chapters/01_gradient_descent.html", "bibliography.html"]:
        assert (html / page).is_file(), f"{page} missing from the built site in {html}"
