"""Build the student edition of the website: the whole book without any worked solution.

    python tools/student_edition.py        # the site is then in _build/student/_build/html/

Every ``{solution}`` box is left out (sphinx-exercise's ``hide_solutions``), no page source is
copied to ``_sources/`` and the download button is off, so the pages, the search index and the
downloads hold no solution; the runnable-book archive linked from the introduction has the
solutions cut out of its notebooks and leaves out ``tests/`` (which run the solutions).
``tools/book_site.py`` makes these changes when ``GDBOOK_EDITION=student``, which this script
sets. Further arguments go to ``jupyter-book build`` (e.g. ``--path-output DIR``, ``-W``).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "_build" / "student"


def main(argv):
    exe = (shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
           or shutil.which("jupyter-book"))
    if exe is None:
        sys.exit("jupyter-book is not installed: pip install -r requirements.txt")
    args = list(argv)
    if "--path-output" not in args:
        args += ["--path-output", str(DEFAULT_OUTPUT)]
    env = dict(os.environ, GDBOOK_EDITION="student")
    # --all: the doctrees of a full build must never be reused (they hold the solutions).
    return subprocess.call([exe, "build", "--all", str(ROOT), *args], env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
