"""The notebook comparison rule of conftest.py (6 significant digits) and the perturbed run."""
import os
import subprocess
import sys

import pytest

from conftest import numbers_match, perturbed_cpu_features, texts_match


@pytest.mark.parametrize("ref, test", [
    ("3.4129455745828263", "3.4129455745828485"),      # last bits of a glued float
    ("loss 0.123457", "loss 0.123456"),                   # 6 digits printed: one unit
    ("gap 3.4e-01", "gap 3.5e-01"),                       # rounding-boundary flip, 2 digits printed
    ("[ 1.5 -2.25]", "[1.5  -2.25]"),                     # numpy's column padding
    ("x = nan", "x = nan"),
    ("-0.0", "0.0"),
])
def test_equal_at_the_stated_precision(ref, test):
    assert texts_match(ref, test)


@pytest.mark.parametrize("ref, test", [
    ("max |w_gd - w_lstsq| = 1.0e-15", "max |w_gd - w_lstsq| = 1.8e-15"),  # round-off printed
    ("gap 3.4e-01", "gap 3.8e-01"),                       # four units in the last digit
    ("3.4129455745828263", "3.4129505745828263"),        # differs in the 6th digit
    ("steps = 123", "steps = 124"),                       # integers are exact
    ("loss after 5 epochs = 3.7158", "loss after 5 epochs = 4.1532"),
    ("nadam, momentum", "momentum, nadam"),               # the text itself
    ("1.0 2.0", "1.0 2.0 3.0"),                           # a number more
    ("inf", "nan"),
    ("1e+300", "inf"),
])
def test_different_at_the_stated_precision(ref, test):
    assert not texts_match(ref, test)


def test_non_text_outputs_compare_exactly():
    assert texts_match({"a": 1}, {"a": 1}) and not texts_match({"a": 1.0}, {"a": 1.0000001})
    assert numbers_match("2", "2") and not numbers_match("2", "2.0000001")


def test_the_perturbation_switches_simd_loops_off():
    """The perturbed kernel really runs with fewer numpy SIMD features than the first one."""
    disabled = perturbed_cpu_features().split()
    if not disabled:
        pytest.skip("this CPU has no numpy SIMD features above the baseline: nothing to perturb")
    code = ("from numpy._core import _multiarray_umath as m; "
            "print(' '.join(f for f in m.__cpu_dispatch__ if m.__cpu_features__.get(f)))")
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=" ".join(disabled))
    on = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                        check=True).stdout.split()
    assert not set(disabled) & set(on), f"still enabled under the perturbation: {set(disabled) & set(on)}"
