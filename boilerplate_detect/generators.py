"""Synthetic content-farm variants of an original article, for training and evaluation.

No labelled corpus of padded or templated farm articles exists, so the model's
farm class is made here from human originals. Each generator is randomised
through a seeded :class:`random.Random` and draws its wording from a grammar
(many templates, each with slots filled from word lists and from the article's
own nouns), so the model cannot learn one fixed string of the generator:

* :func:`pad`: generic filler sentences and paragraphs inserted between and
  around the article's paragraphs;
* :func:`stuff_keywords`: the article's key phrase repeated in extra sentences and
  headings;
* :func:`template`: Key Points, FAQ, "what this means", calls to action, author
  boxes, footers and disclaimers, each in many random forms;
* :func:`spin`: synonym swaps (table in package data ``synonyms.txt``), sentence
  reordering and clause rewrites;
* :func:`stitch`: passages of several originals joined into one article;
* :func:`chrome`: page chrome (menus, share bars, cookie notices, related links).

:func:`make_variant` applies one to three of them.

:func:`residue` is not a farm generator: it adds a photo credit or a teaser link to an
original, which stays an original in training (real pages leave such lines).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from importlib import resources as _resources

__all__ = [
    "GENERATORS",
    "chrome",
    "filler_paragraph",
    "filler_sentence",
    "load_synonyms",
    "make_variant",
    "pad",
    "residue",
    "sentences",
    "spin",
    "stitch",
    "stuff_keywords",
    "template",
    "topic_words",
]

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[\"'A-Z0-9])")
_STOP_WORDS = (
    "the a an and or but if of to in on at by for with from as is are was were be been being it its "
    "this that these those he she they we you i his her their our your my me him them us who whom "
    "which what when where why how not no yes do does did done have has had will would can could "
    "should may might must shall than then there here so such very also just more most some any all "
    "each every other into over after before about up down out off again further once said says mr "
    "mrs ms one two three new year years last first people time told while because during still "
    "however according "
)
_STOP = frozenset(_STOP_WORDS.split())

# ----------------------------------------------------------------- grammar
_OPENERS = (
    "", "", "", "In today's world, ", "At the end of the day, ", "It goes without saying that ",
    "Needless to say, ", "As we all know, ", "In many ways, ", "More than ever, ", "Now more than ever, ",
    "In the grand scheme of things, ", "When all is said and done, ", "Of course, ", "Interestingly, ",
    "Importantly, ", "In this context, ", "For many readers, ", "In recent times, ", "Without a doubt, ",
    "It is worth noting that ", "It is important to remember that ", "Simply put, ", "Ultimately, ",
    "In the modern era, ", "By all accounts, ", "Truth be told, ", "For better or worse, ",
)  # fmt: skip
_SUBJECTS = (
    "{topic}", "the topic of {topic}", "the world of {topic}", "the question of {topic}", "{topic} news",
    "the story of {topic}", "the debate around {topic}", "everything related to {topic}",
    "the {adj} landscape of {topic}", "the issue of {topic}", "this {adj} development",
    "the situation surrounding {topic}", "{topic} and {topic2}", "the link between {topic} and {topic2}",
    "this kind of news", "a story like this", "the latest {topic} update",
)  # fmt: skip
_VERBS = (
    "continues to", "has always been able to", "is set to", "will likely", "seems to", "tends to",
    "is expected to", "has the potential to", "is poised to", "can often", "may well", "is bound to",
    "has come to", "is known to", "is beginning to",
)  # fmt: skip
_ACTIONS = (
    "capture the attention of {audience}", "play a {adj} role in {domain}", "shape the future of {domain}",
    "spark conversations among {audience}", "raise {adj} questions for {audience}",
    "matter a great deal to {audience}", "reflect wider trends in {domain}",
    "have a {adj} impact on {domain}",
    "attract interest from {audience}", "remain a {adj} talking point", "change the way {audience} think",
    "draw attention to {topic2}", "influence {domain} for years to come", "stay at the top of the agenda",
    "generate {adj} discussion online", "resonate with {audience}", "highlight the importance of {topic2}",
)  # fmt: skip
_CLOSERS = (
    ".", ".", ".", " in the years ahead.", " going forward.", " for the foreseeable future.",
    " in more ways than one.", ", and that is something to keep in mind.", " like never before.",
    ", whether we like it or not.", " across the board.", " in the long run.", " at every level.",
    ", and the implications are far-reaching.", " as things continue to unfold.", " now and in the future.",
)  # fmt: skip
_ADJ = (
    "significant", "crucial", "major", "key", "growing", "ever-changing", "complex", "important", "vital",
    "remarkable", "notable", "profound", "dynamic", "fascinating", "pivotal", "broader", "considerable",
    "evolving", "unprecedented", "essential",
)  # fmt: skip
_AUDIENCE = (
    "readers", "experts", "observers", "many people", "the public", "fans", "analysts", "industry watchers",
    "ordinary citizens", "stakeholders", "families", "consumers", "young people", "professionals",
    "enthusiasts", "local communities", "everyone involved",
)  # fmt: skip
_DOMAIN = (
    "society", "the industry", "everyday life", "the economy", "the wider world", "the sector",
    "our communities", "the global stage", "the market", "public life", "the years ahead", "the region",
)  # fmt: skip
# Whole-sentence templates beyond the opener-subject-verb-action pattern.
_FREE = (
    "There is no denying that {topic} is a {adj} subject.",
    "Many people have been asking what {topic} really means for {audience}.",
    "This is a story that {audience} will want to follow closely.",
    "Stay tuned as we continue to cover {topic} and related stories.",
    "Only time will tell how {topic} will play out.",
    "The importance of {topic} cannot be overstated.",
    "Whether you are new to {topic} or a long-time follower, there is plenty to consider.",
    "It remains to be seen what the next chapter of {topic} will bring.",
    "Experts agree that {topic} deserves {adj} attention.",
    "For {audience}, {topic} is more than just a headline.",
    "As always, {topic} remains a {adj} part of the conversation.",
    "We will keep you updated as more information about {topic} becomes available.",
    "Understanding {topic} is {adj} for anyone interested in {domain}.",
    "There are many factors to consider when it comes to {topic}.",
    "The conversation around {topic} shows no sign of slowing down.",
    "Here is everything you need to know about {topic}.",
    "{Topic} has been making headlines, and for good reason.",
    "So what does all of this mean for {topic2}?",
    "Let's take a closer look at {topic} and why it matters.",
    "In conclusion, {topic} is a {adj} issue that affects {audience}.",
    "All in all, {topic} remains one of the most {adj} stories of the moment.",
    "The bottom line is that {topic} is here to stay.",
    "Keep reading to find out more about {topic}.",
    "{Topic} is a reminder of how {adj} {domain} can be.",
)  # fmt: skip


def topic_words(text: str, k: int = 8) -> list[str]:
    """Return the article's most frequent content words (its own nouns and names), most frequent first.

    Args:
        text: The article.
        k: How many to return.

    Returns:
        Up to ``k`` words, in their most common casing.
    """
    counts: Counter[str] = Counter()
    casing: dict[str, Counter[str]] = {}
    for w in _WORD.findall(text):
        low = w.lower()
        if len(low) < 4 or low in _STOP:
            continue
        counts[low] += 1
        casing.setdefault(low, Counter())[w] += 1
    return [casing[w].most_common(1)[0][0] for w, _ in counts.most_common(k)]


def _fill(tmpl: str, rng: random.Random, topics: Sequence[str]) -> str:
    topics = list(topics) or ["this story"]
    t1 = rng.choice(topics)
    t2 = rng.choice(topics)
    if len(topics) > 1:
        while t2 == t1:
            t2 = rng.choice(topics)
    if rng.random() < 0.3 and len(topics) > 1:
        t1 = f"{t1} and {t2}" if rng.random() < 0.5 else f"the {t1} story"
    out = (
        tmpl.replace("{Topic}", t1[:1].upper() + t1[1:])
        .replace("{topic}", t1)
        .replace("{topic2}", t2)
        .replace("{audience}", rng.choice(_AUDIENCE))
        .replace("{domain}", rng.choice(_DOMAIN))
    )
    while "{adj}" in out:
        out = out.replace("{adj}", rng.choice(_ADJ), 1)
    return out


def filler_sentence(rng: random.Random, topics: Sequence[str]) -> str:
    """Return one generic filler sentence about the topics, from the grammar.

    Args:
        rng: The random source.
        topics: Topic words (usually :func:`topic_words` of the article).

    Returns:
        A sentence ending in punctuation.
    """
    if rng.random() < 0.35:
        return _fill(rng.choice(_FREE), rng, topics)
    opener = rng.choice(_OPENERS)
    subject = _fill(rng.choice(_SUBJECTS), rng, topics)
    body = f"{subject} {rng.choice(_VERBS)} {_fill(rng.choice(_ACTIONS), rng, topics)}{rng.choice(_CLOSERS)}"
    s = opener + body
    return s[:1].upper() + s[1:]


def filler_paragraph(rng: random.Random, topics: Sequence[str], n: int | None = None) -> str:
    """Return a paragraph of ``n`` (default 2-5) filler sentences."""
    n = n if n is not None else rng.randint(2, 5)
    return " ".join(filler_sentence(rng, topics) for _ in range(n))


# ----------------------------------------------------------------- helpers
def _paragraphs(text: str) -> list[str]:
    paras = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    if len(paras) == 1 and len(paras[0]) > 600:
        sents = _sentences(paras[0])
        size = 3
        paras = [" ".join(sents[i : i + size]) for i in range(0, len(sents), size)]
    return paras


def sentences(text: str) -> list[str]:
    """Split text into sentences at ``.``, ``!`` or ``?`` followed by space and a capital, digit or quote."""
    return [s.strip() for s in _SENT_END.split(text.strip()) if s.strip()]


_sentences = sentences


def _join(paras: Sequence[str], rng: random.Random) -> str:
    sep = "\n\n" if rng.random() < 0.75 else "\n"
    return sep.join(p for p in paras if p)


# --------------------------------------------------------------- generators
def pad(text: str, rng: random.Random, **_kw: object) -> str:
    """Insert generic filler sentences and paragraphs built from the article's own nouns."""
    topics = topic_words(text)
    paras = _paragraphs(text)
    out: list[str] = []
    if rng.random() < 0.7:
        out.append(filler_paragraph(rng, topics))
    share = rng.uniform(0.2, 0.8)
    for p in paras:
        if rng.random() < share * 0.5:
            sents = _sentences(p)
            pos = rng.randint(0, len(sents))
            sents[pos:pos] = [filler_sentence(rng, topics) for _ in range(rng.randint(1, 2))]
            p = " ".join(sents)
        out.append(p)
        if rng.random() < share:
            out.append(filler_paragraph(rng, topics))
    if rng.random() < 0.8:
        out.append(filler_paragraph(rng, topics))
    return _join(out, rng)


def stuff_keywords(text: str, rng: random.Random, **_kw: object) -> str:
    """Repeat the article's key phrase in added sentences, headings and the text itself."""
    topics = topic_words(text, 4) or ["news"]
    kw = topics[0] if rng.random() < 0.5 or len(topics) < 2 else f"{topics[0]} {topics[1]}"
    forms = (
        f"{kw} latest news", f"{kw} update", f"everything about {kw}", f"{kw} explained", f"{kw} today",
        f"best {kw} coverage", f"{kw} news and analysis", f"what to know about {kw}", f"{kw} guide",
    )  # fmt: skip
    paras = _paragraphs(text)
    out: list[str] = []
    for p in paras:
        if rng.random() < 0.4:
            out.append(rng.choice(forms).title() if rng.random() < 0.5 else rng.choice(forms).capitalize())
        if rng.random() < 0.4:
            p = p + " " + _fill(rng.choice(_FREE), rng, [kw])
        out.append(p)
    tags = ", ".join(rng.sample(forms, k=min(len(forms), rng.randint(3, 7))))
    out.append(rng.choice(("Tags: ", "Related searches: ", "Keywords: ", "Topics: ", "")) + tags)
    return _join(out, rng)


_KP_HEADS = (
    "Key Points", "Key Takeaways", "Highlights", "At a Glance", "Quick Summary", "Summary", "The Essentials",
    "Main Points", "In Brief", "TL;DR", "What You Need to Know", "Key Facts", "Quick Facts", "Top Takeaways",
)  # fmt: skip
_FAQ_HEADS = (
    "FAQ", "FAQs", "Frequently Asked Questions", "People Also Ask", "Common Questions",
    "Your Questions Answered",
    "Q&A", "Questions and Answers",
)  # fmt: skip
_Q_FORMS = (
    "What is {topic}?", "Why does {topic} matter?", "What happens next with {topic}?",
    "How does {topic} affect {audience}?", "Where can I learn more about {topic}?", "Who is behind {topic}?",
    "When will we know more about {topic}?", "Is {topic} important?", "What does {topic} mean for {topic2}?",
)  # fmt: skip
_CTA = (
    "Follow us on {social} for the latest updates.",
    "Subscribe to our newsletter for more stories like this.",
    "Don't forget to share this article with your friends.", "Sign up for our daily briefing.",
    "Click here to read more about {topic}.", "Join the conversation in the comments below.",
    "Like and share if you found this helpful.", "Get breaking news alerts straight to your inbox.",
    "Stay informed: follow {site} on {social}.", "Bookmark this page for future updates on {topic}.",
    "Download our app to never miss a story.", "Let us know what you think in the comments.",
    "Support independent journalism - become a member today.", "Read more: {topic} - what we know so far",
    "Want more {topic} news? Subscribe now.", "Tap the bell icon to get notified.",
)  # fmt: skip
_SOCIAL = (
    "Facebook",
    "Twitter",
    "X",
    "Instagram",
    "Google News",
    "Telegram",
    "WhatsApp",
    "LinkedIn",
    "YouTube",
)
_SITE_A = (
    "Daily",
    "Global",
    "Prime",
    "Smart",
    "Trend",
    "Insider",
    "Buzz",
    "Viral",
    "Info",
    "News",
    "Top",
    "Hot",
)
_SITE_B = (
    "Wire",
    "Hub",
    "Times",
    "Report",
    "Post",
    "Digest",
    "Today",
    "Now",
    "Feed",
    "Pulse",
    "Journal",
    "Zone",
)
_FOOTER = (
    "Disclaimer: The views expressed in this article are for informational purposes only.",
    "This article is for general information and does not constitute professional advice.",
    "Copyright {year} {site}. All rights reserved.",
    "(c) {year} {site}. All Rights Reserved.",
    "This content may not be reproduced without permission.",
    "Affiliate disclosure: we may earn a commission from links on this page.",
    "The information in this article is accurate at the time of writing.",
    "{site} strives for accuracy; if you spot an error, contact us.",
    "All trademarks belong to their respective owners.",
    "Editorial note: this story has been updated with additional information.",
    "Note: this article may contain AI-assisted content reviewed by our editors.",
)  # fmt: skip
_AUTHOR = (
    "About the author: {name} is a staff writer at {site} covering {topic}.",
    "{name} writes about {topic} and {topic2} for {site}.",
    "Written by {name} | Edited by {name2}",
    "By {name}, {site} Contributor",
)  # fmt: skip
_NAMES = (
    "Alex Morgan", "Sam Taylor", "Jordan Lee", "Chris Walker", "Jamie Fox", "Taylor Reed", "Casey Brooks",
    "Morgan Hale", "Riley Quinn", "Drew Carter", "Avery Stone", "Parker Lane",
)  # fmt: skip
_BULLETS = ("- ", "* ", "• ", "", "1. ", "> ")


def _site(rng: random.Random) -> str:
    return f"{rng.choice(_SITE_A)}{rng.choice(('', ' '))}{rng.choice(_SITE_B)}"


def _fill_extra(tmpl: str, rng: random.Random, topics: Sequence[str], site: str) -> str:
    s = (
        tmpl.replace("{social}", rng.choice(_SOCIAL))
        .replace("{site}", site)
        .replace("{year}", str(rng.randint(2012, 2026)))
        .replace("{name}", rng.choice(_NAMES))
        .replace("{name2}", rng.choice(_NAMES))
    )
    return _fill(s, rng, topics)


def template(text: str, rng: random.Random, **_kw: object) -> str:
    """Wrap the article in template blocks: key points, FAQ, calls to action, author box, footer."""
    topics = topic_words(text)
    site = _site(rng)
    sents = _sentences(" ".join(_paragraphs(text)))
    paras = _paragraphs(text)
    blocks: list[str] = []
    if rng.random() < 0.7 and sents:
        head = rng.choice(_KP_HEADS) + rng.choice(("", ":", ""))
        bullet = rng.choice(_BULLETS)
        picks = rng.sample(sents, k=min(len(sents), rng.randint(2, 5)))
        items = [bullet + (s if rng.random() < 0.6 else filler_sentence(rng, topics)) for s in picks]
        blocks.append(head + "\n" + "\n".join(items))
    body = list(paras)
    if rng.random() < 0.5 and len(body) > 2:
        for _ in range(rng.randint(1, 3)):
            pos = rng.randint(1, len(body) - 1)
            body.insert(pos, _fill_extra(rng.choice(_CTA), rng, topics, site))
    blocks.append(_join(body, rng))
    if rng.random() < 0.5:
        sub = rng.choice(("What This Means", "Why It Matters", "The Bigger Picture", "Looking Ahead",
                          "Future Prospects", "Final Thoughts", "Conclusion", "Our Take"))  # fmt: skip
        blocks.append(sub + "\n" + filler_paragraph(rng, topics))
    if rng.random() < 0.6:
        qa = []
        for q in rng.sample(_Q_FORMS, k=rng.randint(2, 4)):
            qa.append(_fill(q, rng, topics))
            qa.append(
                filler_sentence(rng, topics)
                + (" " + filler_sentence(rng, topics) if rng.random() < 0.5 else "")
            )
        blocks.append(rng.choice(_FAQ_HEADS) + "\n" + "\n".join(qa))
    tail = [_fill_extra(t, rng, topics, site) for t in rng.sample(_CTA, k=rng.randint(1, 3))]
    if rng.random() < 0.5:
        tail.append(_fill_extra(rng.choice(_AUTHOR), rng, topics, site))
    tail += [_fill_extra(t, rng, topics, site) for t in rng.sample(_FOOTER, k=rng.randint(1, 3))]
    rng.shuffle(tail)
    blocks.append("\n".join(tail))
    return _join(blocks, rng)


def load_synonyms() -> dict[str, list[str]]:
    """Read the synonym table shipped in package data (``synonyms.txt``).

    Returns:
        ``{word: [other words of its group]}``.
    """
    table: dict[str, list[str]] = {}
    raw = (_resources.files("boilerplate_detect") / "data" / "synonyms.txt").read_text(encoding="utf-8")
    for line in raw.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        for w in words:
            table.setdefault(w, [])
            table[w].extend(x for x in words if x != w and x not in table[w])
    return table


_CLAUSE_MOVES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(.{12,}?), (?:said|says) ([^,.]{3,60})\.$"), r"\2 said that \1."),
    (re.compile(r"^(.{12,}?), according to ([^,.]{3,60})\.$"), r"According to \2, \1."),
    (re.compile(r"^([A-Z][^,]{10,}?) because ([^,]{8,})\.$"), r"Because \2, \1."),
    (re.compile(r"^([A-Z][^,]{10,}?) after ([^,]{8,})\.$"), r"After \2, \1."),
    (re.compile(r"^([A-Z][^,]{10,}?) but ([^,]{8,})\.$"), r"\1. However, \2."),
    (re.compile(r"^([A-Z][^,]{10,}?) and ([^,]{8,})\.$"), r"\1. In addition, \2."),
)  # fmt: skip
_TRANSITIONS = ("Moreover, ", "Furthermore, ", "Additionally, ", "In addition, ", "Notably, ", "Meanwhile, ",
                "On top of that, ", "What's more, ", "Also, ")  # fmt: skip


def _swap_word(m: re.Match[str], rng: random.Random, table: dict[str, list[str]], rate: float) -> str:
    w = m.group()
    alts = table.get(w.lower())
    if not alts or rng.random() >= rate:
        return w
    alt = rng.choice(alts)
    return alt[:1].upper() + alt[1:] if w[:1].isupper() else alt


def spin(
    text: str, rng: random.Random, *, synonyms: dict[str, list[str]] | None = None, **_kw: object
) -> str:
    """Spin the article: synonym swaps, clause rewrites, added transitions, sentence reordering."""
    table = synonyms if synonyms is not None else load_synonyms()
    rate = rng.uniform(0.3, 0.9)
    out_paras: list[str] = []
    for p in _paragraphs(text):
        sents = _sentences(p)
        new: list[str] = []
        for s in sents:
            s = _WORD.sub(lambda m: _swap_word(m, rng, table, rate), s)
            if rng.random() < 0.4:
                for pat, repl in rng.sample(_CLAUSE_MOVES, k=len(_CLAUSE_MOVES)):
                    t = pat.sub(repl, s)
                    if t != s:
                        s = t[:1].upper() + t[1:]
                        break
            if rng.random() < 0.15 and new:
                s = rng.choice(_TRANSITIONS) + s[:1].lower() + s[1:]
            new.append(s)
        if len(new) > 2 and rng.random() < 0.5:
            i = rng.randrange(len(new) - 1)
            new[i], new[i + 1] = new[i + 1], new[i]
        out_paras.append(" ".join(new))
    if len(out_paras) > 3 and rng.random() < 0.4:
        mid = out_paras[1:-1]
        rng.shuffle(mid)
        out_paras = [out_paras[0], *mid, out_paras[-1]]
    return _join(out_paras, rng)


def stitch(text: str, rng: random.Random, *, donors: Sequence[str] = (), **_kw: object) -> str:
    """Join passages of the article with passages of other originals (``donors``)."""
    sources = [text, *[d for d in donors if d and d != text]]
    if len(sources) < 2:
        return pad(text, rng)
    pieces: list[list[str]] = []
    for k, src in enumerate(sources[: rng.randint(2, min(4, len(sources)))]):
        paras = _paragraphs(src)
        if not paras:
            continue
        n = (
            max(1, int(len(paras) * rng.uniform(0.25, 0.6)))
            if k
            else max(1, int(len(paras) * rng.uniform(0.4, 0.8)))
        )
        start = 0 if k == 0 or rng.random() < 0.5 else rng.randrange(max(1, len(paras) - n + 1))
        pieces.append(paras[start : start + n])
    flat: list[str] = [p for block in pieces for p in block]
    if rng.random() < 0.5:
        topics = topic_words(text)
        flat.insert(
            rng.randint(1, len(flat)), rng.choice(_TRANSITIONS) + filler_sentence(rng, topics).lower()
        )
    return _join(flat, rng)


_NAV = ("Home", "News", "World", "Politics", "Business", "Tech", "Science", "Health", "Sport", "Sports",
        "Entertainment", "Culture", "Opinion", "Lifestyle", "Travel", "Video", "Podcasts", "Weather", "Money",
        "Markets", "Local", "US", "UK", "Europe", "Asia", "Style", "Food", "Climate", "More")  # fmt: skip
_CHROME_LINES = (
    "Share this article", "Share on Facebook", "Share on {social}", "Tweet", "Email", "Print", "Copy link",
    "Advertisement", "ADVERTISEMENT", "Sponsored", "Skip to main content", "Skip to content", "Menu",
    "Search",
    "Sign in", "Log in", "Register", "Subscribe", "Accept all cookies", "Manage cookie preferences",
    "We use cookies to improve your experience on our site.", "Cookie settings", "Privacy Policy",
    "Terms of Use",
    "Contact Us", "About Us", "Careers", "Advertise with us", "Newsletters", "Related Articles", "Most Read",
    "Trending Now", "You may also like", "Recommended for you", "Comments ({n})", "{n} min read",
    "Updated {n} hours ago", "Loading...", "Back to top", "Read more", "Next article", "Previous article",
    "Image caption", "Photo: {site}", "Getty Images", "All Rights Reserved", "Site Map", "Accessibility",
)  # fmt: skip


def chrome(text: str, rng: random.Random, **_kw: object) -> str:
    """Wrap the article in page chrome: menus, share bars, cookie notices, related links, footer."""
    topics = topic_words(text)
    site = _site(rng)

    def line() -> str:
        s = rng.choice(_CHROME_LINES)
        return (
            s.replace("{social}", rng.choice(_SOCIAL))
            .replace("{site}", site)
            .replace("{n}", str(rng.randint(1, 99)))
        )

    head: list[str] = []
    if rng.random() < 0.8:
        nav = rng.sample(_NAV, k=rng.randint(4, 10))
        head.extend(nav if rng.random() < 0.5 else [rng.choice((" | ", " ", " · ", " / ")).join(nav)])
    head.extend(line() for _ in range(rng.randint(1, 5)))
    body = _paragraphs(text)
    for _ in range(rng.randint(0, 3)):
        if len(body) > 1:
            body.insert(rng.randint(1, len(body) - 1), line())
    tail = [line() for _ in range(rng.randint(2, 6))]
    if rng.random() < 0.7:
        tail.append(
            rng.choice(("Related", "More from " + site, "Read next", "Popular stories", "More stories"))
        )
        for _ in range(rng.randint(2, 6)):
            t = _fill(rng.choice(_Q_FORMS + _FREE), rng, topics).rstrip(".?")
            tail.append(t.title() if rng.random() < 0.5 else t)
    tail.append(_fill_extra(rng.choice(_FOOTER), rng, topics, site))
    return "\n".join(head) + "\n" + _join(body, rng) + "\n" + "\n".join(tail)


Generator = Callable[..., str]
#: The generators by name.
GENERATORS: dict[str, Generator] = {
    "pad": pad,
    "keywords": stuff_keywords,
    "template": template,
    "spin": spin,
    "stitch": stitch,
    "chrome": chrome,
}


# Scraping residue of real pages (a human-text augmentation, not a farm generator).
_AGENCIES = ("Getty Images", "AP Photo", "Reuters", "AFP", "EPA", "Shutterstock", "Bloomberg", "PA Media",
             "Alamy", "AAP", "NurPhoto", "SOPA Images", "Xinhua", "dpa")  # fmt: skip
_CREDITS = ("{f} {l}/{a}", "{a} via Getty Images", "Photo: {f} {l}/{a}", "(Photo by {f} {l}/{a})",
            "Image: {a}", "{f} {l} / {a}", "Photograph: {f} {l}/{a}", "{a}/{f} {l}",
            "Credit: {f} {l} for {a}")  # fmt: skip
_TEASERS = ("Read more:", "READ MORE:", "Related:", "RELATED:", "WATCH:", "See also:", "MORE:", "Also read:",
            "LISTEN:", "Opinion:")  # fmt: skip


def _teaser(text: str, rng: random.Random) -> str:
    words = _WORD.findall(rng.choice(sentences(text) or [text]))
    k = min(len(words), rng.randint(4, 9))
    start = rng.randrange(max(1, len(words) - k + 1))
    title = " ".join(w if w.lower() in _STOP else w[:1].upper() + w[1:] for w in words[start : start + k])
    return f"{rng.choice(_TEASERS)} {title}"


def residue(text: str, rng: random.Random) -> str:
    """Add one or two lines of scraping residue to a human article, keeping its layout.

    Real pages of real outlets leave a photo credit ("Jane Roe/AFP via Getty Images")
    or a teaser link ("Read more: ...") in the extracted text. Originals with such a
    line stay originals in training, so that one stray credit does not flag a report;
    the :func:`chrome` variants wrap a text in many more lines of chrome.

    Args:
        text: The original article.
        rng: The random source.

    Returns:
        The text with the lines inserted between its lines (or before or after it).
    """
    lines = text.split("\n")
    for _ in range(rng.randint(1, 2)):
        if rng.random() < 0.6:
            first, last = rng.choice(_NAMES).split()[0], rng.choice(_NAMES).split()[-1]
            line = rng.choice(_CREDITS).format(f=first, l=last, a=rng.choice(_AGENCIES))
        else:
            line = _teaser(text, rng)
        breaks = [i for i, ln in enumerate(lines) if not ln.strip()] or [len(lines)]
        at = rng.choice([0, *breaks])
        lines[at:at] = [line] if at in (0, len(lines)) else ["", line]
    return "\n".join(lines)


def make_variant(
    text: str,
    rng: random.Random,
    *,
    donors: Sequence[str] = (),
    synonyms: dict[str, list[str]] | None = None,
    kinds: Sequence[str] | None = None,
) -> tuple[str, str]:
    """Make one farm variant of an original by applying one to three generators.

    Args:
        text: The original article.
        rng: The random source (seed it for reproducibility).
        donors: Other originals that :func:`stitch` may borrow from.
        synonyms: The spin table (loaded from package data when None).
        kinds: Generator names to apply in order; chosen at random when None.

    Returns:
        ``(name, text)``: the ``+``-joined generator names and the variant.
    """
    if kinds is None:
        names = sorted(GENERATORS)
        first = rng.choice(names)
        chosen = [first]
        if rng.random() < 0.45:
            chosen.append(rng.choice([n for n in names if n != first]))
        order = {"stitch": 0, "spin": 1, "pad": 2, "keywords": 3, "template": 4, "chrome": 5}
        kinds = sorted(set(chosen), key=order.__getitem__)
    out = text
    for k in kinds:
        gen = GENERATORS[k]
        out = gen(out, rng, donors=donors, synonyms=synonyms)
    return "+".join(kinds), out
