"""The website build is part of the tests: zero warnings, every page rendered, nothing leaked.

The whole book is built from scratch (``--all``) from a copy of the repository that also holds
decoy hidden folders (``tests/book_build.py``), into a temporary directory, with warnings as
errors (``-W``), nit-picky cross-references (``-n``) and ``--keep-going`` so that every warning
is reported, not just the first. The same build is opened in a browser by test_browser.py.
The student edition is built with its own one command (``python tools/student_edition.py``).
"""
import json
import re
import zipfile

import pytest
from bs4 import BeautifulSoup

from book_build import DECOY, ROOT, site

ARCHIVE = "gradient-descent-executed.zip"
PARSER = "html.parser"  # the standard library's; bs4 comes with the pinned pydata-sphinx-theme
# A fenced {solution} block in MyST markdown (the closing fence repeats the opening one).
SOLUTION_BLOCK = re.compile(r"^(`{3,}|:{3,})\{solution\}[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    return site(tmp_path_factory, "full")


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    return site(tmp_path_factory, "student")


def _assert_clean(build):
    assert build.returncode == 0 and not build.problems, (
        f"the {build.edition} edition's build failed (exit code {build.returncode}) or warned:\n"
        + ("\n".join(build.problems) or build.log[-5000:]))


def _toc_files():
    return re.findall(r"^\s*(?:-\s*)?(?:root|file):\s*(\S+)", (ROOT / "_toc.yml").read_text(), re.M)


def _sources():
    """(markdown, code) of every book page: .md files, notebooks' markdown and code cells."""
    for name in _toc_files():
        md, nb = ROOT / f"{name}.md", ROOT / f"{name}.ipynb"
        if md.is_file():
            yield md.read_text(encoding="utf-8"), ""
        elif nb.is_file():
            cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
            yield ("\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown"),
                   "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code"))


def _solution_lines():
    """Lines of the worked solutions in the sources that occur nowhere else in the book.

    Found with a regex of its own, not with tools/book_site.py, which makes the student edition.
    """
    in_solutions, elsewhere = set(), []
    for markdown, code in _sources():
        for _, body in SOLUTION_BLOCK.findall(markdown):
            in_solutions |= {line.strip() for line in body.splitlines()}
        elsewhere += [SOLUTION_BLOCK.sub("", markdown), code]
    elsewhere = "\n".join(elsewhere)
    return {line for line in in_solutions
            if len(line) >= 25 and not line.startswith((":", "```", "~~~")) and line not in elsewhere
            and "{glue" not in line}  # the archive writes glued numbers into the text


def _archive_text(path):
    """Names in the archive, and the text of its pages: .md files and notebooks' cells."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        texts = []
        for name in names:
            if name.endswith(".md"):
                texts.append(zf.read(name).decode("utf-8"))
            elif name.endswith(".ipynb"):
                cells = json.loads(zf.read(name))["cells"]
                texts += ["".join(c["source"]) for c in cells]
    return names, "\n".join(texts)


# ---------------------------------------------------------------------------------------------
# The full website


def test_site_builds_without_warnings(full):
    _assert_clean(full)
    for page in ["index.html", "intro.html", "chapters/01_gradient_descent.html",
                 "glossary.html", "bibliography.html"]:
        assert (full.html / page).is_file(), f"{page} missing from the built site in {full.html}"
    assert full.seconds < 120, f"the site build took {full.seconds:.0f} s; it should take about a minute"


def test_every_toc_entry_is_a_page_and_hidden_folders_add_none(full):
    """A `.venv`, `.ipynb_checkpoints` or hidden file in the clone must not add pages."""
    pages = set(full.pages())
    expected = {f"{name}.html" for name in _toc_files()}
    assert expected <= pages, f"pages missing: {sorted(expected - pages)}"
    extra = pages - expected - {"index.html", "genindex.html", "search.html", "prf-prf.html"}
    assert not extra, f"pages not listed in _toc.yml were built: {sorted(extra)}"
    leaked = [p.relative_to(full.html).as_posix() for p in full.html.rglob("*")
              if p.is_file() and p.suffix in (".html", ".js", ".txt", ".ipynb", ".md")
              and DECOY in p.read_text(encoding="utf-8", errors="ignore")]
    assert not leaked, f"files from hidden folders made it into the site: {leaked}"
    hidden = [p for p in full.html.rglob(".*") if p.name != ".buildinfo"]  # .buildinfo: Sphinx's own
    assert not hidden, f"hidden files were copied into the site: {hidden[:5]}"


def test_pages_reference_no_external_script_style_or_font(full):
    """The static half of the offline check (test_browser.py watches the real requests)."""
    external = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//""", re.I)
    offenders = {page: external.findall((full.html / page).read_text(encoding="utf-8"))[:3]
                 for page in full.pages()}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"pages load assets from other hosts: {offenders}"


def test_mathjax_and_its_licence_ship_with_the_site(full):
    assert (full.html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    licence = (full.html / "licenses" / "MathJax-LICENSE.txt").read_text(encoding="utf-8")
    assert "Apache License" in licence and "MathJax" in licence
    intro = (full.html / "intro.html").read_text(encoding="utf-8")
    assert 'src="_static/mathjax/tex-chtml.js' in intro
    assert '<link rel="icon" href="_static/favicon.svg"' in intro


def test_no_page_shows_a_live_widget(full):
    """No widget manager is shipped, so no page may contain a widget view (it would be empty)."""
    views = [p for p in full.pages()
             if "application/vnd.jupyter.widget-view+json" in (full.html / p).read_text(encoding="utf-8")]
    assert not views, f"pages with a live widget (needs a widget manager): {views}"


def test_glossary_defines_terms_with_their_chinese_equivalent(full):
    soup = BeautifulSoup((full.html / "glossary.html").read_text(encoding="utf-8"), PARSER)
    glossary = soup.select_one("dl.glossary")
    assert glossary is not None, "glossary.html has no {glossary} directive"
    terms = glossary.find_all("dt")
    assert len(terms) >= 60, f"only {len(terms)} glossary terms"
    for dt in terms:
        dd = dt.find_next_sibling("dd")
        text = " ".join(dd.get_text(" ").split())
        assert re.search(r"中文：[^。]*[\u4e00-\u9fff]", text), f"{dt.get_text()!r} has no Chinese equivalent"
    names = [dt.get_text().strip().lower() for dt in terms]
    assert len(names) == len(set(names)), "a glossary term is defined twice"


def test_archive_of_the_runnable_book(full):
    intro = (full.html / "intro.html").read_text(encoding="utf-8")
    assert f'href="{ARCHIVE}"' in intro, "intro.html does not link the runnable-book archive"
    with zipfile.ZipFile(full.html / ARCHIVE) as zf:
        names = {n.split("/", 1)[1] for n in zf.namelist()}
        notebook = json.loads(zf.read("gradient-descent-executed/chapters/01_gradient_descent.ipynb"))
    needed = {"README.md", "requirements.txt", "pyproject.toml", "gdlib/__init__.py",
              "chapters/01_gradient_descent.ipynb", "_config.yml", "_toc.yml", "tests/test_site.py"}
    assert needed <= names, f"missing from the archive: {sorted(needed - names)}"
    assert notebook["cells"], "the archived notebook is empty"
    for rel in ("chapters", "exercises", "gdlib"):
        here = {p.relative_to(ROOT).as_posix() for p in (ROOT / rel).rglob("*")
                if p.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                           for part in p.relative_to(ROOT).parts)}
        assert here <= names, f"missing from the archive: {sorted(here - names)}"
    hidden = [n for n in names if any(part.startswith(".") for part in n.split("/"))]
    assert not hidden, f"hidden files in the archive: {hidden[:5]}"
    assert not [n for n in names if n.startswith("_build/")], "build output in the archive"


# ---------------------------------------------------------------------------------------------
# The student edition


def _index_terms(build):
    """The stemmed words of the site's search index (Sphinx's searchindex.js)."""
    text = (build.html / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(text[text.index("(") + 1:text.rindex(")")])
    return set(data["terms"]) | set(data.get("titleterms", {}))


_PAGES = {}


def _page(build, page):
    """What the student-edition checks need from one page, parsed once per build.

    ``text``: the page's whole text; ``solutions``: the text of each solution box (title left
    out); ``words`` / ``solution_words``: the words of the article, all / inside solution boxes.
    """
    key = (build.html, page)
    if key not in _PAGES:
        soup = BeautifulSoup((build.html / page).read_text(encoding="utf-8"), PARSER)
        text = " ".join(soup.get_text(" ").split())
        article = soup.select_one("article") or soup
        boxes = [box.extract() for box in article.select("div.solution")]
        for box in boxes:
            box.select_one(".admonition-title").decompose()
        solutions = [" ".join(box.get_text(" ").split()) for box in boxes]
        _PAGES[key] = {"text": text, "solutions": solutions,
                       "words": set(re.findall(r"[a-z]+", article.get_text(" ").lower())),
                       "solution_words": set(re.findall(r"[a-z]{7,}", " ".join(solutions).lower()))}
    return _PAGES[key]


def _words_only_in_solutions(build):
    """Stems (as Sphinx indexes them) of words that occur in a solution and nowhere else on the site."""
    import snowballstemmer  # what Sphinx's English search index uses

    stem = snowballstemmer.stemmer("porter").stemWord
    in_solutions, elsewhere = set(), set()
    for page in build.pages():
        info = _page(build, page)
        in_solutions |= info["solution_words"]
        elsewhere |= info["words"]
    return {stem(w) for w in in_solutions - elsewhere} - {stem(w) for w in elsewhere}


def test_solutions_are_found_in_the_full_edition(full):
    """The checks below can fail: the full edition does show the text they look for."""
    lines = _solution_lines()
    assert len(lines) >= 20, f"only {len(lines)} solution lines found in the sources"
    rendered = [s for page in full.pages() for s in _page(full, page)["solutions"]]
    assert len(rendered) >= 40, f"only {len(rendered)} solution boxes on the full site"
    assert all(s[:80] in _page(full, page)["text"] for page in full.pages()
               for s in _page(full, page)["solutions"])
    _, archived = _archive_text(full.html / ARCHIVE)
    assert all(line in archived for line in lines), "the full archive lacks solution lines"


def test_student_edition_builds_with_one_command(student):
    _assert_clean(student)
    assert (student.html / "intro.html").is_file()
    assert "(student edition)" in (student.html / "intro.html").read_text(encoding="utf-8")


def test_student_edition_contains_no_solution(full, student):
    # 1. the rendered solutions of the full site appear nowhere in the student site's pages
    solutions = [s[:80] for page in full.pages() for s in _page(full, page)["solutions"]]
    assert solutions
    leaks = [(page, s) for page in student.pages() for s in solutions
             if s in _page(student, page)["text"]]
    assert not leaks, f"solution text in the student edition: {leaks[:3]}"
    assert not [p for p in student.pages() if _page(student, p)["solutions"]], "solution boxes left"
    # 2. no sources or notebooks to download, no download button
    assert not (student.html / "_sources").exists(), "_sources/ is copied in the student edition"
    assert not list(student.html.rglob("*.ipynb")), "notebooks in the student edition's output"
    assert "dropdown-download-buttons" not in (student.html / "chapters/01_gradient_descent.html").read_text(encoding="utf-8")
    # 3. the search index and the archive hold no solution line either
    lines = _solution_lines()
    only_in_solutions = _words_only_in_solutions(full)
    assert len(only_in_solutions) >= 10, f"too few solution-only words: {only_in_solutions}"
    assert only_in_solutions <= _index_terms(full), "the full edition's search index misses solution words"
    indexed = only_in_solutions & _index_terms(student)
    assert not indexed, f"the student edition's search index has solution-only words: {sorted(indexed)[:10]}"
    names, archived = _archive_text(student.html / ARCHIVE)
    assert not [n for n in names if "/tests/" in n], "the student archive holds the tests (they run the solutions)"
    leaked = [line for line in lines if line in archived]
    assert not leaked, f"solution lines in the student archive: {leaked[:3]}"
    assert not re.search(r"^[`:]{3,}\{solution", archived, re.M), "a {solution} block in the student archive"
    assert re.search(r"^[`:]{3,}\{exercise\}", archived, re.M), "the student archive lost the exercises"
