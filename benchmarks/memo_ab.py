"""The concern models' memo (model.ConcernModel.MEMO, the logits of texts scored lately) off against on,
twice alternately in one process, over bench_text.py's speed tweets (public corpora, ordinary tweets
first): are the findings identical, explanations included? Encoder rows per text and CPU ms per text
(best of the two runs).

    .venv/bin/python benchmarks/memo_ab.py [N] [--shared ../shared]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_text as bt  # noqa: E402

from auditor.analysers.text import engine  # noqa: E402
from auditor.analysers.text import model as cm  # noqa: E402
from auditor.analysers.text import nlp as nlp_mod  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=3000, help="tweets")
    ap.add_argument("--shared", default=str(HERE.parents[1] / "shared"))
    a = ap.parse_args()
    texts = bt.speed_texts(Path(a.shared), a.n)
    units = bt.units_for(texts, "s")
    nlp, model = nlp_mod.load_nlp(), cm.load_default()
    ctx = bt.context(nlp, model)
    list(engine.analyse_units(units[:300], ctx))        # sessions warm
    memo = cm.ConcernModel.MEMO
    res: dict[int, tuple[float, float, list]] = {}
    try:
        for _ in range(2):
            for size in (0, memo):
                cm.ConcernModel.MEMO = size
                model.forget()
                r0, c = model.rows_run, time.process_time()
                got = [(f.post_ref, f.rule, f.explanation) for f in engine.analyse_units(units, ctx)
                       if hasattr(f, "rule")]
                cpu = (time.process_time() - c) / a.n * 1000
                prev = res.get(size)
                res[size] = (min(cpu, prev[0]) if prev else cpu, (model.rows_run - r0) / a.n, got)
    finally:
        cm.ConcernModel.MEMO = memo
    print(f"load average {bt.load()}; {a.n} tweets")
    for size, (cpu, rows, got) in res.items():
        print(f"memo {size}: CPU {cpu:.2f} ms/text, encoder rows per text {rows:.3f}, findings {len(got)}")
    print("findings identical (post, rule, explanation):", res[0][2] == res[memo][2])


if __name__ == "__main__":
    main()
