"""HateCheck (Röttger et al., ACL 2021; CC BY 4.0): the concern model on its 3,728 functional tests, per
functionality. MEASURING ONLY: no HateCheck case is ever trained on, and no threshold or choice is made
on these figures except through a rule written down before they are measured.

    .venv/bin/python benchmarks/training/hatecheck.py [--mirrors /work/.mirror] [--model DIR ...]

Reads test_suite_cases.csv from a mirror of paul-rottger/hatecheck-data (the fetch tool's folder) at the
commit in HATECHECK; nothing of it is committed. --model (repeatable): model folders (concern_model.json +
.onnx + tokenizer), default the shipped one; each is scored one text per call as the product scores.

Prints, per functionality (29; gold label hateful or non-hateful, the same for every case of one
functionality), the share of cases each model flags as discriminatory, as offensive, and as either; then
per model: hateful cases flagged discriminatory, and non-hateful cases flagged discriminatory, overall
and in the groups the brief of issue 13 names (counter-speech and quoting, reclaimed slurs, negation,
neutral or positive mentions of a group, abuse of non-protected targets, profanity). Only figures are
printed, never a case's text.
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import concern_data as cd  # noqa: E402

# paul-rottger/hatecheck-data, CC BY 4.0 (LICENSE at this commit)
HATECHECK = "paul-rottger/hatecheck-data@d84302298ceeb34f4b0dde2d8a1f4932c2caa612"
CASES = "test_suite_cases.csv"
# groups of non-hateful functionalities (HateCheck's own names) reported together
NH_GROUPS = {
    "counter-speech and quoting": ("counter_quote_nh", "counter_ref_nh"),
    "reclaimed slurs and homonyms": ("slur_reclaimed_nh", "slur_homonym_nh"),
    "negated hate": ("negate_neg_nh",),
    "neutral or positive group mentions": ("ident_neutral_nh", "ident_pos_nh"),
    "abuse of non-protected targets": ("target_obj_nh", "target_indiv_nh", "target_group_nh"),
    "profanity, no hate": ("profanity_nh",),
}


def read_cases(raw: bytes) -> list[dict]:
    """The cases of test_suite_cases.csv: functionality, label_gold, test_case, target_ident."""
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    for r in rows:
        if r["label_gold"] not in ("hateful", "non-hateful"):
            raise ValueError(f"unexpected gold label {r['label_gold']!r} (case {r.get('case_id')})")
    return rows


def per_functionality(cases: list[dict], flags: np.ndarray, labels=cd.LABELS) -> dict[str, dict]:
    """{functionality: {gold, n, discriminatory, offensive, either}} (shares of its cases flagged), from
    boolean flags (n_cases, 10) in `labels` order."""
    off, dis = labels.index("offensive"), labels.index("discriminatory")
    out: dict[str, dict] = {}
    for fn in sorted({c["functionality"] for c in cases}):
        idx = [i for i, c in enumerate(cases) if c["functionality"] == fn]
        f = flags[idx]
        out[fn] = {"gold": cases[idx[0]]["label_gold"], "n": len(idx),
                   "discriminatory": float(f[:, dis].mean()), "offensive": float(f[:, off].mean()),
                   "either": float((f[:, dis] | f[:, off]).mean())}
    return out


def summary(cases: list[dict], flags: np.ndarray, labels=cd.LABELS) -> dict[str, tuple[float, int]]:
    """(share flagged discriminatory, n) for the hateful cases, the non-hateful ones and NH_GROUPS."""
    dis = labels.index("discriminatory")
    fn = np.array([c["functionality"] for c in cases])
    gold = np.array([c["label_gold"] for c in cases])
    out = {}
    for name, sel in (("hateful cases", gold == "hateful"), ("non-hateful cases", gold == "non-hateful")):
        out[name] = (float(flags[sel, dis].mean()) if sel.any() else float("nan"), int(sel.sum()))
    for name, fns in NH_GROUPS.items():
        sel = np.isin(fn, fns)
        out[f"  {name}"] = (float(flags[sel, dis].mean()) if sel.any() else float("nan"), int(sel.sum()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirrors", default=str(cd.MIRRORS))
    ap.add_argument("--model", action="append", default=None,
                    help="model folder, or cascade:CHEAP_DIR,TEACHER_DIR,SEND[,LABEL+LABEL] (repeatable); default: shipped")
    a = ap.parse_args()
    import cascade
    cases = read_cases(cd.mirror_read(Path(a.mirrors), HATECHECK, CASES))
    texts = [c["test_case"] for c in cases]
    dirs = a.model or [None]
    results = []
    for d in dirs:
        m = cascade.open_model(d)          # a folder, or cascade:CHEAP,TEACHER,SEND
        t0 = time.time()
        flags = m.flags(m.predict(texts))
        name = str(d) if d else "shipped"
        print(f"{name}: {len(texts)} cases scored in {time.time() - t0:.0f} s")
        results.append((name, per_functionality(cases, flags), summary(cases, flags)))
    print(f"\nHateCheck ({HATECHECK}, {CASES}), share of cases flagged; per model: discriminatory / offensive / "
          f"either")
    head = "functionality".ljust(22) + "gold".ljust(12) + "n".rjust(5)
    for name, _, _ in results:
        head += "  " + Path(name).name[:22].rjust(22)
    print(head)
    for fn in results[0][1]:
        r0 = results[0][1][fn]
        line = fn.ljust(22) + r0["gold"].ljust(12) + str(r0["n"]).rjust(5)
        for _, per, _ in results:
            r = per[fn]
            line += "  " + f"{r['discriminatory']:.3f} / {r['offensive']:.3f} / {r['either']:.3f}".rjust(22)
        print(line)
    print("\nflagged discriminatory (hateful: higher is better; non-hateful: lower is better)")
    for key in results[0][2]:
        line = key.ljust(40) + str(results[0][2][key][1]).rjust(5)
        for _, _, summ in results:
            line += f"  {summ[key][0]:.3f}"
        print(line)


if __name__ == "__main__":
    main()
