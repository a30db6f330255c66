"""Builders shared by the baseline and review tests: small X archives of an invented account,
and cheap analysers whose findings carry varying offsets, scores and explanations.

(The tests at the bottom check the builders themselves, so a broken builder cannot make the
baseline tests pass by reading nothing.)"""
from __future__ import annotations

import json
import random
from typing import Iterable, Iterator, Sequence

from auditor.config import Config
from auditor.model import Finding, Post, Span
from auditor.pipeline import scan

JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")

# An invented account: texts are made up; the places are public landmarks-free coordinates.
TWEETS = [
    # id, text, (lat, lon) or None, media name or None
    (1001, "Night shift done, coffee at the usual spot", (53.80101, -1.54877), None),
    (1002, "Lovely walk by the canal this morning", None, None),
    (1003, "Training day on the new defibrillators", (53.81234, -1.58321), "AbCdEf01"),
    (1004, "Happy birthday to my sister Rowan Quill-Tennant!", (53.79000, -1.50000), None),
    (1005, "Photo from the station open day", None, "GhIjKl02"),
]


def tweet(tid: int, text: str, where=None, media: str | None = None,
          when: str = "Sat Jun 06 13:02:35 +0000 2020") -> dict:
    t: dict = {"id_str": str(tid), "created_at": when, "full_text": text, "entities": {}}
    if where:
        t["coordinates"] = {"type": "Point", "coordinates": [str(where[1]), str(where[0])]}
    if media:
        t["extended_entities"] = {"media": [{"type": "photo",
                                             "media_url_https": f"https://pbs.twimg.com/media/{media}.jpg"}]}
    return {"tweet": t}


def twitter_members(rows: Sequence[tuple] = TWEETS, root: str = "", parts: int = 1,
                    deleted: Sequence[tuple] = ()) -> dict[str, bytes | str]:
    """An X archive (2022+ layout) holding `rows`, split into `parts` tweets files, under `root`."""
    items = [tweet(*r) for r in rows]
    members: dict[str, bytes | str] = {
        f"{root}data/account.js": 'window.YTD.account.part0 = [{"account": {"username": "q_tester_77"}}]'}
    chunks = [items[i::parts] for i in range(parts)]
    for i, chunk in enumerate(chunks):
        name = "tweets.js" if i == 0 else f"tweets-part{i}.js"
        members[f"{root}data/{name}"] = f"window.YTD.tweets.part{i} = " + json.dumps(chunk, indent=1)
    for r in rows:
        if r[3]:
            members[f"{root}data/tweets_media/{r[0]}-{r[3]}.jpg"] = JPEG
    if deleted:
        members[f"{root}data/deleted-tweets.js"] = ("window.YTD.deleted_tweets.part0 = "
                                                   + json.dumps([tweet(*r) for r in deleted]))
    return members


class WordAnalyser:
    """Flags the words in WORDS (rule GEO001, the catalogue's only rule for now), and every image.

    Offsets, confidence and explanation wording change from run to run (seeded), so tests can
    show they do not enter the finding id."""
    name = "test-words"
    WORDS = ("coffee", "defibrillators", "birthday", "station")

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)

    def analyse(self, posts: Sequence[Post], ctx) -> Iterator[Finding]:
        order = list(posts)
        self.rng.shuffle(order)
        for p in order:
            low = p.text.lower()
            for w in self.WORDS:
                at = low.find(w)
                if at >= 0:
                    yield Finding("GEO001", p.ref, evidence=p.text[at:at + len(w)].upper()
                                  if self.rng.random() < 0.5 else p.text[at:at + len(w)],
                                  explanation=f"variant {self.rng.randint(0, 999)}: the word {w!r}",
                                  confidence=self.rng.random(), spans=(Span(at + self.rng.randint(0, 5), at + len(w)),))
            for m in p.media:
                yield Finding("GEO001", p.ref, evidence="image", explanation=f"photo {self.rng.random()}",
                              confidence=self.rng.random(), media_path=m.path)


class PlaceAnalyser:
    """GEO001 for a post's own coordinates (like analysers/locations.py, kept here so these tests
    do not move with that analyser's wording)."""
    name = "test-places"

    def analyse(self, posts: Sequence[Post], ctx) -> Iterator[Finding]:
        for p in posts:
            if p.place is not None and p.place.has_position:
                yield Finding("GEO001", p.ref, evidence=f"{p.place.lat:.5f}, {p.place.lon:.5f}",
                              explanation="The platform stored where this was posted from.", confidence=0.95)


def run_scan(paths: Iterable, seed: int = 0, config: Config | None = None, with_locations: bool = True):
    analysers = [WordAnalyser(seed)] + ([PlaceAnalyser()] if with_locations else [])
    if seed % 2:
        analysers.reverse()
    return scan([str(p) for p in paths], config or Config(), analysers=analysers)


def ids(result) -> set[str]:
    return {f.id for f in result.findings}


# -- the builders themselves ---------------------------------------------------------------------
def test_builder_archive_reads_every_tweet_and_image(make_archive):
    r = run_scan([make_archive(twitter_members(parts=2))])
    assert {p.ref for p in r.posts} == {f"twitter:{t[0]}" for t in TWEETS}
    assert not r.problems
    media = [f for f in r.findings if f.media_path]
    assert len(media) == 2 and all(not m.missing for p in r.posts for m in p.media)
    assert len(ids(r)) == len(r.findings) >= 9


def test_word_analyser_varies_everything_but_the_id_inputs(tmp_path):
    from conftest import write_zip
    arc = write_zip(tmp_path / "x.zip", twitter_members())
    a, b = run_scan([arc], seed=1), run_scan([arc], seed=2)
    fa = {f.id: f for f in a.findings}
    fb = {f.id: f for f in b.findings}
    changed = [i for i in fa if (fa[i].explanation, fa[i].confidence, fa[i].span)
               != (fb[i].explanation, fb[i].confidence, fb[i].span)]
    assert len(changed) >= len(fa) - 3      # the word findings really differ between the runs
