"""The shipped offensive-language model: plain arrays, stated data and licences, sane scores."""
import json
from importlib import resources

import numpy as np

from auditor.analysers.text.linear import load_default, normalise

DATA = resources.files("auditor.analysers") / "data"


def test_weights_are_plain_arrays_no_pickle():
    with np.load(DATA / "offensive_model.npz", allow_pickle=False) as z:
        assert sorted(z.files) == ["coef", "intercept"]
        meta = json.loads((DATA / "offensive_model.json").read_text(encoding="utf-8"))
        assert z["coef"].shape == (2 * meta["n_features"],)


def test_training_data_and_licences_are_stated():
    meta = json.loads((DATA / "offensive_model.json").read_text(encoding="utf-8"))
    licences = {d["licence"] for d in meta["training_data"]}
    assert licences == {"MIT", "CC BY 4.0"}
    assert not any("gpl" in json.dumps(d).lower() or "ethos" in json.dumps(d).lower()
                   for d in meta["training_data"])
    card = (DATA / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Davidson" in card and "OLID" in card and "CC BY 4.0" in card and "MIT" in card


def test_scores_order_and_explanation_words():
    m = load_default()
    rude, kind = m.scores([normalise("@someone you are a pathetic idiot"),
                           normalise("Lovely walk by the river this afternoon")])
    assert rude > m.threshold > kind
    assert "idiot" in m.top_words(normalise("you are a pathetic idiot"))


def test_normalise_matches_training_conventions():
    n = normalise("RT @Someone: Look http://x.co/abc &amp; sooooo good")
    assert n.split() == ["@user:", "look", "url", "&", "soo", "good"]
