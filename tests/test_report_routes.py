"""Links to a post where the download allows one, and the steps in each platform's own words."""
from __future__ import annotations

from auditor.model import Post
from auditor.report import routes


def pd(platform: str, ref: str, url: str | None = None, kind: str = "post") -> dict:
    return {"platform": platform, "ref": ref, "url": url, "kind": kind, "created_at": "2020-01-02T10:00:00Z",
            "text": "hello there", "media": [], "source": {}}


def test_instagram_shortcode_from_a_media_id():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    assert [routes.instagram_shortcode(i) for i in (1, 26, 63, 64, 65)] == ["B", "a", "_", "BA", "BB"]
    n = 2_812_345_678_901_234_567
    code = routes.instagram_shortcode(n)
    back = 0
    for ch in code:
        back = back * 64 + alphabet.index(ch)
    assert back == n
    assert routes.instagram_shortcode(f"{n}_4242") == code          # the owner after the underscore
    for bad in (None, "", "abc", "0", "-5", "1" * 40):
        assert routes.instagram_shortcode(bad) is None


def test_instagram_post_link_from_shortcode_media_id_or_url():
    p = Post("instagram:h1", "instagram", "post", None, "x", url="https://www.instagram.com/alex/",
             extra={"shortcode": "CxYz12AbC"})
    assert routes.post_link(p, pd("instagram", p.ref, p.url)) == {
        "href": "https://www.instagram.com/p/CxYz12AbC/", "label": "Open your post on Instagram", "is_post": True}
    p = Post("instagram:h1", "instagram", "post", None, "x", extra={"media_id": "65_99"})
    assert routes.post_link(p, pd("instagram", p.ref))["href"] == "https://www.instagram.com/p/BB/"
    u = "https://www.instagram.com/reel/CabcDEF12/"
    assert routes.post_link(None, pd("instagram", "instagram:h2", u))["href"] == \
        "https://www.instagram.com/p/CabcDEF12/"
    # only the profile: a link, said to be the profile, not the post
    got = routes.post_link(None, pd("instagram", "instagram:h3", "https://www.instagram.com/alex/"))
    assert got == {"href": "https://www.instagram.com/alex/", "label": "Open your Instagram profile",
                   "is_post": False}


def test_x_facebook_and_others():
    assert routes.post_link(None, pd("twitter", "twitter:123"))["href"] == "https://x.com/i/status/123"
    got = routes.post_link(None, pd("twitter", "twitter:9", "https://x.com/someone/status/9", kind="like"))
    assert got["label"] == "Open the post you liked on X" and got["is_post"]
    fb = "https://www.facebook.com/alex/posts/pfbid02abc"
    assert routes.post_link(None, pd("facebook", "facebook:1", fb))["is_post"] is True
    assert routes.post_link(None, pd("facebook", "facebook:2")) is None
    assert routes.post_link(None, pd("facebook", "facebook:3", "javascript:alert(1)")) is None
    assert routes.post_link(None, pd("photos", "photos:h1")) is None
    assert routes.post_link(None, pd("mastodon", "mastodon:1", "https://mastodon.example/@a/1"))["is_post"]
    bio = routes.post_link(None, pd("tiktok", "tiktok:bio", "https://www.tiktok.com/@alex", kind="bio"))
    assert bio == {"href": "https://www.tiktok.com/@alex", "label": "Open your TikTok profile", "is_post": False}


def test_steps_in_the_platforms_words():
    assert routes.steps("twitter", "delete").startswith("On X, open the post and select")
    assert "Remove all location information" in routes.steps("twitter", "edit", category="location")
    assert "Edit location" in routes.steps("facebook", "edit", category="location")
    assert "Remove location" in routes.steps("instagram", "edit", category="location")
    assert "Unlike" in routes.steps("instagram", "delete", kind="like")
    assert "Comments" in routes.steps("facebook", "delete", kind="comment")
    assert "Edit audience" in routes.steps("facebook", "restrict")
    assert "Remove Properties and Personal Information" in routes.steps("photos", "edit", category="location")
    assert routes.steps("tiktok", "delete").startswith("On TikTok, find the post by its date")


def test_how_to_find_prefers_the_importers_route():
    p = Post("facebook:1", "facebook", "post", None, "x", how_to_find="Activity log > Posts, 2 Jan 2020")
    assert routes.how_to_find(p, pd("facebook", p.ref)) == "Activity log > Posts, 2 Jan 2020"
    assert routes.how_to_find(None, pd("twitter", "twitter:1")) == (
        "Your post of 2 Jan 2020, starting \u201chello there\u201d.")
