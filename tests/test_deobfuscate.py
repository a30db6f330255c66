"""Spelling disguises undone before the concern model reads a text (model.deobfuscate, inside
model.normalise): spaced-out letters joined, leetspeak inside words read as letters, and everything a
real post uses digits and symbols for left alone. Every text here is invented for this test."""
from __future__ import annotations

import pytest

from auditor.analysers.text import model as cm


@pytest.mark.parametrize("text, expected", [
    # spaced-out letters
    ("you are an i d i o t", "you are an idiot"),
    ("what an I D I O T", "what an IDIOT"),
    ("total i.d.i.o.t.", "total idiot."),
    ("F a k e  N e w s again", "Fake  News again"),     # normalise then collapses the spaces
    ("u r a i d i o t", "u r a idiot"),                 # text-speak words kept apart from the word
    ("you are a c u n t", "you are a cunt"),            # the article stays a word
    ("I h a t e you", "I hate you"),
    ("he d i d say it", "he did say it"),
    # leetspeak inside words
    ("you 1d10t", "you idiot"),
    ("total sc@m artist", "total scam artist"),
    ("$hit happens", "shit happens"),
    ("what a pr1ck", "what a prick"),
    ("BULLSH1T", "BULLSHiT"),
    ("bada$$ and pu$$y", "badass and pussy"),
    ("l33t h4x0r", "leet haxor"),
    ("a55h0le", "asshole"),
])
def test_disguises_undone(text, expected):
    assert cm.deobfuscate(text) == expected


@pytest.mark.parametrize("text", [
    "A&E at 3pm", "£4.50 for a coffee", "B12 injection", "COVID-19 jab", "24/7 on call", "G P surgery",
    "J. K. Rowling", "10:30am", "3rd of May", "1st and 5th", "MP3 player", "M25 closed", "A4 paper",
    "4x4", "H1N1 flu", "A7X gig", "AB51ABC parked", "F1s and FY1s", "SW1A 1AA", "SW1A", "W1D 4FA",
    "$5 off", "$JPM up", "back b4 tea", "#h4te", "u r a propaganda machine", "love you x x x",
    "vitamin D a day", "A.B.C", "e.g. this", "a.m.", "that's y I'm here", "COVID19", "10am", "0bama",
    "Ward 4B", "room 3A", "15/03/2024", "07700 900123", "i.e. now",
])
def test_left_alone(text):
    assert cm.deobfuscate(text) == text


def test_mentions_emails_links_and_placeholders_unchanged_by_normalise():
    # mentions become the placeholder exactly as before; an e-mail address is not read as leetspeak
    assert cm.normalise("@nurse_jo you 1d10t") == "@USER you idiot"
    assert cm.normalise("email jo@nhs.uk now") == "email jo@USER.uk now"
    assert cm.normalise("thanks@bob for that") == "thanks@USER for that"
    assert cm.normalise("f@USER") == "f@USER"                          # OLID's glued placeholder
    assert cm.normalise("see https://example.com/1d10t and www.sh1t.com") == "see URL and URL"
    assert cm.normalise("RT @USER: a b c") == "a b c"
    assert cm.normalise("J.R.R. Tolkien") == "JRR. Tolkien"            # dotted initials joined: harmless


def test_explanations_point_at_words_of_the_original_text():
    """The model reads the undisguised text, but an explanation names spans of the text as written."""
    model = cm.ConcernModel(threads=1)
    text = "Honestly that nurse is a total 1d10t and a sc@m artist, useless"
    probs = model.predict([text])[0]
    j = int(probs.argmax())
    for s, e, _ in model.salient_spans(text, cm.LABELS[j]):
        assert 0 <= s < e <= len(text)
        assert text[s:e].strip() and text[s:e] in text


@pytest.mark.parametrize("text", ["RT@newsdesk: hello", "so@RealJoBloggs look", "F@USER", "SC@M"])
def test_glued_mentions_are_not_leetspeak(text):
    out = cm.deobfuscate(text)
    assert out == text or (text == "SC@M" and out == "SCaM")         # all capitals: a word, not a mention


def test_a_disguised_word_is_one_candidate_named_as_written():
    text = "u r a i d i o t and a sc@m artist, 1d10t! w o m e n"
    groups = cm._candidates(text, ())
    assert [text[s:e] for s, e in groups["idiot"]] == ["i d i o t", "1d10t"]
    assert [text[s:e] for s, e in groups["scam"]] == ["sc@m"]
    assert [text[s:e] for s, e in groups["women"]] == ["w o m e n"]
    assert "sc" not in groups and "m" not in groups


def test_findings_on_disguised_posts_name_the_words_as_written():
    """Through the text analyser with the shipped model: findings on disguised posts quote, and point
    their spans at, text that is in the post as written."""
    import re
    from datetime import datetime, timezone

    from auditor.analysers import text as T
    from auditor.config import Config, Profile
    from auditor.model import Finding, Post
    from auditor.plugins import AnalysisContext

    nlp = T.rule_based_nlp({})
    ctx = AnalysisContext(Config(Profile(full_name="Jordan Ashby")), owner={})
    ctx.cache[T.NLP_KEY], ctx.cache[T.PRESIDIO_KEY] = nlp, T.Presidio(nlp, "rule-based-test")
    ctx.cache[T.CONCERN_KEY] = cm.ConcernModel(threads=1)
    texts = ["w o m e n are too s t u p i d to be surgeons", "the new registrar is a total 1d10t and a sc@m artist"]
    when = datetime(2023, 5, 1, 12, 0, tzinfo=timezone.utc)
    posts = [Post(f"twitter:{i}", "twitter", "post", when, t) for i, t in enumerate(texts)]
    found = [f for f in T.TextAnalyser().analyse(posts, ctx) if isinstance(f, Finding)]
    assert found
    quoted = set()
    for f in found:
        text = texts[int(f.post_ref.split(":")[1])]
        for q in re.findall(r"'([^']+)'", f.explanation):
            assert q in text, (q, f.explanation)
            quoted.add(q)
        for s in f.spans:
            assert text[s.start:s.end].strip()
    assert quoted & {"w o m e n", "s t u p i d", "1d10t", "sc@m"}
