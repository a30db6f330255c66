"""Training data for the concern classifier: our written posts plus the public corpora's training data,
as one table of texts, labels, label masks (which labels are known for a row), weights and folds.

Sources (see benchmarks/training/data/README.md and auditor/analysers/data/MODEL_CARD.md):
- benchmarks/training/data/writer_*.jsonl: written for this project (MIT, invented people); every label
  known (`categories` lists the positives, [] = clean).
- OLID v1.0 training set (CC BY 4.0), ../shared/corpora/offensive/olid/olid-training-v1.0.tsv.
- Davidson et al. 2017 (MIT), ../shared/corpora/offensive/davidson/labeled_data.dev.csv.
- Opt in (`build(public_extra=("hatexplain",))`, `train_concern_model.py prepare --public hatexplain`):
  HateXplain (Mathew et al. 2021; MIT, LICENSE in its repository), read from a mirror of
  hate-alert/HateXplain at the commit in HATEXPLAIN (the fetch tool's /work/.mirror); the official
  training ids only (Data/post_id_divisions.json "train"), never its val or test posts.
- Opt in (`--public covidrumor`, `--public healthmisinfo`; issue 13, health misinformation in real
  people's words): the COVID-19 rumour dataset's tweets (Cheng et al. 2021; MIT, LICENSE in its
  repository) and the Health Misinformation Reddit Dataset (Anik et al. 2025; CC BY 4.0, LICENSE in its
  repository), read from mirrors at the commits in COVID_RUMOR and HEALTH_MISINFO; neither has an
  official split (every row is a training row). Mapping (misinfo_labels): a post the corpus labels false
  or misleading -> misinformation 1, but only when it is about health (HEALTH_TERMS; a false post with no
  health word is left out and counted); a post labelled true -> misinformation 0 whatever its topic
  (official advice, statistics, news: the hard negatives); unverified posts and texts over 600
  characters are left out and counted. Confidentiality, personal-data, boundaries, workplace 0;
  promotion unknown (fake-cure posts sell things); offensive, discriminatory, grievance, conduct and
  AUX unknown. CONSTRAINT-2021 (Patwa et al.) is not read: its authors' repository states no licence
  (a participant's re-upload under its own MIT licence cannot license the authors' data).
HateXplain's official validation and test posts (hx_measure_rows) are never trained on: the validation split
may set a threshold (assemble --guard-group-hate), the test split is for measuring only.
ETHOS (GPL-3.0) is never read. The Dynamically Generated Hate Speech Dataset (Vidgen et al. 2021) is not
read: its repository states no licence. HateCheck is for measuring only (hatecheck.py), never read here.
../shared/corpora/ftp/ is validation only and is never read here.

Label schemes (`build(scheme=...)`). The public corpora's "offensive" (OLID OFF; Davidson hate and
offensive) is any profanity or abuse, swearing at nothing included; our "offensive" is abuse aimed at
people (mild swearing at nothing is clean). So the table has an eleventh, internal output, AUX
("public-offensive"), that carries the public notion; the runtime never exposes it.
- scheme "aux" (default): public positives train AUX only; our "offensive" is unknown on them (left out of
  the loss), known 0 on OLID NOT and Davidson 'neither' (not offensive in any sense). AUX is unknown on
  our written rows.
- scheme "aux-ind": as "aux", and OLID OFF/TIN/IND (an insult or threat aimed at a person) counts as our
  "offensive" too.
- scheme "single": the first model's mapping: public positives are our "offensive" (AUX unused).
Masks for the public rows otherwise (1 = a real label, 0 = unknown, left out of the loss):
- discriminatory: Davidson hate = 1; Davidson neither and OLID NOT = 0 (not offensive at all, so not
  contempt for a group either); Davidson 'offensive' and OLID OFF unknown (their slurs and group insults
  were not told apart from other abuse).
- confidentiality, personal-data, boundaries, workplace, promotion = 0 (these need a care-work setting,
  third parties' contact data or selling health claims, which general 2009-2019 tweets almost never have:
  a rare wrong 0 costs less than never seeing ordinary tweets as clean for these labels).
- grievance, misinformation, conduct unknown (general tweets often complain about bosses, repeat health
  or political claims, or talk about drink, drugs and sex; the corpora did not annotate these).
HateXplain rows (majority of its three annotators; posts without a majority are left out):
- "hatespeech" is Davidson hate: discriminatory 1 when a target named by at least two annotators is a
  group (race, religion, sex, sexual orientation, disability, origin or migration status: anything but
  HX_NOT_A_GROUP), else unknown; our "offensive" unknown (as for Davidson hate); AUX 1.
- "offensive" (offensive, not hate) is Davidson 'offensive': our "offensive" unknown (swearing at
  nothing is clean under our policy, abuse aimed at a person is not; the corpus does not tell them
  apart), discriminatory unknown (its casual slurs were not told apart from other abuse), AUX 1.
- "normal" is Davidson 'neither': offensive 0, discriminatory 0, AUX 0.
- the other labels as for every public row (PUBLIC_NEGATIVE 0, the rest unknown).
Gab Hate Corpus rows (opt in: `--public ghc`; issue 13, real people's posts that mention groups; Kennedy et
al. 2022, CC BY 4.0; read from a mirror of a copy of its OSF release, GHC below; the official training
file ghc_train.tsv only, never ghc_test.tsv). Each post carries the majority of at least three annotators
for hd (assault on human dignity), cv (call for violence) and vo (vulgar or offensive language, hate or
not):
- "hate" (hd or cv: the corpus's hate-based rhetoric) is Davidson hate, except that discriminatory is
  unknown: the corpus's targets include ideology and political party, which are not protected
  characteristics (our discriminatory), and the training file does not say which group was targeted.
  Our "offensive" unknown (as for Davidson hate); AUX 1.
- "vulgar" (vo only) is Davidson 'offensive': offensive and discriminatory unknown, AUX 1.
- "none" (no hd, cv or vo) is Davidson 'neither': offensive 0, discriminatory 0, AUX 0. Most of these
  posts are about politics, religion, race or migration: ordinary mentions of groups, the model's worst
  false alarm (HateCheck's non-hateful group mentions).
- the other labels as for every public row. Texts over PUBLIC_MAX_CHARS, empty texts and repeats of a
  text already read are left out and counted.
HateXplain's training split from a CSV export (opt in: `--public hxtrain`; issue 13; MIT; HX_TRAIN below:
the official dataset.json is over 4 MiB and cannot be mirrored). The label is the majority of its three
annotators, recomputed from their labels; the export keeps only the union of their targets, so "names a
protected group" means at least one annotator named one (anything but HX_NOT_A_GROUP), looser than
hatexplain_rows' two annotators (hxtrain_rows):
- "group-hate-all" (hatespeech by all three annotators, a protected group named) and "group-hate" (the rest
  of the hatespeech majority, two of three, a protected group named): discriminatory 1, our "offensive"
  unknown, AUX 1. The two are disjoint, so a stage can keep only the posts every annotator called hate
  (stage 12: `--sample hxtrain:group-hate-all=800 --sample hxtrain:group-hate=0`).
- "group-offensive" (offensive, a protected group named): offensive and discriminatory unknown (casual slurs
  and group insults not told apart from other abuse), AUX 1.
- "abuse" (offensive, no protected group named by anyone): discriminatory 0, our "offensive" unknown, AUX 1.
- "group-clean" / "clean" (normal, no annotator said hatespeech; with / without a group named): offensive 0,
  discriminatory 0, AUX 0.
- left out and counted: hatespeech with no protected group named, normal with a hatespeech vote, no
  majority, texts over PUBLIC_MAX_CHARS, empty texts and repeats. Other labels as for every public row.
"""
from __future__ import annotations

import csv
import io
import json
import random
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(__file__).resolve().parent / "data"
LABELS = ("confidentiality", "personal-data", "offensive", "discriminatory", "grievance",
          "misinformation", "boundaries", "conduct", "promotion", "workplace")
L = {lab: i for i, lab in enumerate(LABELS)}
AUX = "public-offensive"
OUTPUTS = LABELS + (AUX,)        # what the network is trained to output; the runtime reads the first 10
A = len(LABELS)                  # index of AUX
SCHEMES = ("aux", "aux-ind", "single")


def default_shared() -> Path:
    """../shared beside the repository (or beside its worktree folder)."""
    for cand in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if (cand / "corpora").is_dir():
            return cand
    return ROOT.parent / "shared"


PUBLIC_NEGATIVE = ("confidentiality", "personal-data", "boundaries", "workplace", "promotion")


@dataclass
class Table:
    texts: list[str] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)
    mask: list[np.ndarray] = field(default_factory=list)
    source: list[str] = field(default_factory=list)     # written / olid / davidson
    orig: list[str] = field(default_factory=list)       # OFF/NOT, hate/offensive/neither, or the writer file
    rowid: list[str] = field(default_factory=list)
    detail: list[str] = field(default_factory=list)     # OLID subtasks b/c ("TIN/IND"), else ""

    def add(self, text, y, mask, source, orig, rowid, detail=""):
        self.texts.append(text)
        self.y.append(y)
        self.mask.append(mask)
        self.source.append(source)
        self.orig.append(orig)
        self.rowid.append(rowid)
        self.detail.append(detail)

    FIELDS = ("texts", "y", "mask", "source", "orig", "rowid", "detail")

    def subset(self, idx) -> "Table":
        return Table(*[[getattr(self, f)[i] for i in idx] for f in self.FIELDS])

    def arrays(self):
        return np.stack(self.y).astype(np.float32), np.stack(self.mask).astype(np.float32)


def _public(positive: dict[str, int | None], aux: int | None) -> tuple[np.ndarray, np.ndarray]:
    y = np.zeros(len(OUTPUTS), dtype=np.float32)
    m = np.zeros(len(OUTPUTS), dtype=np.float32)
    for lab in PUBLIC_NEGATIVE:
        m[L[lab]] = 1
    for lab, v in positive.items():
        if v is None:
            m[L[lab]] = 0
        else:
            m[L[lab]] = 1
            y[L[lab]] = v
    if aux is not None:
        m[A], y[A] = 1, aux
    return y, m


def public_labels(source: str, orig: str, detail: str, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """(y, mask) over OUTPUTS for one OLID or Davidson row under a label scheme (see the module notes)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown label scheme {scheme!r}")
    if source in MISINFO_EXTRA:            # health-misinformation corpora: the scheme does not matter
        return misinfo_labels(orig)
    single = scheme == "single"
    aux = None if single else 1
    if source in ABUSE_EXTRA:              # Gab Hate Corpus (issue 13): abuse_labels
        return abuse_labels(source, orig, scheme)
    if source == "hatexplain":
        if orig == "normal":
            return _public({"offensive": 0, "discriminatory": 0}, None if single else 0)
        if orig == "hatespeech":
            return _public({"offensive": 1 if single else None,
                            "discriminatory": 1 if hx_group_targeted(detail) else None}, aux)
        if orig == "offensive":
            return _public({"offensive": 1 if single else None, "discriminatory": None}, aux)
        raise ValueError(f"unknown HateXplain label {orig!r}")
    if source == "olid":
        if orig == "NOT":
            return _public({"offensive": 0, "discriminatory": 0}, None if single else 0)
        ours = 1 if single or (scheme == "aux-ind" and detail == "TIN/IND") else None
        return _public({"offensive": ours, "discriminatory": None}, aux)
    if orig == "neither":
        return _public({"offensive": 0, "discriminatory": 0}, None if single else 0)
    if orig == "hate":
        return _public({"offensive": 1 if single else None, "discriminatory": 1}, aux)
    return _public({"offensive": 1 if single else None, "discriminatory": None}, aux)


def excluded_ids(data_dir: Path = DATA_DIR) -> set[str]:
    """Ids listed in excluded_ids.txt (written posts too close to a validation post; ftp_overlap.py)."""
    path = data_dir / "excluded_ids.txt"
    if not path.is_file():
        return set()
    return {x.strip() for x in open(path, encoding="utf-8") if x.strip() and not x.startswith("#")}


def read_written(data_dir: Path = DATA_DIR) -> tuple[list[dict], list[str]]:
    """Every well-formed line of writer_*.jsonl but the excluded ids; returns (records, problems).
    Duplicate texts are kept once."""
    recs, problems, seen = [], [], set()
    skip = excluded_ids(data_dir)
    for path in sorted(data_dir.glob("writer_*.jsonl")):
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                text, cats = r["text"], r["categories"]
                assert isinstance(text, str) and text.strip() and isinstance(cats, list)
                bad = [c for c in cats if c not in L]
                if bad:
                    problems.append(f"{path.name}:{n}: unknown categories {bad} (dropped)")
                r["categories"] = [c for c in cats if c in L]
            except Exception as e:
                problems.append(f"{path.name}:{n}: {e!r}")
                continue
            key = re.sub(r"\s+", " ", text.strip().lower())
            if key in seen or r.get("id") in skip:
                continue
            seen.add(key)
            r["_file"] = path.name
            r["_line"] = n
            recs.append(r)
    return recs, problems


def load_olid(shared: Path, detail: bool = False):
    """(id, tweet, OFF/NOT) per row of the OLID training set; with detail, a fourth item: subtasks b and
    c as "TIN/IND", "TIN/GRP", "TIN/OTH", "UNT" or ""."""
    path = shared / "corpora/offensive/olid/olid-training-v1.0.tsv"
    rows = [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8")][1:]
    if not detail:
        return [(r[0], r[1], r[2]) for r in rows]
    return [(r[0], r[1], r[2], "/".join(x for x in r[3:5] if x and x != "NULL")) for r in rows]


def load_davidson(shared: Path):
    path = shared / "corpora/offensive/davidson/labeled_data.dev.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = {0: "hate", 1: "offensive", 2: "neither"}
    return [(r[""], r["tweet"], names[int(r["class"])]) for r in rows]


# ---- public corpora read from mirrors of public repositories (the fetch tool's folder) ----------------
MIRRORS = Path("/work/.mirror")
# hate-alert/HateXplain, MIT ("Copyright (c) 2020 Punyajoy Saha", LICENSE at this commit); 20,148 Gab and
# Twitter posts, three annotators each; Data/post_id_divisions.json: train 15,383 / val 1,922 / test 1,924.
HATEXPLAIN = "hate-alert/HateXplain@01d742279dac941981f53806154481c0e15ee686"
PUBLIC_EXTRA = ("hatexplain",)
# HateXplain targets that are not a group of people with a protected characteristic (Economic: class)
HX_NOT_A_GROUP = frozenset({"None", "Other", "Economic"})
_HX_TOKENS = {"<user>": "@USER", "<url>": "URL"}


class MirrorMissing(RuntimeError):
    """A mirrored file cannot be read (no mirror, or the snapshot lacks the file)."""


def _mirror(mirrors: Path, source: str) -> tuple[str, str, Path]:
    """(repo, commit, git directory) of "owner/name@commit": the mirror <mirrors>/<owner>+<name>/repo, a
    bare git directory, as the fetch tool lays it out."""
    repo, _, commit = source.partition("@")
    git_dir = Path(mirrors) / repo.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        raise MirrorMissing(f"no mirror of {repo} at {git_dir} (fetch github:{repo} first)")
    return repo, commit, git_dir


def mirror_read(mirrors: Path, source: str, path: str) -> bytes:
    """One file of "owner/name@commit" from its mirror, read at that commit."""
    repo, commit, git_dir = _mirror(mirrors, source)
    r = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"], capture_output=True)
    if r.returncode != 0:
        raise MirrorMissing(f"{repo}@{commit[:12]}:{path} cannot be read from {git_dir} (the snapshot lacks "
                            f"files of 4 MiB and more): {r.stderr.decode(errors='replace').strip()[:200]}")
    return r.stdout


def check_public(name: str, mirrors: Path = MIRRORS) -> None:
    """Raise MirrorMissing (or ValueError for an unknown name) unless every file that corpus needs can be
    read from its mirror; cheap (no file is read whole)."""
    files = {"hatexplain": (HATEXPLAIN, ("Data/dataset.json", "Data/post_id_divisions.json")),
             **MISINFO_FILES, **ABUSE_FILES}      # the Gab Hate Corpus: its training file only
    if name not in files:
        raise ValueError(f"unknown public corpus {name!r} (known: {PUBLIC_EXTRA})")
    _check_files(mirrors, *files[name])
    if name == "hxtrain":              # its row ids come from the official division file
        _check_files(mirrors, HATEXPLAIN, ("Data/post_id_divisions.json",))


def hx_group_targeted(detail: str) -> bool:
    """True when a HateXplain row's majority targets (detail, comma-separated) name a protected group."""
    return any(x and x not in HX_NOT_A_GROUP for x in detail.split(","))


def hx_votes(labels: list[str], targets: list) -> tuple[str | None, list[str]]:
    """(the label at least two of a HateXplain post's three annotators gave, or None; the targets at least
    two of them named, sorted). `targets` holds each annotator's list of targets (None for none)."""
    lab = next((k for k in sorted(set(labels)) if labels.count(k) >= 2), None)
    votes: dict[str, int] = {}
    for tg in targets:
        for x in set(tg or ()):
            votes[x] = votes.get(x, 0) + 1
    return lab, sorted(k for k, v in votes.items() if v >= 2)


def hatexplain_rows(dataset: dict, divisions: dict) -> tuple[list[tuple[str, str, str, str]], dict]:
    """(rowid, text, label, majority targets) for the posts of HateXplain's official training split whose
    label at least two of the three annotators gave ("hatespeech", "offensive" or "normal"); the text is
    its tokens joined by spaces, "<user>" and "<url>" written as @USER and URL (as OLID writes them).
    Targets named by at least two annotators, sorted, comma-separated. Val and test posts are never read.
    Returns (rows, counts)."""
    train = set(divisions["train"])
    rows, counts = [], {"train_ids": len(train), "no_majority": 0, "missing": 0}
    for pid in sorted(train):
        rec = dataset.get(pid)
        if rec is None:
            counts["missing"] += 1
            continue
        lab, named = hx_votes([ann["label"] for ann in rec["annotators"]],
                              [ann.get("target") for ann in rec["annotators"]])
        if lab is None:
            counts["no_majority"] += 1
            continue
        text = " ".join(_HX_TOKENS.get(w, w) for w in rec["post_tokens"]).strip()
        if not text:
            continue
        targets = ",".join(named)
        rows.append((f"hatexplain:{pid}", text, lab, targets))
        counts[lab] = counts.get(lab, 0) + 1
    return rows, counts


def load_hatexplain(mirrors: Path = MIRRORS) -> tuple[list[tuple[str, str, str, str]], dict]:
    """hatexplain_rows() of the mirrored files at HATEXPLAIN's commit (MirrorMissing if unreadable)."""
    dataset = json.loads(mirror_read(mirrors, HATEXPLAIN, "Data/dataset.json"))
    divisions = json.loads(mirror_read(mirrors, HATEXPLAIN, "Data/post_id_divisions.json"))
    return hatexplain_rows(dataset, divisions)


PUBLIC_MAX_CHARS = 600           # longer texts (articles, threads) of an opt-in corpus are left out and counted


def _fits(text: str, counts: dict) -> bool:
    """An opt-in corpus's text is kept only if it is not empty and not over PUBLIC_MAX_CHARS (counted)."""
    why = "empty" if not text else "too_long" if len(text) > PUBLIC_MAX_CHARS else None
    if why:
        counts[why] = counts.get(why, 0) + 1
    return why is None


def _first(text: str, counts: dict, seen: set) -> bool:
    """False (counted as a duplicate) for a text already kept, case aside."""
    key = text.lower()
    if key in seen:
        counts["duplicate"] = counts.get("duplicate", 0) + 1
        return False
    seen.add(key)
    return True


# ---- health misinformation corpora (issue 13): posts by real people, labelled false or true -----------
# MickeysClubhouse/COVID-19-rumor-dataset (Cheng et al., Frontiers in Psychology 2021), MIT ("Copyright (c)
# 2020 hlc1209", LICENSE at this commit, in the dataset authors' own repository); Data/twitter/Twitter.csv:
# 2,705 COVID-19 tweets, veracity T / F / U (unverified), no official split (undivided).
COVID_RUMOR = "MickeysClubhouse/COVID-19-rumor-dataset@6ba8adf28a2ca607717c6bbe3c1f4ea95d6d9571"
COVID_RUMOR_FILE = "Data/twitter/Twitter.csv"
# AnirbanSahaAnik/health-misinformation-reddit-dataset (Anik et al., COLM 2025), CC BY 4.0 (LICENSE and
# README at this commit); Data/Health_Misinformation_reddit_Dataset.csv: 1,161 Reddit posts (mostly
# titles) on COVID-19, influenza and HIV, every one labelled health misinformation (classifier-assisted,
# expert-validated), no split (undivided), no true posts.
HEALTH_MISINFO = "AnirbanSahaAnik/health-misinformation-reddit-dataset@6a4269228225734a183a2e33bef24faae13af862"
HEALTH_MISINFO_FILE = "Data/Health_Misinformation_reddit_Dataset.csv"
MISINFO_EXTRA = ("covidrumor", "healthmisinfo")
MISINFO_FILES = {"covidrumor": (COVID_RUMOR, (COVID_RUMOR_FILE,)),
                 "healthmisinfo": (HEALTH_MISINFO, (HEALTH_MISINFO_FILE,))}
# A post is about health when one of these word stems occurs (case-insensitive, at a word start). A
# false post without one (politics, economy, celebrities during the pandemic) is left out: the corpus's
# "false" is not a health claim there. True posts are kept whatever their topic (a true statement is not
# misinformation).
HEALTH_TERMS = re.compile(
    r"\b(covid|corona|virus|viral|sars|pandemic|epidemic|outbreak|infect|contag|transmi|disease|illness|"
    r"sick|symptom|fever|cough|pneumon|flu\b|influenza|hiv|aids\b|cancer|tumou?r|diabet|autism|vaccin|vax|"
    r"jab|mrna|booster|pfizer|moderna|astrazeneca|spike protein|myocard|clot|immun|antibod|mask|lockdown|"
    r"quarantin|isolat|social distanc|distancing|ventilat|icu\b|hospital|doctor|nurse|physician|medic|"
    r"drug|pharma|pill|dose|cure|cures|cured|treat|remed|therap|hydroxychloroquine|chloroquine|ivermectin|"
    r"remdesivir|bleach|sanitiz|disinfect|garlic|gargl|vitamin|zinc|herb|homeopath|ayurved|health|death|"
    r"died|dies|dying|fatal|mortality|patient|test(s|ed|ing)?\b|positive|cdc\b|nhs\b|fda\b|who\b|"
    r"steril|fertil|pregnan|side effect|5g\b|emf\b|radiation|tubercul|measles|polio|ebola|m(onkey)?pox|"
    r"smallpox|plague|parasit)", re.IGNORECASE)


def about_health(text: str) -> bool:
    return bool(HEALTH_TERMS.search(text))


def misinfo_labels(orig: str) -> tuple[np.ndarray, np.ndarray]:
    """(y, mask) over OUTPUTS for a health-misinformation corpus row: "false" (a false or misleading post
    about health) -> misinformation 1, "true" (official advice, statistics, news, ordinary remarks found
    true) -> misinformation 0; confidentiality, personal-data, boundaries, workplace 0; promotion unknown
    (fake-cure posts sell things); offensive, discriminatory, grievance, conduct and AUX unknown (the
    corpora did not annotate them)."""
    if orig not in ("false", "true"):
        raise ValueError(f"unknown misinformation-corpus label {orig!r}")
    return _public({"misinformation": 1 if orig == "false" else 0, "promotion": None}, None)


def _csv_rows(raw: bytes) -> list[dict]:
    return list(csv.DictReader(raw.decode("utf-8-sig", errors="replace").splitlines()))


def _misinfo_keep(rows, counts, rid, text, lab, seen):
    text = re.sub(r"\s+", " ", text or "").strip()
    if not _fits(text, counts):
        return
    if lab == "false" and not about_health(text):
        counts["false_not_health"] = counts.get("false_not_health", 0) + 1
    elif _first(text, counts, seen):
        rows.append((rid, text, lab, ""))
        counts[lab] = counts.get(lab, 0) + 1


def covidrumor_rows(raw: bytes) -> tuple[list[tuple[str, str, str, str]], dict]:
    """(rowid, text, "false"/"true", "") for the tweets of Twitter.csv labelled F or T; U (unverified) is
    left out, as are texts over PUBLIC_MAX_CHARS, false tweets not about health, and repeated texts.
    The corpus has no official split: every row is a training row."""
    rows, counts, seen = [], {"read": 0, "unverified": 0}, set()
    for r in _csv_rows(raw):
        counts["read"] += 1
        lab = {"F": "false", "T": "true"}.get((r.get("label") or "").strip())
        if lab is None:
            counts["unverified"] += 1
            continue
        num = (r.get("No.") or "").strip()
        _misinfo_keep(rows, counts, f"covidrumor:{num}", r.get("content"), lab, seen)
    return rows, counts


def healthmisinfo_rows(raw: bytes) -> tuple[list[tuple[str, str, str, str]], dict]:
    """(rowid, text, "false", "") for the Reddit posts (all labelled misinformation by the corpus); texts
    over PUBLIC_MAX_CHARS, posts not about health, and repeated texts left out. No official split."""
    rows, counts, seen = [], {"read": 0}, set()
    for r in _csv_rows(raw):
        counts["read"] += 1
        text = r.get("text", r.get("title"))
        _misinfo_keep(rows, counts, f"healthmisinfo:{(r.get('idx') or r.get('id') or '').strip()}", text,
                      "false", seen)
    return rows, counts


def load_misinfo(name: str, mirrors: Path = MIRRORS) -> tuple[list[tuple[str, str, str, str]], dict]:
    """The rows of one health-misinformation corpus (MISINFO_EXTRA) read from its mirror at the pinned
    commit (MirrorMissing if unreadable)."""
    source, (path,) = MISINFO_FILES[name]
    raw = mirror_read(mirrors, source, path)
    return covidrumor_rows(raw) if name == "covidrumor" else healthmisinfo_rows(raw)


PUBLIC_EXTRA = PUBLIC_EXTRA + MISINFO_EXTRA


def build(shared: Path, davidson_offensive: int = 4000, seed: int = 13, data_dir: Path = DATA_DIR,
          written_only: bool = False, scheme: str = "aux", dis_offensive_unknown: tuple[str, ...] = (),
          public_extra: tuple[str, ...] = (), mirrors: Path | None = None):
    """The training table: y and mask over OUTPUTS (the ten labels and AUX). Davidson's 'offensive' class
    (77 % of its rows) is sub-sampled to `davidson_offensive` rows so that it does not set the model's
    prior; its hate and neither rows are all kept. `dis_offensive_unknown`: writer files whose posts labelled
    discriminatory but not offensive leave "offensive" unknown (out of the loss): those files were written
    before the convention that contempt for a protected group is discriminatory AND offensive
    (standards.md section 10), so their missing "offensive" is not a verdict. `public_extra`: further public
    corpora from PUBLIC_EXTRA (read from `mirrors`, default MIRRORS); their rows whose ids are in
    excluded_ids.txt (ftp_overlap.py --public) are left out. Returns (table, info)."""
    unknown = set(public_extra) - set(PUBLIC_EXTRA)
    if unknown:
        raise ValueError(f"unknown public corpora {sorted(unknown)} (known: {PUBLIC_EXTRA})")
    if {"hatexplain", "hxtrain"} <= set(public_extra):
        raise ValueError("hatexplain and hxtrain are the same posts (HateXplain's training split read two ways): "
                         "name one of them")
    t = Table()
    recs, problems = read_written(data_dir)
    named = {r["_file"] for r in recs}
    missing = sorted(set(dis_offensive_unknown) - named)
    if missing:       # a misspelt or comma-joined name would otherwise change nothing, silently
        raise ValueError(f"dis_offensive_unknown names {missing}, not writer files in {data_dir} (one file name "
                         f"per --dis-offensive-unknown, e.g. writer_a.jsonl)")
    for r in recs:
        y = np.zeros(len(OUTPUTS), dtype=np.float32)
        for c in r["categories"]:
            y[L[c]] = 1
        m = np.ones(len(OUTPUTS), dtype=np.float32)
        m[A] = 0
        if r["_file"] in dis_offensive_unknown and "discriminatory" in r["categories"] \
                and "offensive" not in r["categories"]:
            m[L["offensive"]] = 0
        t.add(r["text"], y, m, "written", r["_file"], str(r.get("id") or f"{r['_file']}:{r['_line']}"))
    info = {"written": len(recs), "written_problems": problems, "scheme": scheme}
    if written_only:
        return t, info
    for rid, text, lab, det in load_olid(shared, detail=True):
        y, m = public_labels("olid", lab, det, scheme)
        t.add(text, y, m, "olid", lab, f"olid:{rid}", det)
    rows = load_davidson(shared)
    rng = random.Random(seed)
    offensive_rows = [r for r in rows if r[2] == "offensive"]
    keep = set(id(r) for r in rng.sample(offensive_rows, min(davidson_offensive, len(offensive_rows))))
    n_dav = {"hate": 0, "offensive": 0, "neither": 0}
    for r in rows:
        rid, text, lab = r
        if lab == "offensive" and id(r) not in keep:
            continue
        n_dav[lab] += 1
        y, m = public_labels("davidson", lab, "", scheme)
        t.add(text, y, m, "davidson", lab, f"davidson:{rid}")
    info.update(olid=sum(1 for s in t.source if s == "olid"), davidson=n_dav,
                davidson_offensive_available=len(offensive_rows))
    _add_public(t, info, public_extra, Path(mirrors) if mirrors else MIRRORS, data_dir, scheme)
    return t, info


# ---- abuse corpora (issue 13): real people's posts, human-labelled for hate and vulgarity -------------------
# The Gab Hate Corpus (Kennedy et al., Language Resources and Evaluation 2022; https://osf.io/edua3/): its
# official files ghc_train.tsv (22,036 posts) and ghc_test.tsv (5,510), columns text, hd, cv, vo. Licence:
# CC BY 4.0 ("Gab Hate Corpus (GHC) (https://osf.io/edua3/) released under CC-By Attribution 4.0
# International License.", README.md of INK-USC/Upstream-Bias-Mitigation at 41b604af6e45, code of Jin
# et al. 2021, two of whose authors are the corpus's). The OSF files cannot be
# mirrored; read from the copy in liuchaoqun/hate-speech-datasets (GabHateCorpus/Data/, uploaded
# 2021-10-06 and unchanged since).
GHC = "liuchaoqun/hate-speech-datasets@98f3ee8104cf87bb91ed3e64c31a3097b9f8de84"
GHC_TRAIN_FILE = "GabHateCorpus/Data/ghc_train.tsv"
GHC_TEST_FILE = "GabHateCorpus/Data/ghc_test.tsv"      # measuring only: never read here
# HateXplain's official TRAINING split (Mathew et al. 2021; MIT, LICENSE of hate-alert/HateXplain at
# HATEXPLAIN's commit) as exported by the Hugging Face "hatexplain" loader (which splits by
# Data/post_id_divisions.json) and flattened to one CSV by swiyasree/HateSpeechDetection (data/preprocess.py
# at this commit; 15,383 rows = the official train count; its hatexplain_validation.json and
# hatexplain_test.json carry ids equal to the official val and test ids). Columns text (tokens joined),
# majority_label, severity, labels (the three annotators' labels, 0 hatespeech / 1 normal / 2 offensive),
# annotator_ids, targets (the UNION of the three annotators' targets; the export drops who named which and
# the post ids, which are recovered from the order: hxtrain_rows). The official dataset.json is over 4 MiB
# and cannot be mirrored (load_hatexplain).
HX_TRAIN = "swiyasree/HateSpeechDetection@2a00e94445b4b3a248b8bb08e4f741d1c1aa1b54"
HX_TRAIN_FILE = "data/training_data.csv"
HX_TEST_FILES = ("data/raw/hatexplain_validation.json", "data/raw/hatexplain_test.json")   # never trained on:
# read only by hx_measure_rows (the validation split sets assemble --guard-group-hate; the test split is for
# measuring only)
HX_CODES = {"0": "hatespeech", "1": "normal", "2": "offensive"}
HXTRAIN_LABELS = ("group-hate-all", "group-hate", "group-offensive", "abuse", "group-clean", "clean")
ABUSE_EXTRA = ("ghc", "hxtrain")
ABUSE_FILES = {"ghc": (GHC, (GHC_TRAIN_FILE,)), "hxtrain": (HX_TRAIN, (HX_TRAIN_FILE,))}
GHC_LABELS = ("hate", "vulgar", "none")


def _check_files(mirrors: Path, source: str, paths: tuple[str, ...]) -> None:
    repo, commit, git_dir = _mirror(mirrors, source)
    for path in paths:
        r = subprocess.run(["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{commit}:{path}"],
                           capture_output=True)
        if r.returncode != 0:
            raise MirrorMissing(f"{repo}@{commit[:12]}:{path} is not in the mirror at {git_dir} (the snapshot "
                                f"lacks files of 4 MiB and more)")


HX_MEASURE_SPLITS = {"validation": HX_TEST_FILES[0], "test": HX_TEST_FILES[1]}


def hx_measure_rows(raw: bytes) -> tuple[list[tuple[str, str, str]], dict]:
    """(post id, text, class) per post of HateXplain's validation or test split as exported (`raw`: one JSON
    object per line with id, annotators {label: [0 hatespeech, 1 normal, 2 offensive] x3, target: [[...] x3]}
    and post_tokens). NEVER training rows: for measuring, and for assemble --guard-group-hate (validation
    split only). The label is the majority of the three annotators (no majority: left out and counted); the
    post is about a protected group when at least two annotators named the same target other than None /
    Other / Economic (hatexplain_rows' rule, stricter than hxtrain's union). Classes "group-hate", "hate",
    "group-offensive", "offensive", "group-normal", "normal"; "group-normal" excludes posts one annotator
    called hatespeech (counted as "unsure"). Text as hatexplain_rows writes it. Returns (rows, counts)."""
    rows, counts = [], {"read": 0, "no_majority": 0, "unsure": 0, "empty": 0}
    for line in raw.decode("utf-8").splitlines():
        if not line.strip():
            continue
        counts["read"] += 1
        rec = json.loads(line)
        labs = [HX_CODES[str(x)] for x in rec["annotators"]["label"]]
        lab, named = hx_votes(labs, rec["annotators"]["target"])
        if lab is None:
            counts["no_majority"] += 1
            continue
        group = hx_group_targeted(",".join(named))
        if lab == "normal" and group and "hatespeech" in labs:
            counts["unsure"] += 1
            continue
        text = " ".join(_HX_TOKENS.get(w, w) for w in rec["post_tokens"]).strip()
        if not text:
            counts["empty"] += 1
            continue
        cls = ("group-" if group else "") + {"hatespeech": "hate", "offensive": "offensive", "normal": "normal"}[lab]
        rows.append((str(rec["id"]), text, cls))
        counts[cls] = counts.get(cls, 0) + 1
    return rows, counts


def load_hx_measure(split: str, mirrors: Path = MIRRORS) -> tuple[list[tuple[str, str, str]], dict]:
    """hx_measure_rows() of the mirrored validation or test file at HX_TRAIN's commit."""
    if split not in HX_MEASURE_SPLITS:
        raise ValueError(f"HateXplain measuring split must be one of {sorted(HX_MEASURE_SPLITS)}, not {split!r}")
    return hx_measure_rows(mirror_read(mirrors, HX_TRAIN, HX_MEASURE_SPLITS[split]))


def abuse_labels(source: str, orig: str, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """(y, mask) over OUTPUTS for one Gab Hate Corpus row (orig "hate", "vulgar" or "none"; see the module
    notes): Davidson's mapping, but discriminatory unknown on "hate" (its targets include ideology and
    political party, not protected characteristics)."""
    single = scheme == "single"
    if source == "hxtrain" and orig in HXTRAIN_LABELS:
        if orig in ("group-clean", "clean"):
            return _public({"offensive": 0, "discriminatory": 0}, None if single else 0)
        dis = {"group-hate-all": 1, "group-hate": 1, "group-offensive": None, "abuse": 0}[orig]
        return _public({"offensive": 1 if single else None, "discriminatory": dis}, None if single else 1)
    if source != "ghc" or orig not in GHC_LABELS:
        raise ValueError(f"unknown abuse-corpus row {source!r}/{orig!r}")
    if orig == "none":
        return _public({"offensive": 0, "discriminatory": 0}, None if single else 0)
    return _public({"offensive": 1 if single else None, "discriminatory": None}, None if single else 1)


def ghc_rows(raw: bytes, split: str = "train") -> tuple[list[tuple[str, str, str, str]], dict]:
    """(rowid, text, label, detail) per post of ghc_train.tsv (`raw`, tab-separated text/hd/cv/vo): label
    "hate" when hd or cv is 1, "vulgar" when only vo is, else "none"; detail the positive columns
    ("hd,vo"). The row id is the data row's number in the file (the corpus has no ids). Only the official
    training file may be read: any other split is a ValueError. Returns (rows, counts)."""
    if split != "train":
        raise ValueError(f"the Gab Hate Corpus's {split!r} file is for measuring only, never for training")
    rows, counts, seen = [], {"read": 0, "empty": 0, "too_long": 0, "duplicate": 0}, set()
    for n, text, lab, detail in ghc_records(raw):
        counts["read"] += 1
        if not (_fits(text, counts) and _first(text, counts, seen)):
            continue
        rows.append((f"ghc:{n}", text, lab, detail))
        counts[lab] = counts.get(lab, 0) + 1
    return rows, counts


def ghc_records(raw: bytes):
    """(data row number, text with spaces collapsed, label, detail) per row of a Gab Hate Corpus file (`raw`,
    tab-separated text/hd/cv/vo; a ValueError naming the header otherwise): label "hate" when hd or cv is 1,
    "vulgar" when only vo is, else "none"; detail the positive columns ("hd,vo"). Nothing is left out here:
    ghc_rows (training file) and public_proxy.py (test file, measuring only) filter."""
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter="\t")
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header[:4]] != ["text", "hd", "cv", "vo"]:
        raise ValueError(f"not a Gab Hate Corpus file (header {header!r})")
    for n, r in enumerate(reader, 1):
        text = re.sub(r"\s+", " ", r[0] if r else "").strip()
        bits = {k: (r[i].strip() == "1") if len(r) > i else False for i, k in enumerate(("hd", "cv", "vo"), 1)}
        lab = "hate" if bits["hd"] or bits["cv"] else "vulgar" if bits["vo"] else "none"
        yield n, text, lab, ",".join(k for k, v in bits.items() if v)


def hxtrain_rows(raw: bytes, split: str = "train",
                 train_ids: list[str] | None = None) -> tuple[list[tuple[str, str, str, str]], dict]:
    """(rowid, text, class, targets) per post of the HateXplain training-split CSV (`raw`; see HX_TRAIN).
    The label is recomputed from the three annotators' labels (at least two agree; else left out as
    "no_majority"). Classes (HXTRAIN_LABELS): "group-hate-all" (hatespeech by all three annotators, the
    targets name a protected group: anything but HX_NOT_A_GROUP); "group-hate" (hatespeech by two of the
    three, a protected group named; disjoint from "group-hate-all"); "group-offensive" (offensive, a protected group named); "abuse"
    (offensive, no annotator named a protected group); "group-clean" / "clean" (normal and no annotator
    said hatespeech; with / without a protected group named). Left out and counted: hatespeech with no
    protected group named ("hate_no_group"), normal with one hatespeech vote ("unsure"), texts over
    PUBLIC_MAX_CHARS, empty texts and repeats. Row id "hxtrain:<post id>": the export keeps the loader's
    order, which is post_id_divisions.json's "train" order, so data row n is train_ids[n - 1] (a count
    that differs is a ValueError); without train_ids, "hxtrain:row<n>". Only the training file may be read:
    any other split is a ValueError."""
    if split != "train":
        raise ValueError(f"HateXplain's {split!r} split is for measuring only, never for training")
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    need = {"text", "labels", "targets"}
    if not need <= set(reader.fieldnames or ()):
        raise ValueError(f"not a HateXplain training export (header {reader.fieldnames!r})")
    rows, seen = [], set()
    counts = {"read": 0, "empty": 0, "too_long": 0, "duplicate": 0, "no_majority": 0, "hate_no_group": 0,
              "unsure": 0}
    data = list(reader)
    if train_ids is not None and len(train_ids) != len(data):
        raise ValueError(f"{len(data)} rows but {len(train_ids)} official training ids: not the training split")
    for n, r in enumerate(data, 1):
        counts["read"] += 1
        text = re.sub(r"\s+", " ", (r.get("text") or "").replace("<user>", "@USER").replace("<url>", "URL")).strip()
        votes = [HX_CODES.get(x.strip()) for x in (r.get("labels") or "").split(",")]
        if None in votes or len(votes) != 3:
            raise ValueError(f"row {n}: unexpected annotator labels {r.get('labels')!r}")
        lab = next((k for k in set(votes) if votes.count(k) >= 2), None)
        targets = sorted({x.strip() for x in (r.get("targets") or "").split(",") if x.strip()})
        group = hx_group_targeted(",".join(targets))
        if not _fits(text, counts):
            continue
        if lab is None:
            counts["no_majority"] += 1
            continue
        if lab == "hatespeech":
            cls = ("group-hate-all" if votes.count("hatespeech") == 3 else "group-hate") if group else None
            if cls is None:
                counts["hate_no_group"] += 1
                continue
        elif lab == "offensive":
            cls = "group-offensive" if group else "abuse"
        else:
            if "hatespeech" in votes:
                counts["unsure"] += 1
                continue
            cls = "group-clean" if group else "clean"
        if not _first(text, counts, seen):
            continue
        rid = f"hxtrain:{train_ids[n - 1]}" if train_ids is not None else f"hxtrain:row{n}"
        rows.append((rid, text, cls, ",".join(targets)))
        counts[cls] = counts.get(cls, 0) + 1
    return rows, counts


def load_abuse(name: str, mirrors: Path = MIRRORS) -> tuple[list[tuple[str, str, str, str]], dict]:
    """The training rows of one abuse corpus (ABUSE_EXTRA) read from its mirror at the pinned commit
    (MirrorMissing if unreadable)."""
    if name == "hxtrain":
        ids = json.loads(mirror_read(mirrors, HATEXPLAIN, "Data/post_id_divisions.json"))["train"]
        return hxtrain_rows(mirror_read(mirrors, HX_TRAIN, HX_TRAIN_FILE), "train", ids)
    if name != "ghc":
        raise ValueError(f"unknown abuse corpus {name!r} (known: {ABUSE_EXTRA})")
    return ghc_rows(mirror_read(mirrors, GHC, GHC_TRAIN_FILE), "train")


PUBLIC_EXTRA = PUBLIC_EXTRA + ABUSE_EXTRA
# the order their rows join the table (fixed: the split of new rows depends on it)
_TABLE_ORDER = ABUSE_EXTRA + ("hatexplain",) + MISINFO_EXTRA


def public_rows(name: str, mirrors: Path = MIRRORS) -> tuple[list[tuple[str, str, str, str]], dict]:
    """(rowid, text, label, detail) of every training row an opt-in public corpus (PUBLIC_EXTRA) has, read
    from its mirror at the pinned commit (MirrorMissing if unreadable), and the reader's counts."""
    if name in MISINFO_EXTRA:
        return load_misinfo(name, mirrors)
    if name in ABUSE_EXTRA:
        return load_abuse(name, mirrors)
    if name == "hatexplain":
        return load_hatexplain(mirrors)
    raise ValueError(f"unknown public corpus {name!r} (known: {PUBLIC_EXTRA})")


def public_texts(name: str, mirrors: Path = MIRRORS) -> list[tuple[str, str]]:
    """(rowid, text) of every training row a public corpus would add (ftp_overlap.py --public)."""
    return [(rid, text) for rid, text, _, _ in public_rows(name, mirrors)[0]]


def _add_public(t: "Table", info: dict, public_extra, mirrors: Path, data_dir: Path, scheme: str) -> None:
    """Append the rows of the opt-in corpora named in public_extra, labelled by public_labels (ids in
    excluded_ids.txt left out and counted); each corpus's counts go to info[name]."""
    names = [n for n in _TABLE_ORDER if n in public_extra]
    skip = excluded_ids(data_dir) if names else set()
    for name in names:
        rows, counts = public_rows(name, mirrors)
        for rid, text, lab, det in rows:
            if rid in skip:
                counts["excluded"] = counts.get("excluded", 0) + 1
                continue
            y, m = public_labels(name, lab, det, scheme)
            t.add(text, y, m, name, lab, rid, det)
        info[name] = counts


def _strata(t: Table) -> dict[str, list[int]]:
    """Rows grouped by source and label pattern (written: file and labels; OLID: subtasks; Davidson:
    class)."""
    groups: dict[str, list[int]] = {}
    for i, (s, o, d) in enumerate(zip(t.source, t.orig, t.detail or [""] * len(t.texts))):
        if s == "written":
            key = f"{s}:{o}:" + ",".join(LABELS[j] for j in np.flatnonzero(t.y[i][:len(LABELS)]))
        else:
            key = f"{s}:{o}:{d}"
        groups.setdefault(key, []).append(i)
    return groups


def split_key(text: str) -> str:
    """The form in which two texts count as the same for a split: no mentions, links or punctuation,
    lower case, single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"@\w+|https?://\S+|\bURL\b|\W+", " ", text.lower())).strip()


def _same_text_together(t: Table, assign: np.ndarray) -> np.ndarray:
    """Rows whose normalised texts are equal (retweets, copies across corpora) get the first one's
    part, so that no text is on both sides of a split."""
    first: dict[str, int] = {}
    out = assign.copy()
    for i, text in enumerate(t.texts):
        key = split_key(text)
        if key in first:
            out[i] = out[first[key]]
        else:
            first[key] = i
    return out


SPLIT_VERSIONS = (1, 2)


def _stratified_rank(t: Table, seed: int, version: int = 1) -> np.ndarray:
    """A number per row such that consecutive numbers spread every stratum (source and label pattern)
    evenly; each stratum shuffled (deterministic).
    version 1 (every run before 27 Nov 2026 evening): one running count through all the strata in sorted
    order, one random stream for all, so a stratum's numbers depend on the strata before it: adding a
    corpus redraws the side of rows of other sources.
    version 2: each stratum its own stream (seeded by the seed and the stratum's key) and its own count from
    a random start, so a stratum's numbers depend on its own rows only."""
    if version not in SPLIT_VERSIONS:
        raise ValueError(f"split version {version}: expected one of {SPLIT_VERSIONS}")
    rng = random.Random(seed)
    groups = _strata(t)
    rank = np.zeros(len(t.texts), dtype=np.int64)
    c = 0
    for key in sorted(groups):
        idx = groups[key]
        if version == 2:
            rng = random.Random(f"{seed}:{key}")
            c = rng.randrange(1_000_000)
        rng.shuffle(idx)
        for i in idx:
            rank[i] = c
            c += 1
    return rank


def folds(t: Table, k: int, seed: int = 0, version: int = 1) -> np.ndarray:
    """A fold number per row, stratified by source and label pattern (deterministic); equal texts share
    a fold."""
    return _same_text_together(t, _stratified_rank(t, seed, version) % k)


def holdout(t: Table, frac: float = 0.15, seed: int = 0, version: int = 1) -> np.ndarray:
    """Boolean per row: True = held out (for calibration, thresholds and figures), `frac` of the rows,
    stratified by source and label pattern (deterministic; `version`: see _stratified_rank); equal texts
    fall on the same side."""
    c = _stratified_rank(t, seed, version)
    out = (np.floor((c + 1) * frac) > np.floor(c * frac)).astype(np.int64)
    return _same_text_together(t, out).astype(bool)


def unseen_rows(t: Table, files) -> np.ndarray:
    """Boolean per row: True = a row of one of these writer files (train_concern_model.py prepare
    --unseen-writers: never trained on, never held out), or a row elsewhere in the table whose text equals
    one of theirs after split_key (a copy would train on the unseen text, so it is unseen too)."""
    named = [i for i, (s, o) in enumerate(zip(t.source, t.orig)) if s == "written" and o in files]
    keys = {split_key(t.texts[i]) for i in named}
    return np.array([bool(keys) and split_key(x) in keys for x in t.texts], dtype=bool)


# ---- augmentation (written rows only; on the fly, so each epoch sees a different variant) -------------
_EMOJI = ["😂", "🤣", "🙄", "😬", "🤦\u200d♀️", "💀", "😭", "🍷", "🙈", "👀", "😡", "🥴", "❤️", "😇", "🔥", "#nhs"]
_SPEAK = [(r"\byou\b", "u"), (r"\bare\b", "r"), (r"\bto\b", "2"), (r"\bfor\b", "4"), (r"\bbecause\b", "cos"),
          (r"\bpeople\b", "ppl"), (r"\bplease\b", "pls"), (r"\btonight\b", "2nite"), (r"\bwith\b", "w")]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.random()
    if op < 0.4:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op < 0.7:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def augment(text: str, rng: random.Random) -> str:
    """A plausible variant of how the same post could have been typed: case, punctuation, typos, text
    speak, an emoji or hashtag. Never removes words (that could remove the concern)."""
    t = text
    if rng.random() < 0.3:
        words = t.split(" ")
        for _ in range(rng.randint(1, 2)):
            j = rng.randrange(len(words))
            words[j] = _typo(words[j], rng)
        t = " ".join(words)
    if rng.random() < 0.2:
        for pat, rep in _SPEAK:
            if rng.random() < 0.6:
                t = re.sub(pat, rep, t, flags=re.I)
    if rng.random() < 0.2:
        t = re.sub(r"[.,;:!?]+", "", t)
    r = rng.random()
    if r < 0.25:
        t = t.lower()
    elif r < 0.3:
        t = t.upper()
    if rng.random() < 0.2:
        e = rng.choice(_EMOJI)
        t = t + " " + e if rng.random() < 0.7 else e + " " + t
    return t


# ---- ordinary posts: the base rate of a real archive (threshold rule of stage 5) -------------------
# Nearly every post in a real archive is ordinary (football, food, family, weather), so a threshold has
# to keep the share of ordinary posts flagged small, not only do well on a balanced mix. These held-out
# rows stand in for a real archive's ordinary posts when thresholds are fitted (train_concern_model.py
# assemble --ordinary-budget); each group has a share of the weight, its rows equal within it:
# - our written ordinary posts (1/2): every clean post of the files in ORDINARY_FILES (written as
#   ordinary everyday posts) and the clean posts of ORDINARY_PARTS (a file's ordinary part, by id);
# - OLID NOT (1/3): general tweets, not offensive;
# - Davidson 'neither' (1/6): tweets not offensive, but collected with a hate-word lexicon, so harder
#   than a real archive's; the smallest share.
# For grievance, misinformation and conduct the public rows are unlabelled (see above); for this budget
# only (never for calibration, the F1 threshold or the loss) they count as clean: a real archive's
# ordinary posts flagged there are false alarms too, and the few real concerns among them only make the
# budget stricter.
ORDINARY_FILES = ("writer_l.jsonl",)
# writer_k's ordinary part: its block of 441 everyday posts (football, pets, holidays, family, short
# comments), ids k-0856 to k-1296, read off the finished file before any stage-5 figure was measured.
ORDINARY_PARTS: dict[str, tuple[str, ...]] = {"writer_k.jsonl": tuple(f"k-{n:04d}" for n in range(856, 1297))}
ORDINARY_SHARES = {"written": 1 / 2, "olid": 1 / 3, "davidson": 1 / 6}


def ordinary_groups(t: "Table") -> dict[str, np.ndarray]:
    """Boolean masks over t's rows: the three groups of ordinary rows."""
    src, orig = np.array(t.source), np.array(t.orig)
    y, _ = t.arrays()
    clean = y[:, :len(LABELS)].sum(1) == 0
    part_ids = {i for ids in ORDINARY_PARTS.values() for i in ids}
    wr = (src == "written") & clean & (np.isin(orig, ORDINARY_FILES) |
                                       np.array([(o in ORDINARY_PARTS and r in part_ids)
                                                 for o, r in zip(t.orig, t.rowid)], dtype=bool))
    return {"written": wr, "olid": (src == "olid") & (orig == "NOT"),
            "davidson": (src == "davidson") & (orig == "neither")}


def ordinary_weights(t: "Table") -> np.ndarray:
    """Per row: its weight in the ordinary base rate (0 for rows outside the three groups; sums to 1
    over the groups present)."""
    w = np.zeros(len(t.texts))
    groups = {k: g for k, g in ordinary_groups(t).items() if g.any()}
    total = sum(ORDINARY_SHARES[k] for k in groups)
    for k, g in groups.items():
        w[g] = ORDINARY_SHARES[k] / total / g.sum()
    return w


def ordinary_figures(flags: np.ndarray, t: "Table") -> dict:
    """The share of t's ordinary rows (ordinary_weights) that `flags` (n, >= 10) flags: weighted, any label
    and per label, and per group; {} when t has none."""
    ow = ordinary_weights(t)
    if not ow.any():
        return {}
    f = flags[:, :len(LABELS)]
    groups = ordinary_groups(t)
    return {"ordinary_flagged_any_weighted": round(float((ow * f.any(1)).sum()), 4),
            "ordinary_flagged_per_label_weighted": {lab: round(float((ow * f[:, j]).sum()), 4)
                                                    for j, lab in enumerate(LABELS)},
            "ordinary_flagged_any_per_group": {k: {"n": int(g.sum()), "flagged": round(float(f[g].any(1).mean()), 4)}
                                               for k, g in groups.items() if g.any()}}


_TWIN_WORD = re.compile(r"[\w']+")


def twin_pairs(t: Table, min_jaccard: float = 0.4) -> np.ndarray:
    """Twins among our written posts: two neighbouring rows of one writer file, one carrying a concern and
    the other clean, that share at least `min_jaccard` of their words (a writer's concerning post and
    its clean twin, written side by side). Returns (k, 2) table rows: [concerning, clean]."""
    out = []
    n_out = len(LABELS)
    for i in range(len(t.texts) - 1):
        j = i + 1
        if t.source[i] != "written" or t.source[j] != "written" or t.orig[i] != t.orig[j]:
            continue
        ci, cj = bool(t.y[i][:n_out].any()), bool(t.y[j][:n_out].any())
        if ci == cj:
            continue
        a = set(_TWIN_WORD.findall(t.texts[i].casefold()))
        b = set(_TWIN_WORD.findall(t.texts[j].casefold()))
        if a and b and len(a & b) / len(a | b) >= min_jaccard:
            out.append((i, j) if ci else (j, i))
    return np.array(out, dtype=np.int64).reshape(-1, 2)
