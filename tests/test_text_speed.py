"""The text scan's speed measures (issue 13), checked for what they must not change: the explanation's
words are content words that index the text and its cost is bounded (counted in encoder rows, never
timed); the cheap gate loads only with its checksum, clears what it is sure of and sends the rest; the
model scoring the next chunk in a second thread gives the same findings as the plain sequential scan.
Every text here is invented."""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from auditor.analysers import text as T
from auditor.analysers.text import engine
from auditor.analysers.text import model as cm
from auditor.analysers.text.fixed import FixedConcerns
from auditor.analysers.text.signals import COMMON, lexicon
from auditor.config import Config, Profile
from auditor.model import Finding, Post
from auditor.plugins import AnalysisContext, TextUnit

DATA = Path(cm.__file__).parent.parent / "data"
STOP = lexicon(COMMON).word_set("explanation.stopwords")


@pytest.fixture(scope="module")
def model() -> cm.ConcernModel:
    return cm.ConcernModel(threads=1)


# -- explanations --------------------------------------------------------------------------------
def test_salient_spans_are_content_words_that_index_the_text(model):
    text = "honestly you are the most useless fucking idiot I have ever met, @garyidiot is not"
    spans = model.salient_spans(text, "offensive", k=6, skip=STOP)
    assert spans
    for s, e, w in spans:
        assert 0 <= s < e <= len(text) and w > 0
        piece = text[s:e]
        assert piece.strip() == piece and piece
        words = piece.casefold().split()
        assert not (len(words) == 1 and words[0] in STOP), piece
        assert sum(c.isalpha() for c in piece) >= 3
        assert "garyidiot" not in piece           # a mention: the model sees only '@USER'
    assert spans == sorted(spans, key=lambda x: -x[2])
    assert any(w in text[s:e].lower() for s, e, _ in spans for w in ("useless", "fucking", "idiot"))


def test_salient_spans_skip_the_words_given(model):
    text = "Tamsin Polglaze is a useless lazy cow and everyone knows it"
    spans = model.salient_spans(text, "offensive", k=6, skip=STOP | {"tamsin", "polglaze"})
    picked = " ".join(text[s:e] for s, e, _ in spans).lower()
    assert "tamsin" not in picked and "polglaze" not in picked
    assert model.salient_spans("", "offensive") == []
    assert model.salient_spans("it is what it is, 12 34", "offensive", skip=STOP) == []


def test_salient_cost_is_bounded_in_encoder_rows(model):
    words = ("apricot bramble cobbler damson elderflower fennel gooseberry hazelnut juniper kohlrabi lovage "
             "medlar nutmeg oregano parsnip quince rhubarb sorrel tarragon ugli vanilla walnut yarrow").split()
    text = " and ".join(words) + " you stupid idiot"
    j = cm.LABELS.index("offensive")
    base = float(model.predict([text])[0, j])
    before = model.rows_run
    model.salient_spans(text, "offensive", k=3, max_words=12, skip=STOP, base=base)
    used = model.rows_run - before
    assert used <= 12 + 3, used                 # 12 words and at most three pairs; the base was given
    before = model.rows_run
    model.salient_spans(text, "offensive", k=3, max_words=12, skip=STOP)
    assert model.rows_run - before <= 1 + 12 + 3
    before = model.rows_run
    model.salient_spans("the and of it is to", "offensive", skip=STOP)
    assert model.rows_run == before              # nothing to weigh, nothing run


def test_the_engine_asks_for_content_words_and_passes_the_base(monkeypatch):
    seen = []

    class Spy(FixedConcerns):
        def salient_spans(self, text, label, k=3, **kw):
            seen.append(kw)
            return super().salient_spans(text, label, k)
    fixed = Spy(lambda t: {lab: (0.9 if lab == "grievance" else 0.05) for lab in engine.LABELS},
                salient=lambda t, lab: ["manager"])
    ctx = AnalysisContext(Config(Profile(full_name="Jordan Ashby")))
    nlp = T.rule_based_nlp({})
    ctx.cache[T.NLP_KEY], ctx.cache[T.PRESIDIO_KEY] = nlp, T.Presidio(nlp, "rule-based-test")
    ctx.cache[T.CONCERN_KEY] = fixed
    when = datetime(2023, 5, 1, 12, 0, tzinfo=timezone.utc)
    out = list(T.TextAnalyser().analyse([Post("twitter:1", "twitter", "post", when,
                                              "Honestly the manager on our unit this week, no words")], ctx))
    assert any(isinstance(f, Finding) for f in out)
    assert seen and seen[0]["base"] == pytest.approx(0.9)
    assert {"the", "own"} <= seen[0]["skip"] and {"jordan", "ashby"} <= seen[0]["skip"]
    assert seen[0]["max_words"] == engine.SALIENT_MAX_WORDS <= 16


# -- the gate ------------------------------------------------------------------------------------
def fake_gate(folder: Path, intercept: float, clear: float, nf: int = 64) -> None:
    for name in (cm.META_FILE, cm.MODEL_FILE, cm.TOKENIZER_FILE):
        shutil.copyfile(DATA / name, folder / name)
    np.savez_compressed(folder / cm.GATE_FILE, coef=np.zeros((2 * nf, len(cm.LABELS)), dtype=np.float16),
                        intercept=np.full(len(cm.LABELS), intercept, dtype=np.float32))
    meta = {"labels": list(cm.LABELS), "n_features": nf, "clear_below": {lab: clear for lab in cm.LABELS},
            "sha256": {cm.GATE_FILE: cm.sha256_file(folder / cm.GATE_FILE)}}
    (folder / cm.GATE_META_FILE).write_text(json.dumps(meta), encoding="utf-8")


def test_a_gate_that_is_sure_clears_without_the_encoder(tmp_path):
    fake_gate(tmp_path, intercept=-6.0, clear=0.5)          # every score 0.0025 < 0.5: all cleared
    m = cm.ConcernModel(tmp_path)
    assert m.has_gate
    before = m.rows_run
    probs, sent = m.predict_gated(["a quiet walk by the river", "you useless idiot"])
    assert not sent.any() and (probs == 0).all() and m.rows_run == before


def test_a_gate_that_is_unsure_sends_every_text_on(tmp_path):
    fake_gate(tmp_path, intercept=0.0, clear=0.4)           # every score 0.5 >= 0.4: all sent
    m = cm.ConcernModel(tmp_path)
    texts = ["a quiet walk by the river", "you useless idiot"]
    probs, sent = m.predict_gated(texts)
    assert sent.all() and np.array_equal(probs, m.predict(texts))


def test_a_changed_or_half_shipped_gate_is_a_clear_error(tmp_path):
    fake_gate(tmp_path, intercept=0.0, clear=0.4)
    with open(tmp_path / cm.GATE_FILE, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(cm.ConcernModelError, match="checksum"):
        cm.ConcernModel(tmp_path).predict_gated(["hello"])
    (tmp_path / cm.GATE_META_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(cm.ConcernModelError, match="damaged"):
        cm.ConcernModel(tmp_path).predict_gated(["hello"])
    (tmp_path / cm.GATE_META_FILE).unlink()
    m = cm.ConcernModel(tmp_path)                          # no settings: no gate, every text scored
    assert not m.has_gate
    assert m.predict_gated(["hello"])[1].all()


def fake_embedding_gate(folder: Path, word: str, clear: float = 0.5, dims: int = 4, hidden: int = 3) -> None:
    """An embedding-kind gate whose only signal is the token `word`: column 0 of the token table is 1 for
    it and 0 elsewhere, so the max-pooled feature is 1 exactly when the text has the word; every label
    then scores sigmoid(12 - 6) and otherwise sigmoid(-6)."""
    for name in (cm.META_FILE, cm.MODEL_FILE, cm.TOKENIZER_FILE):
        shutil.copyfile(DATA / name, folder / name)
    tok = cm.load_tokenizer(folder)
    wid = tok.token_to_id(word)
    assert wid is not None
    table = np.zeros((tok.get_vocab_size(), dims), dtype=np.int8)
    table[wid, 0] = 127
    w1 = np.zeros((2 * dims + 1, hidden), dtype=np.float16)
    w1[dims, 0] = 12.0                                   # the max of column 0
    w2 = np.zeros((hidden, len(cm.LABELS)), dtype=np.float16)
    w2[0, :] = 1.0
    np.savez_compressed(folder / cm.GATE_FILE, table=table, table_scale=np.full(dims, 1 / 127, dtype=np.float32),
                        w1=w1, b1=np.zeros(hidden, dtype=np.float32), w2=w2,
                        b2=np.full(len(cm.LABELS), -6.0, dtype=np.float32))
    meta = {"labels": list(cm.LABELS), "kind": "embedding", "clear_below": {lab: clear for lab in cm.LABELS},
            "sha256": {cm.GATE_FILE: cm.sha256_file(folder / cm.GATE_FILE)}}
    (folder / cm.GATE_META_FILE).write_text(json.dumps(meta), encoding="utf-8")


def test_an_embedding_gate_clears_what_it_is_sure_of_and_sends_the_rest(tmp_path):
    fake_embedding_gate(tmp_path, "idiot")
    m = cm.ConcernModel(tmp_path)
    texts = ["a quiet walk by the river", "you useless idiot", "", "IDIOT!!!"]
    scores = m.gate_scores(texts)
    assert scores.shape == (4, len(cm.LABELS))
    before = m.rows_run
    probs, sent = m.predict_gated(texts)
    assert m.rows_run - before == 2                      # only the two sent texts reached the encoder
    assert sent.tolist() == [False, True, False, True]
    assert (probs[~sent] == 0).all()
    assert np.array_equal(probs[sent], m.predict([texts[1], texts[3]]))


def test_a_damaged_embedding_gate_is_a_clear_error(tmp_path):
    fake_embedding_gate(tmp_path, "idiot")
    meta = json.loads((tmp_path / cm.GATE_META_FILE).read_text(encoding="utf-8"))
    with np.load(tmp_path / cm.GATE_FILE) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["w2"] = arrays["w2"][:, :3]                   # wrong shape, right checksum
    np.savez_compressed(tmp_path / cm.GATE_FILE, **arrays)
    meta["sha256"][cm.GATE_FILE] = cm.sha256_file(tmp_path / cm.GATE_FILE)
    (tmp_path / cm.GATE_META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(cm.ConcernModelError, match="wrong shapes"):
        cm.ConcernModel(tmp_path).predict_gated(["hello"])
    del arrays["table"]
    np.savez_compressed(tmp_path / cm.GATE_FILE, **arrays)
    meta["sha256"][cm.GATE_FILE] = cm.sha256_file(tmp_path / cm.GATE_FILE)
    (tmp_path / cm.GATE_META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(cm.ConcernModelError, match="lacks"):
        cm.ConcernModel(tmp_path).predict_gated(["hello"])
    meta["kind"] = "forest"
    (tmp_path / cm.GATE_META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(cm.ConcernModelError, match="damaged"):
        cm.ConcernModel(tmp_path).predict_gated(["hello"])


def test_embedding_features_pool_each_text_alone():
    table = np.array([[0, 0], [127, 0], [0, 127], [-127, 127]], dtype=np.int8)
    scale = np.full(2, 1 / 127, dtype=np.float32)
    F = cm.embed_gate_features([[1, 2], [], [3]], table, scale)
    assert F.shape == (3, 5)
    assert np.allclose(F[0], [0.5, 0.5, 1, 1, np.log(3)])
    assert np.allclose(F[1], 0)
    assert np.allclose(F[2], [-1, 1, -1, 1, np.log(2)])


def test_the_shipped_gate_if_any_matches_its_settings():
    if not (DATA / cm.GATE_FILE).is_file():
        pytest.skip("no gate shipped")
    meta = json.loads((DATA / cm.GATE_META_FILE).read_text(encoding="utf-8"))
    assert meta["sha256"][cm.GATE_FILE] == cm.sha256_file(DATA / cm.GATE_FILE)
    assert set(meta["clear_below"]) == set(cm.LABELS) and all(0 < v < 1 for v in meta["clear_below"].values())
    assert "concern_model.json" not in json.dumps(meta.get("sha256", {}))


# -- overlap = sequential ---------------------------------------------------------------------------
TEXTS = [
    "Night shift done, home to bed",
    "Our ward manager Debbie is the laziest, most useless woman I've ever worked under",
    "Call Kerensa on 07911 123456 if you want the tickets",
    "shut your fat mouth you useless piece of shit",
    "Lovely lady called Margaret Tregarthen on the ward today, 91 years old",
    "As a nurse I'm telling you: vaccines cause autism, do your research",
    "Made a lasagne for the first time and it actually worked",
    "Still hammered from last night and about to start my shift lol",
]


def scan_all(ctx, units, overlap: bool, monkeypatch) -> list[dict]:
    monkeypatch.setattr(engine, "OVERLAP", overlap)
    return [asdict(f) if isinstance(f, Finding) else repr(f) for f in engine.analyse_units(units, ctx)]


@pytest.mark.parametrize("real", [False, True], ids=["fixed-model", "shipped-model"])
def test_overlap_gives_the_sequential_findings(real, model, monkeypatch):
    nlp = T.rule_based_nlp({"PERSON": ["Debbie", "Kerensa", "Margaret Tregarthen"]})
    if real:
        concern = model
    else:
        concern = FixedConcerns(lambda t: {lab: (0.9 if (len(t) + j) % 5 == 0 else 0.05)
                                           for j, lab in enumerate(engine.LABELS)},
                                salient=lambda t, lab: t.split()[-2:])
    ctx = AnalysisContext(Config(Profile(full_name="Jordan Ashby")))
    ctx.cache[T.NLP_KEY], ctx.cache[T.PRESIDIO_KEY] = nlp, T.Presidio(nlp, "rule-based-test")
    ctx.cache[T.CONCERN_KEY] = concern
    when = datetime(2022, 2, 2, 9, 0, tzinfo=timezone.utc)
    units = [TextUnit(Post(f"twitter:{i}", "twitter", "post", when, f"{t} ({i})"), f"{t} ({i})")
             for i, t in enumerate(TEXTS * 3)]
    monkeypatch.setattr(engine, "CHUNK", 5)                 # five chunks: the worker always has one ahead
    seq = scan_all(ctx, units, False, monkeypatch)
    par = scan_all(ctx, units, True, monkeypatch)
    assert seq and par == seq


def test_an_error_in_the_worker_reaches_the_caller(monkeypatch):
    class Breaks(FixedConcerns):
        def predict_gated(self, texts):
            if any("boom" in t for t in texts):
                raise RuntimeError("model failed")
            return super().predict_gated(texts)
    nlp = T.rule_based_nlp({})
    ctx = AnalysisContext(Config())
    ctx.cache[T.NLP_KEY], ctx.cache[T.PRESIDIO_KEY] = nlp, T.Presidio(nlp, "rule-based-test")
    ctx.cache[T.CONCERN_KEY] = Breaks({}, default=float("nan"))
    when = datetime(2022, 2, 2, 9, 0, tzinfo=timezone.utc)
    units = [TextUnit(Post(f"twitter:{i}", "twitter", "post", when, t), t)
             for i, t in enumerate(["fine post"] * 6 + ["boom"])]
    monkeypatch.setattr(engine, "CHUNK", 3)
    monkeypatch.setattr(engine, "OVERLAP", True)
    with pytest.raises(RuntimeError, match="model failed"):
        list(engine.analyse_units(units, ctx))
