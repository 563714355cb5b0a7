"""The flat Half-Space Trees mirror gives River's scores and leaves River's state."""

import pickle
import random

from river import anomaly

from earlywarn.learning import ChannelAnomaly
from earlywarn.learning.flat_hst import FlatTrees


def stream(seed: int, n: int, *, missing_every: int = 0) -> list[dict[str, float]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        x = {"a": rng.random(), "b": rng.betavariate(2, 5), "c": float(rng.randint(0, 3)) / 3}
        if missing_every and i % missing_every == 0:
            del x[rng.choice("abc")]
        out.append(x)
    return out


def masses(hst: anomaly.HalfSpaceTrees) -> list[list[tuple[int, int]]]:
    return [[(n.l_mass, n.r_mass) for n in nodes] for nodes in hst._tree_nodes]


def test_scores_and_masses_equal_rivers_across_pivots_and_missing_features() -> None:
    xs = stream(1, 700, missing_every=13)
    ref = anomaly.HalfSpaceTrees(n_trees=4, height=5, window_size=40, seed=3)
    hst = anomaly.HalfSpaceTrees(n_trees=4, height=5, window_size=40, seed=3)
    ref.learn_one(xs[0])
    hst.learn_one(xs[0])
    flat = FlatTrees(hst)
    for i, x in enumerate(xs[1:], 1):
        expected = ref.score_one(x)
        ref.learn_one(x)
        if i % 2:
            got = flat.score_learn(flat.row(x))
        else:
            leaves = flat.leaves(flat.row(x))
            got = flat.score(leaves)
            flat.learn(leaves)
        assert got == expected, i
        if i % 97 == 0:  # writing back mid-window gives River's exact state
            flat.write_back()
            assert masses(hst) == masses(ref)
            assert (hst.counter, hst._first_window) == (ref.counter, ref._first_window)
    flat.write_back()
    assert pickle.dumps(hst) == pickle.dumps(ref)


def test_first_window_scores_zero_then_scores() -> None:
    xs = stream(2, 30)
    hst = anomaly.HalfSpaceTrees(n_trees=2, height=3, window_size=10, seed=1)
    hst.learn_one(xs[0])
    flat = FlatTrees(hst)
    scores = [flat.score_learn(flat.row(x)) for x in xs[1:]]
    assert scores[:9] == [0.0] * 9 and flat.first_window is False
    assert any(s > 0.0 for s in scores[9:])


def test_channel_anomaly_model_access_and_pickling_mid_window_change_nothing() -> None:
    xs = [
        {"calls_10m": x["a"] * 10, "short_share_10m": x["b"], "x": x["c"]} for x in stream(4, 900)
    ]
    xs[500] = {"calls_10m": 400.0, "short_share_10m": 1.0, "x": 1.0}  # widens the scaler
    straight = ChannelAnomaly("cdr", seed=3, warmup=100, window_size=60)
    expected = [straight.score_learn(x) for x in xs]
    model = straight.clone()
    got = []
    for i, x in enumerate(xs):
        if i % 101 == 50:
            model = pickle.loads(pickle.dumps(model))  # a checkpoint and a restart
        if i % 77 == 0:
            _ = model.model  # reading the River pipeline brings it up to date
        got.append(model.score_learn(x))
    assert got == expected
    (s1, h1), (s2, h2) = (m.model.steps.values() for m in (model, straight))
    assert masses(h1) == masses(h2) and (h1.counter, h1._first_window) == (h2.counter, False)
    assert {k: (v.get(), s1.max[k].get()) for k, v in s1.min.items()} == {
        k: (v.get(), s2.max[k].get()) for k, v in s2.min.items()
    }


def test_pickles_from_before_the_mirror_load() -> None:
    m = ChannelAnomaly("sms", seed=1, warmup=10, window_size=20)
    xs = [{"msgs_10m": x["a"], "url_share_10m": x["b"]} for x in stream(5, 60)]
    for x in xs[:30]:
        m.score_learn(x)
    old = {k: v for k, v in m.__getstate__().items() if k not in ("_model", "_flat")}
    old["model"] = m.model
    restored = ChannelAnomaly.__new__(ChannelAnomaly)
    restored.__setstate__(pickle.loads(pickle.dumps(old)))
    assert [restored.score_learn(x) for x in xs[30:]] == [m.score_learn(x) for x in xs[30:]]
