"""Builds of the website shared by tests/test_site.py and tests/test_browser.py.

Each edition is built at most once per test run (``site(tmp_path_factory, edition)`` caches the
result in this module, which both test files import), from a copy of the repository into a
temporary folder, so the user's ``_build/`` is neither used nor touched. The copy also receives
decoy hidden folders (a ``.venv`` with a site-packages README, a ``.ipynb_checkpoints`` notebook,
a hidden markdown file) that a reader's clone typically has: the build must ignore them.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "test-artefacts"
DECOY = "DECOY-HIDDEN-FOLDER-PAGE"

# Not copied: build output, caches, a reader's own hidden folders (replaced by the decoys).
_IGNORE = shutil.ignore_patterns(".*", "_build", "__pycache__", "*.egg-info", "test-artefacts")


@dataclass
class Build:
    edition: str
    source: Path
    html: Path
    returncode: int
    log: str
    seconds: float

    @property
    def problems(self):
        return [line for line in self.log.splitlines()
                if re.search(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback|Exception", line)]

    def pages(self):
        """Every HTML page of the site (not the assets under ``_static/``)."""
        return sorted(p.relative_to(self.html).as_posix() for p in self.html.rglob("*.html")
                      if not p.relative_to(self.html).parts[0].startswith("_"))


def _jupyter_book():
    exe = (shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
           or shutil.which("jupyter-book"))
    if exe is None:
        pytest.fail("jupyter-book is not installed: pip install -r requirements.txt")
    return exe


def _add_decoys(book: Path):
    """Hidden files and folders as a reader's clone has them; none may become a page."""
    site_packages = book / ".venv" / "lib" / "python3.11" / "site-packages" / "somepkg"
    site_packages.mkdir(parents=True)
    (site_packages / "README.md").write_text(f"# {DECOY}\n\nA package's README in a venv.\n")
    (site_packages / "notes.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": [f"# {DECOY}\n"]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    checkpoints = book / "chapters" / ".ipynb_checkpoints"
    checkpoints.mkdir()
    (checkpoints / "01_gradient_descent-checkpoint.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": [f"# {DECOY}\n"]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    (book / ".notes.md").write_text(f"# {DECOY}\n")


_BUILDS: dict[str, Build] = {}


def site(tmp_path_factory, edition="full") -> Build:
    """The website built from a copy of the repository (with decoys): ``full`` or ``student``.

    ``full`` is the README's command with warnings as errors; ``student`` is the one command
    the README gives for the student edition, ``python tools/student_edition.py``.
    """
    if edition not in _BUILDS:
        base = tmp_path_factory.mktemp(f"site-{edition}")
        book, out = base / "book", base / "out"
        shutil.copytree(ROOT, book, ignore=_IGNORE)
        _add_decoys(book)
        strict = ["-W", "-n", "--keep-going", "--path-output", str(out)]
        if edition == "full":
            cmd = [_jupyter_book(), "build", "--all", *strict, str(book)]
        elif edition == "student":
            cmd = [sys.executable, str(book / "tools" / "student_edition.py"), *strict]
        else:
            raise ValueError(f"edition must be 'full' or 'student', got {edition!r}")
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=book, capture_output=True, text=True, timeout=1800)
        seconds = time.perf_counter() - start
        log = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)  # drop ANSI colours
        _BUILDS[edition] = Build(edition, book, out / "_build" / "html", proc.returncode, log, seconds)
    return _BUILDS[edition]
