"""ng.check_by_hand: agreement to the digits given, lecture order, the first wrong step."""

import numpy as np
import pytest

import neurograph as ng
from neurograph.teaching.byhand import agrees, decimals

MAZUR = ([[0.35, 0.15, 0.20], [0.35, 0.25, 0.30]], [[0.60, 0.40, 0.45], [0.60, 0.50, 0.55]])


def mazur():
    return ng.Network.from_thetas([np.array(t) for t in MAZUR])


def test_digits_given_decide_agreement():
    assert decimals("0.3750") == (0.375, 4) and decimals(4.54e-05) == (4.54e-05, 7)
    assert decimals("12") == (12.0, 0)
    assert agrees(0.37749, "0.3775") and not agrees(0.37744, "0.3775")
    assert agrees(0.593269992, 0.59) and not agrees(0.593269992, 0.5932)
    with pytest.raises(ng.ConfigError, match="must be a number, got 'abc'"):
        decimals("abc")


def test_student_sheet_in_lecture_order_with_first_wrong_step():
    net = mazur()
    # a typical slip: the output δ for squared error without the g'(z) factor
    answers = {"Theta(2)_1,1": "0.3589", "delta(3)_1": "0.74136507", "a(2)_1": "0.59327",
               "z(2)_1": "0.3775", "δ(2)_1": "0.0088", "D(2)_1,1": 0.0822}
    chk = ng.check_by_hand(net, [0.05, 0.10], [0.01, 0.99], answers, alpha=0.5, loss="mse")
    assert [r.key for r in chk.rows] == ["z(2)_1", "a(2)_1", "delta(3)_1", "delta(2)_1",
                                          "D(2)_1,1", "Theta(2)_1,1"]
    assert chk.agreed == ["z(2)_1", "a(2)_1", "delta(2)_1", "D(2)_1,1", "Theta(2)_1,1"]
    assert chk.first_wrong == "delta(3)_1" and not chk.ok
    # the worked line shows the g'(z) factor the student left out, with its value
    assert chk.worked == ("a3_1  δ(3)_1 = (a(3)_1 − y_1)·g'(z(3)_1) = "
                          "(0.75136507 − 0.01)·0.186815602 = 0.138498562")
    text = str(chk)
    assert "DIFFERS" in text and "first difference: delta(3)_1" in text
    assert ng.check_by_hand(net, [0.05, 0.10], [0.01, 0.99], {"J": "0.298371109"},
                            loss="mse").ok


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ng.LabelError) as exc:
        ng.check_by_hand(mazur(), [0.05, 0.10], [0.01, 0.99], {"dleta(3)_1": 0.1}, loss="mse")
    msg = str(exc.value)
    assert "unknown name 'dleta(3)_1'" in msg and "did you mean 'delta(3)_1'" in msg
    for name in ["z(2)_1", "a(3)_2", "delta(2)_2", "Delta(1)_2,2", "D(2)_2,0", "J"]:
        assert name in msg


def test_updated_theta_needs_alpha():
    with pytest.raises(ng.ConfigError, match="alpha"):
        ng.check_by_hand(mazur(), [0.05, 0.10], [0.01, 0.99], {"Theta(1)_1,1": 0.1}, loss="mse")


def test_graph_engine_names():
    net = ng.Network()
    x = net.add_input("x")
    h, o = net.add_node("h"), net.add_node("o")
    for s, t, w in [(x, h, 1.0), (h, o, 2.0), (x, o, -1.0)]:
        net.connect(s, t, weight=w)
    tr = net.backward([[1.0]], [1])
    g = net.link("x", "o").grad
    chk = ng.check_by_hand(net, [1.0], [1], {"D[x→o]": f"{g:.6f}", "delta(3)_1": "0.1"})
    assert chk.agreed == ["D[x→o]"] and chk.first_wrong == "delta(3)_1"
    assert chk.rows[0].ours == g and tr.cost > 0


# --- the rule of agreement (issue 19, item 6) ---------------------------------------------

def test_an_overflowing_answer_is_wrong_with_a_reason():
    net = mazur()
    chk = ng.check_by_hand(net, [0.05, 0.10], [0.01, 0.99], {"J": "1e400"}, loss="mse")
    assert chk.first_wrong == "J" and "overflows" in chk.rows[0].reason
    for bad, why in [("inf", "not a finite number"), ("nan", "not a finite number"),
                     ("abc", "must be a number"), (True, "must be a number"),
                     (None, "must be a number"),
                     (float("inf"), "not a finite number"), (10 ** 400, "overflows")]:
        row = ng.check_by_hand(net, [0.05, 0.10], [0.01, 0.99], {"J": bad}, loss="mse").rows[0]
        assert not row.agree and why in row.reason, (bad, row.reason)


def test_numpy_scalars_agree_by_the_digits_of_their_own_precision():
    net = mazur()
    x = [0.05, 0.10]
    a = 1 / (1 + np.exp(-0.3775))  # a(2)_1, computed independently: 0.593269992…
    assert str(np.float32(0.5933)) == "0.5933" and abs(a - 0.5933) < 5e-5
    for given in [np.float32(0.5933), np.float64(0.5933), np.float16(0.5933), "0.5933", 0.5933]:
        chk = ng.check_by_hand(net, x, [0.01, 0.99], {"a(2)_1": given}, loss="mse")
        assert chk.ok, (type(given), chk.rows[0].reason)
    # a float32 that is not what ours rounds to still differs
    assert not ng.check_by_hand(net, x, [0.01, 0.99], {"a(2)_1": np.float32(0.5932)},
                                loss="mse").ok
    assert ng.check_by_hand(net, x, [0.01, 0.99], {"z(2)_1": np.int64(0)}, loss="mse").ok


def test_digits_written_decide_in_exact_arithmetic():
    # z(2)_1 = 0.35 + 0.15·0.05 + 0.2·0.1 = 0.3775; half a unit of the last written digit
    assert agrees(0.3775, "0.378") and agrees(0.3775, "0.377")  # a tie: either rounding
    assert not agrees(0.3775, "0.376") and agrees(0.3775, "0.4") and not agrees(0.3775, "0.3")
    assert agrees(1234.0, "1.2e3") and not agrees(1299.0, "1.2e3")  # two digits written
    assert not agrees(0.3775, "1e400") and not agrees(float("inf"), "1e400")


def test_a_tolerance_the_caller_sets():
    net = mazur()
    given = {"a(2)_1": "0.59", "z(2)_1": "0.3"}
    chk = ng.check_by_hand(net, [0.05, 0.10], [0.01, 0.99], given, loss="mse", tol=0.01)
    assert chk.agreed == ["a(2)_1"] and chk.first_wrong == "z(2)_1"
    with pytest.raises(ng.ConfigError, match="tol"):
        ng.check_by_hand(net, [0.05, 0.10], [0.01, 0.99], given, loss="mse", tol=-1)


def test_two_answers_for_one_quantity_are_refused():
    with pytest.raises(ng.LabelError, match=r"'delta\(3\)_1' and 'δ\(3\)_1'"):
        ng.check_by_hand(mazur(), [0.05, 0.10], [0.01, 0.99],
                         {"delta(3)_1": "0.1385", "δ(3)_1": "0.7414"}, loss="mse")


def test_a_unit_name_inside_brackets_is_not_respelled():
    net = ng.Network()
    x = net.add_input("theta x")
    h, o = net.add_node("h"), net.add_node("o")
    for s, t, w in [(x, h, 1.0), (h, o, 2.0), (x, o, -1.0)]:  # a skip link: w[s→t] names
        net.connect(s, t, weight=w)
    net.backward([[1.0]], [1])
    g = net.link("theta x", "o").grad
    chk = ng.check_by_hand(net, [1.0], [1], {"D[theta x→o]": f"{g:.6f}"})
    assert chk.ok and chk.rows[0].ours == g
