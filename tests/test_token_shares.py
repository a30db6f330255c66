"""Explanations from the verdict's own encoder row (issue 13, item 6): the `token_logits` output that
benchmarks/training/add_token_output.py adds leaves the verdicts bit for bit as they were, the words it
ranks are whole words of the text as written, an explanation then costs only its confirmations, and a
model without the output falls back to occlusion. The tiny models in tests/fixtures/tiny_concern are
random invented weights (make.py there); every text here is invented."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from auditor.analysers.text import model as cm
from auditor.analysers.text.signals import COMMON, lexicon

DATA = Path(cm.__file__).parent.parent / "data"
TINY = Path(__file__).parent / "fixtures" / "tiny_concern"
STOP = lexicon(COMMON).word_set("explanation.stopwords")
WORD = re.compile(r"[\w'’]+(?:[-/.][\w'’]+)*")
TEXTS = ["You absolute idiot, go away and never come back",
         "Bed 4 in resus today, poor Mrs Penhallow from Truro had a stroke",
         "Lovely sunny walk with the dog before my shift",
         "the managers on ward 7 are useless lazy cows, every single shift",
         "ok", "x " * 300]


@pytest.fixture
def shares_on(monkeypatch):
    monkeypatch.setattr(cm, "TOKEN_SHARES", True)


def tiny_dir(tmp_path: Path, tokens: bool, threshold: float | None = None) -> Path:
    """A model folder with a tiny model (with or without `token_logits`), the shipped tokenizer and the
    shipped settings (its checksum; every threshold at `threshold` when given)."""
    d = tmp_path / ("tiny_tokens" if tokens else "tiny")
    d.mkdir(parents=True)
    shutil.copyfile(TINY / ("tiny_tokens.onnx" if tokens else "tiny.onnx"), d / cm.MODEL_FILE)
    shutil.copyfile(DATA / cm.TOKENIZER_FILE, d / cm.TOKENIZER_FILE)
    meta = json.loads((DATA / cm.META_FILE).read_text(encoding="utf-8"))
    meta["sha256"][cm.MODEL_FILE] = cm.sha256_file(d / cm.MODEL_FILE)
    if threshold is not None:
        meta["thresholds"] = {lab: threshold for lab in cm.LABELS}
    (d / cm.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    return d


# -- the output --------------------------------------------------------------------------------------

def test_the_shipped_model_explains_by_occlusion(monkeypatch):
    """Not shipped (MODEL_CARD.md): the shipped model has no token output and TOKEN_SHARES is off, so
    every explanation weighs each word by removing it, as before."""
    assert cm.TOKEN_SHARES is False
    m = cm.ConcernModel(threads=1)
    text = "You absolute idiot, you pathetic useless moron, go away and never come back"
    j = cm.LABELS.index("offensive")
    base = float(m.predict([text])[0, j])
    assert not m.has_token_output
    before = m.rows_run
    a = m.salient_spans(text, "offensive", k=6, skip=STOP, base=base)
    used = m.rows_run - before
    assert used >= len(cm._candidates(text, STOP))          # one row per word (and pairs)
    monkeypatch.setattr(cm, "TOKEN_SHARES", True)            # no output: still occlusion, the same spans
    before = m.rows_run
    assert m.salient_spans(text, "offensive", k=6, skip=STOP, base=base) == a
    assert m.rows_run - before == used


def test_the_token_output_leaves_the_verdicts_bit_for_bit_and_is_the_head_over_each_token(tmp_path, shares_on):
    plain = cm.ConcernModel(tiny_dir(tmp_path, False))
    tok = cm.ConcernModel(tiny_dir(tmp_path, True))
    a = plain.logits(TEXTS)
    assert tok.logits(TEXTS).tobytes() == a.tobytes()       # fetching both outputs, as a scan does
    b, shares = tok.logits_and_shares(TEXTS)
    assert a.tobytes() == b.tobytes()
    long = shares[-1]
    assert len(long.logits) > 1 and len(long.starts) == len(long.tokens) == len(long.logits)
    tok._load()
    plain._load()
    assert tok.has_token_output and not plain.has_token_output
    bias = np.array([s.logits[0] - s.tokens[0].mean(axis=0) for s in shares if len(s.logits) == 1])
    assert np.allclose(bias, bias[0], atol=1e-5)


# -- explanations ------------------------------------------------------------------------------------

def test_a_flagged_verdict_keeps_its_shares_so_the_explanation_costs_only_its_confirmations(tmp_path, shares_on):
    model = cm.ConcernModel(tiny_dir(tmp_path, True, threshold=0.001))
    text = "You absolute idiot, you pathetic useless moron, go away and never come back to this group"
    j = cm.LABELS.index("offensive")
    p = model.predict([text])
    assert model.flags(p)[0, j]
    base = float(p[0, j])
    before = model.rows_run
    shares = model.salient_spans(text, "offensive", k=6, skip=STOP, base=base, method="shares")
    assert model.rows_run == before                         # no encoder row at all
    hybrid = model.salient_spans(text, "offensive", k=6, skip=STOP, base=base, method="hybrid")
    used = model.rows_run - before
    assert 0 < used <= cm.CONFIRM + 3
    before = model.rows_run
    occl = model.salient_spans(text, "offensive", k=6, skip=STOP, base=base, method="occlusion")
    assert model.rows_run - before > used
    for spans in (shares, hybrid, occl):
        weights = [w for *_, w in spans]
        assert weights == sorted(weights, reverse=True) and all(0 < w <= 1 for w in weights)
    # the hybrid's weights are measured drops: each equals occlusion's weight for the same span
    assert set(hybrid) <= set(occl) | {sp for sp in hybrid if " " in text[sp[0]:sp[1]]}
    # a text the model does not flag keeps nothing: its explanation costs one row for the shares
    quiet = cm.ConcernModel(tiny_dir(tmp_path / "q", True, threshold=0.999999))
    quiet.predict([text])
    before = quiet.rows_run
    quiet.salient_spans(text, "offensive", k=6, skip=STOP, method="shares")
    assert quiet.rows_run - before == 1


def test_the_words_ranked_by_the_shares_are_whole_words_of_the_text_as_written(tmp_path, shares_on):
    model = cm.ConcernModel(tiny_dir(tmp_path, True, threshold=0.001))
    text = "Honestly &amp; unbelievably, the incompetent surgeons at @StJudes keep overbooking https://x.co/ab1"
    j = cm.LABELS.index("grievance")
    groups = cm._candidates(text, STOP)
    p0, drops = model._share_drops(text, groups, j)
    assert set(drops) == set(groups) and 0 <= p0 <= 1
    assert any(d != 0 for d in drops.values())
    spans = model.salient_spans(text, "grievance", k=6, skip=STOP, method="shares")
    for s, e, _ in spans:
        assert WORD.fullmatch(text[s:e]) and "#" not in text[s:e] and "@" not in text[s - 1:e]


def test_normalise_map_points_back_at_the_text_as_written():
    for t in ["Sooooo tired &amp;amp; fed up @bob_99 https://x.co/abc   RT @USER: ok",
              "  plain words only  ", "", "café &lt;3 naïve &#39;quoted&#39;", "a&b &notit; &amp"]:
        norm, idx = cm.normalise_map(t)
        assert norm == cm.normalise(t) and len(idx) == len(norm)
        assert all(0 <= i < max(1, len(t)) for i in idx)
        for i, ch in enumerate(norm):
            if ch.isalpha() and norm[i - 4 if i >= 4 else 0:i + 4].find("USER") < 0 and "URL" not in norm[max(0, i - 2):i + 3]:
                assert t[idx[i]].casefold() == ch.casefold() or not t[idx[i]].isalpha(), (t, i)


def test_without_the_output_the_explanation_falls_back_to_occlusion(tmp_path, shares_on):
    words = "apricot bramble cobbler damson elderflower fennel gooseberry hazelnut".split()
    text = " ".join(words)
    plain = cm.ConcernModel(tiny_dir(tmp_path, False))
    tok = cm.ConcernModel(tiny_dir(tmp_path, True))
    lab = cm.LABELS[int(np.argmax(plain.predict([text])[0]))]
    for m in (plain, tok):
        m.predict([text])
    before = plain.rows_run
    a = plain.salient_spans(text, lab, k=3, skip=STOP, base=float(plain.predict([text])[0, cm.LABELS.index(lab)]))
    assert plain.rows_run - before - 0 >= len(words) - 1       # every word weighed (one row each)
    b_before = tok.rows_run
    b = tok.salient_spans(text, lab, k=3, skip=STOP, base=float(tok.predict([text])[0, cm.LABELS.index(lab)]))
    assert tok.rows_run - b_before <= 1 + cm.CONFIRM + 3
    for spans in (a, b):
        assert all(WORD.fullmatch(text[s:e]) or " " in text[s:e] for s, e, _ in spans)
    # switched off, the model with the output explains as the one without
    cm.TOKEN_SHARES = False
    assert tok.salient_spans(text, lab, k=3, skip=STOP) == plain.salient_spans(text, lab, k=3, skip=STOP)


def test_a_model_file_that_does_not_match_its_checksum_is_still_refused(tmp_path):
    d = tiny_dir(tmp_path, True)
    shutil.copyfile(TINY / "tiny.onnx", d / cm.MODEL_FILE)        # the file without the output, same json
    with pytest.raises(cm.ConcernModelError, match="checksum"):
        cm.ConcernModel(d).predict(["hello"])
    # the shipped settings beside a model file that is not theirs
    s = tmp_path / "shipped"
    s.mkdir()
    for name in (cm.META_FILE, cm.TOKENIZER_FILE):
        shutil.copyfile(DATA / name, s / name)
    shutil.copyfile(TINY / "tiny_tokens.onnx", s / cm.MODEL_FILE)
    with pytest.raises(cm.ConcernModelError, match="checksum"):
        cm.ConcernModel(s).predict(["hello"])
