"""Where a post is and how to get rid of it: a link to the post where one can be built from the
download, and the steps in the platform's own menus (our words; menu names change, so the post's
date and text are shown beside them).

    post_link(post, pd)           -> {"href", "label", "is_post"} or None
    steps(platform, action, ...)  -> the steps to delete, edit, restrict or unlike, in the
                                     platform's own words
    how_to_find(post, pd)         -> where the post is (the importer's route when it gave one)
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from ..model import Post
from . import words

# Instagram's shortcodes are the media id written in this 64-letter alphabet
_IG_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SAFE_URL = re.compile(r"https?://[^\s\"'<>]+$", re.IGNORECASE)


def safe_link(url: str | None) -> str | None:
    """Only web links are clickable (archives are untrusted: no javascript: or file: links)."""
    if url and _SAFE_URL.match(url):
        return url
    return None


def instagram_shortcode(media_id: Any) -> str | None:
    """Instagram media id ("3141592653589793238" or "3141592653589793238_1234", the owner after the
    underscore) -> the post's shortcode, as in https://www.instagram.com/p/<shortcode>/."""
    head = str(media_id or "").split("_", 1)[0].strip()
    if not head.isdigit() or len(head) > 25:
        return None
    n = int(head)
    if n <= 0:
        return None
    code = ""
    while n:
        n, r = divmod(n, 64)
        code = _IG_ALPHABET[r] + code
    return code


_SHORTCODE = re.compile(r"[A-Za-z0-9_-]{5,40}")
_IG_POST = re.compile(r"https://(?:www\.)?instagram\.com/(?:[\w.]+/)?(?:p|reel|tv)/([A-Za-z0-9_-]{5,40})/?",
                      re.IGNORECASE)
_THREADS_POST = re.compile(r"https://(?:www\.)?threads\.(?:net|com)/@[\w.]+/post/[A-Za-z0-9_-]{5,40}", re.I)
_X_STATUS = re.compile(r"https://(?:www\.|mobile\.)?(?:x|twitter)\.com/(?:\w{1,50}|i(?:/web)?)/status/\d+",
                       re.IGNORECASE)
_FB_POST = re.compile(r"https://(?:www\.|m\.|web\.)?facebook\.com/(?!(?:settings|help|privacy)\b)\S+", re.I)


def _instagram_post(post: Post | None, url: str | None) -> str | None:
    extra: Mapping[str, Any] = post.extra if post is not None else {}
    for key in ("shortcode", "code"):
        code = extra.get(key)
        if isinstance(code, str) and _SHORTCODE.fullmatch(code):
            return f"https://www.instagram.com/p/{code}/"
    for key in ("media_id", "ig_media_id", "id"):
        code = instagram_shortcode(extra.get(key))
        if code:
            return f"https://www.instagram.com/p/{code}/"
    m = _IG_POST.match(url or "")
    if m:
        return f"https://www.instagram.com/p/{m.group(1)}/"
    if post is not None:
        native = post.ref.split(":", 1)[-1]
        code = instagram_shortcode(native) if native.split("_", 1)[0].isdigit() else None
        if code:
            return f"https://www.instagram.com/p/{code}/"
    return None


def post_link(post: Post | None, pd: Mapping[str, Any]) -> dict | None:
    """A link to the post itself where the download allows one (X by id; Instagram by shortcode or
    media id; Facebook and others where the download holds the post's address), else a link to the
    nearest page (your profile, your messages), labelled as such, else None."""
    platform = pd.get("platform", "")
    url = safe_link(pd.get("url"))
    kind = pd.get("kind", "")
    name = words.short_platform(platform)
    what = {"like": "the post you liked", "message": "the message"}.get(kind, f"your {words.kind(kind)}")
    if platform == "twitter":
        if url and _X_STATUS.match(url):
            return {"href": url, "label": f"Open {what} on X", "is_post": True}
        native = (pd.get("ref") or "").split(":", 1)[-1]
        if native.isdigit() and kind not in ("like", "message"):
            return {"href": f"https://x.com/i/status/{native}", "label": f"Open {what} on X", "is_post": True}
    elif platform == "instagram":
        link = _instagram_post(post, url)
        if link:
            return {"href": link, "label": f"Open {what} on Instagram", "is_post": True}
    elif platform == "threads":
        if url and _THREADS_POST.match(url):
            return {"href": url, "label": f"Open {what} on Threads", "is_post": True}
    elif platform == "facebook":
        if url and _FB_POST.match(url) and re.search(r"(?:posts|permalink|story_fbid|photo|fbid|videos)", url):
            return {"href": url, "label": f"Open {what} on Facebook", "is_post": True}
    elif url and platform != "photos" and kind != "bio":
        return {"href": url, "label": f"Open {what} on {name}", "is_post": True}
    if url:
        if kind == "message":
            return {"href": url, "label": f"Open your messages on {name}", "is_post": False}
        return {"href": url, "label": f"Open your {name} profile", "is_post": False}
    return None


# -- steps in the platforms' own words -------------------------------------------------------------
STEPS: dict[str, dict[str, str]] = {
    "twitter": {
        "delete": "On X, open the post and select \u00b7\u00b7\u00b7 (More) > Delete.",
        "unlike": "On X, open the post and select the filled heart to unlike it.",
        "unrepost": "On X, open the post, select the repost icon > Undo repost.",
        "location": "X cannot take the location off a post already sent: delete the post, or remove the "
                    "location from all your posts at once in Settings and privacy > Privacy and safety > "
                    "Location information > Remove all location information attached to your posts.",
        "edit": "X lets you edit a post only just after sending it: delete this one, and post again without "
                "the problem part if you want to.",
        "restrict": "On X, Settings and privacy > Privacy and safety > Audience and tagging > Protect your "
                    "posts: only your followers will see them.",
        "message": "On X, open Messages and the conversation, press on the message and choose Delete for you. "
                   "The other person keeps their copy.",
    },
    "facebook": {
        "delete": "On Facebook, open the post and select \u00b7\u00b7\u00b7 > Move to bin (or Delete). To find "
                  "it by date: your profile > \u00b7\u00b7\u00b7 > Activity log > Your activity across Facebook.",
        "comment": "On Facebook, go to Activity log > Comments and reactions, select \u00b7\u00b7\u00b7 beside "
                   "the comment > Delete.",
        "unlike": "On Facebook, go to Activity log > Comments and reactions, select \u00b7\u00b7\u00b7 beside "
                  "it > Unlike (or Remove reaction).",
        "location": "On Facebook, open the post, select \u00b7\u00b7\u00b7 > Edit post, remove the check-in "
                    "or location and select Save. For a photo: open it, \u00b7\u00b7\u00b7 > Edit location.",
        "edit": "On Facebook, open the post, select \u00b7\u00b7\u00b7 > Edit post, change the words and "
                "select Save.",
        "restrict": "On Facebook, open the post, select \u00b7\u00b7\u00b7 > Edit audience > Friends or Only "
                    "me. For all old posts at once: Settings & privacy > Settings > Audience and visibility "
                    "> Posts > Limit who can see past posts.",
        "message": "On Facebook or Messenger, open the chat, press on the message > Remove > Remove for you. "
                   "The other person keeps their copy.",
    },
    "instagram": {
        "delete": "On Instagram, open the post, tap \u00b7\u00b7\u00b7 > Delete. To find it by date: your "
                  "profile > \u2261 > Your activity > Photos and videos, then sort oldest first.",
        "comment": "On Instagram, your profile > \u2261 > Your activity > Comments, tap Select, choose the "
                   "comment > Delete.",
        "unlike": "On Instagram, your profile > \u2261 > Your activity > Likes, tap Select, choose it > Unlike.",
        "location": "On Instagram, open the post, tap \u00b7\u00b7\u00b7 > Edit, tap the location, choose "
                    "Remove location, then Done.",
        "edit": "On Instagram, open the post, tap \u00b7\u00b7\u00b7 > Edit, change the caption and tap Done.",
        "restrict": "On Instagram, open the post and tap \u00b7\u00b7\u00b7 > Archive (only you will see it), "
                    "or make your account private: Settings and privacy > Account privacy > Private account.",
        "message": "On Instagram, open the chat, press on the message > Unsend. The message is removed for "
                   "both of you.",
    },
    "threads": {
        "delete": "On Threads, open the post, tap \u00b7\u00b7\u00b7 > Delete.",
        "edit": "Threads lets you edit a post only just after posting: delete this one instead.",
        "restrict": "On Threads, Settings > Privacy > Private profile.",
    },
    "photos": {
        "location": "This photo is a file on your computer. Before you share it again, take the location out "
                    "of it: on Windows, right-click the file > Properties > Details > Remove Properties and "
                    "Personal Information; on a Mac, export a copy from Photos (File > Export) with Location "
                    "Information unticked. If you posted it already, find that post by its date and remove "
                    "the location or delete it there.",
        "delete": "This photo is a file on your computer. If you posted it anywhere, find that post by its date "
                  "and delete it there; keep the file private.",
    },
}
GENERIC = ("On {platform}, find the post by its date in your profile or activity log, open it and choose "
           "\u00b7\u00b7\u00b7 > Delete.")


def steps(platform: str, action: str, kind: str = "post", category: str = "") -> str:
    """The steps for the card's action on this platform, in the platform's own words."""
    table = STEPS.get(platform, {})
    if kind == "message" and "message" in table:
        key = "message"
    elif category == "location" and action in ("edit", "review") and "location" in table:
        key = "location"
    elif action == "edit":
        key = "edit"
    elif action == "restrict":
        key = "restrict"
    elif kind == "like":
        key = "unlike"
    elif kind == "repost" and "unrepost" in table:
        key = "unrepost"
    elif kind == "comment" and "comment" in table:
        key = "comment"
    else:
        key = "delete"
    return table.get(key) or table.get("delete") or GENERIC.format(platform=words.platform(platform))


# -- where the post is ---------------------------------------------------------------------------
def how_to_find(post: Post | None, pd: Mapping[str, Any]) -> str:
    """The importer's route to the post when it gave one, else its date and first words."""
    if post is not None and post.how_to_find:
        return post.how_to_find
    when = words.day_iso(pd.get("created_at"))
    text = " ".join((pd.get("text") or "").split())
    if pd.get("platform") == "photos":
        path = pd["media"][0]["path"] if pd.get("media") else (pd.get("source") or {}).get("member", "")
        return f"The file {path}" + (f", taken {when}" if pd.get("created_at") else "") + "."
    more = "\u2026" if len(text) > 60 else ""
    start = f", starting \u201c{text[:60]}{more}\u201d" if text else ""
    return f"Your {words.kind(pd.get('kind', ''))} of {when}{start}."
