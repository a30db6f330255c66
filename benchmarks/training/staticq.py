"""Static int8 for the concern model: activation scales fixed at export, so a text's logits cannot depend
on the other texts in its batch (a measurement; nothing here ships).

The shipped concern_model.onnx is quantize_dynamic output: every DynamicQuantizeLinear computes one
scale over the whole activation tensor, i.e. over the batch (the reason the runtime scores one text per
call; rowquant.py made the scales per token, exact but slower). Here onnxruntime.quantization.
quantize_static quantises the fp32 export of the same weights (stage 4b) with per-channel int8 weights and
activation scales calibrated once on TRAINING texts, so every scale is a constant of the file.

Calibration texts: writer_*.jsonl and OLID's training set as concern_data reads them, after the same
seeded shuffle as rowquant.training_texts, taken from the END of each shuffled list (rowquant's measure
takes its texts from the start, so the two sets are disjoint as long as --cal-written + measure's
--written stays below the written rows, and likewise for OLID; checked). Each text is normalised,
tokenised and cut into windows exactly as ConcernModel does (its own tokenizer and `_windows`), and each
window is one calibration call of batch 1 (no padding, as the runtime scores one text per call; for
percentile and entropy, whose collectors stack every call's activations, padded to max_length).

Usage:
  nice -n 10 .venv-train/bin/python benchmarks/training/staticq.py quantise --out DIR
      [--fp32 FILE] [--fuse] [--method minmax|percentile|entropy] [--format qop|qdq] [--cal-written 200 --cal-olid 200]
      writes DIR/concern_model.onnx, the shipped tokenizer and the shipped json with the sha256 updated and
      an "activation_quantisation" note: a folder that ConcernModel loads.
  nice -n 10 .venv/bin/python benchmarks/training/staticq.py measure --static DIR [DIR ...] [rowquant
      measure's options]: rowquant.py's measure (figures (a) batch invariance, (b) closeness to shipped and
      fp32, (c) CPU per text, one process, one thread, interleaved, best of N) on the static folders.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import rowquant  # noqa: E402

SHIPPED = rowquant.SHIPPED
FP32 = rowquant.FP32


def calibration_texts(n_written: int, n_olid: int, measure_written: int, measure_olid: int,
                      seed: int = 7) -> list[str]:
    """TRAINING texts disjoint from rowquant.training_texts(measure_written, measure_olid, seed): the same
    shuffles, the other end of each list."""
    written, olid, _ = rowquant.shuffled_training(seed)
    if n_written + measure_written > len(written) or n_olid + measure_olid > len(olid):
        raise SystemExit(f"calibration and measurement texts would overlap ({len(written)} written, "
                         f"{len(olid)} OLID training rows)")
    return written[len(written) - n_written:] + olid[len(olid) - n_olid:]


class Reader:
    """onnxruntime CalibrationDataReader: one window per call, tokenised as ConcernModel does."""

    def __init__(self, texts: list[str], pad: bool = False):
        import numpy as np

        from auditor.analysers.text.model import ConcernModel, normalise
        cm = ConcernModel(SHIPPED)
        cm._load()
        rows = []
        for e in cm._tokenizer.encode_batch([normalise(t) for t in texts], add_special_tokens=False):
            rows += cm._windows(e.ids)
        self.n = len(rows)
        width = cm.max_length if pad else 0
        feeds = []
        for w in rows:
            ids = np.full((1, max(width, len(w))), cm._pad, np.int64)
            mask = np.zeros_like(ids)
            ids[0, :len(w)], mask[0, :len(w)] = w, 1
            feeds.append({"input_ids": ids, "attention_mask": mask})
        self._it = iter(feeds)

    def get_next(self):
        return next(self._it, None)

    def rewind(self):      # not needed by quantize_static; present for the interface
        pass


def cmd_quantise(args) -> int:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    from auditor.analysers.text.model import META_FILE, MODEL_FILE, TOKENIZER_FILE, sha256_file
    dst = Path(args.out)
    if dst.resolve() == SHIPPED.resolve() or dst.resolve() == Path(args.fp32).parent.resolve():
        print("refusing to write into the shipped or the fp32 model folder", file=sys.stderr)
        return 2
    dst.mkdir(parents=True, exist_ok=True)
    texts = calibration_texts(args.cal_written, args.cal_olid, args.measure_written, args.measure_olid)
    # the histogram methods stack every call's activations: one shape, so windows padded to max_length
    # (the padded tokens' activations then enter the histograms too)
    reader = Reader(texts, pad=args.method != "minmax")
    method = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
              "entropy": CalibrationMethod.Entropy}[args.method]
    fmt = {"qdq": QuantFormat.QDQ, "qop": QuantFormat.QOperator}[args.format]
    act = QuantType.QInt8 if args.act == "int8" else QuantType.QUInt8
    extra = {"MatMulConstBOnly": True, "ActivationSymmetric": args.act == "int8", "WeightSymmetric": True}
    if args.method == "percentile":
        extra["CalibPercentile"] = args.percentile
    t0 = time.time()
    src = args.fp32
    if args.fuse:
        # onnxruntime's BERT fusions on the float graph first (SkipLayerNormalization, BiasGelu; no
        # Attention), which the Q/DQ nodes would otherwise hide from the session's own fusions; the
        # head's bias is left in float (it sits in an Add after the fusion)
        from onnxruntime.transformers.fusion_options import FusionOptions
        from onnxruntime.transformers.optimizer import optimize_model
        fo = FusionOptions("bert")
        fo.enable_attention = False
        fused = optimize_model(args.fp32, model_type="bert", num_heads=12, hidden_size=384,
                               optimization_options=fo, opt_level=0)
        print(f"fused: { {k: v for k, v in fused.get_fused_operator_statistics().items() if v} }")
        src = str(dst / "fused_fp32.onnx")
        fused.save_model_to_file(src)
        extra["QuantizeBias"] = False
    exclude = []
    if args.exclude:
        import re

        import onnx
        exclude = [n.name for n in onnx.load(src, load_external_data=False).graph.node
                   if re.search(args.exclude, n.name)]
    quantize_static(src, str(dst / MODEL_FILE), reader, quant_format=fmt, per_channel=True,
                    weight_type=QuantType.QInt8, activation_type=act, calibrate_method=method,
                    op_types_to_quantize=args.ops.split(","), nodes_to_exclude=exclude, extra_options=extra)
    if args.fuse:
        Path(src).unlink()
    shutil.copyfile(SHIPPED / TOKENIZER_FILE, dst / TOKENIZER_FILE)
    meta = json.loads((SHIPPED / META_FILE).read_text(encoding="utf-8"))
    meta["sha256"][MODEL_FILE] = sha256_file(dst / MODEL_FILE)
    note = (f"static int8 (benchmarks/training/staticq.py: {args.format}, {args.method}"
            f"{f' {args.percentile}' if args.method == 'percentile' else ''}, activations {args.act}, "
            f"per-channel int8 weights, ops {args.ops}{f' but {len(exclude)} nodes ~ {args.exclude}' if exclude else ''}{', fused float graph first' if args.fuse else ''}; calibrated on {len(texts)} training texts, "
            f"{reader.n} windows; thresholds and calibration are the shipped file's)")
    meta["activation_quantisation"] = note
    meta.pop("self_check", None)       # the shipped file's answers, not this one's
    (dst / META_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    if args.act == "uint8":            # weights stored unsigned and this file's own self-check (unsigned_int8.py)
        sys.path.insert(0, str(HERE))
        import unsigned_int8
        unsigned_int8.convert_bundle(dst)
    print(f"{note}\n-> {dst / MODEL_FILE} ({(dst / MODEL_FILE).stat().st_size / 1e6:.1f} MB, "
          f"{time.time() - t0:.0f} s)")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quantise", help="write a static-int8 model folder")
    q.add_argument("--fp32", default=str(FP32), help="the fp32 concern_model.onnx (read only)")
    q.add_argument("--out", required=True)
    q.add_argument("--method", default="minmax", choices=("minmax", "percentile", "entropy"))
    q.add_argument("--percentile", type=float, default=99.999)
    q.add_argument("--format", default="qop", choices=("qdq", "qop"))
    q.add_argument("--act", default="uint8", choices=("uint8", "int8"))
    q.add_argument("--ops", default="MatMul,Gemm", help="op types to quantise (MatMul: weight MatMuls only)")
    q.add_argument("--exclude", default="", help="regular expression: nodes left in float (by name)")
    q.add_argument("--fuse", action="store_true", help="onnxruntime's BERT fusions on the float graph first")
    q.add_argument("--cal-written", type=int, default=200)
    q.add_argument("--cal-olid", type=int, default=200)
    q.add_argument("--measure-written", type=int, default=5000, help="measure's --written, kept disjoint")
    q.add_argument("--measure-olid", type=int, default=5000, help="measure's --olid, kept disjoint")
    m = sub.add_parser("measure", help="rowquant.py measure on static folders")
    m.add_argument("--static", required=True, nargs="+")
    args, rest = ap.parse_known_args(argv)
    if args.cmd == "quantise":
        if rest:
            ap.error(f"unknown arguments {rest}")
        return cmd_quantise(args)
    return rowquant.main(["measure", "--rowq", *args.static,
                          "--work", str(ROOT / "benchmarks/training/out/staticq-work"), *rest])


if __name__ == "__main__":
    sys.exit(main())
