"""The photo-content model's training data: the manifest keeps dev apart from training, records a
licence for every picture, never names a repository reserved for the independent check, and holds
the hard negatives a camera roll is full of (pages, screenshots light and dark, photos of paper,
whiteboards, charts) on both sides."""
from __future__ import annotations

import csv
import importlib.util
from collections import Counter
from pathlib import Path

import pytest

VISION = Path(__file__).resolve().parent.parent / "benchmarks" / "vision"


def _rows() -> list[dict]:
    with open(VISION / "manifest.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"_vision_{name}", VISION / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def test_every_row_has_a_licence_a_split_and_a_unique_file():
    rows = _rows()
    assert all(r["licence"].strip() for r in rows)
    assert {r["split"] for r in rows} == {"train", "dev"}
    files = [r["file"] for r in rows]
    assert len(files) == len(set(files))


def test_no_reserved_repository_is_used():
    import sys
    sys.path.insert(0, str(VISION))
    reserved = _module("collect").RESERVED
    used = {r["source"].split(":", 1)[1].split("@", 1)[0] for r in _rows() if r["source"].startswith("github:")}
    assert not used & reserved


def test_drawn_negatives_of_every_kind_on_both_sides_with_different_seeds():
    rows = [r for r in _rows() if r["source"].startswith("render:") and r["label"] == "negative"]
    kinds = Counter((r["kind"], r["split"]) for r in rows)
    for kind in ("page", "screenshot", "dark-mode", "paper-photo", "whiteboard", "chart", "graphic"):
        assert kinds[(kind, "train")] >= 50, kind
        assert kinds[(kind, "dev")] >= 15, kind
    train = {r["path"] for r in rows if r["split"] == "train"}
    dev = {r["path"] for r in rows if r["split"] == "dev"}
    assert not train & dev


def test_dev_renders_use_typefaces_never_used_for_training():
    mod = _module("render_negatives")
    assert not set(mod.TRAIN_FACES) & set(mod.DEV_FACES)
    for v in ("train", "dev"):
        assert not set(mod.MONO[v]) & set(mod.MONO["dev" if v == "train" else "train"])
    assert mod.variant(mod.DEV_SEED) == "dev" and mod.variant(mod.DEV_SEED - 1) == "train"


@pytest.mark.skipif(not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists(),
                    reason="the DejaVu typefaces the drawings use are not installed")
def test_renderers_are_deterministic():
    mod = _module("render_negatives")
    for name, fn in mod.RENDERERS.items():
        if name in ("render:paper", "render:board"):
            continue                                   # slow (large photos); drawn by the same helpers
        a, b = fn(3), fn(3)
        assert a.tobytes() == b.tobytes(), name
        assert a.size[0] > 100 and a.size[1] > 100


def _collect():
    import sys
    sys.path.insert(0, str(VISION))
    return _module("collect")


def test_weapon_dev_videos_are_never_trained_on():
    # the weapon dev split is frames of two CCTV videos; frames of those videos in the export's train
    # split are left out of training, so dev measures videos the head never saw
    mod = _collect()
    rows = [r for r in _rows() if "new-dataset-weapon" in r["source"]]
    train_videos = {mod.weapon_video(r["path"]) for r in rows if r["split"] == "train"}
    dev_videos = {mod.weapon_video(r["path"]) for r in rows if r["split"] == "dev"}
    assert dev_videos and "" not in dev_videos
    assert not (train_videos - {""}) & dev_videos
    assert sum(r["split"] == "train" for r in rows) >= 1000


def test_weapon_video_and_xray_patient_names():
    mod = _collect()
    assert mod.weapon_video("valid/images/1-opencv0-00-14-03_jpg.rf.9b9c.jpg") == "1"
    assert mod.weapon_video("train/images/Russian-AK-47-FullAuto-opencv0-01-30-02_jpg.rf.5e.jpg") == \
        "Russian-AK-47-FullAuto"
    assert mod.weapon_video("train/images/knife_1074_jpg.rf.f4d1.jpg") == ""
    assert mod.xray_patient("dataset/test/PNEUMONIA/person12_virus_3.jpeg") == "person12"
    assert mod.xray_patient("dataset/train/NORMAL/NORMAL2-IM-0117-0001.jpeg") == "IM-0117"
    assert mod.xray_patient("dataset/test/NORMAL/IM-0117-0001.jpeg") == "IM-0117"


def test_chest_xray_patients_are_in_one_split_only():
    mod = _collect()
    rows = [r for r in _rows() if "ai-pneumonia-detection" in r["source"]]
    train = {mod.xray_patient(r["path"]) for r in rows if r["split"] == "train"}
    dev = {mod.xray_patient(r["path"]) for r in rows if r["split"] == "dev"}
    assert train and dev and not train & dev


def test_new_clinical_kinds_are_on_both_sides():
    rows = [r for r in _rows() if r["label"] == "clinical"]
    for source, kind in (("ai-pneumonia-detection", "x-ray"), ("ultrasound-automated-algorithm", "ultrasound"),
                         ("mopadi", "histology")):
        sub = [r for r in rows if source in r["source"]]
        assert {r["kind"] for r in sub} == {kind}, source
        assert {r["split"] for r in sub} == {"train", "dev"}, source
    # the ultrasound dev pictures come from other scanners and investigators than the training ones
    us = [r for r in rows if r["kind"] == "ultrasound" and "ultrasound-automated-algorithm" in r["source"]]
    assert {r["path"].split("/")[3] for r in us if r["split"] == "train"} == {"dataset 1", "dataset 2"}
    assert {r["path"].split("/")[3] for r in us if r["split"] == "dev"} == {"dataset 3", "dataset 4"}


def test_fold_key_keeps_copies_and_video_frames_together():
    import sys
    sys.path.insert(0, str(VISION))
    mod = _module("train_heads")
    src = "github:x/y@0"
    a = mod.fold_key({"source": src, "path": "train/images/knife_1_jpg.rf.aaa.jpg"})
    b = mod.fold_key({"source": src, "path": "train/images/knife_1_jpg.rf.bbb.jpg"})
    c = mod.fold_key({"source": src, "path": "train/images/knife_2_jpg.rf.aaa.jpg"})
    assert a == b != c
    f1 = mod.fold_key({"source": src, "path": "train/images/2-opencv0-00-22-02_jpg.rf.1.jpg"})
    f2 = mod.fold_key({"source": src, "path": "train/images/2-opencv0-03-10-01_jpg.rf.2.jpg"})
    f3 = mod.fold_key({"source": src, "path": "train/images/20-opencv0-03-10-01_jpg.rf.2.jpg"})
    assert f1 == f2 != f3


def test_choose_c_keeps_the_c_with_the_best_recall_at_the_threshold():
    import sys
    import numpy as np
    sys.path.insert(0, str(VISION))
    mod = _module("train_heads")
    rng = np.random.default_rng(0)
    n = 400
    y = (np.arange(n) % 4 == 0).astype(int)
    X = rng.normal(size=(n, 8)) + y[:, None] * np.array([2.5, 1.5, 0, 0, 0, 0, 0, 0])
    folds = np.arange(n) % 5
    C, auc, s, a, b, prob, t = mod.choose_c(X, y, folds)
    assert C in mod.C_GRID and 0.9 < auc <= 1.0
    assert s.shape == (n,) and prob.shape == (n,) and 0.2 <= t <= 1.0
    # no other C of the grid has a better out-of-fold recall at its own threshold
    best = float((prob >= t)[y == 1].mean())
    for c in mod.C_GRID:
        s2 = mod.oof_scores(X, y, folds, c)
        a2, b2 = mod.platt(s2, y)
        p2 = 1 / (1 + np.exp(-(a2 * s2 + b2)))
        t2 = mod.threshold_for(p2, y, mod.TARGET_PRECISION)
        assert float((p2 >= t2)[y == 1].mean()) <= best + 1e-3
    # a planning prevalence lower than the training share can only raise the threshold
    *_, t_rare = mod.choose_c(X, y, folds, 0.02)
    assert t_rare >= t - 1e-9


def test_which_pictures_count_as_negatives_for_which_head():
    import sys
    sys.path.insert(0, str(VISION))
    mod = _module("train_heads")
    photo = {"source": "github:a/b@0", "path": "train/images/armas--11-_jpg.rf.3.jpg", "label": "weapon", "kind": ""}
    frame = {"source": "github:a/b@0", "path": "train/images/2-opencv0-00-22-02_jpg.rf.f.jpg", "label": "weapon",
             "kind": ""}
    police = {"source": "github:c/d@0", "path": "idenprof/train/police/police-1.jpg", "label": "uniform",
              "kind": "police"}
    page = {"source": "render:page", "path": "page-3", "label": "negative", "kind": "page"}
    xray = {"source": "github:e/f@0", "path": "x.jpg", "label": "clinical", "kind": "x-ray"}
    # weapon photographs may show police and soldiers: not uniform negatives; CCTV frames are
    assert not mod.counts_as_negative("uniform", photo) and mod.counts_as_negative("uniform", frame)
    # shop robberies in front of shelves of bottles: no weapon picture is an alcohol negative
    assert not mod.counts_as_negative("alcohol", photo) and not mod.counts_as_negative("alcohol", frame)
    assert not mod.counts_as_negative("weapon", police) and mod.counts_as_negative("clinical", police)
    assert not mod.counts_as_negative("uniform", page) and mod.counts_as_negative("clinical", page)
    assert mod.counts_as_negative("uniform", xray) and mod.counts_as_negative("weapon", xray)


def test_breast_ultrasound_keeps_diagnoses_apart_and_uses_no_masks():
    """BUSI gives no patient numbers: a woman's pictures share her diagnosis, so benign and normal
    train and malignant is dev; the segmentation masks are never pictures."""
    rows = [r for r in _rows() if "BMI702_project" in r["source"]]
    assert rows and all(r["label"] == "clinical" and r["kind"] == "ultrasound" for r in rows)
    assert {r["path"].split("/")[1] for r in rows if r["split"] == "train"} == {"benign", "normal"}
    assert {r["path"].split("/")[1] for r in rows if r["split"] == "dev"} == {"malignant"}
    assert not any("_mask" in r["path"] for r in rows)
    assert all(r["path"].startswith("Dataset_BUSI_with_GT/") and r["licence"].startswith("CC BY 4.0") for r in rows)


def test_fetal_ultrasound_cases_are_in_one_split_only_and_in_black_and_white():
    """The fetal frames are one dataset's scans with a detector's red boxes drawn on: every frame is
    used in black and white, and a case (finding and number: scans '20a', '20b' may be one pregnancy;
    Roboflow's augmented copies share the scan's name) is on one side only."""
    mod = _collect()
    assert mod.fetal_scan("runs/detect/exp/m-magna-29b_aug_3_png_jpg.rf.2d16.jpg") == "m-magna-29"
    assert mod.fetal_scan("runs/detect/exp/m-magna-29n_png_jpg.rf.aa.jpg") == "m-magna-29"
    assert mod.fetal_scan("runs/detect/exp/cerebellah-hypoplasia_20c_png_jpg.rf.1.jpg") == \
        mod.fetal_scan("runs/detect/exp/cerebellah-hypoplasia-20a_aug_2_png_jpg.rf.2.jpg")
    assert mod.fetal_scan("runs/detect/exp/arachnoid-cyst-27p_png_jpg.rf.3.jpg") != \
        mod.fetal_scan("runs/detect/exp/arachnoid-cyst-36a_png_jpg.rf.4.jpg")
    rows = [r for r in _rows() if "FETAL-ABNORMALITY" in r["source"]]
    assert rows and all(r["label"] == "clinical" and r["kind"] == "ultrasound" and r["transform"] == "grey"
                        for r in rows)
    assert all(r["path"].startswith("runs/detect/exp/") and r["licence"].startswith("CC BY 4.0") for r in rows)
    train = {mod.fetal_scan(r["path"]) for r in rows if r["split"] == "train"}
    dev = {mod.fetal_scan(r["path"]) for r in rows if r["split"] == "dev"}
    assert train and dev and not train & dev


def test_added_clinical_sources_are_clinical_positives_only():
    """Breast and fetal ultrasound are positives of the clinical head and negatives of no other head
    (as uniform negatives they only moved its threshold); other clinical pictures stay negatives."""
    import sys
    sys.path.insert(0, str(VISION))
    mod = _module("train_heads")
    rows = [r for r in _rows() if r["source"].split("@")[0] in mod.CLINICAL_ONLY]
    assert {r["source"].split("@")[0].split("/")[-1] for r in rows} == {
        "BMI702_project", "FETAL-ABNORMALITY", "projectspring2024", "Iguana_PIDS", "Project_data_science_queen_snakes",
        "render:ecgvaried"}
    for r in rows:
        for head in ("uniform", "weapon", "alcohol"):
            assert not mod.counts_as_negative(head, r), (head, r["path"])
    chest = next(r for r in _rows() if "ai-pneumonia-detection" in r["source"])
    assert all(mod.counts_as_negative(h, chest) for h in ("uniform", "weapon", "alcohol"))


def test_int8_calibration_uses_training_pictures_only_in_a_fixed_order():
    import sys
    sys.path.insert(0, str(VISION))
    mod = _module("train_heads")
    rows = [{"file": f"{s}/x/{i}.png", "split": s} for i in range(40) for s in ("train", "dev")]
    got = mod.calibration_rows(10, rows)
    assert len(got) == 10 and all(r["split"] == "train" for r in got)
    assert got == mod.calibration_rows(10, list(reversed(rows)))
    assert [r["file"] for r in got] == sorted(r["file"] for r in got)
    real = mod.calibration_rows(240)
    assert len(real) == 240 and {r["split"] for r in real} == {"train"}


def test_skin_photographs_keep_patients_apart_and_are_the_datasets_pictures():
    """PAD-UFES-20 pictures from three groups' subsets: two train, the third dev, and no patient on
    both sides; only the dataset's 'PAT_' pictures (never the groups' masks), kind 'wound'."""
    mod = _collect()
    assert mod.skin_patient("groupOtters_data/groupOtters_raw_data/PAT_1018_107_68.png") == "1018"
    sources = set(mod.SKIN_TRAIN) | {mod.SKIN_DEV}
    rows = [r for r in _rows() if r["source"] in sources and r["transform"] == ""]
    assert len(rows) >= 300
    assert all(r["label"] == "clinical" and r["kind"] == "wound" and r["licence"].startswith("CC BY 4.0")
               for r in rows)
    assert all(r["path"].rsplit("/", 1)[-1].startswith("PAT_") and "mask" not in r["path"].lower() for r in rows)
    assert {r["split"] for r in rows if r["source"] == mod.SKIN_DEV} == {"dev"}
    assert {r["split"] for r in rows if r["source"] in mod.SKIN_TRAIN} == {"train"}
    train = {mod.skin_patient(r["path"]) for r in rows if r["split"] == "train"}
    dev = {mod.skin_patient(r["path"]) for r in rows if r["split"] == "dev"}
    assert train and dev and not train & dev
    # one picture in both training groups' subsets is used once
    names = [r["path"].rsplit("/", 1)[-1].split(".")[0] for r in rows if r["split"] == "train"]
    assert len(names) == len(set(names))


def test_every_look_copies_a_picture_of_its_own_split():
    """A look (film, screen, print, periapical) is made from a manifest picture without a transform
    of its own, on the same side of the split, with the same label and kind: dev stays apart by source."""
    import sys
    sys.path.insert(0, str(VISION))
    looks = _module("looks")
    rows = _rows()
    base = {(r["source"], r["path"]): r for r in rows if r["transform"] in ("", "render")}
    copies = [r for r in rows if looks.is_look(r["transform"])]
    assert {r["transform"].split(":")[0] for r in copies} == set(looks.LOOKS)
    for r in copies:
        b = base[(r["source"], r["path"])]
        assert (b["split"], b["label"], b["kind"]) == (r["split"], r["label"], r["kind"]), r["file"]
        assert "BMI702_project" not in r["source"] and "FETAL-ABNORMALITY" not in r["source"]
    # periapical films only from dental films; film prints of photos and people, not clinical pictures
    assert all(r["kind"] == "dental" for r in copies if r["transform"].startswith("periapical"))
    assert all(r["label"] != "clinical" for r in copies if r["transform"].startswith("film"))
    for look in looks.LOOKS:
        assert {r["split"] for r in copies if r["transform"].startswith(look)} == {"train", "dev"}, look


def test_looks_are_deterministic_and_differ_by_key():
    import sys
    import numpy as np
    from PIL import Image
    sys.path.insert(0, str(VISION))
    looks = _module("looks")
    rng = np.random.default_rng(3)
    im = Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8))
    for tr, kind in (("film:0", ""), ("screen:0", "x-ray"), ("screen:0", ""), ("print:0", "ecg"),
                     ("periapical:0", "dental")):
        a = looks.apply(tr, im, "k1" + tr, kind=kind, page=kind == "ecg")
        b = looks.apply(tr, im, "k1" + tr, kind=kind, page=kind == "ecg")
        c = looks.apply(tr, im, "k2" + tr, kind=kind, page=kind == "ecg")
        assert a.mode == "RGB" and min(a.size) >= 200, tr
        assert a.tobytes() == b.tobytes(), tr
        assert a.size != c.size or a.tobytes() != c.tobytes(), tr
    with pytest.raises(ValueError):
        looks.apply("blur:0", im, "k")


def test_looks_teach_only_the_heads_they_are_for():
    import sys
    sys.path.insert(0, str(VISION))
    mod = _module("train_heads")
    src = "github:x/y@0"
    film_neg = {"source": src, "path": "a.jpg", "label": "negative", "kind": "farmer", "transform": "film:0"}
    screen_neg = {"source": src, "path": "a.jpg", "label": "negative", "kind": "", "transform": "screen:0"}
    print_xray = {"source": src, "path": "b.jpg", "label": "clinical", "kind": "x-ray", "transform": "print:0"}
    film_uni = {"source": src, "path": "c.jpg", "label": "uniform", "kind": "doctor", "transform": "film:0"}
    # film prints are clinical negatives only (sixth round): no row of the uniform, weapon or alcohol head
    assert mod.counts_as_negative("clinical", film_neg) and not mod.counts_as_negative("uniform", film_neg)
    assert not mod.counts_as_negative("weapon", film_neg) and not mod.counts_as_negative("alcohol", film_neg)
    assert mod.in_head("clinical", film_uni) and not mod.in_head("uniform", film_uni)
    assert not any(mod.in_head(h, film_neg) for h in ("uniform", "weapon", "alcohol"))
    assert mod.in_head("clinical", print_xray) and not mod.in_head("uniform", print_xray)
    assert mod.in_head("uniform", {**film_uni, "transform": ""})
    assert mod.counts_as_negative("clinical", screen_neg) and not mod.counts_as_negative("uniform", screen_neg)
    for head in ("uniform", "weapon", "alcohol"):
        assert not mod.counts_as_negative(head, print_xray)
    assert mod.counts_as_negative("clinical", film_uni) and not mod.counts_as_negative("weapon", film_uni)
    # looks and skin photographs are never calibration pictures of the int8 network
    assert mod.is_added(film_neg) and mod.is_added(print_xray)
    assert mod.is_added({"source": "github:poopiboi/Iguana_PIDS@0", "path": "x/PAT_1_2_3.png", "transform": ""})
    assert not mod.is_added({"source": src, "path": "x/PAT_1_2_3.png", "transform": ""})
    assert not mod.is_added({"source": src, "path": "a.jpg", "transform": "grey"})
    # one patient's skin pictures stay in one cross-validation fold
    a = mod.fold_key({"source": "github:poopiboi/Iguana_PIDS@0", "path": "d/PAT_12_3_4.png"})
    b = mod.fold_key({"source": "github:s0hrbeck/projectspring2024@0", "path": "e/PAT_12_9_9.png"})
    assert a == b


def test_skin_film_copies_are_training_negatives_of_skin_coloured_photos():
    """Sixth round: 'film:1' prints of the most skin-coloured ordinary training photos, training only."""
    import sys
    import numpy as np
    from PIL import Image
    sys.path.insert(0, str(VISION))
    mod = _module("collect")
    rows = _rows()
    extra = [r for r in rows if r["transform"] == "film:1"]
    assert len(extra) == mod.SKIN_FILM
    assert {(r["split"], r["label"]) for r in extra} == {("train", "negative")}
    base = {(r["source"], r["path"]) for r in rows if r["transform"] == "" and r["split"] == "train"}
    assert all((r["source"], r["path"]) in base for r in extra)
    skin = Image.new("RGB", (64, 64), (224, 172, 140))
    sky = Image.new("RGB", (64, 64), (90, 140, 230))
    assert mod.skin_share(skin) == 1.0 and mod.skin_share(sky) == 0.0
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    assert 0.0 <= mod.skin_share(noise) < 0.5


def test_close_up_copies_are_training_negatives_of_food_and_textures():
    """Seventh round: grey and film copies of training food photos and scikit-image close-ups, training
    only, each of a training picture without a transform, never a copy the manifest already holds."""
    import sys
    sys.path.insert(0, str(VISION))
    mod = _module("collect")
    rows = _rows()
    base = {(r["source"], r["path"]) for r in rows if r["transform"] == "" and r["split"] == "train"}
    extra = [r for r in rows if r["transform"] in mod.CLOSE_UP_FILMS]
    assert extra and {(r["split"], r["label"]) for r in extra} == {("train", "negative")}
    assert all((r["source"], r["path"]) in base for r in extra)
    assert {r["source"] for r in extra} == {mod.FOOD, mod.SKIMAGE}
    assert {r["path"] for r in extra if r["source"] == mod.SKIMAGE} == set(mod.CLOSE_UP_TEXTURES)
    food = {r["path"] for r in rows if r["source"] == mod.FOOD and r["split"] == "train" and r["transform"] == ""}
    assert food == {r["path"] for r in rows if r["source"] == mod.FOOD and r["transform"] == "grey"
                    and r["split"] == "train"}
    dev_food = [r for r in rows if r["source"] == mod.FOOD and r["split"] == "dev"]
    assert not any(r["transform"] in mod.CLOSE_UP_FILMS for r in dev_food)
    keys = [(r["source"], r["path"], r["transform"]) for r in rows]
    assert len(keys) == len(set(keys))
    # the rows are made from the manifest alone: made again from it, nothing new
    assert mod.close_up_rows(rows) == []


def test_grid_charts_are_training_negatives_of_the_clinical_head_only():
    """Eighth round: ECG-like graph paper with traces that are no heartbeat, drawn and printed, training
    only; deterministic; out of the uniform head and of the int8 network's calibration pictures."""
    import sys
    sys.path.insert(0, str(VISION))
    mod = _module("collect")
    th = _module("train_heads")
    rows = [r for r in _rows() if r["source"] == "render:gridchart"]
    assert len(rows) == mod.GRID_CHARTS + mod.GRID_CHART_PRINTS
    assert {(r["split"], r["label"], r["kind"]) for r in rows} == {("train", "negative", "chart")}
    assert {r["transform"] for r in rows} == {"render", "print:0"}
    drawn = {r["path"] for r in rows if r["transform"] == "render"}
    assert {r["path"] for r in rows if r["transform"] == "print:0"} <= drawn
    assert mod.grid_chart_rows() == [{**{k: r[k] for k in r}, "file": ""} for r in rows]
    a, b = mod.render_grid_chart(7), mod.render_grid_chart(7)
    assert a.tobytes() == b.tobytes() and a.size[0] > 100
    for r in rows:
        assert th.is_added(r)
        assert th.in_head("clinical", r) and not th.in_head("uniform", r)
    assert sum(r["transform"].split(":", 1)[0] in ("screen", "print") and r["label"] == "negative"
               and r["split"] == "train" and r["source"] != "render:gridchart" for r in _rows()) == 2 * mod.SCREEN_PRINT_NEG


def test_varied_ecgs_are_training_positives_of_the_clinical_head_only():
    """Ninth round: drawn ECGs seen otherwise (close-ups, faded or tinted paper, low resolution, shadows),
    training only, with seeds apart from every render_ecg seed; clinical positives and no row of another
    head; out of the int8 network's calibration pictures; deterministic."""
    import sys
    sys.path.insert(0, str(VISION))
    mod = _module("collect")
    th = _module("train_heads")
    rows = [r for r in _rows() if r["source"] == "render:ecgvaried"]
    assert len(rows) == len(mod.VARIED_ECG_SEEDS) == 200
    assert {(r["split"], r["label"], r["kind"], r["transform"]) for r in rows} == {("train", "clinical", "ecg", "render")}
    assert mod.varied_ecg_rows() == [{**{k: r[k] for k in r}, "file": ""} for r in rows]
    ecg_seeds = {int(r["path"].rsplit("-", 1)[1]) for r in _rows() if r["source"] == "render:ecg"}
    assert not ecg_seeds & set(mod.VARIED_ECG_SEEDS)
    a, b = mod.render_ecg_varied(2003), mod.render_ecg_varied(2003)
    assert a.tobytes() == b.tobytes() and a.size[0] > 100
    for r in rows:
        assert th.is_added(r) and th.in_head("clinical", r)
        assert not any(th.in_head(h, r) for h in ("uniform", "weapon", "alcohol"))


def test_out_of_fold_recall_by_clinical_sub_kind():
    import sys
    import numpy as np
    sys.path.insert(0, str(VISION))
    th = _module("train_heads")
    rows = [{"kind": "ultrasound", "source": "github:TongxinWang0405/BMI702_project@x", "transform": ""},
            {"kind": "ultrasound", "source": "github:timvanderzee/ultrasound-automated-algorithm@x", "transform": ""},
            {"kind": "ultrasound", "source": "github:timvanderzee/ultrasound-automated-algorithm@x",
             "transform": "print:0"},
            {"kind": "wound", "source": "github:poopiboi/Iguana_PIDS@x", "transform": ""},
            {"kind": "ecg", "source": "render:ecgvaried", "transform": "render"},
            {"kind": "", "source": "render:page", "transform": "render"}]
    got = th.oof_recall_by_kind(rows, np.array([1, 1, 1, 1, 1, 0]), np.array([True, False, True, True, False, True]))
    assert got == {"ultrasound breast": "1/1", "ultrasound muscle": "0/1", "ultrasound muscle/look": "1/1",
                   "skin": "1/1", "ecg varied": "0/1"}


def test_a_carried_over_head_gives_the_same_probabilities_under_the_new_standardisation():
    import sys

    import numpy as np
    sys.path.insert(0, str(VISION))
    kh = _module("keep_heads")
    rng = np.random.default_rng(7)
    d, heads = 16, 4

    def heads_file(shift):
        return {"mean": rng.normal(shift, 1, d), "scale": rng.uniform(0.5, 2.0, d), "W": rng.normal(0, 1, (d, heads)),
                "b": rng.normal(0, 1, heads), "platt_a": rng.uniform(0.5, 2, heads), "platt_b": rng.normal(0, 1, heads)}
    old, new = heads_file(0.0), heads_file(3.0)
    x = rng.normal(1.0, 2.0, (50, d))
    out = kh.carry(old, new, [2, 3])
    p_old, p_new, p_out = (kh.probabilities(a, x) for a in (old, new, out))
    assert np.allclose(p_out[:, 2:], p_old[:, 2:], atol=1e-12)     # carried: the old heads' own outputs
    assert np.array_equal(p_out[:, :2], p_new[:, :2])              # the others untouched
    assert np.array_equal(out["mean"], new["mean"]) and np.array_equal(out["scale"], new["scale"])
    assert not np.allclose(p_new[:, 2:], p_old[:, 2:])             # the case is not trivial


def test_the_git_objects_the_reproduction_reads_are_the_expected_files():
    """benchmarks/vision/README.md steps 3 and 4 read two files from the repository's history: the float32
    export the shipped int8 network was quantised from, and the heads carried over by keep_heads.py."""
    import hashlib
    import json
    import re
    import subprocess
    root = VISION.parent.parent
    src = (VISION / "export.py").read_text(encoding="utf-8")       # not imported: it needs torch
    fp32_git = re.search(r'^FP32_GIT = "([^"]+)"', src, re.M).group(1)
    fp32_sha = re.search(r'^FP32_SHA256 = "([0-9a-f]{64})"', src, re.M).group(1)
    meta = json.loads((root / "auditor" / "analysers" / "data" / "vision_heads.json").read_text(encoding="utf-8"))
    carried = meta["training"]["carried_over"]
    rev = re.search(r"at git ([0-9a-f]{7,40})", carried["from"]).group(1)
    for obj, want in ((fp32_git, fp32_sha), (f"{rev}:auditor/analysers/data/vision_heads.npz", carried["from_sha256"])):
        got = subprocess.run(["git", "-C", str(root), "show", obj], capture_output=True)
        if got.returncode != 0:
            pytest.skip(f"no git history here for {obj} (a shallow clone or an export)")
        assert hashlib.sha256(got.stdout).hexdigest() == want, obj
