"""benchmarks/training/continue_teacher.py (MODEL_CARD rules E/E2): which older writer files are replayed, the
prepare command it runs, and the candidate folder it writes (the shipped small model and cascade settings, the
new teacher network with the shipped teacher's calibration and thresholds). Invented files; no torch, no onnx."""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import pytest
from conftest import load_training_script


@pytest.fixture(scope="module")
def ct():
    return load_training_script("continue_teacher")


def writer_files(folder: Path, names) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        (folder / n).write_text('{"id": "x-1", "text": "hello", "categories": []}\n', encoding="utf-8")
    return folder


def test_replay_leaves_out_the_new_and_the_screening_files(ct, tmp_path):
    d = writer_files(tmp_path / "data", ["writer_a.jsonl", "writer_b.jsonl", "writer_al.jsonl", "writer_am.jsonl",
                                         "writer_an.jsonl"])
    assert ct.replay_samples(d, ["writer_an.jsonl"], 200) == ["written:writer_a.jsonl=200",
                                                              "written:writer_b.jsonl=200"]


def test_a_new_file_that_does_not_exist_stops_with_its_name(ct, tmp_path):
    d = writer_files(tmp_path / "data", ["writer_a.jsonl"])
    with pytest.raises(SystemExit, match="writer_zz.jsonl"):
        ct.replay_samples(d, ["writer_zz.jsonl"], 80)


def test_prepare_runs_the_shipped_teachers_recipe_with_the_replay(ct, tmp_path):
    d = writer_files(tmp_path / "data", ["writer_a.jsonl", "writer_h.jsonl", "writer_an.jsonl"])
    a = argparse.Namespace(run="R", init="T.pt", new="writer_an.jsonl", replay=80, epochs=1.5, lr=2e-5, head_lr=3e-4,
                           mirrors="M", shared="S", data_dir=str(d))
    args = ct.prepare_args(a)
    pairs = list(zip(args, args[1:]))
    assert args[1] == "prepare" and ("--encoder", "mpnet") in pairs and ("--init", "T.pt") in pairs
    assert ("--scheme", "aux-ind") in pairs and ("--epochs", "1.5") in pairs
    assert {p for f, p in pairs if f == "--public"} == {"ghc", "covidrumor", "healthmisinfo"}
    samples = [p for f, p in pairs if f == "--sample"]
    assert "written:writer_a.jsonl=80" in samples and "written:writer_h.jsonl=80" in samples
    assert not any("writer_an" in s for s in samples)           # every row of a new file
    assert ("--dis-offensive-unknown", "writer_a.jsonl") in pairs


def shipped_folder(root: Path, cascade: bool = True) -> Path:
    root.mkdir()
    small = {"labels": ["conduct"], "thresholds": {"conduct": 0.5}}
    if cascade:
        small["cascade"] = {"teacher": "concern_teacher", "send": 0.3, "either": ["workplace"]}
    (root / "concern_model.json").write_text(json.dumps(small), encoding="utf-8")
    (root / "concern_model.onnx").write_bytes(b"small network")
    (root / "concern_tokenizer.json").write_text("{}", encoding="utf-8")
    t = root / "concern_teacher"
    t.mkdir()
    (t / "concern_model.json").write_text(json.dumps({
        "labels": ["conduct"], "thresholds": {"conduct": 0.4}, "calibration": {"conduct": {"a": 1.1, "b": -0.1}},
        "special_tokens": {"cls": "<s>"}, "figures_heldout": {"old": 1}, "sha256": {"concern_model.onnx": "old"},
        "self_check": {"texts": ["hi"], "logits": [[0.5]]}}),
        encoding="utf-8")
    (t / "concern_tokenizer.json").write_text('{"mpnet": true}', encoding="utf-8")
    return root


def trained_run(root: Path) -> Path:
    (root / "onnx-int8dyn").mkdir(parents=True)
    (root / "onnx-int8dyn" / "concern_model.onnx").write_bytes(b"new teacher network")
    (root / "data_summary.json").write_text(json.dumps({"training_rows": {"written": 10}, "sampled": {},
                                                       "table_sha256_16": "abc"}), encoding="utf-8")
    (root / "settings.json").write_text(json.dumps({"encoder": "mpnet", "lr": 2e-5}), encoding="utf-8")
    return root


def test_bundle_keeps_the_shipped_calibration_thresholds_and_small_model(ct, tmp_path):
    shipped, run, out = shipped_folder(tmp_path / "shipped"), trained_run(tmp_path / "run"), tmp_path / "cand"
    ct.bundle(run, out, shipped=shipped, split_mb=0, self_check=False)
    for f in ("concern_model.json", "concern_model.onnx", "concern_tokenizer.json"):
        assert (out / f).read_bytes() == (shipped / f).read_bytes()
    teacher = out / "concern_teacher"
    meta = json.loads((teacher / "concern_model.json").read_text(encoding="utf-8"))
    assert meta["thresholds"] == {"conduct": 0.4} and meta["calibration"] == {"conduct": {"a": 1.1, "b": -0.1}}
    assert meta["special_tokens"] == {"cls": "<s>"} and "figures_heldout" not in meta
    assert "self_check" not in meta                  # the shipped teacher's answers, not the new network's
    assert (teacher / "concern_model.onnx").read_bytes() == b"new teacher network"
    assert meta["sha256"]["concern_model.onnx"] == hashlib.sha256(b"new teacher network").hexdigest()
    assert (teacher / "concern_tokenizer.json").read_text(encoding="utf-8") == '{"mpnet": true}'
    assert meta["training"]["settings"]["lr"] == 2e-5 and "unchanged" in meta["training"]["rule"]


def test_bundle_needs_an_export_and_a_shipped_cascade(ct, tmp_path):
    shipped, out = shipped_folder(tmp_path / "shipped"), tmp_path / "cand"
    with pytest.raises(SystemExit, match="export"):
        ct.bundle(tmp_path / "no-run", out, shipped=shipped, split_mb=0, self_check=False)
    plain = shipped_folder(tmp_path / "plain", cascade=False)
    with pytest.raises(SystemExit, match="not a cascade"):
        ct.bundle(trained_run(tmp_path / "run"), out, shipped=plain, split_mb=0, self_check=False)


def test_bundle_moves_a_named_threshold_and_records_it(ct, tmp_path):
    shipped, run, out = shipped_folder(tmp_path / "shipped"), trained_run(tmp_path / "run"), tmp_path / "cand"
    ct.bundle(run, out, shipped=shipped, split_mb=0, self_check=False, rule="MODEL_CARD rule F",
              thresholds=ct.parse_thresholds(["conduct=0.45"]))
    meta = json.loads((out / "concern_teacher" / "concern_model.json").read_text(encoding="utf-8"))
    assert meta["thresholds"] == {"conduct": 0.45} and meta["calibration"] == {"conduct": {"a": 1.1, "b": -0.1}}
    assert meta["training"]["rule"].startswith("MODEL_CARD rule F: ") and "conduct 0.4 -> 0.45" in meta["training"]["rule"]
    assert "unchanged" not in meta["training"]["rule"]


def test_a_threshold_for_no_label_or_out_of_range_stops_with_a_message(ct, tmp_path):
    shipped, run, out = shipped_folder(tmp_path / "shipped"), trained_run(tmp_path / "run"), tmp_path / "cand"
    with pytest.raises(SystemExit, match="not a label of the teacher .*conduct"):
        ct.bundle(run, out, shipped=shipped, split_mb=0, self_check=False, thresholds={"grumpiness": 0.3})
    assert not out.exists()
    for bad in ("conduct", "conduct=high", "conduct=1.5"):
        with pytest.raises(SystemExit, match="label=value"):
            ct.parse_thresholds([bad])


def test_prepare_with_distil_shipped_names_the_shipped_graph_and_the_share(ct, tmp_path):
    d = writer_files(tmp_path / "data", ["writer_a.jsonl", "writer_an.jsonl"])
    a = argparse.Namespace(run="R", init="T.pt", new="writer_an.jsonl", replay=200, epochs=1.0, lr=2e-5, head_lr=3e-4,
                           mirrors="M", shared="S", data_dir=str(d), distil_shipped=0.5)
    pairs = list(zip(*(lambda x: (x, x[1:]))(ct.prepare_args(a))))
    teacher = Path(dict(pairs)["--teacher"])
    assert teacher.parent.name == "concern_teacher" and teacher.name == "concern_model.onnx" and teacher.is_file()
    assert ("--alpha", "0.5") in pairs and ("--distil", "kl") in pairs
    a.distil_shipped = None
    assert "--teacher" not in ct.prepare_args(a)
    a.distil_shipped = 1.0
    with pytest.raises(SystemExit, match="between 0 and 1"):
        ct.prepare_args(a)


class FakeRun:
    """What shipped_logits reads of a run folder: settings, the table's row ids, cached token ids, training rows."""
    def __init__(self, folder: Path, teacher: str = "/x/concern_teacher/concern_model.onnx"):
        import numpy as np
        self.dir = folder
        self.settings = {"teacher": teacher, "encoder": "mpnet"}
        self._rowid = ["w-1", "w-2", "olid-3", "w-4"]
        self._np = np

    def table(self):
        return (argparse.Namespace(rowid=self._np.array(self._rowid)), None)

    def tokens(self):
        return [[0, 5, 2], [0, 6, 7, 2], [0, 8, 2], [0, 9, 9, 9, 2]]

    def training_rows(self):
        return self._np.array([0, 1, 3])


def test_shipped_logits_fill_the_teacher_cache_that_training_reads(ct, tmp_path, monkeypatch):
    import numpy as np
    run = FakeRun(tmp_path)
    monkeypatch.setattr(ct.tcm, "Run", lambda path: run)
    seen = []

    def score(ids):
        seen.append(ids)
        return np.arange(11, dtype=np.float32) + len(ids)

    assert ct.shipped_logits(tmp_path, score=score) == 3
    assert seen == [[0, 5, 2], [0, 6, 7, 2], [0, 9, 9, 9, 2]]        # each training row alone, the held-out one never
    cached, need = ct.tcm.teacher_cache(tmp_path / "teacher.npz", run.settings["teacher"], run._rowid,
                                        run.training_rows())
    assert not len(need)                                             # train never loads a torch teacher
    assert cached[1, 0] == 4 and cached[3, 10] == 15 and np.isnan(cached[2]).all()
    other, need = ct.tcm.teacher_cache(tmp_path / "teacher.npz", "another.pt", run._rowid, run.training_rows())
    assert len(need) == 3                                            # a cache of another teacher is not used


def test_shipped_logits_need_a_run_prepared_with_a_teacher(ct, tmp_path, monkeypatch):
    run = FakeRun(tmp_path)
    run.settings = {"encoder": "mpnet"}
    monkeypatch.setattr(ct.tcm, "Run", lambda path: run)
    with pytest.raises(SystemExit, match="--distil-shipped"):
        ct.shipped_logits(tmp_path)
    run.settings = {"encoder": "mpnet", "teacher": str(tmp_path / "t.pt")}
    with pytest.raises(SystemExit, match="not an ONNX graph"):
        ct.shipped_logits(tmp_path)
