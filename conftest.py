"""Repository-wide pytest setup: how notebooks are compared, and the perturbed second run.

The book's notebooks are stored with their outputs and nbval re-executes them. Different CPUs
pick different BLAS kernels and numpy SIMD loops, so the last bits of a float differ between a
reader's laptop and the machine that stored the outputs. Two rules make the comparison portable
(DESIGN.md section 5):

1. **Numbers are compared at a stated precision.** nbval's exact string comparison is replaced
   by :func:`texts_match`: the text around numbers must be identical (whitespace aside: numpy pads
   columns by width), integers must be identical, and two floats match when they agree to
   ``SIGNIFICANT_DIGITS`` significant digits or differ by at most one unit in the last digit
   printed (so ``3.4e-01`` matches ``3.5e-01`` -- a rounding-boundary flip -- but not ``3.8e-01``).
   This applies to every compared text: streams, ``text/plain``, HTML and glued values
   (``application/papermill.record/text/plain``, which stores floats at full precision).

2. **Every notebook is executed twice.** The second run, collected as
   ``<notebook>::simd-off::Cell N``, starts its kernel with numpy's widest SIMD group switched off
   (``NPY_DISABLE_CPU_FEATURES``, chosen at run time from what this CPU has), which moves the last
   bits of reductions and transcendental functions the way another CPU would. Its outputs must
   match the stored ones under the same rule. A result that only holds bit for bit is not a
   result the book may print. BLAS kernels and thread counts are never pinned.

Also: nbval opens ``--nbval-sanitize-with`` relative to the current directory; the path from
pyproject.toml is made absolute so that ``pytest`` also works from a sub-folder.
"""
from __future__ import annotations

import math
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

SIGNIFICANT_DIGITS = 6
RTOL = 10.0 ** -SIGNIFICANT_DIGITS
PERTURBED = "simd-off"

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|inf)\b")
_SPACE = re.compile(r"\s+")


def _last_digit_unit(token: str) -> float:
    """One unit in the last printed digit of a float literal: 0.01 for '3.4e-01' or '0.34'."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def numbers_match(ref: str, test: str) -> bool:
    """Whether two printed numbers agree at the book's stated precision (module docstring)."""
    if ref == test:
        return True
    is_float = lambda s: any(c in s.lower() for c in ".en")  # noqa: E731 (nan, inf, 1e-3, 0.5)
    if not (is_float(ref) and is_float(test)):
        return False  # integers (counts, steps, labels) are exact
    a, b = float(ref), float(test)
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return a == b or (math.isnan(a) and math.isnan(b))
    diff = abs(a - b)
    unit = min(_last_digit_unit(ref), _last_digit_unit(test))
    return diff <= RTOL * max(abs(a), abs(b)) or diff <= unit * (1 + 1e-9)


def texts_match(ref, test) -> bool:
    """Compare two outputs: identical text between numbers, numbers by :func:`numbers_match`."""
    if not (isinstance(ref, str) and isinstance(test, str)):
        return ref == test
    if ref == test:
        return True
    ref_nums, test_nums = _NUMBER.findall(ref), _NUMBER.findall(test)
    if len(ref_nums) != len(test_nums):
        return False
    ref_text = [_SPACE.sub("", part) for part in _NUMBER.split(ref)]
    test_text = [_SPACE.sub("", part) for part in _NUMBER.split(test)]
    return ref_text == test_text and all(map(numbers_match, ref_nums, test_nums))


def perturbed_cpu_features() -> str:
    """The value of NPY_DISABLE_CPU_FEATURES that switches off this CPU's widest SIMD group.

    x86: the AVX-512 group (X86_V4 and its extensions) where present, else AVX2 (X86_V3) --
    so a machine with AVX-512 re-runs like a common laptop, and a laptop like an older one.
    Elsewhere: every dispatched feature the CPU has (back to numpy's baseline). An empty string
    means there is nothing above the baseline to switch off.
    """
    from numpy._core import _multiarray_umath as umath
    found = [f for f in umath.__cpu_dispatch__ if umath.__cpu_features__.get(f)]
    if "X86_V4" in found:
        group = [f for f in found if f == "X86_V4" or f.startswith("AVX512")]
    elif "X86_V3" in found:
        group = ["X86_V3"]
    else:
        group = found
    return " ".join(group)


# --- nbval, taught to compare at the stated precision -------------------------------------

def _portable_compare_outputs(self, test, ref, skip_compare=None):
    """nbval's IPyNbCell.compare_outputs with :func:`texts_match` instead of ``!=``."""
    from nbval.plugin import _trim_base64, transform_streams_for_comparison
    skip_compare = skip_compare or self.parent.skip_compare
    outs = {}
    for side, outputs in (("ref", ref), ("test", test)):
        flat = defaultdict(list)
        for output in transform_streams_for_comparison(outputs):
            for key, value in output.items():
                if key in skip_compare:
                    continue
                if key == "data":
                    for mime, data in value.items():
                        if mime not in skip_compare:
                            flat[mime].append(self.sanitize(data))
                else:
                    flat[key].append(self.sanitize(value))
        outs[side] = flat
    self.comparison_traceback = []
    cc = self.colors
    missing, extra = set(outs["ref"]) - set(outs["test"]), set(outs["test"]) - set(outs["ref"])
    if missing or extra:
        what = f"Missing output fields: {missing}" if missing else f"Unexpected output fields: {extra}"
        self.comparison_traceback.append(cc.FAIL + what + cc.ENDC)
        return False
    for key, ref_values in outs["ref"].items():
        test_values = outs["test"][key]
        if len(ref_values) != len(test_values):
            self.comparison_traceback.append(
                cc.FAIL + f'dissimilar number of outputs for key "{key}": '
                f"{len(ref_values)} stored, {len(test_values)} computed" + cc.ENDC)
            self.comparison_traceback += [_trim_base64(v) if isinstance(v, str) else str(v)
                                          for v in ref_values + test_values]
            return False
        for ref_out, test_out in zip(ref_values, test_values):
            if not texts_match(ref_out, test_out):
                self.format_output_compare(key, ref_out, test_out)
                self.comparison_traceback.append(
                    f"(compared at {SIGNIFICANT_DIGITS} significant digits; see conftest.py)")
                return False
    return True


def _install_nbval_hooks():
    try:
        from nbval import plugin
    except ImportError:  # nbval missing: pytest's own error about --nbval will say so
        return
    plugin.IPyNbCell.compare_outputs = _portable_compare_outputs

    class PerturbedNotebook(plugin.IPyNbFile):
        """The same notebook, executed by a kernel with numpy's widest SIMD loops switched off."""

        def setup(self):
            saved = os.environ.get("NPY_DISABLE_CPU_FEATURES")
            os.environ["NPY_DISABLE_CPU_FEATURES"] = self.config._gd_perturbation
            try:  # the kernel process inherits the environment at its start
                super().setup()
            finally:
                if saved is None:
                    os.environ.pop("NPY_DISABLE_CPU_FEATURES", None)
                else:
                    os.environ["NPY_DISABLE_CPU_FEATURES"] = saved

        def collect(self):
            for cell in super().collect():
                cell.add_marker(pytest.mark.perturbed)
                yield cell

    return PerturbedNotebook


_PERTURBED_NOTEBOOK = _install_nbval_hooks()


def pytest_configure(config):
    path = getattr(config.option, "nbval_sanitize_with", None)
    if path and not Path(path).is_absolute():
        candidate = Path(config.rootpath) / path
        if candidate.exists():
            config.option.nbval_sanitize_with = str(candidate)
    config.addinivalue_line(
        "markers", "perturbed: a notebook cell re-run with numpy's widest SIMD loops switched off")
    config._gd_perturbation = perturbed_cpu_features()


def pytest_collect_file(file_path, parent):
    """Collect every notebook a second time, as the perturbed run (when nbval is on)."""
    opt = parent.config.option
    if (file_path.suffix == ".ipynb" and _PERTURBED_NOTEBOOK is not None
            and (getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False))
            and not file_path.name.startswith("_")):
        if not parent.config._gd_perturbation:
            return None  # nothing above numpy's baseline on this CPU: the first run is the only one
        return _PERTURBED_NOTEBOOK.from_parent(
            parent, path=file_path, nodeid=f"{parent.nodeid}/{file_path.name}::{PERTURBED}".lstrip("/"))
    return None
