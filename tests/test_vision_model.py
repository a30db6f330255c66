"""The shipped photo-content model: files and checksums, determinism, a few licensed images on the
right side, hostile inputs, no torch and no network at run time."""
from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from auditor.analysers import vision
from auditor.analysers.vision import CLASSES, VisionModel, VisionModelMissing, VisionResult

FIX = Path(__file__).parent / "fixtures" / "vision"
DATA = Path(vision.__file__).parent / "data"


@pytest.fixture(scope="module")
def model() -> VisionModel:
    return VisionModel(threads=1)


def _open(name: str) -> Image.Image:
    with Image.open(FIX / name) as im:
        return im.convert("RGB")


def test_shipped_files_match_their_sha256():
    meta = json.loads((DATA / "vision_heads.json").read_text(encoding="utf-8"))
    assert set(meta["files"]) == {"vision_lite0_int8.onnx", "vision_heads.npz", "vision_imagenet_labels.json"}
    assert meta["network"] == "vision_lite0_int8.onnx"
    for name, digest in meta["files"].items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name
    with np.load(DATA / "vision_heads.npz", allow_pickle=False) as z:   # plain arrays, no pickle
        assert z["W"].shape == (1280, len(meta["heads_order"]))
        assert z["kind_W"].shape == (1280, len(meta["clinical_kinds"]))
    assert len(json.loads((DATA / "vision_imagenet_labels.json").read_text(encoding="utf-8"))) == 1000


def test_the_network_is_the_static_int8_copy_and_the_float32_export_is_not_shipped():
    raw = (DATA / "vision_lite0_int8.onnx").read_bytes()
    assert b"QuantizeLinear" in raw and b"DequantizeLinear" in raw   # QDQ: int8 weights, uint8 activations
    assert (DATA / "vision_lite0_int8.onnx").stat().st_size < 8_000_000
    assert not (DATA / "vision_lite0.onnx").exists()


def test_a_damaged_file_is_a_clear_error(tmp_path):
    for f in ("vision_lite0_int8.onnx", "vision_heads.npz", "vision_heads.json", "vision_imagenet_labels.json"):
        (tmp_path / f).write_bytes((DATA / f).read_bytes())
    VisionModel(folder=tmp_path)                      # these four files are all it needs
    raw = bytearray((tmp_path / "vision_heads.npz").read_bytes())
    raw[-1] ^= 0xFF
    (tmp_path / "vision_heads.npz").write_bytes(bytes(raw))
    with pytest.raises(VisionModelMissing, match="damaged"):
        VisionModel(folder=tmp_path)
    (tmp_path / "vision_heads.npz").unlink()
    with pytest.raises(VisionModelMissing, match="missing"):
        VisionModel(folder=tmp_path)
    with pytest.raises(VisionModelMissing, match="missing"):
        VisionModel(folder=tmp_path / "nowhere")


def test_result_shape_and_determinism(model):
    im = _open("ct_small.png")
    a, b = model.analyse(im), model.analyse(im.copy())
    assert isinstance(a, VisionResult)
    assert set(a.probs) == set(CLASSES)
    assert all(0.0 <= v <= 1.0 for v in a.probs.values())
    assert a.probs == b.probs and a.labels == b.labels and a.clinical_kind == b.clinical_kind
    assert a.clinical_kind in vision.CLINICAL_KINDS
    assert a.labels and all(isinstance(n, str) and 0 <= p <= 1 for n, p in a.labels)


def test_shared_model_is_loaded_once():
    assert VisionModel.shared() is VisionModel.shared()


@pytest.mark.parametrize("name, kind", [("ct_small.png", "ct-mri"), ("mr_small.png", "ct-mri"),
                                        ("ecg_rendered.png", "ecg")])
def test_clinical_images_land_on_the_clinical_side(model, name, kind):
    res = model.analyse(_open(name))
    assert res.flagged("clinical"), res.probs
    assert res.clinical_kind == kind


@pytest.mark.parametrize("name", ["photo_china.jpg", "photo_china_grey.jpg"])
def test_ordinary_photos_colour_and_black_and_white_are_not_clinical(model, name):
    res = model.analyse(_open(name))
    assert not res.flagged("clinical"), res.probs
    assert not res.flagged("weapon")
    assert not res.flagged("uniform"), res.probs


def test_uniform_is_a_trained_calibrated_head_and_the_new_kinds_are_known():
    meta = json.loads((DATA / "vision_heads.json").read_text(encoding="utf-8"))
    assert "uniform" in meta["heads_order"] and "uniform" not in meta.get("zero_shot", {})
    assert meta["training"]["report"]["uniform"]["positives"] > 1000
    assert {"dental", "histology", "x-ray", "ct-mri", "ecg"} <= set(meta["clinical_kinds"])
    assert set(meta["clinical_kinds"]) <= set(vision.CLINICAL_KINDS)
    assert 0.2 <= meta["thresholds"]["uniform"] < 1.0


@pytest.mark.parametrize("grey", [False, True])
def test_a_person_in_a_work_uniform_is_flagged_in_colour_and_black_and_white(model, grey):
    # a training picture (scikit-image's astronaut in a flight suit): checks the head is wired in,
    # not how well it generalises (bench_vision.py measures that)
    im = _open("photo_astronaut.jpg")
    res = model.analyse(im.convert("L").convert("RGB") if grey else im)
    assert res.flagged("uniform"), res.probs
    assert not res.flagged("clinical")


def test_black_and_white_photo_is_not_mistaken_for_a_radiograph_by_colour_alone(model):
    grey = model.analyse(_open("photo_china_grey.jpg"))
    scan = model.analyse(_open("ct_small.png"))
    assert grey.greyscale and scan.greyscale
    assert scan.probs["clinical"] > grey.probs["clinical"] + 0.5


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGBA", "CMYK", "I;16", "I", "F", "YCbCr"])
def test_any_pillow_mode_is_accepted(model, mode):
    base = _open("photo_china.jpg")
    im = base.convert("RGBA").convert(mode) if mode not in ("I;16", "I", "F") else base.convert("L").convert(mode)
    res = model.analyse(im)
    assert set(res.probs) == set(CLASSES)


@pytest.mark.parametrize("size", [(1, 1), (1, 500), (500, 1), (3, 2), (4000, 3)])
def test_tiny_and_extreme_shapes_do_not_crash(model, size):
    res = model.analyse(Image.new("RGB", size, (120, 30, 200)))
    assert all(np.isfinite(v) for v in res.probs.values())


def test_empty_image_is_a_value_error(model):
    with pytest.raises(ValueError):
        model.analyse(Image.new("RGB", (0, 0)))


def test_flat_and_noise_images_give_finite_scores(model):
    rng = np.random.default_rng(0)
    for arr in (np.zeros((64, 64, 3), np.uint8), np.full((64, 64, 3), 255, np.uint8),
                rng.integers(0, 256, (300, 200, 3), dtype=np.uint8)):
        res = model.analyse(Image.fromarray(arr))
        assert all(np.isfinite(v) for v in res.probs.values())


def test_nudity_gate(model):
    assert not model.nudity_gate(0.01, (1, 2, 3))
    assert model.nudity_gate(0.5, (1, 2, 3))
    assert model.nudity_gate(0.0, (445,))            # ImageNet 'bikini' among the top labels
    off = VisionModel(nudity="off")
    assert not off.nudity_gate(0.9, (445,))
    res = off.analyse(_open("photo_china.jpg"))
    assert res.probs["nudity"] == 0.0 and not res.nudity_checked


def test_nudity_model_is_the_bundled_one():
    p = vision.nsfw_path()
    assert p is not None and p.is_file()
    assert hashlib.sha256(p.read_bytes()).hexdigest() == vision.NSFW_SHA256


def test_preprocessing_is_pillow_and_numpy_only():
    x = vision.preprocess(Image.new("RGB", (640, 480), (127, 127, 127)))
    assert x.shape == (1, 3, 224, 224) and x.dtype == np.float32
    assert abs(float(x.mean())) < 0.01


def test_nsfw_input_is_224_bgr_and_mean_subtracted():
    t = vision.nsfw_tensor(Image.new("RGB", (800, 600), (200, 100, 50)))
    assert t.shape == (1, 224, 224, 3) and t.dtype == np.float32
    assert np.allclose(t[0, 100, 100], np.array([50.0, 100.0, 200.0]) - vision.NSFW_MEAN_BGR)


def test_tensor_is_the_plain_formula_bit_for_bit():
    rng = np.random.default_rng(5)
    for shape in ((224, 224, 3), (7, 5, 3)):
        arr = rng.integers(0, 256, shape, dtype=np.uint8)
        x = vision.to_tensor(Image.fromarray(arr))
        want = ((arr.astype(np.float32) - 127.0) / 128.0).transpose(2, 0, 1)[None]
        assert x.shape == want.shape and x.dtype == np.float32 and x.flags.c_contiguous
        assert np.array_equal(x.view(np.uint32), np.ascontiguousarray(want).view(np.uint32))


def test_colour_spread_and_greyscale():
    rng = np.random.default_rng(6)
    arr = rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)
    wide = arr.astype(np.int16)
    assert np.array_equal(vision.colour_spread(Image.fromarray(arr)), wide.max(axis=2) - wide.min(axis=2))
    grey = np.repeat(rng.integers(0, 256, (224, 224, 1), dtype=np.uint8), 3, axis=2)
    assert vision.is_greyscale(Image.fromarray(grey))
    tinted = grey.astype(np.int16)
    tinted[..., 2] = (tinted[..., 2] + 12).clip(0, 255)        # a faint cast stays greyscale
    assert vision.is_greyscale(Image.fromarray(tinted.astype(np.uint8)))
    tinted = grey.astype(np.int16)
    tinted[..., 0] = 0
    tinted[..., 1] = 255                                       # every pixel coloured
    assert not vision.is_greyscale(Image.fromarray(tinted.astype(np.uint8)))
    assert not vision.is_greyscale(Image.fromarray(arr))


def test_greyscale_decision_is_numpys_percentile_exactly():
    """is_greyscale counts instead of sorting; the decision must be the percentile's, including
    pictures whose 95th percentile sits right at the boundary."""
    rng = np.random.default_rng(8)
    cases = 0
    for n in (1, 2, 3, 20, 224):
        for _ in range(60):
            spread = rng.integers(0, 30, (n, n)).astype(np.uint8)
            # push the count of small spreads near the percentile's position
            k = int(rng.integers(0, n * n + 1))
            flat = spread.ravel()
            flat[:k] = rng.integers(0, 13, k)
            flat[k:] = rng.integers(12, 40, n * n - k)
            rng.shuffle(flat)
            arr = np.zeros((n, n, 3), np.uint8)
            arr[..., 0] = 100
            arr[..., 1] = 100 + flat.reshape(n, n)
            arr[..., 2] = 100
            im = Image.fromarray(arr)
            want = float(np.percentile(vision.colour_spread(im), 95)) <= 12
            assert vision.is_greyscale(im) == want
            cases += 1
    assert cases == 300


def test_skin_share_counts_skin_coloured_pixels():
    arr = np.zeros((224, 224, 3), dtype=np.uint8)
    arr[:, :112] = (224, 172, 140)          # a skin tone
    arr[:, 112:] = (30, 60, 200)            # blue
    assert vision.skin_share(Image.fromarray(arr)) == pytest.approx(0.5)
    arr[:56, :112] = (20, 15, 10)           # too dark to count
    assert vision.skin_share(Image.fromarray(arr)) == pytest.approx(0.375)


def test_no_torch_and_no_network_at_run_time():
    code = (
        "import socket, sys\n"
        "def blocked(*a, **k): raise OSError('network blocked in this test')\n"
        "socket.socket.connect = blocked\n"
        "socket.create_connection = blocked\n"
        "from PIL import Image\n"
        "from auditor.analysers.vision import VisionModel\n"
        "from auditor.analysers.image_content import judge\n"
        f"im = Image.open({str(FIX / 'ct_small.png')!r}).convert('RGB')\n"
        "m = VisionModel(nudity='all')\n"
        "r = m.analyse(im)\n"
        "assert r.nudity_checked\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "print('ok', r.clinical_kind)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("ok")
    assert socket  # the module is used above in the child


def _page(text: str, size=(900, 700), ink=(20, 20, 20)) -> Image.Image:
    from PIL import ImageDraw
    im = Image.new("RGB", size, (255, 255, 255))
    d = ImageDraw.Draw(im)
    for i, line in enumerate(text.split("\n")):
        d.text((40, 40 + 40 * i), line, fill=ink)
    return im


@pytest.mark.parametrize("text", ["NHS Trust\nWard 9", "Shopping list\nmilk\neggs\nbread",
                                  "Dear all, thank you for a great year.\nSee you at the party on Friday.\n"
                                  "Tickets from the office.\nBring a friend!"])
def test_a_page_of_text_is_not_a_clinical_image(model, text):
    from auditor.analysers.image_content import ImageCues, judge
    from auditor.model import Post
    res = model.analyse(_page(text))
    assert res.page > 0.5
    cues = ImageCues(post=Post("twitter:1", "twitter", "post", None), media_path="p.jpg")
    assert not [f for f in judge(res, cues) if f.rule == "CONF103"], res.probs


@pytest.mark.parametrize("text", ["NHS Trust\nWard 9", "Shopping list\nmilk\neggs\nbread",
                                  "Dear all, thank you for a great year.\nSee you at the party on Friday."])
@pytest.mark.parametrize("ink, paper", [((20, 20, 20), (255, 255, 255)), ((235, 235, 235), (0, 0, 0)),
                                        ((200, 200, 200), (18, 18, 18))])
def test_the_clinical_head_itself_passes_pages_and_dark_mode_text(model, text, ink, paper):
    # the retrained head, without the page guard: dark text on white, and light text on black (a
    # dark-mode screen, which the guard cannot catch: hardly any of it is white)
    from PIL import ImageDraw
    im = Image.new("RGB", (900, 700), paper)
    d = ImageDraw.Draw(im)
    for i, line in enumerate(text.split("\n")):
        d.text((40, 40 + 40 * i), line, fill=ink)
    res = model.analyse(im)
    assert not res.flagged("clinical"), (res.probs, res.clinical_kind)


def _chat(dark: bool) -> Image.Image:
    from PIL import ImageDraw
    bg, fg, theirs = ((0, 0, 0), (240, 240, 240), (40, 40, 42)) if dark else \
        ((255, 255, 255), (10, 10, 10), (230, 230, 235))
    im = Image.new("RGB", (540, 1170), bg)
    d = ImageDraw.Draw(im)
    d.text((20, 10), "09:41", fill=fg)
    d.text((80, 60), "Sam (invented)", fill=fg)
    y = 130
    for i, msg in enumerate(["are you coming tonight?", "yes! running late", "ok see you at eight",
                             "bring the cake", "on my way now", "great"] * 2):
        mine = i % 2 == 1
        w = 30 + 8 * len(msg)
        x = 540 - w - 16 if mine else 16
        d.rounded_rectangle([x, y, x + w, y + 44], radius=16, fill=(0, 122, 255) if mine else theirs)
        d.text((x + 14, y + 14), msg, fill=(255, 255, 255) if mine else fg)
        y += 70
    return im


@pytest.mark.parametrize("dark", [False, True])
def test_a_chat_screenshot_is_not_a_clinical_image(model, dark):
    res = model.analyse(_chat(dark))
    assert not res.flagged("clinical"), (res.probs, res.clinical_kind)
    assert not res.flagged("uniform")


def test_a_photo_of_a_page_on_a_desk_is_not_a_clinical_image(model):
    page = _page("Minutes of the meeting\nItem 1: the garden\nItem 2: the party\nAny other business",
                 size=(700, 900))
    photo = page.rotate(14, expand=True, fillcolor=(110, 80, 50)).resize((800, 900))
    res = model.analyse(photo)
    assert not res.flagged("clinical"), (res.probs, res.clinical_kind)


def test_page_share_is_low_for_radiographs_and_scans(model):
    for name in ("ct_small.png", "mr_small.png"):
        assert model.analyse(_open(name)).page < 0.5
