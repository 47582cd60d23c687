"""The book's own Sphinx extension: an offline website, a student edition, a runnable archive.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. It does four things the stock
Jupyter Book 1 stack does not:

1. **Every page works offline.** MathJax 3 comes from the pinned ``sphinx-mathjax-offline``
   package (enabled in ``_config.yml``); here each page drops what it would otherwise fetch from
   the internet or does not use: the thebe configuration (registered twice by the stack, which
   made every page log "Identifier 'THEBE_JS_URL' has already been declared"; the book has no
   live kernel on the web), the embedded widget state (no page shows a live widget: widget
   cells are ``remove-output`` and each has a static twin), duplicate script/style tags, and the
   font-awesome 4 stylesheet that matplotlib's animation player links from a CDN (the theme
   already ships Font Awesome 6, which draws the player's ``fa fa-play`` icons).
2. **Student edition.** With ``GDBOOK_EDITION=student`` in the environment (set by
   ``tools/student_edition.py``) every ``{solution}`` is removed (sphinx-exercise's
   ``hide_solutions``), no page source is copied (``html_copy_source = False``) and the
   download button is off, so neither ``_sources/`` nor a downloaded notebook holds a solution.
3. **The runnable book as one archive.** After a successful build, ``gradient-descent-executed.zip``
   (notebooks, ``gdlib``, requirements, README, the book's sources and tests) is written next to
   ``index.html``; ``intro.md`` links to it. In its notebooks every ``{glue:text}`` number is
   written into the text as the website shows it, since JupyterLab cannot resolve glue roles
   (code cells and their outputs are untouched). The student edition's archive also has every
   solution cut out of the notebooks and leaves out ``tests/`` (which run the solutions).

Page content is otherwise unchanged: only the font-awesome link and thebe's inert per-page
configuration are removed from the HTML.
"""
from __future__ import annotations

import fnmatch
import os
import re
import zipfile
from pathlib import Path

EDITION_ENV = "GDBOOK_EDITION"
EDITIONS = ("full", "student")
ARCHIVE_NAME = "gradient-descent-executed.zip"
ARCHIVE_ROOT = "gradient-descent-executed"

# Names never put in the archive, at any depth (hidden entries are skipped separately).
ARCHIVE_SKIP = ("_build", "__pycache__", "*.egg-info", "*.pyc", "node_modules", "test-artefacts")
# Left out of the student archive: the tests run the worked solutions.
STUDENT_SKIP_DIRS = ("tests",)

# matplotlib's to_jshtml() player links Font Awesome 4.4 from a CDN (matplotlib/_animation_data.py).
_FONT_AWESOME_CDN = re.compile(
    r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*\.css"\s*/?>', re.I)
# sphinx-thebe's per-page configuration (an inert script naming a Binder repository) and kernel name.
_THEBE_CONFIG = re.compile(
    r'<script type="text/x-thebe-config">.*?</script>\s*(<script>kernelName = [^<]*</script>)?', re.S)

# A {solution} or {solution-start}...{solution-end} block in MyST markdown, fenced by
# backticks or colons; the closing fence is the same run of the same character.
_SOLUTION_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{solution(?:-start)?\}.*$")


def edition(app) -> str:
    return app.config.book_edition


def _on_config_inited(app, config):
    if config.book_edition not in EDITIONS:
        raise ValueError(
            f"{EDITION_ENV} / book_edition must be one of {EDITIONS}, got {config.book_edition!r}")
    if config.book_edition == "student":
        config.hide_solutions = True
        config.html_copy_source = False
        config.html_show_sourcelink = False
        options = dict(config.html_theme_options or {})
        options["use_download_button"] = False
        config.html_theme_options = options
        config.html_title = f"{config.html_title} (student edition)"


def _is_thebe(asset) -> bool:
    name = os.fspath(asset.filename or "")
    return "thebe" in name or "THEBE_JS_URL" in asset.attributes.get("body", "")


def _is_widget_asset(asset) -> bool:
    name = os.fspath(asset.filename or "")
    return (asset.attributes.get("type") == "application/vnd.jupyter.widget-state+json"
            or "require.js" in name or "require.min.js" in name or "@jupyter-widgets" in name)


def _dedup(assets):
    seen, kept = set(), []
    for asset in assets:
        key = (os.fspath(asset.filename or ""), tuple(sorted(asset.attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(asset)
    return kept


def _on_page_context(app, pagename, templatename, context, doctree):
    if "script_files" in context:
        context["script_files"] = _dedup(
            js for js in context["script_files"] if not (_is_thebe(js) or _is_widget_asset(js)))
    if "css_files" in context:
        context["css_files"] = _dedup(css for css in context["css_files"] if not _is_thebe(css))
    if "body" in context:
        context["body"] = _THEBE_CONFIG.sub("", _FONT_AWESOME_CDN.sub("", context["body"]))


def strip_solutions(markdown: str) -> str:
    """``markdown`` without its ``{solution}`` (and ``{solution-start}``...``{solution-end}``) blocks."""
    out, lines, i = [], markdown.split("\n"), 0
    while i < len(lines):
        match = _SOLUTION_FENCE.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        fence, gated = match["fence"], "{solution-start}" in lines[i]
        i += 1
        while i < len(lines):
            line = lines[i].rstrip()
            i += 1
            if gated and re.match(rf"^{re.escape(fence)}\{{solution-end\}}\s*$", line):
                break
            if not gated and line == fence:
                break
        if gated and i < len(lines) and lines[i].strip() == fence:
            i += 1
    return "\n".join(out)


_GLUE_TEXT = re.compile(r"\{glue:text\}`([^`]+)`")


def expand_glue(nb: dict) -> dict:
    """Write every ``{glue:text}`key:fmt``` of ``nb``'s markdown as the value the website shows.

    JupyterLab (also with jupyterlab-myst) cannot resolve myst-nb's glue roles; in the archive's
    notebooks the numbers therefore stand in the text, formatted exactly as myst-nb formats them,
    from the glued outputs stored in the same notebook. A key glued nowhere is left as it is.
    """
    from myst_nb.core.variables import format_plain_text

    values = {}  # glue() stores each value as an output tagged with metadata.scrapbook
    for cell in nb["cells"]:
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            scrapbook = output.get("metadata", {}).get("scrapbook")
            if scrapbook:
                text = output.get("data", {}).get(scrapbook.get("mime_prefix", "") + "text/plain")
                if text is not None:
                    values[scrapbook["name"]] = "".join(text)

    def replace(match):
        content = match[1]
        if "::" in content:  # a value glued in another notebook
            return match[0]
        key, fmt = content.rsplit(":", 1) if ":" in content else (content, "")  # as myst-nb
        if key not in values:
            return match[0]
        return format_plain_text(values[key], fmt)

    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            cell["source"] = _GLUE_TEXT.sub(replace, source).splitlines(keepends=True)
    return nb


def reader_notebook(text: str, student: bool) -> str:
    """The archive's copy of a notebook: glued numbers in the text; no solutions if ``student``."""
    import nbformat

    nb = nbformat.reads(text, as_version=4)
    expand_glue(nb)
    if student:
        cells = []
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                if "solution" in cell.get("metadata", {}).get("tags", []):
                    continue
                cell["source"] = strip_solutions("".join(cell["source"])).splitlines(keepends=True)
            cells.append(cell)
        nb["cells"] = cells
    for cell in nb["cells"]:
        cell["source"] = "".join(cell["source"])
    return nbformat.writes(nb) + "\n"


def _archive_files(srcdir: Path, outdir: Path, student: bool):
    skip_dirs = ARCHIVE_SKIP + (STUDENT_SKIP_DIRS if student else ())
    outdir = outdir.resolve()
    for dirpath, dirnames, filenames in os.walk(srcdir):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".")
            and not any(fnmatch.fnmatch(d, pat) for pat in skip_dirs)
            and not _contains(here / d, outdir)
        )
        for name in sorted(filenames):
            if name.startswith(".") or any(fnmatch.fnmatch(name, pat) for pat in ARCHIVE_SKIP):
                continue
            yield here / name


def _contains(folder: Path, target: Path) -> bool:
    """Whether ``folder`` is ``target`` or one of its parents (the build output is never archived)."""
    folder = folder.resolve()
    return target == folder or folder in target.parents


def write_archive(srcdir: Path, outdir: Path, student: bool) -> Path:
    path = outdir / ARCHIVE_NAME
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for file in _archive_files(srcdir, outdir, student):
            rel = file.relative_to(srcdir).as_posix()
            arcname = f"{ARCHIVE_ROOT}/{rel}"
            if file.suffix == ".ipynb":
                zf.writestr(arcname, reader_notebook(file.read_text(encoding="utf-8"), student))
            elif student and file.suffix == ".md":
                zf.writestr(arcname, strip_solutions(file.read_text(encoding="utf-8")))
            else:
                zf.write(file, arcname)
    return path


def _on_build_finished(app, exc):
    if exc is None and app.builder.format == "html":
        write_archive(Path(app.srcdir), Path(app.outdir), edition(app) == "student")


def setup(app):
    app.add_config_value("book_edition", os.environ.get(EDITION_ENV, "full"), "env")
    app.connect("config-inited", _on_config_inited)
    app.connect("html-page-context", _on_page_context, priority=900)
    app.connect("build-finished", _on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
