"""Accuracy, speed and memory of the text concerns (prints figures; not a test).

    nice -n 10 .venv/bin/python benchmarks/bench_text.py [--shared ../shared] [--parts ftp,public,ordinary,speed,memory]
                              [--oof benchmarks/training/out/oof-latest.npz] [--speed-texts 50000] [--memory-posts 100000]
                              [--compare-old] [--speed-repeats 2] [--no-overlap]
                              [--explain-n 300] [--conf-ab | --alongside-ab workplace|offensive] [--concern-model DIR]
                              [--paired-with DIR] [--heldout-run benchmarks/training/out/run-s4b] [--mirrors /work/.mirror]
    (parts explain, batching, conf-training, cat-training and hatecheck run only when named)

Parts (all on ../shared/corpora, which nobody on the project wrote; measured here, never tuned on):

ftp       The 660 fitness-to-practise posts of ../shared/corpora/ftp/ scanned as they would be by a user:
          one X archive per persona, built in a temporary folder (tweets.js for posts, replies, comments
          and captions, reposts as "RT @...: ...", like.js for likes), each scanned with a profile that
          names the persona's profession and regulator, through the real pipeline (importer, every
          analyser, the shipped models). A post counts as flagged for a category when any finding on it
          has that category. Printed per category: precision, recall, and the share of the 240 clean
          posts flagged with it; then any-concern precision/recall and the clean-flag rate. Only figures
          are printed, never a text. Last figures (27 Nov 2026, spelling disguises undone, load 1.1-1.5):
          any-concern recall 0.795 (334 of 420), precision 0.850, clean flagged 0.246 (59 of 240), the
          same findings as main's (hash 07fb8f0a1e75). `--paired-with DIR` scans again with the
          concern model in DIR and prints paired counts: per category (and any concern) the labelled
          posts the second model loses and gains against the first, and the clean posts newly or no
          longer flagged (a fall of two posts may be 2 lost and 0 gained, or 9 lost and 7 gained).
public    Davidson et al. (hate / offensive / neither) and the OLID training set, scored by the whole
          text analyser out of fold: the concern model's verdicts are its out-of-fold predictions from
          its training run (--oof, benchmarks/training/out/oof-latest.npz: each row scored by the fold
          model that did not see it), so no text is scored by a model trained on it; the rules and
          entities run as in a scan. A tweet counts as flagged when it gets an offensive or
          discriminatory finding, or GRV001 (insults at colleagues). Printed: Davidson 'neither' false
          alarms, hate recall, precision/recall/F1 (hate or offensive, rows the training table holds:
          its 'offensive' class was sub-sampled); OLID macro-F1.
ordinary  Ordinary tweets (WNUT-17 train+dev, Broad Twitter Corpus train+dev): share flagged
          confidentiality (false alarms), and findings by rule. Last figures (27 Nov 2026, --conf-ab,
          load 2.1-6.3): confidentiality flagged 1.12 % (132) with the public frame off, 0.94 % (110)
          with it on (as shipped); anything flagged 14.17 % / 13.99 %; ftp identical either way. With
          spelling disguises undone (27 Nov 2026, load 1.3-1.7): confidentiality 0.94 % (110), anything
          13.99 % (1,643), as main's; the model's input changes for 24 tweets; findings 1,793 as main's,
          CND008 and WRK004 one fewer each, OFF001 and OFF002 one more each.
speed     The full text scan (analyse_units: model, NER where asked, every concern) against a bare spaCy
          NER pass (same model, same ops, nlp.pipe) over the same tweets in the same run (default
          50,000: the public corpora cycled, ordinary tweets first), each timed twice alternately, best
          kept, in texts/s (wall clock) and CPU ms per text (process time, every thread: on a loaded
          machine the CPU ratio is the figure to compare). Loading is excluded and printed apart.
          Also: encoder rows per text, the share of texts sent to NER; the scan with one scoring thread
          when more are used (--scorers); with --compare-old also without the second thread and main's
          code before issue 13 (old explanations, no second thread). 28 Nov 2026 (cascade c2e, 3,000
          tweets, load 1.3): bare NER 883 texts/s, full scan with 2 scoring threads 114, with one 70.
          Last figures (stage-4 model, 5,000 tweets): quiet machine (load 1-2) bare NER 614 texts/s,
          full scan 184 texts/s, ratio 0.30; 27 Nov 2026 at load 5-6: 80 and 52 texts/s (0.65), CPU
          5.59 and 9.36 ms/text (CPU ratio 0.60); wall figures at load 10-11 swung from 0.43 to 0.55
          with no measurable change to the code. Target 0.8. `--speed-against rules-only` also times
          the scan with no model (every concern's rules alone): 28 Nov 2026, 5,000 tweets, load 1.0-1.9:
          bare NER CPU 2.07 ms/text, rules alone 1.02 (CPU ratio 2.04), cascade c2e 8.39 (0.25): the
          model costs 7.4 ms a text, and 0.8 leaves it 2.07 / 0.8 - 1.02 = 1.6 ms.
cat-training   Our written posts held out of a training run (--heldout-run; TRAINING data the model did not fit
          on, never ../shared): scanned through the whole text analyser and scored per category against the
          categories their writers gave them (a post may have two), as part ftp is; the design set for how
          findings share a post (docs/policy.md P18). --alongside-ab workplace|offensive: that finding
          beside the other one off, then on (as shipped). Figures in the MODEL_CARD's text-concerns section.
conf-training  Confidentiality on TRAINING data only (the rule's design set, never ../shared's validation
          sets): the written posts labelled confidentiality (writer_a-q) and the clean posts of their files,
          writer_r's public and news-like posts and its own-patient controls, the OLID training set's NOT
          tweets; share flagged confidentiality and findings by rule, per set.
--conf-ab Parts ftp, ordinary and conf-training are scanned with confidentiality's public frame off (the
          rule as it was before it) and again on, in the same run, and both printed.
explain   Model-only explanations, old method against new, on the first N (--explain-n) asked for over
          ordinary tweets then OLID training tweets: encoder rows and time per explanation, agreement of
          the words shown.
batching  The encoder alone, one text per call (as shipped) against length-sorted batches of 8/16/32,
          on the held-out rows of a training run (--heldout-run: training data the model did not fit
          on, not ../shared): CPU ms per text and the rows whose flags change. Measures only. Last
          figures (run-s4b, 5,572 rows): one per call 4.34-5.31 ms/text; batch 8 1.62-1.63x less CPU but
          197 rows (3.5 %) change a flag; 16: 208 (3.7 %); 32: 214 (3.8 %): not shipped (rule: <= 0.2 %).
hatecheck HateCheck's 3,728 functional tests (benchmarks/training/hatecheck.py: CC BY 4.0, read from the fetch
          tool's mirror, measuring only) scanned as posts through the whole text analyser, as a user's
          posts are (model, rules, entities, policy): per functionality the share of cases with a
          discriminatory finding, with an offensive one, with either; then hateful cases flagged
          discriminatory and the non-hateful groups. What a user would see, where hatecheck.py measures the
          concern model's flags alone. --mirrors names the mirror folder. Last figures (27 Nov 2026, the
          shipped stage-4b model, load 1-2): hateful cases flagged discriminatory 0.810 (the model alone
          0.801); non-hateful 0.599 (0.585): counter-speech and quoting 0.841, reclaimed slurs and homonyms
          0.784, negated hate 0.895, neutral or positive group mentions 0.654, abuse of non-protected
          targets 0.073, profanity without hate 0.080 (but offensive 0.610, which policy P9 calls clean):
          the rules add a few flags to the model's and take none away. With spelling disguises undone
          (27 Nov 2026, load 1.5-1.7): hateful 0.848, spaces added (spell_space_add_h) 0.462 -> 0.803,
          leetspeak (spell_leet_h) 0.561 -> 0.786, a letter dropped 0.471 (unchanged: not undone);
          non-hateful 0.599 (unchanged, every group the same).
memory    Peak resident memory of a child process that scans an X archive of N posts (default 100,000,
          corpus tweets cycled) through the whole pipeline.
Measured, not shipped, and taken out (27 Nov 2026): the cheap gate (part gate, --gate-ab, --no-gate) and
the explanations from token shares (part explain-train, --explain-ab, --explain-method): their figures
and commands are in auditor/analysers/data/MODEL_CARD.md, their code in git history (commit 5e0d34a).
The load average is printed: other engineers share the machine's 2 cores.
"""
from __future__ import annotations

import argparse
import html
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from auditor import offline, pipeline  # noqa: E402
from auditor.analysers.text import confidentiality as conf_mod  # noqa: E402
from auditor.analysers.text import engine  # noqa: E402
from auditor.analysers.text import nlp as nlp_mod  # noqa: E402
from auditor.analysers.text import offensive as offensive_mod  # noqa: E402
from auditor.analysers.text import workplace as workplace_mod  # noqa: E402
from auditor.analysers.text.model import ConcernModel  # noqa: E402
from auditor.analysers.text.fixed import FixedConcerns  # noqa: E402
from auditor.config import Config, Profile  # noqa: E402
from auditor.model import Post  # noqa: E402
from auditor.plugins import AnalysisContext, TextUnit  # noqa: E402
from auditor.rules import get as get_rule  # noqa: E402

FTP_CATEGORIES = ("confidentiality", "personal-data", "offensive", "discriminatory", "grievance",
                  "misinformation", "boundaries", "conduct", "promotion", "workplace", "location")
REGULATORS = {"HCPC": "HCPC", "NMC": "NMC", "GMC": "GMC", "GDC": "GDC", "SOCIAL WORK ENGLAND": "SWE",
              "GPHC": "GPhC"}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- X archives ----------------------------------------------------------------------------------
def tweet(tid: str, when: str, text: str, reply: bool) -> dict:
    dt = datetime.fromisoformat(when.replace("Z", "+00:00")).astimezone(timezone.utc)
    body = html.escape(text, quote=False)
    t = {"id_str": tid, "id": tid, "created_at": dt.strftime("%a %b %d %H:%M:%S +0000 %Y"), "full_text": body,
         "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
         "display_text_range": ["0", str(len(body))], "lang": "en", "retweeted": False, "truncated": False,
         "favorite_count": "0", "retweet_count": "0", "favorited": False}
    if reply:
        t.update(in_reply_to_status_id_str=str(int(tid) - 1), in_reply_to_user_id_str="42",
                 in_reply_to_screen_name="someone_else")
    return t


def write_archive(folder: Path, handle: str, tweets: list[dict], likes: list[dict]) -> None:
    data = folder / "data"
    data.mkdir(parents=True)
    with open(data / "tweets.js", "w", encoding="utf-8") as fh:
        fh.write("window.YTD.tweets.part0 = " + json.dumps([{"tweet": t} for t in tweets], ensure_ascii=False))
    if likes:
        (data / "like.js").write_text("window.YTD.like.part0 = " + json.dumps([{"like": x} for x in likes],
                                                                              ensure_ascii=False), encoding="utf-8")
    (data / "account.js").write_text('window.YTD.account.part0 = [{"account": {"username": "%s", "accountId": '
                                     '"1", "accountDisplayName": "Bench Persona"}}]' % handle, encoding="utf-8")
    files = {"tweets": {"files": [{"fileName": "data/tweets.js", "count": str(len(tweets))}]}}
    if likes:
        files["like"] = {"files": [{"fileName": "data/like.js", "count": str(len(likes))}]}
    (data / "manifest.js").write_text("window.__THAR_CONFIG = " + json.dumps({"userInfo": {"userName": handle},
                                                                             "dataTypes": files}), encoding="utf-8")


def persona_profile(persona: str) -> Profile:
    parts = [p.strip() for p in persona.split(",")]
    reg = parts[-1].upper()
    regulator = next((v for k, v in REGULATORS.items() if k in reg), "HCPC")
    return Profile(profession=parts[0], regulator=regulator)


# -- part: ftp -----------------------------------------------------------------------------------
def part_ftp(shared: Path, keep: dict | None = None) -> dict:
    """`keep`: filled with each post's labelled and flagged categories (for --paired-with)."""
    recs = [json.loads(line) for f in ("part-a.jsonl", "part-b.jsonl")
            for line in open(shared / "corpora/ftp" / f, encoding="utf-8") if line.strip()]
    by_persona: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for i, r in enumerate(recs):
        by_persona[r["persona"]].append((i, r))
    truth = [set(r["categories"]) for r in recs]
    flagged: list[set[str]] = [set() for _ in recs]
    problems = 0
    pairs: list[tuple[str, str]] = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-ftp-") as tmp:
        for n, (persona, items) in enumerate(sorted(by_persona.items())):
            folder = Path(tmp) / f"persona{n}"
            ref_of: dict[str, int] = {}
            tweets, likes = [], []
            for i, r in items:
                tid = str(1_600_000_000_000_000_000 + i * 7)
                if r["kind"] == "like":
                    likes.append({"tweetId": tid, "fullText": r["text"], "expandedUrl": f"https://x.com/i/web/status/{tid}"})
                    ref_of[f"twitter:like:{tid}"] = i
                    continue
                text = f"RT @someone_else: {r['text']}" if r["kind"] == "repost" else r["text"]
                tweets.append(tweet(tid, r["created_at"], text, r["kind"] in ("reply", "comment")))
                ref_of[f"twitter:{tid}"] = i
            write_archive(folder, f"persona{n}", tweets, likes)
            result = pipeline.scan([str(folder)], Config(persona_profile(persona)))
            problems += len(result.problems)
            seen = {p.ref for p in result.posts}
            missing = set(ref_of) - seen
            if missing:
                print(f"  persona {n}: {len(missing)} records not read back as posts")
            pairs += [(f"{n}:{f.post_ref}", f.rule) for f in result.findings]
            for f in result.findings:
                if f.post_ref in ref_of:
                    flagged[ref_of[f.post_ref]].add(get_rule(f.rule).category)
    print(f"\n== ftp: {len(recs)} posts, {len(by_persona)} personas, scanned as X archives through the pipeline "
          f"({time.perf_counter() - t0:.0f}s; {problems} problems reported; "
          f"confidentiality public frame {'on' if conf_mod.PUBLIC_FRAME else 'off'}; "
          f"load {load()}) ==")
    out = category_table(truth, flagged, FTP_CATEGORIES)
    out["findings (post, rule)"] = findings_digest(pairs)
    print(f"findings (post, rule): {out['findings (post, rule)']}")
    if keep is not None:
        keep.update(truth=truth, flagged=flagged)
    return out


def part_ftp_paired(shared: Path, other: Path, chosen) -> dict:
    """Part ftp with the configured model, then with `chosen` (the concern model opened from `other`), in
    this run; then per category the posts the second loses and gains against the first (paired counts: of
    the labelled posts, flagged with the category by the first and not the second, and the other way), the
    same for any concern, and the clean posts newly flagged or no longer flagged. Counts only, never a text."""
    first, second = {}, {}
    print("\n-- ftp, the configured model --")
    out = part_ftp(shared, first)
    was = engine._load_concern_model
    engine._load_concern_model = lambda: chosen
    try:
        print(f"\n-- ftp, the concern model in {other} --")
        part_ftp(shared, second)
    finally:
        engine._load_concern_model = was
    paired_table(first["truth"], first["flagged"], second["flagged"], FTP_CATEGORIES)
    return out


def paired_table(truth: list[set[str]], a: list[set[str]], b: list[set[str]], categories) -> dict:
    """Prints and returns, per category and for any concern, (flagged by a, by b, lost by b, gained by b)
    over the posts labelled with it; and the clean posts b flags that a did not, and the other way."""
    out: dict = {}
    print(f"\npaired, first model -> second:\n{'category':16} {'posts':>5} {'first':>6} {'second':>6} {'lost':>5} "
          f"{'gained':>6}")
    rows = [(c, [i for i, t in enumerate(truth) if c in t], lambda f, c=c: c in f) for c in categories]
    rows.append(("any concern", [i for i, t in enumerate(truth) if t], bool))
    for name, pos, hit in rows:
        if not pos:
            continue
        lost = sum(1 for i in pos if hit(a[i]) and not hit(b[i]))
        gained = sum(1 for i in pos if hit(b[i]) and not hit(a[i]))
        n_a = sum(1 for i in pos if hit(a[i]))
        out[name] = (n_a, n_a - lost + gained, lost, gained)
        print(f"{name:16} {len(pos):5d} {n_a:6d} {n_a - lost + gained:6d} {lost:5d} {gained:6d}")
    clean = [i for i, t in enumerate(truth) if not t]
    out["clean newly flagged"] = sum(1 for i in clean if b[i] and not a[i])
    out["clean no longer flagged"] = sum(1 for i in clean if a[i] and not b[i])
    print(f"clean posts: newly flagged {out['clean newly flagged']}, no longer flagged {out['clean no longer flagged']} "
          f"(of {len(clean)})")
    return out


def category_table(truth: list[set[str]], flagged: list[set[str]], categories) -> dict:
    """Per category: posts, recall, precision, share of the clean posts flagged with it; then any concern
    (recall, precision, clean flagged) and the concerning posts flagged with one of their own categories.
    Prints the table and returns the figures."""
    clean = [i for i, t in enumerate(truth) if not t]
    out: dict = {}
    print(f"{'category':16} {'posts':>5} {'recall':>7} {'precision':>9} {'clean flagged':>14}   [targets: recall >= 0.90, "
          f"clean flagged <= 0.05]")
    for c in categories:
        pos = [i for i, t in enumerate(truth) if c in t]
        got = [i for i, f in enumerate(flagged) if c in f]
        tp = len(set(pos) & set(got))
        rec = tp / len(pos) if pos else float("nan")
        prec = tp / len(got) if got else float("nan")
        cl = sum(1 for i in clean if c in flagged[i]) / max(1, len(clean))
        print(f"{c:16} {len(pos):5d} {rec:7.2f} {prec:9.2f} {cl:14.3f}")
        out[c] = rec
        out[f"{c} precision"] = prec
        out[f"{c} clean flagged"] = cl
    pos = [i for i, t in enumerate(truth) if t]
    got = [i for i, f in enumerate(flagged) if f]
    tp = len(set(pos) & set(got))
    n_clean = sum(1 for i in clean if flagged[i])
    print(f"any concern: recall {tp / max(1, len(pos)):.3f} ({tp} of {len(pos)}), precision {tp / max(1, len(got)):.3f}; "
          f"clean posts flagged {n_clean / max(1, len(clean)):.3f} ({n_clean} of {len(clean)})")
    right_cat = sum(1 for i in pos if flagged[i] & truth[i])
    print(f"concerning posts flagged with one of their own categories: {right_cat / max(1, len(pos)):.3f}")
    recalls = [out[c] for c in categories if c in engine.LABELS and not np.isnan(out[c])]
    out["mean category recall"] = sum(recalls) / max(1, len(recalls))
    print(f"mean recall of the {len(recalls)} text categories (location is the location analysers'): "
          f"{out['mean category recall']:.3f}")
    out["any concern"] = tp / max(1, len(pos))
    out["any concern precision"] = tp / max(1, len(got))
    out["clean flagged"] = n_clean / max(1, len(clean))
    return out


# -- corpora ---------------------------------------------------------------------------------------
def read_conll(path: Path) -> list[str]:
    texts, toks = [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip():
            if toks:
                texts.append(detok(toks))
            toks = []
            continue
        toks.append(line.split("\t")[0].split(" ")[0])
    if toks:
        texts.append(detok(toks))
    return texts


def detok(toks: list[str]) -> str:
    s = " ".join(toks)
    s = re.sub(r"\s+([.,!?:;)'](?:\s|$))", r"\1", s)
    s = re.sub(r"@ (\w)", r"@\1", s)
    s = re.sub(r"# (\w)", r"#\1", s)
    s = re.sub(r" (n't|'s|'re|'ll|'m|'ve|'d)\b", r"\1", s)
    return s


def ordinary_tweets(shared: Path) -> list[str]:
    ner = shared / "corpora/ner"
    out = []
    for f in ("wnut17/wnut17train.conll", "wnut17/emerging.dev.conll", "broad_twitter_corpus/btc.train",
              "broad_twitter_corpus/btc.dev"):
        out += read_conll(ner / f)
    return out


def davidson(shared: Path) -> tuple[list[str], np.ndarray]:
    import csv
    with open(shared / "corpora/offensive/davidson/labeled_data.dev.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["tweet"] for r in rows], np.array([int(r["class"]) for r in rows])


def olid(shared: Path) -> tuple[list[str], np.ndarray]:
    rows = [line.rstrip("\n").split("\t") for line in open(shared / "corpora/offensive/olid/olid-training-v1.0.tsv",
                                                          encoding="utf-8")][1:]
    return [r[1] for r in rows], np.array([r[2] == "OFF" for r in rows], dtype=int)


def units_for(texts: list[str], prefix: str) -> list[TextUnit]:
    when = datetime(2020, 6, 1, 12, 0, tzinfo=timezone.utc)
    return [TextUnit(Post(f"twitter:{prefix}{i}", "twitter", "post", when, t), t) for i, t in enumerate(texts)]


def flagged_refs(findings, categories=("offensive", "discriminatory"), also=("GRV001",)) -> set[str]:
    return {f.post_ref for f in findings if hasattr(f, "rule")
            and (get_rule(f.rule).category in categories or f.rule in also)}


def context(nlp, model) -> AnalysisContext:
    ctx = AnalysisContext(Config())
    ctx.cache[engine.NLP_KEY] = nlp
    ctx.cache[engine.CONCERN_KEY] = model
    return ctx


def macro_f1(y: np.ndarray, f: np.ndarray) -> float:
    from sklearn.metrics import f1_score
    return float(f1_score(y, f, average="macro"))


# -- part: public (out of fold) ------------------------------------------------------------------
def concern_oof_models(shared: Path, oof_path: Path, model):
    """The concern model's out-of-fold predictions (written by benchmarks/training/train_concern_model.py:
    each training row scored by the fold model that did not see it), calibrated with the shipped
    calibration, as one fixed model over the Davidson and OLID rows they cover. Yields it once with the
    indices it covers (Davidson's 'offensive' class was sub-sampled for training: only the rows in the
    training table have a prediction)."""
    from auditor.analysers.text.fixed import FixedConcerns
    z = np.load(oof_path, allow_pickle=False)
    probs = model.calibrate(z["logits"]) if hasattr(model, "calibrate") else z["probs"]
    rowid = [str(r) for r in z["rowid"]]
    by_id = {r: probs[i] for i, r in enumerate(rowid)}
    import csv
    with open(shared / "corpora/offensive/davidson/labeled_data.dev.csv", encoding="utf-8", newline="") as fh:
        dav_ids = [f"davidson:{r['']}" for r in csv.DictReader(fh)]
    rows = [line.rstrip("\n").split("\t") for line in open(shared / "corpora/offensive/olid/olid-training-v1.0.tsv",
                                                            encoding="utf-8")][1:]
    olid_ids = [f"olid:{r[0]}" for r in rows]
    dt, _ = davidson(shared)
    ot, _ = olid(shared)
    table = {}
    for texts, ids in ((dt, dav_ids), (ot, olid_ids)):
        for t, i in zip(texts, ids):
            if i in by_id:
                table[engine.mask_links(t[:engine.MAX_CHARS])] = dict(zip(engine.LABELS, map(float, by_id[i])))
    fixed = FixedConcerns(lambda t: table.get(t, {}), default=float("nan"))
    fixed.thresholds = np.asarray(model.thresholds, dtype=np.float32)
    te_d = np.array([i for i, r in enumerate(dav_ids) if r in by_id])
    te_o = np.array([i for i, r in enumerate(olid_ids) if r in by_id])
    k = len(set(int(f) for f in z["fold"]))
    yield fixed, te_d, te_o, f"the concern model's out-of-fold predictions ({k} folds, {oof_path.name})"


def part_public(shared: Path, nlp, model, oof: Path | None) -> None:
    dt, dc = davidson(shared)
    ot, oy = olid(shared)
    dy = (dc < 2).astype(int)
    fd = np.zeros(len(dt), dtype=bool)
    fo = np.zeros(len(ot), dtype=bool)
    t0 = time.perf_counter()
    if oof is None or not oof.is_file():
        print(f"\n== Davidson and OLID: skipped; the concern model's out-of-fold predictions ({oof}) are not "
              f"here (run benchmarks/training/train_concern_model.py, or pass --oof) ==")
        return
    covered_d = np.zeros(len(dt), dtype=bool)
    covered_o = np.zeros(len(ot), dtype=bool)
    runs = list(concern_oof_models(shared, oof, model))
    how = runs[0][3]
    for fold_model, te_d, te_o, _ in runs:
        covered_d[te_d] = True
        covered_o[te_o] = True
        ctx = context(nlp, fold_model)
        u = units_for([dt[i] for i in te_d], "d")
        refs = flagged_refs(engine.analyse_units(u, ctx))
        fd[te_d] = [x.post.ref in refs for x in u]
        u = units_for([ot[i] for i in te_o], "o")
        refs = flagged_refs(engine.analyse_units(u, ctx))
        fo[te_o] = [x.post.ref in refs for x in u]
    d, o = covered_d, covered_o
    tp = int((fd & d & (dy == 1)).sum())
    p, r = tp / max(1, (fd & d).sum()), tp / max(1, (dy[d] == 1).sum())
    print(f"\n== Davidson and OLID, whole text analyser, out of fold ({how}; {time.perf_counter() - t0:.0f}s) ==")
    print(f"Davidson rows scored: {d.sum()} of {len(dt)} (hate {(d & (dc == 0)).sum()}, offensive "
          f"{(d & (dc == 1)).sum()}, neither {(d & (dc == 2)).sum()})")
    print(f"Davidson 'neither' flagged (false alarms): {fd[d & (dc == 2)].mean():.3f}   [target <= 0.07]")
    print(f"Davidson hate flagged (recall): {fd[d & (dc == 0)].mean():.3f}   [target >= 0.95]")
    print(f"Davidson hate or offensive, rows scored: precision {p:.3f}, recall {r:.3f}, F1 {2 * p * r / max(1e-9, p + r):.3f}")
    print(f"OLID training set (n={o.sum()}): macro-F1 {macro_f1(oy[o], fo[o]):.3f}   [target >= 0.80]   "
          f"(OFF recall {fo[o & (oy == 1)].mean():.3f}, NOT flagged {fo[o & (oy == 0)].mean():.3f})")


# -- part: ordinary ----------------------------------------------------------------------------------
def part_ordinary(shared: Path, nlp, model) -> dict:
    texts = ordinary_tweets(shared)
    findings = [f for f in engine.analyse_units(units_for(texts, "n"), context(nlp, model)) if hasattr(f, "rule")]
    conf = flagged_refs(findings, ("confidentiality",), ())
    anyf = {f.post_ref for f in findings}
    print(f"\n== Ordinary tweets (WNUT-17 + Broad Twitter Corpus, n={len(texts)}), shipped models, "
          f"confidentiality public frame "
          f"{'on' if conf_mod.PUBLIC_FRAME else 'off'} (load {load()}) ==")
    print(f"flagged confidentiality (false alarms): {len(conf) / len(texts):.4f} ({len(conf)})   [target <= 0.01]")
    print(f"flagged with anything: {len(anyf) / len(texts):.4f} ({len(anyf)})")
    by_rule = Counter(f.rule for f in findings)
    print("findings by rule: " + ", ".join(f"{k} {v}" for k, v in sorted(by_rule.items())))
    digest = findings_digest((f.post_ref, f.rule) for f in findings)
    print(f"findings (post, rule): {digest}")
    return {"confidentiality flagged": len(conf) / len(texts), "anything flagged": len(anyf) / len(texts),
            **{f"{k} findings": v for k, v in sorted(by_rule.items())}, "findings (post, rule)": digest}


# -- part: conf-training (training data only) ----------------------------------------------------------
def conf_training_sets(shared: Path) -> dict[str, list[str]]:
    """Training data for the confidentiality rule (never ../shared's validation sets): the written posts
    labelled confidentiality (writer_a-q) and the clean posts of the files that hold such posts; writer_r's
    news-like and public posts (clean) and its positive controls (a professional's own patient); the OLID
    training set's NOT tweets."""
    data = ROOT / "benchmarks/training/data"
    recs = [json.loads(line) for p in sorted(data.glob("writer_*.jsonl"))
            for line in open(p, encoding="utf-8") if line.strip()]
    conf_files = {r["id"][0] for r in recs if "confidentiality" in r["categories"] and r["id"][0] != "r"}
    texts, y = olid(shared)
    return {"written confidentiality posts (writer_a-q)": [r["text"] for r in recs if r["id"][0] != "r"
                                                           and "confidentiality" in r["categories"]],
            "their files' clean posts": [r["text"] for r in recs if r["id"][0] in conf_files and not r["categories"]],
            "writer_r public/news-like posts (clean)": [r["text"] for r in recs if r["id"][0] == "r"
                                                        and not r["categories"]],
            "writer_r own-patient controls": [r["text"] for r in recs if r["id"][0] == "r"
                                              and "confidentiality" in r["categories"]],
            "OLID training NOT": [t for t, k in zip(texts, y) if not k]}


def part_conf_training(shared: Path, nlp, model) -> dict:
    print(f"\n== Confidentiality on TRAINING data (public frame {'on' if conf_mod.PUBLIC_FRAME else 'off'}; "
          f"load {load()}) ==")
    out = {}
    for name, texts in conf_training_sets(shared).items():
        findings = [f for f in engine.analyse_units(units_for(texts, "c"), context(nlp, model)) if hasattr(f, "rule")]
        conf = flagged_refs(findings, ("confidentiality",), ())
        by_rule = Counter(f.rule for f in findings if get_rule(f.rule).category == "confidentiality")
        print(f"{name:44} n={len(texts):5d}  flagged confidentiality {len(conf) / len(texts):.4f} ({len(conf)}); "
              + ", ".join(f"{k} {v}" for k, v in sorted(by_rule.items())))
        out[name] = len(conf) / len(texts)
    return out


# -- part: cat-training (training data only) ------------------------------------------------------------
def part_cat_training(nlp, model, run: Path) -> dict:
    """Our written posts held out of a training run (--heldout-run; training data the model did not fit on,
    never ../shared): scanned through the whole text analyser, each post's findings' categories against the
    categories its writer gave it (a post may have two). The design set for how findings share a post
    (docs/policy.md P18: workplace.ALONGSIDE, offensive.ALONGSIDE_FROM): per category recall and precision,
    clean posts flagged."""
    every = heldout_table(run)
    from concern_data import LABELS
    held = every.subset([i for i, src in enumerate(every.source) if src == "written"])
    y, _ = held.arrays()
    truth = [{lab for j, lab in enumerate(LABELS) if row[j] == 1} for row in y]
    flagged: list[set[str]] = [set() for _ in truth]
    units = units_for(held.texts, "w")
    index = {u.post.ref: i for i, u in enumerate(units)}
    pairs = []
    for f in engine.analyse_units(units, context(nlp, model)):
        if hasattr(f, "rule"):
            flagged[index[f.post_ref]].add(get_rule(f.rule).category)
            pairs.append((f.post_ref, f.rule))
    print(f"\n== Written posts held out of {run.name} (n={len(truth)}, {sum(not t for t in truth)} clean; "
          f"TRAINING data; P18 workplace {'on' if workplace_mod.ALONGSIDE else 'off'}, offensive from {offensive_mod.ALONGSIDE_FROM}; load {load()}) ==")
    out = category_table(truth, flagged, LABELS)
    out["findings (post, rule)"] = findings_digest(pairs)
    print(f"findings (post, rule): {out['findings (post, rule)']}")
    return out


def findings_digest(pairs) -> str:
    """(post ref, rule id) of every finding -> "<count> findings, <short hash>": equal strings mean the
    same posts with the same rules, the same number of times (explanations and spans not counted)."""
    import hashlib
    items = sorted(Counter(pairs).items())
    return f"{sum(c for _, c in items)} findings, {hashlib.sha1(repr(items).encode()).hexdigest()[:12]}"


def both_ways(title: str, fn, owner, switch: str, fmt: str = ".3f", names=("shipped rule", "new rule"),
              values=(False, True)) -> dict:
    """Run fn with owner.switch off, then on (`values`), in this run; print the two sets of figures side by
    side (a figure that differs is marked) and return the figures with it on. The switch is restored."""
    was = getattr(owner, switch)
    try:
        setattr(owner, switch, values[0])
        off = fn()
        setattr(owner, switch, values[1])
        on = fn()
    finally:
        setattr(owner, switch, was)

    def same(x, y) -> bool:
        return x == y or (isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y))
    def show(v) -> str:
        return f"{v:{fmt}}" if isinstance(v, (float, int)) and not isinstance(v, bool) else str(v)
    print(f"{title}, {names[0]} / {names[1]}: " + ", ".join(
        f"{k} {show(off[k])} / {show(on.get(k, float('nan')))}" + ("" if same(off[k], on.get(k)) else " (changed)")
        for k in off))
    print(f"load average now: {load()}")
    return on


# -- part: speed -------------------------------------------------------------------------------------
def speed_texts(shared: Path, n: int) -> list[str]:
    pool = ordinary_tweets(shared) + olid(shared)[0] + davidson(shared)[0]
    out = []
    i = 0
    while len(out) < n:
        t = pool[i % len(pool)]
        out.append(t if i < len(pool) else f"{t} ({i // len(pool)})")
        i += 1
    return out


RULES_ONLY = "rules-only"


class RulesOnly(FixedConcerns):
    """No concern model: no verdict on any label (NaN), so each concern runs its rules alone, as for a
    label the model does not cover. Timing the scan with it gives the floor that no model, however
    cheap, can take the scan below (`--speed-against rules-only`)."""
    rows_run = 0

    def __init__(self) -> None:
        super().__init__({}, default=float("nan"))

    def forget(self) -> None:
        self.calls.clear()


def part_speed(shared: Path, nlp, model, n: int, compare_old: bool = False, repeats: int = 2,
               against: Path | None = None) -> None:
    """Bare NER against the full scan as configured (overlap as set); with compare_old also the full scan
    without the second thread, and main's code before issue 13's rework (old explanations, no second
    thread); all in this run, each timed `repeats` times alternately, best kept."""
    texts = speed_texts(shared, n)
    units = units_for(texts, "s")
    ctx = context(nlp, model)
    list(engine.analyse_units(units[:300], ctx))      # Presidio built, sessions warm
    overlap, scorers = engine.OVERLAP, engine.SCORERS
    configured = f"full text scan ({engine.scorers()} scoring threads)" if overlap else "full text scan"
    runs = [(configured, ctx, overlap, scorers)]
    if overlap and engine.scorers() > 1:
        runs.append(("full text scan, one scoring thread", ctx, True, 1))
    if against is not None:
        from auditor.analysers.text.model import open_model
        other = context(nlp, RulesOnly() if str(against) == RULES_ONLY else open_model(against, threads=1))
        list(engine.analyse_units(units[:300], other))
        runs.append((f"full text scan with the model in {against}", other, overlap, scorers))
    if compare_old:
        runs += [("full text scan, no second thread", ctx, False, scorers),
                 ("main's code (old explanations, no second thread)", context(nlp, OldExplanations(model)), False,
                  scorers)]
    best: dict[str, float] = {}
    cpu: dict[str, float] = {}          # CPU ms per text (every thread of this process), best run
    found: dict[str, int] = {}
    rows: dict[str, float] = {}

    def keep(name, t, c):
        best[name] = max(best.get(name, 0), len(texts) / (time.perf_counter() - t))
        cpu[name] = min(cpu.get(name, 1e9), (time.process_time() - c) / len(texts) * 1000)
    try:
        for _ in range(repeats):
            t, c = time.perf_counter(), time.process_time()
            for _doc in nlp.pipe(texts, batch_size=engine.BATCH_SIZE):
                pass
            keep("bare", t, c)
            for name, ctx_, o, sc in runs:
                engine.OVERLAP, engine.SCORERS = o, sc
                m = ctx_.cache[engine.CONCERN_KEY]          # the run's own model (rows are counted on it)
                getattr(m, "forget", lambda: None)()       # each timed scan scores every text, as a first scan does
                r0, t, c = m.rows_run, time.perf_counter(), time.process_time()
                got = [(f.post_ref, f.rule) for f in engine.analyse_units(units, ctx_) if hasattr(f, "rule")]
                keep(name, t, c)
                found[name] = len(got)
                rows[name] = (m.rows_run - r0) / len(texts)
    finally:
        engine.OVERLAP, engine.SCORERS = overlap, scorers
    sent = 0
    mods = [m for m in engine.concern_modules() if callable(getattr(m, "needs_entities", None))]
    scan = engine.make_scan(ctx, nlp, model)
    for c in range(0, min(len(units), 10000), engine.CHUNK):
        for s in engine.signals(units[c:c + engine.CHUNK], model):
            sent += any(m.needs_entities(s, scan) for m in mods)
    print(f"\n== Speed (n={len(texts)} tweets, 1 process; load {load()}) ==")
    print(f"bare spaCy NER pass: {best['bare']:.0f} texts/s, CPU {cpu['bare']:.2f} ms/text")
    for name, *_ in runs:
        print(f"{name}: {best[name]:.0f} texts/s ({found[name]} findings, {rows[name]:.2f} encoder rows per text); "
              f"ratio to bare NER {best[name] / best['bare']:.2f}" + ("   [target >= 0.8]" if name == configured else "")
              + f"; CPU {cpu[name]:.2f} ms/text, CPU ratio to bare NER {cpu['bare'] / cpu[name]:.2f}")
    print("(texts/s is wall clock and swings with the machine's load; CPU time counts every thread of this "
          "process, the second one included, so the CPU ratio is the work done, not the wait)")
    print(f"texts sent to NER (first 10,000): {sent / min(len(units), 10000):.1%}")


# -- part: explain ------------------------------------------------------------------------------------
_OLD_WORD = re.compile(r"[\w'’]+(?:[-/.][\w'’]+)*")


def old_salient_spans(model, text: str, label: str, k: int = 3, max_words: int = 40, **_kw):
    """The explanation as main computed it before issue 13's rework (kept here to compare against):
    every word and every pair of neighbouring words (up to 40 words) occluded, one encoder row each,
    batch 1."""
    j = engine.LABELS.index(label)
    words = [(m.start(), m.end()) for m in _OLD_WORD.finditer(text or "") if any(c.isalnum() for c in m.group())]
    if not words:
        return []
    words = words[:max_words]
    pairs = [(words[i][0], words[i + 1][1]) for i in range(len(words) - 1)]
    variants = [text] + [text[:s] + " " + text[e:] for s, e in words + pairs]
    p = model.predict(variants)[:, j]
    single = p[0] - p[1:1 + len(words)]
    pair = p[0] - p[1 + len(words):]
    cands = list(zip(single, words))
    cands += [(d, sp) for i, (d, sp) in enumerate(zip(pair, pairs)) if d > 1.25 * max(single[i], single[i + 1])]
    ranked = sorted(cands, key=lambda x: (-x[0], x[1][1] - x[1][0]))
    out = []
    for d, (s, e) in ranked:
        if d <= max(0.02 * p[0], 1e-4):
            break
        if any(s < oe and os_ < e for os_, oe, _ in out):
            continue
        out.append((s, e, round(float(d), 4)))
        if len(out) >= k:
            break
    return out


class OldExplanations:
    """The shipped model with main's old explanation method (for a speed comparison in one run)."""

    def __init__(self, model):
        self._m = model

    def __getattr__(self, name):
        return getattr(self._m, name)

    def salient_spans(self, text, label, k=3, **kw):
        return old_salient_spans(self._m, text, label, k)


class Recorder(OldExplanations):
    """Records the (text, label) of every explanation asked for; explains nothing."""

    def __init__(self, model):
        super().__init__(model)
        self.asked: list[tuple[str, str]] = []

    def salient_spans(self, text, label, k=3, **kw):
        self.asked.append((text, label))
        return []


def shown_words(text: str, spans) -> list[str]:
    """The words an explanation shows for `spans` (strongest first): the same plain-words filter as the
    findings (signals.meaningful), at most three, no overlaps, casefolded."""
    from auditor.analysers.text.signals import meaningful
    out = []
    for s, e, *_ in spans:
        p = meaningful(text, s, e)
        if p is not None and not any(p.start < q.end and q.start < p.end for q in out):
            out.append(p)
        if len(out) >= 3:
            break
    return [p.text.casefold() for p in out]


def part_explain(shared: Path, nlp, model, n: int) -> None:
    """Model-only explanations, old method (every word and pair, batch 1) against the new one (content
    words only, one batch per text): cost in encoder rows and seconds, and agreement of the words shown
    (after the same plain-words filter the findings apply)."""
    texts = ordinary_tweets(shared) + olid(shared)[0]
    rec = Recorder(model)
    ctx = context(nlp, rec)
    for _ in engine.analyse_units(units_for(texts, "e"), ctx):
        if len(rec.asked) >= n:
            break
    asked = rec.asked[:n]
    skip = engine.lexicon(engine.COMMON).word_set("explanation.stopwords")

    # the scan already has each text's probabilities (the same computation); the explanation reuses them
    base = {(t, lab): float(model.predict([t])[0, engine.LABELS.index(lab)]) for t, lab in asked}
    res = {}
    for name, fn in (("old", lambda t, lab: old_salient_spans(model, t, lab, 6)),
                     ("new", lambda t, lab: model.salient_spans(t, lab, k=6, max_words=engine.SALIENT_MAX_WORDS,
                                                                 skip=skip, base=base[t, lab]))):
        r0, t0 = model.rows_run, time.perf_counter()
        words = [shown_words(t, fn(t, lab)) for t, lab in asked]
        res[name] = (words, (model.rows_run - r0) / len(asked), (time.perf_counter() - t0) / len(asked))
    ow = res["old"][0]
    print(f"\n== Explanations of model-only findings (n={len(asked)}, ordinary tweets then OLID training "
          f"tweets; load {load()}) ==")
    toks = lambda ws: {w for x in ws for w in x.split()}  # noqa: E731
    for name, (words, rows, secs) in res.items():
        top = sum(1 for a, b in zip(ow, words) if a[:1] == b[:1]) / len(asked)
        inside = sum(1 for a, b in zip(ow, words) if a and toks(a[:1]) & toks(b)) / max(1, sum(1 for a in ow if a))
        jac = np.mean([len(toks(a) & toks(b)) / max(1, len(toks(a) | toks(b))) for a, b in zip(ow, words)])
        print(f"{name:4} encoder rows per explanation {rows:5.1f}, {secs * 1000:6.1f} ms each; same first (strongest) "
              f"word or phrase as old {top:.3f}; a word of old's first among the words shown {inside:.3f}; overlap "
              f"of the words shown (Jaccard) {jac:.3f}; none shown {sum(1 for b in words if not b) / len(asked):.3f}")
    (_, r_old, s_old), (_, r_new, s_new) = res["old"], res["new"]
    print(f"explanation cost old/new: {r_old / r_new:.1f}x fewer encoder rows, {s_old / s_new:.1f}x less time")


# -- part: batching -----------------------------------------------------------------------------------
def heldout_table(run: Path):
    """The held-out rows of a training run, as its trainer builds them (train_concern_model.Run.heldout: the
    run's settings, data copy and public corpora): training data the model did not fit on, never
    ../shared/corpora's validation sets."""
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import train_concern_model as tcm
    return tcm.Run(run).heldout()


def part_batching(model, run: Path, sizes=(1, 8, 16, 32)) -> None:
    """The encoder alone on the held-out rows of a training run: CPU time per text (time.process_time,
    best of 2) scoring one text per call (as shipped) against length-sorted batches, and the rows whose
    flags (shipped thresholds) differ from one text per call: int8 dynamic quantisation scales the
    activations over the whole batch, so a batch moves every text's scores."""
    held = heldout_table(run)
    texts, src = list(held.texts), held.source
    texts = [engine.mask_links(t[:engine.MAX_CHARS]) for t in texts]
    src = np.array(src)
    keep, memo = model.batch_size, ConcernModel.MEMO
    ConcernModel.MEMO = 0              # every batch size scores the texts again
    model.predict(texts[:50])
    ref, base_cpu = None, None
    print(f"\n== Encoder batching (held-out rows of {run.name}, n={len(texts)}; load {load()}) ==")
    try:
        for bs in sizes:
            model.batch_size = bs
            cpu = 1e9
            for _ in range(2):
                c = time.process_time()
                p = model.predict(texts)
                cpu = min(cpu, time.process_time() - c)
            f = model.flags(p)
            ref = f if ref is None else ref
            base_cpu = base_cpu or cpu
            flip = (f != ref).any(axis=1)
            print(f"batch {bs:3d}: CPU {cpu / len(texts) * 1000:.2f} ms/text ({base_cpu / cpu:.2f}x less than one per "
                  f"call); rows with a flag changed {flip.sum()} ({flip.mean():.2%}; " +
                  ", ".join(f"{s} {flip[src == s].sum()} of {(src == s).sum()}" for s in sorted(set(src))) + ")")
    finally:
        model.batch_size, ConcernModel.MEMO = keep, memo


# -- part: memory --------------------------------------------------------------------------------------
MEMORY_CHILD = r"""
import resource, sys, time
sys.path.insert(0, {root!r})
from auditor import pipeline
from auditor.config import Config
if {model!r}:          # --concern-model: the same folder as the parent's parts (a cascade when it names one)
    from pathlib import Path
    from auditor.analysers.text import engine, model as cm
    chosen = cm.open_model(Path({model!r}), threads=1)
    engine._load_concern_model = lambda: chosen
t = time.perf_counter()
r = pipeline.scan([{folder!r}], Config())
print(len(r.posts), len(r.findings), len(r.problems), round(time.perf_counter() - t, 1),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def part_hatecheck(nlp, model, mirrors: Path) -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import concern_data as cd
    import hatecheck as hc
    cases = hc.read_cases(cd.mirror_read(mirrors, hc.HATECHECK, hc.CASES))
    units = units_for([c["test_case"] for c in cases], "h")
    findings = [f for f in engine.analyse_units(units, context(nlp, model)) if hasattr(f, "rule")]
    flags = np.zeros((len(cases), len(cd.LABELS)), dtype=bool)
    for label in ("discriminatory", "offensive"):
        refs = flagged_refs(findings, (label,), ())
        flags[:, cd.LABELS.index(label)] = [u.post.ref in refs for u in units]
    print(f"\n== HateCheck ({hc.HATECHECK}), {len(cases)} cases through the whole text analyser (load {load()}) ==")
    print("functionality".ljust(22) + "gold".ljust(12) + "n".rjust(5) + "  discriminatory / offensive / either")
    for fn, r in hc.per_functionality(cases, flags).items():
        print(fn.ljust(22) + r["gold"].ljust(12) + str(r["n"]).rjust(5)
              + f"  {r['discriminatory']:.3f} / {r['offensive']:.3f} / {r['either']:.3f}")
    summ = hc.summary(cases, flags)
    print("flagged discriminatory (hateful: higher is better; non-hateful: lower is better)")
    for key, (share, n) in summ.items():
        print(key.ljust(40) + str(n).rjust(5) + f"  {share:.3f}")
    return {k.strip(): v[0] for k, v in summ.items()}


def part_memory(shared: Path, n: int, concern_model: str | None = None) -> None:
    texts = speed_texts(shared, n)
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        folder = Path(tmp) / "x"
        tweets = [tweet(str(1_700_000_000_000_000_000 + i), "2021-03-04T12:00:00Z", t, False)
                  for i, t in enumerate(texts)]
        write_archive(folder, "bench_owner", tweets, [])
        del tweets
        child = MEMORY_CHILD.format(root=str(ROOT), folder=str(folder), model=concern_model or "")
        out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print(f"\n== Memory: the child scan failed ==\n{out.stderr[-2000:]}")
        return
    posts, findings, problems, secs, rss_kb = out.stdout.split()[-5:]
    print(f"\n== Memory: whole pipeline scan of an X archive of {n} posts, child process ==")
    print(f"posts {posts}, findings {findings}, problems {problems}, {secs}s; peak resident memory "
          f"{int(rss_kb) / 1024 / 1024:.2f} GB   [target < 1.5 GB]")


PARTS = {"ftp", "public", "ordinary", "speed", "memory", "conf-training", "cat-training", "explain", "batching",
         "hatecheck"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(next((p / "shared" for p in (ROOT.parent, ROOT.parent.parent)
                                                  if (p / "shared" / "corpora").is_dir()), ROOT.parent / "shared")))
    ap.add_argument("--parts", default="ftp,public,ordinary,speed,memory")
    ap.add_argument("--oof", default=str(ROOT / "benchmarks/training/out/oof-latest.npz"),
                    help="the concern model's out-of-fold predictions (from its training run)")
    ap.add_argument("--speed-texts", type=int, default=50_000)
    ap.add_argument("--memory-posts", type=int, default=100_000)
    ap.add_argument("--explain-n", type=int, default=300)
    ap.add_argument("--heldout-run", default=str(ROOT / "benchmarks/training/out/run-s4b"),
                    help="batching: a training run folder (settings.json, split.npz, data/) whose held-out rows are read")
    ap.add_argument("--no-overlap", action="store_true", help="score each chunk before its checks, no second thread")
    ap.add_argument("--scorers", type=int, default=0,
                    help="threads scoring texts at once (engine.SCORERS; 0: one per core, at most 4); speed "
                         "also times one scoring thread in the same run")
    ap.add_argument("--alongside-ab", choices=("workplace", "offensive"), default=None,
                    help="ftp, ordinary, cat-training and hatecheck, scanned twice and both printed (policy P18): "
                         "workplace: no workplace finding beside a confidentiality one, then as shipped; "
                         "offensive: no offensive finding beside a discriminatory or grievance one, then as shipped")
    ap.add_argument("--conf-ab", action="store_true",
                    help="ftp, ordinary and conf-training: scan with confidentiality's public frame off (the rule "
                         "before it shipped) and again on, in this run, and print both")
    ap.add_argument("--speed-repeats", type=int, default=2, help="speed: timed runs of each kind, best kept")
    ap.add_argument("--paired-with", default=None, metavar="DIR",
                    help="part ftp: scan again with the concern model in DIR and print, per category, the posts it "
                         "loses and gains against the configured model (paired counts)")
    ap.add_argument("--concern-model", default=None,
                    help="a concern-model folder to use instead of the shipped one (every part, the pipeline's "
                         "scans included); a folder whose settings name a cascade runs as one")
    ap.add_argument("--mirrors", default="/work/.mirror", help="hatecheck: the fetch tool's mirror folder")
    ap.add_argument("--speed-against", default=None, metavar="DIR",
                    help="speed: also time the full scan with the concern model in DIR (a cascade when its "
                         "settings name one), alternately with the configured one in the same run; "
                         f"'{RULES_ONLY}': with no model at all (the rules alone: the scan's floor)")
    ap.add_argument("--compare-old", action="store_true",
                    help="speed: also time the full scan with main's old explanation method")
    a = ap.parse_args()
    shared = Path(a.shared)
    parts = set(a.parts.split(","))
    unknown = parts - PARTS
    if unknown:
        ap.error(f"unknown part(s) {', '.join(sorted(unknown))}; the parts: {', '.join(sorted(PARTS))}")
    engine.OVERLAP, engine.SCORERS = not a.no_overlap, a.scorers
    print(f"engine: overlap {'on, ' + str(engine.scorers()) + ' scoring threads' if engine.OVERLAP else 'off'}")
    print(f"load average at start: {load()} on {os.cpu_count()} cores")
    t = time.perf_counter()
    nlp = nlp_mod.load_nlp()
    print(f"spaCy model {offline.MODEL_PACKAGE} loaded (NER only) in {time.perf_counter() - t:.1f}s")
    from auditor.analysers.text.model import ConcernModelError, open_model

    def opened(flag: str, folder: str):
        """A concern-model folder opened before any part runs (a cascade when its settings name one)."""
        try:
            return open_model(Path(folder), threads=1)
        except ConcernModelError as e:
            ap.error(f"{flag} {folder}: expected a concern-model folder (concern_model.json and its files): {e}")
    paired = opened("--paired-with", a.paired_with) if a.paired_with else None
    if a.concern_model:
        chosen = opened("--concern-model", a.concern_model)
        engine._load_concern_model = lambda: chosen
        print(f"concern model from {a.concern_model}")
    t = time.perf_counter()
    model = engine.concern_model(AnalysisContext(Config()))
    print(f"concern model: {type(model).__name__} ready in {time.perf_counter() - t:.1f}s")
    if a.conf_ab and a.alongside_ab:
        ap.error("--conf-ab and --alongside-ab: one switch at a time")
    # every part, in the order they run
    runs = {"cat-training": lambda: part_cat_training(nlp, model, Path(a.heldout_run)),
            "conf-training": lambda: part_conf_training(shared, nlp, model),
            "ftp": lambda: part_ftp_paired(shared, Path(a.paired_with), paired) if paired else part_ftp(shared),
            "public": lambda: part_public(shared, nlp, model, Path(a.oof)),
            "ordinary": lambda: part_ordinary(shared, nlp, model),
            "speed": lambda: part_speed(shared, nlp, model, a.speed_texts, a.compare_old, a.speed_repeats,
                                        Path(a.speed_against) if a.speed_against else None),
            "explain": lambda: part_explain(shared, nlp, model, a.explain_n),
            "batching": lambda: part_batching(model, Path(a.heldout_run)),
            "hatecheck": lambda: part_hatecheck(nlp, model, Path(a.mirrors)),
            "memory": lambda: part_memory(shared, a.memory_posts, a.concern_model)}
    assert set(runs) == PARTS
    alongside = ("ftp", "ordinary", "cat-training", "hatecheck")
    switch = ((conf_mod, "PUBLIC_FRAME", (False, True), ("ftp", "ordinary", "conf-training")) if a.conf_ab else
              (workplace_mod, "ALONGSIDE", (False, True), alongside) if a.alongside_ab == "workplace" else
              (offensive_mod, "ALONGSIDE_FROM", (math.inf, offensive_mod.ALONGSIDE_FROM), alongside)
              if a.alongside_ab == "offensive" else None)
    if switch:
        owner, name, values, switched = switch
        for part in switched:
            if part in parts:
                fmt = ".4f" if part in ("ordinary", "conf-training") else ".3f"     # shares of many tweets
                both_ways(f"\n{part}", runs[part], owner, name, fmt, values=values)
        parts -= set(switched)
    for part, run in runs.items():
        if part in parts:
            run()
    print(f"\nload average at end: {load()}; this process's peak resident memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.2f} GB")


if __name__ == "__main__":
    main()
