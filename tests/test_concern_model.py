"""The shipped concern classifier (auditor/analysers/text/model.py and data/concern_*): files and
checksums, shape and determinism, clear cases on the right side, explanations as character spans, no
network and no torch. Every text here is invented for this test."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from auditor.analysers.text import model as cm

DATA = Path(cm.__file__).parent.parent / "data"


@pytest.fixture(scope="module")
def model() -> cm.ConcernModel:
    return cm.ConcernModel(threads=1)


def test_shipped_files_match_their_checksums():
    meta = json.loads((DATA / cm.META_FILE).read_text(encoding="utf-8"))
    assert tuple(meta["labels"]) == cm.LABELS
    for name, digest in meta["sha256"].items():
        assert cm.sha256_file(DATA / name) == digest, name
    assert cm.MODEL_FILE in meta["sha256"] and cm.TOKENIZER_FILE in meta["sha256"]
    assert all(0 < meta["thresholds"][lab] < 1 for lab in cm.LABELS)
    assert (DATA / cm.MODEL_FILE).stat().st_size < 40e6


def test_shape_range_and_determinism(model):
    texts = ["Lovely sunny walk with the dog before my shift", "", "ok", "x " * 400]
    a = model.predict(texts)
    b = model.predict(list(reversed(texts)))[::-1]
    assert a.shape == (4, len(cm.LABELS)) and a.dtype == np.float32
    assert ((a >= 0) & (a <= 1)).all()
    assert np.array_equal(a, model.predict(texts))
    # the same text scores (almost) the same whatever else is in its batch
    assert np.abs(a - b).max() < 0.02
    assert model.predict([]).shape == (0, len(cm.LABELS))


CONCERNING = [
    ("confidentiality", "Just discharged Mrs Pennick from bed 7 on Larch ward, 84, lives alone on Quarry Lane, "
                        "her dementia is getting worse bless her"),
    ("personal-data", "Anyone know this guy? Darren Tolley, 14 Brimble Close, Swindon SN3 9QX, phone 07700 900614. "
                      "Share so everyone knows"),
    ("offensive", "shut your fat mouth you useless piece of shit, nobody wants you here"),
    ("discriminatory", "Another ward full of foreigners who can't speak a word of English, send them all back"),
    ("misinformation", "As a nurse I'm telling you: vaccines cause autism and the NHS is hiding it. Don't let them jab your kids"),
    ("boundaries", "Just added my patient from last week on here, she's gorgeous, might ask her out for a drink now she's discharged 😉"),
    ("conduct", "Still absolutely hammered from last night and about to start my shift on the ward lol, three vodkas for breakfast"),
    ("grievance", "Our ward manager Debbie is the laziest, most useless woman I've ever worked under and the trust "
                  "knows it. Absolute joke of a department"),
    ("workplace", "First day on Ward 9 at St Brannock's General! New navy scrubs and my name badge 😍 #nursing"),
    ("promotion", "As a registered nurse I recommend these detox capsules, they cured my clients' diabetes in 2 weeks! "
                  "DM me for 20% off"),
]

CLEAN = [
    "Lovely sunny walk with the dog before my shift, feeling ready for the week",
    "Casualty was brilliant tonight, that cliffhanger!",
    "Proud to have passed my final exams today, thank you to everyone who supported me",
    "Made a lasagne for the first time and it actually worked",
]


@pytest.mark.parametrize("label,text", CONCERNING, ids=[c[0] for c in CONCERNING])
def test_clear_concerns_are_flagged(model, label, text):
    p = model.predict([text])[0]
    j = cm.LABELS.index(label)
    assert p[j] >= model.thresholds[j], f"{label}: {p[j]:.3f} < {model.thresholds[j]:.3f}"


def test_clear_clean_posts_are_not_flagged(model):
    flags = model.flags(model.predict(CLEAN))
    assert not flags.any(), [(CLEAN[i], [cm.LABELS[j] for j in np.flatnonzero(flags[i])])
                             for i in range(len(CLEAN)) if flags[i].any()]


def test_correct_vaccine_advice_is_not_misinformation(model):
    j = cm.LABELS.index("misinformation")
    p = model.predict(["Reminder that flu jabs are free for over 65s at your GP surgery this autumn"])[0, j]
    assert p < model.thresholds[j]


def test_a_concern_late_in_a_long_post_is_still_read(model):
    filler = " ".join(["We had a lovely day out at the seaside with the kids and the weather held up."] * 20)
    text = filler + " " + CONCERNING[2][1]
    j = cm.LABELS.index("offensive")
    assert model.predict([text])[0, j] >= model.thresholds[j]


def test_a_long_text_gets_the_maximum_over_its_windows(model):
    """Each window is scored alone; the text keeps, per label, its strongest window (batch 1 and a
    batch where one text's windows share a call)."""
    model._load()
    text = "Quiet day at the allotment with the runner beans and a flask of tea. " * 12 + \
        "That useless idiot on nights left the drugs cupboard open again, what a moron."
    ids = model._tokenizer.encode(cm.normalise(text), add_special_tokens=False).ids
    windows = model._windows(ids)
    assert len(windows) >= 3
    each = np.stack([model._session.run(["logits"], {"input_ids": np.array([w], dtype=np.int64),
                                                     "attention_mask": np.ones((1, len(w)), dtype=np.int64)})[0][0]
                     for w in windows])
    got = model.logits([text, "ok"])
    assert np.array_equal(got[0], each.max(axis=0))
    assert np.array_equal(got[1], model.logits(["ok"])[0])
    wide = cm.ConcernModel(threads=1, batch_size=len(windows) + 1)
    z = wide.logits([text])[0]
    assert z.shape == (len(cm.LABELS),) and np.all(z > -30)


def test_rows_and_calls_are_the_windows_the_model_scores(model):
    """`rows` gives every window with the text it belongs to; `calls` runs them shortest first, each call
    padded to its longest row with the mask marking the real tokens (head_refit.py reads the same)."""
    long = "Quiet day at the allotment with the runner beans and a flask of tea. " * 12
    norm = [cm.normalise(t) for t in (long, "ok", "a shift like no other")]
    rows, owner = model.rows(norm)
    assert owner.tolist() == sorted(owner.tolist()) and set(owner.tolist()) == {0, 1, 2}
    assert (owner == 0).sum() >= 2 and (owner == 1).sum() == 1
    seen, last = [], 0
    for idx, ids, mask in model.calls(rows, 2):
        assert len(idx) <= 2 and ids.shape == mask.shape == (len(idx), max(len(rows[j]) for j in idx))
        for r, j in enumerate(idx):
            assert ids[r, :len(rows[j])].tolist() == rows[j] and mask[r].sum() == len(rows[j])
            assert (ids[r, len(rows[j]):] == model._pad).all()
            assert len(rows[j]) >= last
            last = len(rows[j])
        seen += idx
    assert sorted(seen) == list(range(len(rows)))


def test_salient_spans_point_at_the_words(model):
    text = "Great team on the ward today but honestly you are a useless fucking idiot Gary"
    spans = model.salient_spans(text, "offensive", k=3)
    assert spans and len(spans) <= 3
    assert all(0 <= s < e <= len(text) and w > 0 for s, e, w in spans)
    assert spans == sorted(spans, key=lambda x: -x[2])
    picked = " ".join(text[s:e] for s, e, _ in spans).lower()
    assert any(w in picked for w in ("fucking", "idiot", "useless"))
    assert model.salient_spans("", "offensive") == []


def test_missing_or_changed_file_is_a_clear_error(tmp_path):
    for name in (cm.META_FILE, cm.MODEL_FILE, cm.TOKENIZER_FILE):
        shutil.copyfile(DATA / name, tmp_path / name)
    m = cm.ConcernModel(tmp_path)
    with open(tmp_path / cm.MODEL_FILE, "r+b") as fh:
        fh.seek(1000)
        b = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([b[0] ^ 0xFF]))
    with pytest.raises(cm.ConcernModelError, match="checksum"):
        m.predict(["hello"])
    (tmp_path / cm.MODEL_FILE).unlink()
    with pytest.raises(cm.ConcernModelError, match="missing"):
        cm.ConcernModel(tmp_path).predict(["hello"])
    (tmp_path / cm.META_FILE).unlink()
    with pytest.raises(cm.ConcernModelError, match="missing"):
        cm.ConcernModel(tmp_path)


def test_every_file_the_settings_list_is_checked(tmp_path):
    """A bundle whose weights sit in a file beside the graph lists that file's sha256 too: a missing or
    changed one, or a name outside the folder, is a clear error before anything is scored."""
    for name in (cm.META_FILE, cm.MODEL_FILE, cm.TOKENIZER_FILE):
        shutil.copyfile(DATA / name, tmp_path / name)
    (tmp_path / "weights.bin").write_bytes(b"part of the weights")
    meta = json.loads((tmp_path / cm.META_FILE).read_text(encoding="utf-8"))
    meta["sha256"]["weights.bin"] = cm.sha256_file(tmp_path / "weights.bin")
    (tmp_path / cm.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    assert cm.ConcernModel(tmp_path).predict(["hello"]).shape == (1, len(cm.LABELS))
    (tmp_path / "weights.bin").write_bytes(b"part of the weightz")
    with pytest.raises(cm.ConcernModelError, match="weights.bin does not match its recorded checksum"):
        cm.ConcernModel(tmp_path).predict(["hello"])
    (tmp_path / "weights.bin").unlink()
    with pytest.raises(cm.ConcernModelError, match="missing: .*weights.bin"):
        cm.ConcernModel(tmp_path).predict(["hello"])
    meta["sha256"] = {**meta["sha256"], "../elsewhere.bin": "0" * 64}
    del meta["sha256"]["weights.bin"]
    (tmp_path / cm.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(cm.ConcernModelError, match="outside its folder"):
        cm.ConcernModel(tmp_path).predict(["hello"])


def test_window_and_pad_tokens_come_from_the_bundle(tmp_path):
    """A bundle names its encoder's window and pad tokens (a teacher's MPNet bundle: <s>, </s>, <pad>);
    one that names none gets BERT's; a named token the tokenizer lacks is a clear error."""
    for name in (cm.META_FILE, cm.MODEL_FILE, cm.TOKENIZER_FILE):
        shutil.copyfile(DATA / name, tmp_path / name)
    meta = json.loads((tmp_path / cm.META_FILE).read_text(encoding="utf-8"))
    m = cm.ConcernModel(tmp_path)
    m._load()
    tok = m._tokenizer
    meta.pop("self_check")           # other window tokens give other answers, which the self-check would refuse
    assert (m._cls, m._sep, m._pad) == (tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]"), tok.token_to_id("[PAD]"))
    meta["special_tokens"] = {"cls": "[unused1]", "sep": "[unused2]", "pad": "[unused3]"}
    (tmp_path / cm.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    m = cm.ConcernModel(tmp_path)
    m._load()
    w = m._windows([2000, 2001])[0]
    assert w == [tok.token_to_id("[unused1]"), 2000, 2001, tok.token_to_id("[unused2]")]
    assert m._pad == tok.token_to_id("[unused3]")
    meta["special_tokens"] = {"cls": "<s>"}
    (tmp_path / cm.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(cm.ConcernModelError, match="cls token '<s>' is not in its tokenizer"):
        cm.ConcernModel(tmp_path).predict(["hello"])


def test_cascade_model_keeps_unsent_texts_below_the_teachers_thresholds():
    """Texts the cheap model does not send never flag, and keep the cheap model's order; sent ones get
    the teacher's probabilities, and only they reach the teacher."""

    class Fake:
        def __init__(self, table, thresholds):
            self.table, self.thresholds, self.labels, self.meta = table, np.array(thresholds), cm.LABELS, {}
            self.data_dir, self.seen, self.rows_run = Path("."), [], 0

        def predict(self, texts):
            self.seen += list(texts)
            return np.array([self.table[t] for t in texts], dtype=np.float32)

    n = len(cm.LABELS)
    cheap = Fake({"calm": [0.05] * n, "edgy": [0.2] + [0.0] * (n - 1), "rude": [0.9] + [0.0] * (n - 1)}, [0.5] * n)
    teacher = Fake({"edgy": [0.1] + [0.0] * (n - 1), "rude": [0.95] + [0.0] * (n - 1)}, [0.6] * n)
    c = cm.Cascade(cheap, teacher, send=0.3)
    p = c.predict(["calm", "edgy", "rude"])
    assert teacher.seen == ["edgy", "rude"] and c.sent == 2
    assert np.allclose(p[0], 0.1 * 0.6) and not c.flags(p)[0].any()
    assert np.isclose(p[1, 0], 0.1) and np.isclose(p[2, 0], 0.95)
    assert c.flags(p)[:, 0].tolist() == [False, False, True]
    with pytest.raises(cm.ConcernModelError):
        cm.Cascade(cheap, teacher, send=0)
    # one share per label: "edgy" (0.4 of the first label's threshold) is sent at 0.3 on that label, not at 0.5
    per = {lab: 0.3 for lab in cm.LABELS}
    teacher.seen = []
    assert cm.Cascade(cheap, teacher, send=per).predict(["calm", "edgy", "rude"]).shape == (3, n)
    assert teacher.seen == ["edgy", "rude"]
    teacher.seen = []
    c = cm.Cascade(cheap, teacher, send={**per, cm.LABELS[0]: 0.5})
    p = c.predict(["calm", "edgy", "rude"])
    assert teacher.seen == ["rude"] and c.sent == 1
    assert np.isclose(p[1, 0], 0.4 * 0.6) and c.flags(p)[:, 0].tolist() == [False, False, True]
    for bad in ({**per, cm.LABELS[0]: 1.5}, {cm.LABELS[0]: 0.3}, {**per, "ward": 0.3}):
        with pytest.raises(cm.ConcernModelError, match="send"):
            cm.Cascade(cheap, teacher, send=bad)


def test_cascade_either_keeps_the_small_models_flags_on_its_labels():
    """On an `either` label a text is flagged when either model flags it (sent or not), still ordered by
    confidence; other labels stay the teacher's alone; an unknown label is a clear error."""

    class Fake:
        def __init__(self, table, thresholds):
            self.table, self.thresholds, self.labels, self.meta = table, np.array(thresholds), cm.LABELS, {}
            self.data_dir, self.rows_run = Path("."), 0

        def predict(self, texts):
            return np.array([self.table[t] for t in texts], dtype=np.float32)

    n, wp, off = len(cm.LABELS), cm.LABELS.index("workplace"), cm.LABELS.index("offensive")

    def row(**kw):
        r = [0.0] * n
        for lab, v in kw.items():
            r[cm.LABELS.index(lab)] = v
        return r

    cheap = Fake({"ward": row(workplace=0.8, offensive=0.8), "near": row(workplace=0.2), "calm": row()}, [0.5] * n)
    teacher = Fake({"ward": row(workplace=0.1, offensive=0.1), "near": row(workplace=0.7)}, [0.6] * n)
    plain = cm.Cascade(cheap, teacher, send=0.3)
    both = cm.Cascade(cheap, teacher, send=0.3, either=["workplace"])
    texts = ["ward", "near", "calm"]
    fp, fb = plain.flags(plain.predict(texts)), both.flags(both.predict(texts))
    assert fp[:, wp].tolist() == [False, True, False]
    assert fb[:, wp].tolist() == [True, True, False]          # the small model's flag on "ward" is kept
    assert fb[:, off].tolist() == fp[:, off].tolist() == [False, False, False]
    pb = both.predict(texts)
    assert np.isclose(pb[0, wp], 0.8 / 0.5 * 0.6) and np.isclose(pb[1, wp], 0.7)
    assert "either model's flag for workplace" in both.meta["encoder"]
    with pytest.raises(cm.ConcernModelError, match="unknown labels"):
        cm.Cascade(cheap, teacher, send=0.3, either=["workplaces"])


def test_a_cascade_is_opened_from_the_settings(tmp_path):
    """concern_model.json's `cascade` names the teacher's subfolder and `send`: the folder opens as a
    Cascade whose thresholds are the teacher's; a damaged setting or a teacher outside the folder is a
    clear error."""
    for d in (tmp_path, tmp_path / "teacher"):
        d.mkdir(exist_ok=True)
        for name in (cm.META_FILE, cm.MODEL_FILE, cm.TOKENIZER_FILE):
            shutil.copyfile(DATA / name, d / name)
        plain = json.loads((d / cm.META_FILE).read_text(encoding="utf-8"))
        plain.pop("cascade", None)            # the shipped small model's own settings may name a cascade
        (d / cm.META_FILE).write_text(json.dumps(plain), encoding="utf-8")
    assert isinstance(cm.open_model(tmp_path), cm.ConcernModel)
    meta = json.loads((tmp_path / cm.META_FILE).read_text(encoding="utf-8"))
    tmeta = json.loads((tmp_path / "teacher" / cm.META_FILE).read_text(encoding="utf-8"))
    tmeta["thresholds"] = {lab: 0.9 for lab in cm.LABELS}
    (tmp_path / "teacher" / cm.META_FILE).write_text(json.dumps(tmeta), encoding="utf-8")
    for spec, err in (({"teacher": "teacher", "send": 0.5}, None), ({"teacher": "teacher"}, "damaged"),
                      ({"teacher": "../teacher", "send": 0.5}, "subfolder"), ({"teacher": "teacher", "send": 2}, "send"),
                      ({"teacher": "teacher", "send": 0.5, "either": ["workplace", "personal-data"]}, None),
                      ({"teacher": "teacher", "send": 0.5, "either": ["workplace", "ward"]}, "unknown labels"),
                      ({"teacher": "teacher", "send": 0.5, "either": "workplace"}, "damaged"),
                      ({"teacher": "teacher", "send": {lab: 0.4 for lab in cm.LABELS}}, None),
                      ({"teacher": "teacher", "send": {"offensive": 0.4}}, "one share for each"),
                      ({"teacher": "teacher", "send": {lab: "high" for lab in cm.LABELS}}, "damaged")):
        (tmp_path / cm.META_FILE).write_text(json.dumps({**meta, "cascade": spec}), encoding="utf-8")
        if err:
            with pytest.raises(cm.ConcernModelError, match=err):
                cm.open_model(tmp_path)
            continue
        c = cm.open_model(tmp_path)
        assert isinstance(c, cm.Cascade) and np.allclose(c.thresholds, 0.9)
        p = c.predict(["Great shift with a lovely team today", "you are a useless fucking idiot"])
        assert p.shape == (2, len(cm.LABELS)) and c.sent >= 1 and c.rows_run >= 3
        assert c.flags(p).shape == (2, len(cm.LABELS))
        assert c.salient_spans("you are a useless fucking idiot", "offensive")
    # a damaged teacher file is a clear error on first use, naming the file (the engine turns it into
    # "reinstall the tool"), never a silent fall back to the small model alone
    (tmp_path / cm.META_FILE).write_text(json.dumps({**meta, "cascade": {"teacher": "teacher", "send": 0.5}}),
                                         encoding="utf-8")
    (tmp_path / "teacher" / cm.MODEL_FILE).write_bytes(b"not a model")
    c = cm.open_model(tmp_path)
    with pytest.raises(cm.ConcernModelError, match="teacher.*checksum"):
        c.predict(["you are a useless fucking idiot"])


def test_runs_with_network_blocked(no_network):
    m = cm.ConcernModel(threads=1)
    assert m.predict(["Night shift done, home to bed"]).shape == (1, len(cm.LABELS))
    assert no_network == []


def test_no_torch_or_transformers_at_run_time():
    code = textwrap.dedent("""
        import sys
        from auditor.analysers.text import model as cm
        m = cm.ConcernModel(threads=1)
        m.predict(["a test post"]); m.salient_spans("you idiot", "offensive")
        bad = [x for x in ("torch", "transformers", "sentence_transformers") if x in sys.modules]
        assert not bad, bad
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]


def test_model_files_are_binary_to_git():
    """Every model file of the shipped folders is marked binary in data/.gitattributes, so a checkout
    never converts its line endings (a weights file without NUL bytes would otherwise pass for text)."""
    from fnmatch import fnmatch
    lines = (DATA / ".gitattributes").read_text(encoding="utf-8").splitlines()
    binary = [ln.split()[0] for ln in lines if ln.strip() and not ln.startswith("#") and "binary" in ln.split()[1:]]
    files = [f for f in DATA.rglob("*") if f.is_file() and f.suffix in (".onnx", ".bin", ".npz")]
    assert any(f.suffix == ".bin" for f in files)
    for f in files:
        assert any(fnmatch(f.name, g) for g in binary), f


def test_package_data_ships_the_model():
    import tomllib
    from fnmatch import fnmatch
    root = Path(__file__).resolve().parent.parent
    cfg = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    globs = cfg["tool"]["setuptools"]["package-data"]["auditor.analysers.data"]
    for name in (cm.META_FILE, cm.MODEL_FILE, cm.TOKENIZER_FILE):
        assert any(fnmatch(name, g) for g in globs), name
    spec = json.loads((DATA / cm.META_FILE).read_text(encoding="utf-8")).get("cascade")
    if spec:        # the teacher's folder ships too: its settings and every file they check
        sub = DATA / spec["teacher"]
        tmeta = json.loads((sub / cm.META_FILE).read_text(encoding="utf-8"))
        for name in [cm.META_FILE, *tmeta["sha256"]]:
            assert (sub / name).is_file(), name
            sub_globs = cfg["tool"]["setuptools"]["package-data"][f"auditor.analysers.data.{spec['teacher']}"]
            assert any(fnmatch(name, g) for g in sub_globs), name
        assert f"auditor.analysers.data.{spec['teacher']}" in cfg["tool"]["setuptools"]["packages"]
    deps = " ".join(cfg["project"]["dependencies"])
    assert "onnxruntime" in deps and "tokenizers" in deps


def test_a_text_scored_lately_is_not_scored_again_and_gets_the_same_row(monkeypatch):
    """The memo: the same words (after normalising) are scored once, within a call and across calls; the
    remembered row equals a fresh model's (a long text read in several windows included); the oldest
    text is forgotten past MEMO."""
    long = "Our ward manager is useless and nobody listens. " * 40      # several windows
    texts = ["you absolute useless prick", "Lovely walk by the canal", long, "you absolute useless prick"]
    fresh = cm.ConcernModel()
    monkeypatch.setattr(fresh, "MEMO", 0)
    want = fresh.logits(texts)
    m = cm.ConcernModel()
    r0 = m.rows_run
    got = m.logits(texts)
    windows = m.rows_run - r0
    assert np.array_equal(got, want)
    assert windows == fresh.rows_run - 1 and windows >= 4     # the repeated text once; the long one in windows
    r1 = m.rows_run
    assert np.array_equal(m.logits(["Lovely walk by the canal", "you  absolute useless prick"]), want[[1, 0]])
    assert m.rows_run == r1                        # both remembered (the second differs only in spacing)
    monkeypatch.setattr(m, "MEMO", 2)
    m.logits(["one new text", "another new text"])  # the memo keeps only these two now
    r2 = m.rows_run
    m.logits(["Lovely walk by the canal"])
    assert m.rows_run == r2 + 1                    # forgotten, scored again
    m.forget()
    m.logits(["one new text"])
    assert m.rows_run == r2 + 2
