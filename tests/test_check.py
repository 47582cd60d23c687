import numpy as np

from gdlib import check, functions


def test_grad_check_accepts_right_and_rejects_wrong_gradients():
    theta = np.random.default_rng(0).normal(size=(5, 2))
    f = functions.rosenbrock
    assert check.grad_check(f.f, f.grad, theta) < 1e-7
    wrong = lambda th: f.grad(th) * np.array([1.0, 1.01])       # a 1% error in one coordinate
    assert check.grad_check(f.f, wrong, theta) > 1e-3
    assert check.hess_check(f.grad, lambda th: f.hess(th) * 1.01, theta) > 1e-3


def _verdict(checker, *args, **kwargs):
    assert checker(*args, **kwargs) is None          # checkers print; a cell shows only the message
    return check.last_result


def test_exercise_checkers_pass_right_and_fail_wrong_answers(capsys):
    f = functions.rosenbrock
    pts = np.random.default_rng(1).normal(size=(4, 2))
    assert _verdict(check.check_gradient, "grad", f.grad, f.f, pts)
    assert not _verdict(check.check_gradient, "grad", lambda th: -f.grad(th), f.f, pts)

    def unwritten(theta):
        raise NotImplementedError

    assert not _verdict(check.check_gradient, "grad", unwritten, f.f, pts)
    assert "not implemented yet" in capsys.readouterr().out
    path = np.cumsum(np.ones((5, 2)), axis=0)
    assert _verdict(check.check_path, "path", lambda: path.copy(), path)
    wrong = path.copy()
    wrong[3, 1] += 1e-3
    assert not _verdict(check.check_path, "path", lambda: wrong, path)
    assert "first disagreement at step 3" in capsys.readouterr().out
    assert _verdict(check.check_value, "v", 0.02, 0.02)
    assert not _verdict(check.check_value, "v", 0.03, 0.02)
    assert not _verdict(check.check_value, "v", None, 0.02)
    assert "no answer yet" in capsys.readouterr().out
    assert not _verdict(check.check_value, "v", 0.03, 0.02)
    assert "0.02" not in capsys.readouterr().out             # the answer is not given away
    assert not _verdict(check.check_value, "v", 0.03, 0.02, reveal=True)
    assert "0.02" in capsys.readouterr().out
    assert not _verdict(check.check_value, "v", [0.02, 0.02], 0.02)
    assert _verdict(check.check_value, "zero", 0.0, 1e-33)       # an exact zero against round-off
