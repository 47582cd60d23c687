"""Structural checks on the book's sources (fast; no notebook is executed here).

* every notebook under chapters/ and exercises/ is listed in _toc.yml, and every
  file listed in _toc.yml exists;
* every notebook is stored executed: its non-empty code cells carry execution counts
  1, 2, ..., n in order (run top to bottom with ``jupyter execute --inplace``);
* no stored output leaks a machine path (/tmp/, /root/, /work/, /home/, ...);
* every {cite} key used in the book exists in references.bib.
"""
import json
import re
from pathlib import Path

import pytest
import yaml
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ["chapters", "exercises"]
SKIP_PARTS = {"_build", ".ipynb_checkpoints"}

NOTEBOOKS = sorted(
    p for d in NOTEBOOK_DIRS if (ROOT / d).is_dir()
    for p in (ROOT / d).rglob("*.ipynb")
    if not SKIP_PARTS.intersection(p.relative_to(ROOT).parts)
)
NB_IDS = [p.relative_to(ROOT).as_posix() for p in NOTEBOOKS]

# An absolute path on a developer machine or a CI runner, not part of a URL.
MACHINE_PATH = re.compile(r"(?<![\w.~/-])/(?:tmp|root|work|home|Users|private/var|var/folders)/")
# {cite}`a,b`  {cite:p}`a`  {cite:t}`a`  {cite:ps}`a`  ...
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]*)`")


def _toc_files():
    """Every `file:` (and the root) in _toc.yml, without suffix, relative to the repo."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return [str(Path(f).with_suffix("")) if Path(f).suffix in {".md", ".ipynb"} else f for f in found]


def _source_of(path):
    for suffix in (".ipynb", ".md"):
        if path.with_suffix(suffix).is_file():
            return path.with_suffix(suffix)
    return None


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _output_texts(output):
    """The textual parts of one stored output (images are skipped)."""
    if output.get("output_type") == "stream":
        yield "".join(output.get("text", ""))
    elif output.get("output_type") == "error":
        yield "\n".join(output.get("traceback", []))
        yield output.get("evalue", "")
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/") or mime.endswith("json") or mime == "image/svg+xml":
            yield value if isinstance(value, str) else json.dumps(value)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebook found under chapters/ or exercises/"


def test_every_toc_entry_exists():
    missing = [f for f in _toc_files() if _source_of(ROOT / f) is None]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc():
    listed = set(_toc_files())
    unlisted = [n for n in NB_IDS if str(Path(n).with_suffix("")) not in listed]
    assert not unlisted, f"notebooks missing from _toc.yml: {unlisted}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NB_IDS)
def test_notebook_is_stored_executed_in_order(path):
    nb = _load(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert code, f"{path.name} has no code cell"
    counts = [c.get("execution_count") for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name}: execution counts are {counts}, expected 1..{len(code)}; "
        f"re-run it top to bottom: jupyter execute --inplace {path.relative_to(ROOT)}"
    )
    assert any(c.get("outputs") for c in code), f"{path.name} is stored without any output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NB_IDS)
def test_no_machine_paths_in_outputs(path):
    leaks = []
    for i, cell in enumerate(_load(path)["cells"]):
        for output in cell.get("outputs", []):
            for text in _output_texts(output):
                for m in MACHINE_PATH.finditer(text):
                    leaks.append(f"cell {i}: ...{text[max(0, m.start() - 40):m.end() + 40]!r}...")
    assert not leaks, f"{path.name}: outputs contain machine paths:\n" + "\n".join(leaks)


def _book_texts():
    """(name, markdown text) of every markdown cell and every .md page of the book."""
    for path in NOTEBOOKS:
        for cell in _load(path)["cells"]:
            if cell["cell_type"] == "markdown":
                yield path.relative_to(ROOT).as_posix(), "".join(cell["source"])
    pages = {_source_of(ROOT / f) for f in _toc_files()} - {None}
    for d in NOTEBOOK_DIRS:
        if (ROOT / d).is_dir():
            pages.update(p for p in (ROOT / d).rglob("*.md") if not SKIP_PARTS.intersection(p.parts))
    for page in sorted(p for p in pages if p.suffix == ".md"):
        yield page.relative_to(ROOT).as_posix(), page.read_text(encoding="utf-8")


def test_bibliography_parses_with_lowercase_keys():
    keys = list(parse_file(str(ROOT / "references.bib")).entries)  # raises on duplicates
    assert keys, "references.bib is empty"
    upper = [k for k in keys if k != k.lower()]
    assert not upper, f"bibliography keys must be lowercase: {upper}"


def test_every_cited_key_is_in_references_bib():
    known = set(parse_file(str(ROOT / "references.bib")).entries)
    unknown = []
    for name, text in _book_texts():
        for group in CITE.findall(text):
            unknown += [f"{name}: {key.strip()}" for key in group.split(",")
                        if key.strip() not in known]
    assert not unknown, "cited keys missing from references.bib:\n" + "\n".join(unknown)


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=NB_IDS)
def test_first_code_cell_imports_gdlib(nb_path):
    """DESIGN section 6: a notebook's first code cell imports gdlib (and sets its seeds there)."""
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    first = next("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert re.search(r"^\s*(import gdlib|from gdlib\b)", first, flags=re.M), first


GLUED = "application/papermill.record/text/plain"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=NB_IDS)
def test_glued_numbers_are_python_numbers(nb_path):
    """{glue:text}`x:.2f` cannot format a glued numpy scalar (its repr is np.float64(...)):
    the site build then warns. Glue float(x) / int(x) instead."""
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    bad = [o["metadata"]["scrapbook"]["name"]
           for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])
           if "scrapbook" in o.get("metadata", {}) and "".join(o["data"].get(GLUED, "")).startswith("np.")]
    assert not bad, f"glued numpy scalars (wrap them in float()/int()): {bad}"


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=NB_IDS)
def test_widget_cells_are_ignored_by_nbval_and_hidden_on_the_website(nb_path):
    """A widget's ids change per run (nbval-ignore-output), and without a kernel its sliders
    would move and recompute nothing (remove-output): the static twin is what the site shows."""
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    for i, c in enumerate(cells):
        if c["cell_type"] == "code" and any(WIDGET_VIEW in o.get("data", {}) for o in c.get("outputs", [])):
            tags = set(c.get("metadata", {}).get("tags", []))
            assert {"nbval-ignore-output", "remove-output"} <= tags, f"cell {i}: tags {sorted(tags)}"
