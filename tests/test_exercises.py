"""The worked solutions of every exercise notebook pass the notebook's own checks.

nbval already re-runs the student templates (whose checks say NOT YET); here each cell tagged
``student-template`` is replaced by the python block of the ``solution`` cell after it, and every
check must then print PASS. So a wrong solution, or a checker that cannot fail, is caught.
"""
import contextlib
import io
import json
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

NOTEBOOKS = sorted((Path(__file__).parent.parent / "exercises").glob("*.ipynb"))


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _solution_code(markdown):
    blocks = re.findall(r"```python\n(.*?)\n```", markdown, flags=re.S)
    assert blocks, "a solution cell needs a ```python block"
    return "\n".join(blocks)


def _program(cells, use_solutions):
    code, templates = [], 0
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if "student-template" in _tags(cell):
            templates += 1
            if use_solutions:
                nxt = next(c for c in cells[i + 1:] if "solution" in _tags(c))
                source = _solution_code("".join(nxt["source"]))
        code.append(source)
    return code, templates


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
@pytest.mark.parametrize("use_solutions", [True, False], ids=["solutions", "templates"])
def test_solutions_pass_and_templates_do_not(path, use_solutions):
    cells = json.loads(path.read_text())["cells"]
    code, templates = _program(cells, use_solutions)
    assert templates > 0
    out = io.StringIO()
    namespace = {}
    with contextlib.redirect_stdout(out):
        for source in code:
            exec(compile(source, str(path), "exec"), namespace)
    verdicts = re.findall(r"^(PASS|NOT YET) ", out.getvalue(), flags=re.M)
    assert len(verdicts) >= templates
    expected = "PASS" if use_solutions else "NOT YET"
    assert set(verdicts) == {expected}, out.getvalue()


def test_there_are_exercise_notebooks():
    assert NOTEBOOKS
