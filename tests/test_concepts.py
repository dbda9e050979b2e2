import pytest

from cglib import concepts as C


def test_graph_sizes():
    g3, g4 = C.concept_graph(3), C.concept_graph(4)
    assert (len(g3.nodes), len(g3.edges)) == (8, 12)
    assert (len(g4.nodes), len(g4.edges)) == (16, 32)


def test_distance_and_sets():
    assert C.concept_distance("000", "111") == 3
    assert C.concept_distance("011", "010") == 1
    d = C.distances("minimal")
    assert d == {"000": 0, "001": 0, "010": 0, "011": 1, "100": 0, "101": 1, "110": 1, "111": 2}
    d4 = C.distances("minimal4")
    assert d4["1111"] == 3 and d4["1100"] == 1
    assert max(d4.values()) == 3
    adv = C.distances("adversarial")
    assert adv["001"] == 1 and adv["011"] == 1 and adv["111"] == 0 and adv["010"] == 0


def test_describe_uses_fixed_order():
    assert C.describe("011") == "circle, blue, small"
    assert C.describe("1001") == "triangle, red, large, black"


@pytest.mark.parametrize("bad, msg", [("0a1", "out of range"), ("0111", "length"), ("021", "out of range"),
                                      ("", "length")])
def test_bad_class(bad, msg):
    with pytest.raises(ValueError, match=msg):
        C.check_class(bad, 3)


def test_bad_train_sets():
    with pytest.raises(ValueError, match="empty"):
        C.check_train_set([])
    with pytest.raises(ValueError, match="unknown training-set preset"):
        C.check_train_set("nope")
    with pytest.raises(ValueError, match="twice"):
        C.check_train_set(["000", "000"])
    with pytest.raises(ValueError, match="n_variables"):
        C.variables(5)


def test_a_training_set_written_as_text_is_read():
    from cglib.concepts import check_train_set
    assert check_train_set('["111","011","101","110"]') == ("111", "011", "101", "110")


@pytest.mark.parametrize("train, named", [(("00", "100"), "'00'"), (("000", "10"), "'10'"),
                                          (("0000", "100", "010"), "'0000'"), (("11",), "'11'")])
def test_a_class_of_the_wrong_length_is_named(train, named):
    """A newcomer's set with one short or long class hears which class it is, not a guessed n_variables."""
    from cglib.config import preset
    with pytest.raises(ValueError, match=f"concept class {named} in the training set") as e:
        preset("cpu", train_classes=train)
    assert "n_variables" not in str(e.value)


def test_mirror_flips_every_value_and_keeps_distances():
    from cglib.concepts import PRESETS, distances, mirror
    assert mirror(PRESETS["minimal"]) == PRESETS["mirrored"] and mirror(mirror(("0101",))) == ("0101",)
    d, m = distances(PRESETS["minimal"]), distances(PRESETS["mirrored"])
    assert all(d[c] == m[mirror([c])[0]] for c in d) and m["000"] == 2
