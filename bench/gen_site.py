#!/usr/bin/python3
"""Generates an mfk-like static site for the end-to-end crawl benchmark (issue 4).

    /usr/bin/python3 bench/gen_site.py --pages 5000 --out /tmp/mfk-5000 [--base http://www.mfk.com]

Writes exactly N crawlable pages (category listings, articles with 16 doctor answer cards, question pages
with answers) built on the markup of the bundled fixtures (fixtures/sites/mfk/*.html), so that
selectors/mfk.yaml extracts the same fields from them, plus robots.txt and sitemap.xml:

    OUT/www/                  the web root (serve it at the site's host; URL structure of www.mfk.com:
                              /list/<cat>.html, /list/<cat>_<k>.html, /article/<id>.html, /question/<id>.html)
    OUT/www/**/*.html.gz      the same pages gzipped, for nginx's gzip_static (no compression cost while
                              the crawlers run)
    OUT/charset.map           nginx `map $uri` entries giving the Content-Type charset of the GBK pages
    OUT/urls.txt              the N page URLs (what a complete crawl fetches)
    OUT/manifest.json         counts, sizes, encodings, the start URL

Articles are laid out as the real article page of the fixture (lead and four labelled paragraphs, the
disease card and tabs, 16 answer cards cut at 150 characters, no author/tags/reviewer/sidebar), about
30-34 KB as served; question pages are padded with further answers to 40-80 KB and listings with hot
questions to 40-50 KB. About 10% of the pages are GBK-encoded and declare it in a meta tag. Of the GBK
pages most are served with `charset=gbk`, a few with no charset in the header and a few with a header
that lies (`charset=utf-8`), as real Chinese portals do. Links use the forms the real
site uses (site-relative, `../`, `./`, protocol-relative, absolute, upper-case scheme and host, tracking
parameters, fragments, a denied print view), and every followable link points at a page that exists.
Listing pagination plus the answer cards reach every page from the start URL /list/zixun.html.

Absolute links use --base (default http://www.mfk.com): the crawlers reach the server through a host
mapping (www.mfk.com:80 -> 127.0.0.1:PORT), never the real site. --write-config also writes the matching
selector config (bench/mfk-bench.yaml, derived from selectors/mfk.yaml).

--profile heavy (issue 12, "Speed") makes the pages as heavy as real portals' instead: every page carries
about 24 KB of inline CSS (one site-wide stylesheet), inline analytics scripts (a Tongji-like loader, a
tag manager's data layer, a page-view beacon) and a `window.__INITIAL_STATE__` JSON copy of its data;
articles have 12-18 answer cards and are 50-70 KB, question pages show 1-3 full answers and are 38-48 KB
(the state's recommendation feed pads a page to its size), listings stay 40-50 KB. The link graph, the
10% of GBK pages and their headers, and the selectors that apply are those of the default profile.
The default profile's output is byte for byte what it was before the option existed.

Deterministic for a given --seed and --profile. Standard library only (Debian's /usr/bin/python3).
"""

import argparse
import bisect
import gzip
import html
import json
import random
import re
import sys
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "sites" / "mfk"

# The subnav's categories; every one is a paginated listing. zixun.html (the start URL) is the hub.
CATEGORIES = [("neike", "内科"), ("waike", "外科"), ("guke", "骨科"), ("fuchan", "妇产科"),
              ("erke", "儿科"), ("zhongyi", "中医"), ("yingyang", "营养")]
LIST_PAGE_SIZE = 40  # articles per listing page
CARDS_PER_ARTICLE = 16
SNIPPET_CHARS = 150  # an answer card shows this much of the answer, as the real page does
GBK_SHARE = 0.10
# Of the GBK pages: share served with no charset in Content-Type, share served with a lying charset=utf-8.
GBK_NO_HEADER_SHARE = 0.05
GBK_LYING_HEADER_SHARE = 0.05
# --profile heavy (issue 12, "Speed"): pages as heavy as real portals'. Articles of 50-70 KB with 12-18
# answer cards, question pages of 38-48 KB with 1-3 full answers; every page carries about 24 KB of
# inline CSS, inline analytics scripts and a window.__INITIAL_STATE__ JSON copy of its data.
HEAVY_CARDS = (12, 18)
HEAVY_ARTICLE_BYTES = (50_000, 70_000)
HEAVY_QUESTION_BYTES = (38_000, 48_000)
HEAVY_MAX_ANSWERS = 3
HEAVY_CSS_BYTES = 23_500

TOPICS = ["腰椎间盘突出", "颈椎病", "膝关节炎", "骨质疏松", "肩周炎", "腱鞘炎", "足底筋膜炎", "痛风",
          "高血压", "糖尿病", "冠心病", "胃炎", "胃溃疡", "慢性肠炎", "脂肪肝", "胆结石", "甲状腺结节",
          "失眠", "偏头痛", "焦虑症", "支气管炎", "过敏性鼻炎", "咽炎", "湿疹", "荨麻疹", "痤疮",
          "月经不调", "子宫肌瘤", "乳腺增生", "妊娠高血压", "小儿发烧", "小儿咳嗽", "手足口病",
          "缺铁性贫血", "便秘", "痔疮", "前列腺炎", "肾结石", "腿抽筋", "肌肉痉挛", "类风湿关节炎",
          "强直性脊柱炎", "腰肌劳损", "网球肘", "半月板损伤", "脾胃虚弱", "气血不足", "维生素D缺乏"]
ARTICLE_TITLES = ["{}的主要原因", "{}的早期症状有哪些", "{}怎么办", "{}吃什么好", "{}能自愈吗",
                  "{}需要做哪些检查", "{}的治疗方法", "{}的预防措施", "{}患者日常注意事项",
                  "{}和哪些疾病容易混淆", "{}会遗传吗", "{}的饮食禁忌", "{}的康复锻炼方法",
                  "{}反复发作怎么办", "如何判断自己是否患有{}"]
QUESTION_TITLES = ["{}是怎么回事？", "{}需要做什么检查？", "{}吃什么药好得快？", "{}能彻底治好吗？",
                   "{}平时要注意什么？", "{}会不会越来越严重？", "老人{}怎么调理？",
                   "孩子{}要紧吗？", "{}可以运动吗？", "{}复发了怎么办？", "怀孕期间{}怎么办？",
                   "{}和饮食有关系吗？"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
# Given names that, with SURNAMES, never spell a doctor of the fixtures (the real article's 12 or the names
# the fixtures once invented), so a generated doctor is never mistaken for one of them.
GIVEN = ["玉梅", "国强", "秀兰", "文华", "建平", "丽君", "建新", "丽华", "志明", "晓峰", "淑华", "晓燕",
         "静", "伟", "敏", "磊", "洁", "军", "斌", "艳", "杰", "娟", "涛", "明", "超", "秀英", "桂兰",
         "国平", "红梅", "永刚", "玉兰", "建华", "晓明", "雪梅", "卫东", "振华"]
DOCTOR_TITLES = ["主任医师", "副主任医师", "主治医师"]
DEPARTMENTS = ["骨科", "神经内科", "内分泌科", "康复医学科", "针灸推拿科", "血管外科", "妇产科",
               "运动医学科", "神经外科", "老年医学科", "儿科", "消化内科", "心血管内科", "呼吸内科",
               "皮肤科", "中医内科", "泌尿外科", "耳鼻喉科"]
# Bumped when the same seed makes different pages; the bench scripts regenerate a site whose manifest
# names another generator (2: one grade per hospital).
GENERATOR = 2
HOSPITALS = ["淮安市中医院", "江苏省人民医院", "南京鼓楼医院", "无锡市人民医院", "苏州大学附属第一医院",
             "徐州医科大学附属医院", "南通大学附属医院", "常州市第一人民医院", "苏北人民医院",
             "镇江市第一人民医院", "连云港市第一人民医院", "扬州大学附属医院", "东南大学附属中大医院",
             "南京市第一医院", "江苏省中医院", "盐城市第一人民医院"]
GRADES = ["三甲", "三甲", "三甲", "三乙", "二甲"]
PATIENTS = ["男", "女"]
ON = ' class="on"'


# --- fixture pieces -------------------------------------------------------------------------------

def _between(text, start, end, include_start=True):
    i = text.index(start)
    j = text.index(end, i + len(start))
    return text[i if include_start else i + len(start):j]


def _strip_tags(s):
    return html.unescape(re.sub(r"<[^>]+>", "", s)).strip()


class Fixtures:
    """The chrome (head, top bar, nav, footer, scripts) of each page type and pools of text and names,
    read from the bundled fixtures so the generated pages carry the same markup."""

    def __init__(self, base):
        read = lambda name: (FIXTURES / name).read_text(encoding="utf-8")
        article, listing = read("article.html"), read("list-guke.html")
        questions = [read(p.name) for p in sorted(FIXTURES.glob("question-*.html"))]
        host = urlsplit(base).netloc

        def rebase(chunk):
            # Absolute and protocol-relative links to the site use the configured scheme and host.
            chunk = chunk.replace("https://www.mfk.com", base)
            return chunk.replace('"//www.mfk.com', '"//' + host)

        def chrome(page):
            head_pre = _between(page, '<meta http-equiv="X-UA-Compatible"', "<title>")
            head_post = page[page.index('<link rel="shortcut icon"'):page.index("</head>")]
            top = _between(page, "<body>", '<div class="crumbs')
            bottom = page[page.index('<div class="dept-nav'):]
            return head_pre, rebase(head_post), rebase(top), rebase(bottom)

        self.article = chrome(article)
        self.question = chrome(questions[0])
        # The listing fixture has no shortcut-icon link: its static head starts at the analytics script.
        lp = listing[:listing.index("</head>")]
        self.listing = (_between(listing, '<meta http-equiv="X-UA-Compatible"', "<title>"),
                        rebase(lp[lp.index("<script>"):]),
                        rebase(_between(listing, "<body>", '<div class="crumbs')),
                        rebase(listing[listing.index('<div class="dept-nav'):]))

        body = _between(article, '<div class="article-body">', '<p class="disclaimer">')
        self.article_paragraphs = [p.strip() for p in re.findall(r"<p(?: class=\"lead\")?>(.*?)</p>", body, re.S)]
        self.disclaimer = _between(article, '<p class="disclaimer">', "</p>", include_start=False)
        # Answer text: the article's 16 real cards (a card the page cuts short is cut back to its last
        # full sentence), then any question-page paragraph not among them.
        self.answer_paragraphs = []
        for card in re.findall(r'<p class="answer-text">(.*?)</p>',
                               _between(article, '<div class="answer-list">', '<a class="btn-consult"'), re.S):
            card = card.strip()
            end = card.rfind("。")
            self.answer_paragraphs.append(card[:end + 1] if end > 0 else card)
        self.desc_paragraphs = []
        for q in questions:
            for block in re.findall(r'<div class="answer-content">(.*?)</div>', q, re.S):
                self.answer_paragraphs += [p.strip() for p in re.findall(r"<p>(.*?)</p>", block, re.S)
                                           if p.strip() not in self.answer_paragraphs]
            desc = _between(q, '<div class="ask-desc">', "</div>")
            self.desc_paragraphs += [p.strip() for p in re.findall(r"<p>(.*?)</p>", desc, re.S)]
        self.list_summaries = [s for s in re.findall(r'<div class="txt">\s*<h3>.*?</h3>\s*<p>(.*?)</p>', listing, re.S)
                               if "点击" not in s]
        disease = _between(article, '<div class="disease-card">', '<div class="answers-box">')
        self.disease_summary = _strip_tags(_between(disease, '<p class="disease-summary">', "</p>", False))


# --- the site model -------------------------------------------------------------------------------

class Site:
    """Page ids, titles and the link graph; the per-page RNG is seeded from (seed, kind, index) so a
    page's content does not depend on generation order."""

    def __init__(self, pages, seed, base, profile="default"):
        if pages < 60:
            raise SystemExit("gen_site: --pages must be at least 60")
        self.seed, self.base = seed, base
        self.host = urlsplit(base).netloc
        rng = random.Random(seed)
        # Choose the article count so that listings + articles + questions == pages, about half articles.
        n_articles = pages // 2
        while True:
            per_cat = [len(range(c, n_articles, len(CATEGORIES))) for c in range(len(CATEGORIES))]
            list_pages = [max(1, -(-n // LIST_PAGE_SIZE)) for n in per_cat]
            n_questions = pages - n_articles - 1 - sum(list_pages)
            if n_questions >= CARDS_PER_ARTICLE:
                break
            n_articles -= 1
        self.list_pages = list_pages
        self.n_articles, self.n_questions = n_articles, n_questions
        self.profile = profile
        # Answer cards per article and the first of its card slots: slot k shows question k mod Q, so
        # consecutive articles cover every question. The default profile has 16 cards on every article.
        if profile == "heavy":
            self.cards = [self.rng("cards", i).randint(HEAVY_CARDS[0], HEAVY_CARDS[1]) for i in range(n_articles)]
        else:
            self.cards = [CARDS_PER_ARTICLE] * n_articles
        self.card_start = [0]
        for n in self.cards[:-1]:
            self.card_start.append(self.card_start[-1] + n)
        # Ids grow with publication order, with gaps as on the real site.
        self.article_ids, aid = [], 1_580_000
        for _ in range(n_articles):
            aid += rng.randint(1, 29)
            self.article_ids.append(aid)
        self.question_ids, qid = [], 57_400_000
        for _ in range(n_questions):
            qid += rng.randint(1, 47)
            self.question_ids.append(qid)
        # Articles of category c, newest first (listing order).
        self.by_cat = [list(range(c, n_articles, len(CATEGORIES)))[::-1] for c in range(len(CATEGORIES))]
        # 200 doctors.
        self.doctors = []
        for i in range(200):
            self.doctors.append({
                "id": 10_000 + i * 131 % 29_000,
                "name": SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)],
                "title": DOCTOR_TITLES[(0, 0, 1, 1, 2)[i % 5]],
                "dept": DEPARTMENTS[i % len(DEPARTMENTS)],
                "hosp": HOSPITALS[(i * 3) % len(HOSPITALS)],
                # One grade per hospital, as on a real portal (generator 2; generator 1 gave a hospital
                # a different grade on different doctors' cards, so every card regraded it).
                "grade": GRADES[((i * 3) % len(HOSPITALS)) % len(GRADES)],
            })

    def rng(self, kind, index):
        return random.Random(f"{self.seed}:{kind}:{index}")

    # URLs
    def article_path(self, i):
        return f"/article/{self.article_ids[i]}.html"

    def question_path(self, q):
        return f"/question/{self.question_ids[q]}.html"

    @staticmethod
    def list_path(slug, k=1):
        return f"/list/{slug}.html" if k == 1 else f"/list/{slug}_{k}.html"

    def all_paths(self):
        yield self.list_path("zixun")
        for c, (slug, _) in enumerate(CATEGORIES):
            for k in range(1, self.list_pages[c] + 1):
                yield self.list_path(slug, k)
        for i in range(self.n_articles):
            yield self.article_path(i)
        for q in range(self.n_questions):
            yield self.question_path(q)

    # Facts shared between a page and the pages that link to it.
    def article_topic(self, i):
        return self.rng("atopic", i).choice(TOPICS)

    def article_title(self, i):
        return self.rng("atitle", i).choice(ARTICLE_TITLES).format(self.article_topic(i))

    def article_date(self, i):
        return date(2026, 2, 28) - timedelta(days=(self.n_articles - 1 - i) // 9)

    def question_meta(self, q):
        r = self.rng("qmeta", q)
        asked = datetime(2026, 2, 27, 8, 0) - timedelta(minutes=(self.n_questions - 1 - q) * 17 + r.randint(0, 16))
        n_answers = r.randint(1, 6)
        doctors = r.sample(range(len(self.doctors)), n_answers)
        times, t = [], asked
        for _ in range(n_answers):
            t += timedelta(minutes=r.randint(20, 1800))
            times.append(t)
        return {"title": r.choice(QUESTION_TITLES).format(r.choice(TOPICS)), "asked": asked,
                "doctors": doctors, "times": times}

    def question_of_card(self, i, j):
        # Card j of article i; consecutive slots cover every question (cards >= questions).
        return (self.card_start[i] + j) % self.n_questions

    def articles_citing(self, q):
        # Slot k of the cards shows question k mod Q, so q is on the cards of the articles holding slots
        # q + mQ for m = 0, 1, ...; the first two of them (with 16 cards each: article (q + mQ) // 16).
        out = []
        for m in range(2):
            i = bisect.bisect_right(self.card_start, q + m * self.n_questions) - 1
            if i < self.n_articles and q + m * self.n_questions < self.card_start[i] + self.cards[i]:
                out.append(i)
        return out

    def encoding_of(self, kind, index):
        r = self.rng("enc", f"{kind}{index}")
        if r.random() >= GBK_SHARE:
            return "utf-8", "utf-8"
        x = r.random()
        header = "" if x < GBK_NO_HEADER_SHARE else ("utf-8" if x < GBK_NO_HEADER_SHARE + GBK_LYING_HEADER_SHARE else "gbk")
        return "gbk", header


# --- the heavy profile's inline CSS, analytics and page state --------------------------------------

CSS_PROPERTIES = ["margin:0 auto", "padding:0 12px", "display:block", "display:inline-block", "display:flex",
                  "float:left", "float:right", "overflow:hidden", "position:relative", "position:absolute",
                  "color:#333", "color:#666", "color:#999", "color:#2b7de9", "color:#f60", "background:#fff",
                  "background:#f7f8fa", "background-color:#eef4ff", "border:1px solid #e5e5e5",
                  "border-bottom:1px dashed #ddd", "border-radius:4px", "font-size:12px", "font-size:14px",
                  "font-size:16px", "font-size:20px", "font-weight:700", "line-height:1.8", "line-height:24px",
                  "text-align:center", "text-overflow:ellipsis", "white-space:nowrap", "width:1200px",
                  "width:820px", "width:350px", "height:40px", "height:auto", "cursor:pointer", "z-index:10",
                  "transition:all .2s ease-in-out", "box-shadow:0 2px 8px rgba(0,0,0,.08)",
                  "-webkit-box-sizing:border-box", "box-sizing:border-box", "vertical-align:middle",
                  "letter-spacing:.5px", "opacity:.85", "top:0", "left:0", "right:12px", "bottom:-1px"]
CSS_BLOCKS = ["header", "nav", "crumbs", "main", "article", "answer", "doc", "disease", "ask", "side",
              "footer", "list", "news", "pages", "btn", "tag", "search", "login", "dept", "hot", "ad",
              "share", "comment", "modal", "toolbar"]
CSS_PARTS = ["box", "hd", "bd", "ft", "item", "title", "name", "info", "meta", "more", "icon", "wrap",
             "inner", "tip", "txt", "pic", "num", "on", "cur", "mask"]


def inline_css(seed):
    """One site-wide stylesheet of about HEAVY_CSS_BYTES, inlined in every page as portals do (the
    same bytes on every page of the site)."""
    r = random.Random(f"{seed}:css")
    rules, size = [], 0
    while size < HEAVY_CSS_BYTES:
        block, part = r.choice(CSS_BLOCKS), r.choice(CSS_PARTS)
        sel = f".{block}-{part}"
        if r.random() < 0.4:
            sel += f" .{r.choice(CSS_BLOCKS)}-{r.choice(CSS_PARTS)}"
        if r.random() < 0.2:
            sel += r.choice([":hover", " a", " a:hover", " li", " p", " img", ":after", ".on"])
        rule = sel + "{" + ";".join(r.sample(CSS_PROPERTIES, r.randint(2, 7))) + "}"
        if r.random() < 0.03:
            rule = "@media screen and (max-width:1280px){" + rule + "}"
        rules.append(rule)
        size += len(rule) + 1
    return "\n".join(rules)


def analytics_scripts(page_type, page_id, channel):
    """A Baidu-Tongji-like loader, a tag manager's data layer and a page-view beacon, as inline scripts."""
    return (
        '<script>\nvar _hmt = _hmt || [];\n(function() {\n  var hm = document.createElement("script");\n'
        '  hm.src = "https://hm.baidu.com/hm.js?8f2a7c1d9e0b4a6f3c5d7e9f1a2b4c6d";\n'
        '  var s = document.getElementsByTagName("script")[0];\n  s.parentNode.insertBefore(hm, s);\n})();\n</script>\n'
        f'<script>\nwindow.dataLayer = window.dataLayer || [];\nfunction gtag(){{dataLayer.push(arguments);}}\n'
        f'gtag("js", new Date());\ngtag("config", "G-MFK2026PC", {{"page_type": "{page_type}", "content_id": "{page_id}", '
        f'"content_group": "{channel}", "send_page_view": true}});\n</script>\n'
        '<script>\n(function(w, d) {\n  var t = +new Date(), u = "https://stat.mfk.com/pv.gif";\n'
        f'  var q = ["t=" + t, "pt={page_type}", "id={page_id}", "ch={channel}", "ref=" + encodeURIComponent(d.referrer),\n'
        '           "sw=" + (w.screen ? w.screen.width : 0), "sh=" + (w.screen ? w.screen.height : 0)];\n'
        '  var img = new Image(1, 1);\n  img.src = u + "?" + q.join("&");\n'
        '  w.addEventListener("beforeunload", function() {\n'
        '    navigator.sendBeacon && navigator.sendBeacon(u, JSON.stringify({t: t, stay: +new Date() - t}));\n  });\n'
        '})(window, document);\n</script>\n')


def state_script(state):
    """window.__INITIAL_STATE__, the page's data as the front-end framework rehydrates it ("</" escaped,
    as server renderers do, so the JSON cannot end the script element)."""
    text = json.dumps(state, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script>window.__INITIAL_STATE__={text};</script>\n'


def padded_state(r, site, state, fixed_bytes, target, encoding):
    """The state script, with "recommend" entries (article titles, as portals embed their
    recommendation feed) added until the page reaches `target` bytes."""
    script = state_script(state)
    size = fixed_bytes + len(script.encode(encoding, "xmlcharrefreplace"))
    recommend = state.setdefault("recommend", [])
    while size < target:
        a = r.randrange(site.n_articles)
        recommend.append({"id": site.article_ids[a], "title": site.article_title(a), "url": site.article_path(a),
                          "date": site.article_date(a).isoformat(), "views": r.randint(100, 250_000)})
        script = state_script(state)
        size = fixed_bytes + len(script.encode(encoding, "xmlcharrefreplace"))
    return script


# --- text -----------------------------------------------------------------------------------------

def shuffle_sentences(r, paragraph):
    """Varies a fixture paragraph: keeps a leading <strong> label, shuffles the sentences after it."""
    label = ""
    m = re.match(r"\s*(<strong>.*?</strong>)(.*)", paragraph, re.S)
    if m:
        label, paragraph = m.group(1), m.group(2)
    sentences = [s for s in re.split(r"(?<=[。！？；])", paragraph.strip()) if s.strip()]
    r.shuffle(sentences)
    return label + "".join(s.strip() for s in sentences)


def views_text(r, suffix):
    n = r.choice([r.randint(12, 9999), r.randint(10_000, 250_000)])
    return f"{n / 10000:.1f}万{suffix}" if n >= 10_000 else f"{n}{suffix}"


def sized(parts, encoding):
    return sum(len(p.encode(encoding, "xmlcharrefreplace")) for p in parts)


class PageWriter:
    def __init__(self, site, fx, out):
        self.site, self.fx, self.out = site, fx, out
        self.www = out / "www"
        self.css = inline_css(site.seed) if site.profile == "heavy" else ""
        self.charset_map = []
        self.stats = {}

    def link(self, path, form=""):
        """An href for a site path in one of the forms the real site uses."""
        s = self.site
        if form == "abs":
            return s.base + path
        if form == "proto":
            return "//" + s.host + path
        if form == "upper":
            return s.base.upper() + path
        return path

    def head(self, chrome, encoding, title, keywords, description, og_type, path, release, page_type, page_id, channel):
        head_pre, head_post, _, _ = chrome
        if encoding == "gbk":
            meta = '<meta charset="gbk">' if zlib.crc32(path.encode()) % 2 else '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'
        else:
            meta = '<meta charset="utf-8">'
        b, e = self.site.base, html.escape
        post = re.sub(r'pageType: "\w+"', f'pageType: "{page_type}"', head_post)
        post = re.sub(r'id: "\w+"', f'id: "{page_id}"', post)
        post = re.sub(r'channel: "\w+"', f'channel: "{channel}"', post)
        post = re.sub(r'location\.replace\("[^"]*"\)', f'location.replace("https://m.mfk.com{path}")', post)
        return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n{meta}\n{head_pre}<title>{e(title)}</title>\n'
                f'<meta name="keywords" content="{e(keywords)}">\n'
                f'<meta name="description" content="{e(description)}">\n'
                f'<meta property="og:type" content="{og_type}">\n'
                f'<meta property="og:title" content="{e(title.split("_")[0])}">\n'
                f'<meta property="og:description" content="{e(description)}">\n'
                f'<meta property="og:url" content="{b}{path}">\n'
                f'<meta property="og:site_name" content="民福康">\n'
                f'<meta property="og:image" content="https://static.mfk.com/pc/images/logo_share.png">\n'
                f'<meta property="og:release_date" content="{release}">\n'
                f'<meta name="mobile-agent" content="format=html5;url=https://m.mfk.com{path}">\n'
                f'<meta name="applicable-device" content="pc">\n'
                f'<link rel="canonical" href="{b}{path}">\n'
                f'<link rel="alternate" media="only screen and (max-width: 640px)" href="https://m.mfk.com{path}">\n'
                f'{post}{self.heavy_head(page_type, page_id, channel)}</head>\n<body>')

    def heavy_head(self, page_type, page_id, channel):
        if self.site.profile != "heavy":
            return ""
        return f"<style>\n{self.css}\n</style>\n" + analytics_scripts(page_type, page_id, channel)

    def write(self, path, kind, parts, encoding, header):
        text = "".join(parts)
        data = text.encode(encoding, "xmlcharrefreplace")
        target = self.www / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        gz = gzip.compress(data, compresslevel=6, mtime=0)
        (target.parent / (target.name + ".gz")).write_bytes(gz)
        if encoding == "gbk":
            self.charset_map.append(f"{path} {header or 'off'};")
        st = self.stats.setdefault(kind, {"pages": 0, "bytes": 0, "min": 1 << 30, "max": 0, "gbk": 0,
                                         "gbk_no_header": 0, "gbk_lying_header": 0, "gzip_bytes": 0})
        st["pages"] += 1
        st["bytes"] += len(data)
        st["gzip_bytes"] += len(gz)
        st["min"] = min(st["min"], len(data))
        st["max"] = max(st["max"], len(data))
        if encoding == "gbk":
            st["gbk"] += 1
            st["gbk_no_header"] += header == ""
            st["gbk_lying_header"] += header == "utf-8"

    def doctor_bar(self, d, extra=""):
        doc = self.site.doctors[d]
        return (f'<div class="doc-bar">\n'
                f'              <a class="doc-avatar" href="/doctor/{doc["id"]}.html" target="_blank"><img src="//img.mfk.com/doctor/{doc["id"]}.jpg" alt="{doc["name"]}"></a>\n'
                f'              <a class="doc-name" href="/doctor/{doc["id"]}.html" target="_blank">{doc["name"]}</a>\n'
                f'              <span class="doc-title">{doc["title"]}</span>\n'
                f'              <span class="doc-dept">{doc["dept"]}</span>\n'
                f'              <span class="doc-hosp">{doc["hosp"]}</span>\n'
                f'              <i class="doc-grade">{doc["grade"]}</i>{extra}\n'
                f'            </div>\n')

    def side_hot(self, r, n_articles, n_questions):
        s = self.site
        forms = [("?utm_source=side_hot&amp;utm_medium=pc", ""), ("", ""), ("", "proto"), ("#comment", "abs")]
        items = []
        for k, i in enumerate(r.sample(range(s.n_articles), min(n_articles, s.n_articles))):
            suffix, form = forms[k % len(forms)]
            items.append(f'        <li><em>{k + 1}</em><a href="{self.link(s.article_path(i), form)}{suffix}" target="_blank">{html.escape(s.article_title(i))}</a></li>\n')
        qs = []
        for q in r.sample(range(s.n_questions), min(n_questions, s.n_questions)):
            qs.append(f'        <li><a href="{s.question_path(q)}" target="_blank">{html.escape(s.question_meta(q)["title"])}</a></li>\n')
        qs.append(f'        <li><a href="https://m.mfk.com{s.question_path(r.randrange(s.n_questions))}" target="_blank">手机版问答</a></li>\n')
        return ('    <div class="side-box side-hot">\n      <div class="box-hd"><h3>热门文章</h3></div>\n      <ol>\n'
                + "".join(items) + '      </ol>\n    </div>\n'
                + '    <div class="side-box side-q">\n      <div class="box-hd"><h3>热门问答</h3></div>\n      <ul>\n'
                + "".join(qs) + '      </ul>\n    </div>\n')

    # --- article ----------------------------------------------------------------------------------
    def card_doctor(self, d):
        """The doctor lines of an answer card as the real article page shows them: name and title, then
        hospital and grade (no department)."""
        doc = self.site.doctors[d]
        return (f'<div class="doc-bar">\n'
                f'              <a class="doc-avatar" href="/doctor/{doc["id"]}.html" target="_blank"><img src="//img.mfk.com/doctor/{doc["id"]}.jpg" alt="{doc["name"]}"></a>\n'
                f'              <div class="doc-info">\n'
                f'                <p><a class="doc-name" href="/doctor/{doc["id"]}.html" target="_blank">{doc["name"]}</a> <span class="doc-title">{doc["title"]}</span></p>\n'
                f'                <p><span class="doc-hosp">{doc["hosp"]}</span> <i class="doc-grade">{doc["grade"]}</i></p>\n'
                f'              </div>\n'
                f'            </div>\n')

    def article(self, i):
        """An article laid out as the real page of the fixture (fixtures/sites/mfk/README.md): title,
        date and views, the lead and four labelled paragraphs, the disclaimer, the disease card and its
        tabs, the slogan, 16 answer cards and the consult button, inside the site's chrome. No author,
        tags, reviewer, answer dates, related articles or sidebar: the real page shows none."""
        s, fx = self.site, self.fx
        r = s.rng("article", i)
        encoding, header = s.encoding_of("a", i)
        path, aid = s.article_path(i), s.article_ids[i]
        slug, cat_name = CATEGORIES[i % len(CATEGORIES)]
        title = s.article_title(i)
        published = s.article_date(i)
        topic = s.article_topic(i)
        lead = shuffle_sentences(r, fx.article_paragraphs[0])
        e = html.escape
        head = self.head(fx.article, encoding, f"{title}_民福康", f"{topic},{cat_name},健康资讯",
                         _strip_tags(lead)[:90], "article", path, published.isoformat(), "article", aid, slug)
        _, _, top, bottom = fx.article
        crumbs = (f'<div class="crumbs w1200">\n  <a href="{s.base}/">首页</a> &gt; <a href="/list/zixun.html">健康资讯</a> &gt; '
                  f'<span>正文</span>\n</div>\n')
        parts = [head, top, crumbs,
                 f'<div class="main w1200 clearfix">\n  <div class="main-left">\n'
                 f'    <div class="article" id="article" data-id="{aid}">\n'
                 f'      <h1 class="article-title">{e(title)}</h1>\n'
                 f'      <div class="article-meta">\n'
                 f'        <span class="time">发布于&nbsp; {published.isoformat()}</span>\n'
                 f'        <span class="views">{views_text(r, "次浏览")}</span>\n'
                 f'      </div>\n'
                 f'      <div class="article-body">\n'
                 f'        <p class="lead">{lead}</p>\n']
        # The four labelled paragraphs, in turn from the fixture's, sentences shuffled behind the label.
        labelled = fx.article_paragraphs[1:]
        for k in range(4):
            parts.append("        <p>" + shuffle_sentences(r, labelled[(i + k) % len(labelled)]) + "</p>\n")
        disease = r.choice(TOPICS)
        parts.append(
            f'        <p class="disclaimer">{fx.disclaimer}</p>\n      </div>\n'
            f'      <div class="disease-box">\n'
            f'        <div class="disease-card">\n'
            f'          <div class="disease-hd"><h3>了解疾病</h3></div>\n'
            f'          <p class="disease-name">{disease}</p>\n'
            f'          <p class="disease-summary">{disease}{fx.disease_summary[4:]}</p>\n'
            f'          <a class="more" href="/disease/d{TOPICS.index(disease)}.html" target="_blank">了解详情</a>\n'
            f'        </div>\n'
            f'        <ul class="disease-tabs">\n'
            f'          <li class="on"><a href="javascript:;" data-tab="know">了解疾病</a></li>\n'
            f'          <li><a href="javascript:;" data-tab="test">自测工具</a></li>\n'
            f'          <li><a href="javascript:;" data-tab="guide">行动指南</a></li>\n'
            f'          <li><a href="javascript:;" data-tab="read">延展阅读</a></li>\n'
            f'        </ul>\n      </div>\n'
            f'      <div class="answers-box">\n'
            f'        <div class="slogan"><span class="brand">民福康</span> | 为用户打造的实用医典</div>\n'
            f'        <div class="answer-list">\n')
        # The fixture's href forms at the fixture's card positions (1-based 2 and 11 `../`, 7 absolute,
        # 13 protocol-relative, 15 upper-case scheme and host).
        q_forms = {1: "dotdot", 6: "abs", 10: "dotdot", 12: "proto", 14: "upper"}
        cards = []
        for j in range(s.cards[i]):
            q = s.question_of_card(i, j)
            meta = s.question_meta(q)
            qpath = s.question_path(q)
            form = q_forms.get(j, "")
            href = "../" + qpath.lstrip("/") if form == "dotdot" else self.link(qpath, form)
            # The card shows the start of the question page's first answer, cut at SNIPPET_CHARS with no
            # ellipsis, or all of it when it is shorter, as the real page does.
            answer = _strip_tags(shuffle_sentences(s.rng("answer", f"{q}:0"), fx.answer_paragraphs[q % len(fx.answer_paragraphs)]))
            doc = s.doctors[meta["doctors"][0]]
            cards.append({"qid": s.question_ids[q], "title": meta["title"], "url": qpath,
                          "doctor": {"id": doc["id"], "name": doc["name"], "title": doc["title"], "hospital": doc["hosp"],
                                     "grade": doc["grade"]}})
            parts.append(
                f'          <div class="answer-card">\n'
                f'            <a class="q-title" href="{href}" target="_blank">{e(meta["title"])}</a>\n'
                f'            {self.card_doctor(meta["doctors"][0])}'
                f'            <p class="answer-text">{e(answer[:SNIPPET_CHARS])}</p>\n'
                f'          </div>\n')
        parts.append(
            f'        </div>\n'
            f'        <a class="btn-consult" href="https://ask.mfk.com/ask?from=article&amp;aid={aid}" target="_blank" rel="nofollow">免费咨询</a>\n'
            f'      </div>\n'
            f'      <!-- 旧版推荐位，已下线 <a href="/article/{aid - 400000}.html">旧版推荐</a> -->\n'
            f'      <script>document.write(\'<div class="js-rec"><a href="/article/{aid - 300000}.html">猜你喜欢<\\/a><\\/div>\');</script>\n'
            f'    </div>\n  </div>\n</div>\n')
        if s.profile == "heavy":
            state = {"page": {"type": "article", "id": aid, "channel": slug, "url": s.base + path},
                     "article": {"id": aid, "title": title, "category": cat_name, "published": published.isoformat(),
                                 "topic": topic, "disease": disease,
                                 "summary": _strip_tags(lead)[:120]},
                     "answers": cards}
            target = r.randint(*HEAVY_ARTICLE_BYTES)
            parts.append(padded_state(r, s, state, sized(parts + [bottom], encoding), target, encoding))
        parts.append(bottom)
        self.write(path, "article", parts, encoding, header)

    # --- question ---------------------------------------------------------------------------------
    def question(self, q):
        s, fx = self.site, self.fx
        r = s.rng("question", q)
        encoding, header = s.encoding_of("q", q)
        meta = s.question_meta(q)
        path, qid = s.question_path(q), s.question_ids[q]
        citing = s.articles_citing(q)
        slug, cat_name = CATEGORIES[citing[0] % len(CATEGORIES)]
        e = html.escape
        title = meta["title"]
        desc = [shuffle_sentences(r, fx.desc_paragraphs[(q + k) % len(fx.desc_paragraphs)]) for k in range(2)]
        head = self.head(fx.question, encoding, f"{title}_民福康问医生", f"{title[:6]},{cat_name}",
                         _strip_tags(desc[0])[:80], "website", path,
                         meta["asked"].strftime("%Y-%m-%dT%H:%M:00+08:00"), "question", qid, slug)
        _, _, top, bottom = fx.question
        crumbs = (f'<div class="crumbs w1200">\n  <a href="{s.base}/">首页</a> &gt; <a href="/question/">问医生</a> &gt; '
                  f'<a href="/list/{slug}.html">{cat_name}</a> &gt; <span>问题详情</span>\n</div>\n')
        n = len(meta["doctors"])
        ask = (f'<div class="main w1200 clearfix">\n  <div class="main-left">\n'
               f'    <div class="ask-box" id="ask" data-qid="{qid}">\n'
               f'      <h1 class="ask-title">{e(title)}</h1>\n'
               f'      <div class="ask-meta">\n'
               f'        <span class="ask-patient">患者：{r.choice(PATIENTS)}，{r.randint(1, 85)}岁</span>\n'
               f'        <span class="ask-time">提问时间：{meta["asked"]:%Y-%m-%d %H:%M}</span>\n'
               f'        <span class="ask-views">{r.randint(20, 30000):,}人看过</span>\n'
               f'      </div>\n'
               f'      <div class="ask-desc">\n        <h3>病情描述</h3>\n        <p>{desc[0]}</p>\n'
               f'        <h3>想得到怎样的帮助</h3>\n        <p>{desc[1]}</p>\n      </div>\n'
               f'      <div class="ask-tags"><a href="/tag/t{r.randrange(len(TOPICS))}/">{r.choice(TOPICS)}</a>'
               f'<a class="print" href="{path}?print=1" target="_blank" rel="nofollow">打印</a></div>\n    </div>\n'
               f'    <div class="ad-slot ad-banner"><a href="https://e.mfk-union.cn/click?c=9031&amp;p=question" target="_blank" rel="nofollow"><img src="//static.mfk.com/ad/9031.jpg" alt="广告" width="820" height="90"></a></div>\n'
               f'    <div class="answer-wrap">\n      <div class="box-hd"><h2>{n}位医生回答</h2></div>\n      <div class="answer-list">\n')

        def answer(k, d, t, paragraphs):
            ar = s.rng("answer", f"{q}:{k}")
            first = shuffle_sentences(ar, fx.answer_paragraphs[(q + k) % len(fx.answer_paragraphs)])
            more = [shuffle_sentences(ar, fx.answer_paragraphs[(q + k + m) % len(fx.answer_paragraphs)]) for m in range(1, paragraphs)]
            doc = s.doctors[d]
            extra = f'\n            <a class="btn-ask" href="https://ask.mfk.com/doctor/{doc["id"]}?source=question" target="_blank" rel="nofollow">向TA提问</a>'
            return (f'        <div class="answer-item{" best" if k == 0 else ""}">\n          '
                    + self.doctor_bar(d, extra)
                    + '          <div class="answer-content">\n'
                    + "".join(f"            <p>{p}</p>\n" for p in [first] + more)
                    + f'          </div>\n          <div class="answer-ft"><span class="answer-time">{t:%Y-%m-%d %H:%M}</span>'
                    f'<a class="useful" href="javascript:;" data-aid="{90_000_000 + q * 7 + k}">有用({ar.randint(0, 99)})</a></div>\n        </div>\n')

        rel_q = r.sample(range(s.n_questions), 3)
        tail = ('      </div>\n    </div>\n    <div class="related-q">\n      <div class="box-hd"><h2>相关问题</h2></div>\n      <ul>\n'
                + "".join(f'        <li><a href="{"./" + s.question_path(x).rsplit("/", 1)[1] if k == 0 else s.question_path(x)}{"?from=related" if k == 1 else ""}">{e(s.question_meta(x)["title"])}</a></li>\n'
                          for k, x in enumerate(rel_q))
                + '      </ul>\n    </div>\n    <div class="related-a">\n      <div class="box-hd"><h2>相关文章</h2></div>\n      <ul>\n'
                + "".join(f'        <li><a href="{s.article_path(a)}">{e(s.article_title(a))}</a></li>\n' for a in citing)
                + '      </ul>\n    </div>\n    <p class="ask-disclaimer">医生回答仅为建议，不能作为诊断及医疗的依据，如有不适请及时就医。</p>\n  </div>\n'
                + '  <div class="main-right">\n'
                + f'    <div class="side-box side-askbtn"><a class="btn-ask-big" href="https://ask.mfk.com/ask?dept={slug}" target="_blank" rel="nofollow">免费提问</a></div>\n'
                + self.side_hot(r, 3, 0) + '  </div>\n</div>\n')
        # The page's own answers (the ones the cards cite), each 1-3 paragraphs, then further answers
        # ("more doctors answered") until the page reaches its target size.
        answers = [answer(k, d, t, 1 + (k + q) % 3) for k, (d, t) in enumerate(zip(meta["doctors"], meta["times"]))]
        if s.profile == "heavy":
            shown = list(zip(meta["doctors"], meta["times"]))[:HEAVY_MAX_ANSWERS]
            answers = answers[:HEAVY_MAX_ANSWERS]
            ask = ask.replace(f"<h2>{n}位医生回答</h2>", f"<h2>{len(answers)}位医生回答</h2>")
            state = {"page": {"type": "question", "id": qid, "channel": slug, "url": s.base + path},
                     "question": {"id": qid, "title": title, "asked": f'{meta["asked"]:%Y-%m-%d %H:%M}',
                                  "description": [_strip_tags(d) for d in desc]},
                     "answers": [{"doctor": {k2: s.doctors[d][k2] for k2 in ("id", "name", "title", "dept", "hosp")},
                                  "time": f"{t:%Y-%m-%d %H:%M}", "best": k == 0,
                                  "summary": _strip_tags(answers[k])[:120]}
                                 for k, (d, t) in enumerate(shown)],
                     "related": [s.question_meta(x)["title"] for x in rel_q]}
            fixed = [head, top, crumbs, ask] + answers + [tail]
            script = padded_state(r, s, state, sized(fixed + [bottom], encoding), r.randint(*HEAVY_QUESTION_BYTES), encoding)
            self.write(path, "question", fixed + [script, bottom], encoding, header)
            return
        target = r.randint(41_000, 79_000)
        size = sized([head, top, crumbs, ask, tail, bottom] + answers, encoding)
        k, t = len(answers), meta["times"][-1]
        while size < target:
            t += timedelta(minutes=r.randint(30, 600))
            a = answer(k, r.randrange(len(s.doctors)), t, 3)
            answers.append(a)
            size += len(a.encode(encoding, "xmlcharrefreplace"))
            k += 1
        ask = ask.replace(f"<h2>{n}位医生回答</h2>", f"<h2>{len(answers)}位医生回答</h2>")
        self.write(path, "question", [head, top, crumbs, ask] + answers + [tail, bottom], encoding, header)

    # --- listings ---------------------------------------------------------------------------------
    def listing(self, slug, cat_name, k, articles, n_pages, kind="listing"):
        s, fx = self.site, self.fx
        r = s.rng("list", f"{slug}{k}")
        path = s.list_path(slug, k)
        encoding, header = s.encoding_of("l", f"{slug}{k}")
        e = html.escape
        head = self.head(fx.listing, encoding, f"{cat_name}健康资讯_第{k}页_民福康", f"{cat_name},健康资讯",
                         f"民福康{cat_name}频道为您提供{cat_name}疾病的科普文章，由三甲医院专家审核。", "website",
                         path, "2026-02-28T08:30:00+08:00", "list", slug, slug)
        _, _, top, bottom = fx.listing
        crumbs = (f'<div class="crumbs w1200">\n  <a href="{s.base}/">首页</a> &gt; <a href="/list/zixun.html">健康资讯</a> &gt; '
                  f'<span>{cat_name}</span>\n</div>\n')
        items = []
        for n, i in enumerate(articles):
            t, d, aid = e(s.article_title(i)), s.article_date(i), s.article_ids[i]
            summary = fx.list_summaries[(i + n) % len(fx.list_summaries)]
            items.append(
                f'      <li class="news-item clearfix">\n'
                f'        <a class="pic" href="{s.article_path(i)}" target="_blank"><img src="//img.mfk.com/article/{d:%Y/%m/%d}/{aid}_s.jpg" alt="{t}"></a>\n'
                f'        <div class="txt">\n          <h3><a href="{s.article_path(i)}" target="_blank">{t}</a></h3>\n'
                f'          <p>{summary}</p>\n'
                f'          <div class="info"><span class="time">{d.isoformat()}</span><span class="views">{views_text(r, "次浏览")}</span>'
                f'</div>\n'
                f'        </div>\n      </li>\n')
            if n == 5:
                items.append('      <li class="news-item clearfix ad-item">\n'
                             '        <a class="pic" href="https://e.mfk-union.cn/click?c=7720&amp;p=list" target="_blank" rel="nofollow"><img src="//static.mfk.com/ad/7720.jpg" alt="广告"></a>\n'
                             '        <div class="txt">\n          <h3><a href="https://e.mfk-union.cn/click?c=7720&amp;p=list" target="_blank" rel="nofollow">关节疼痛？专家教你三招在家缓解</a></h3>\n'
                             '          <p>点击了解更多</p>\n          <div class="info"><span class="ad-tag">广告</span></div>\n        </div>\n      </li>\n')
        pages = ['    <div class="pages">\n']
        if n_pages > 1:
            if k > 1:
                pages.append(f'      <a class="prev" href="{s.list_path(slug, k - 1)}">上一页</a>\n')
            for p in sorted({1, n_pages} | set(range(max(1, k - 2), min(n_pages, k + 4) + 1))):
                pages.append(f'      <span class="cur">{p}</span>\n' if p == k else f'      <a href="{s.list_path(slug, p)}">{p}</a>\n')
            if k < n_pages:
                pages.append(f'      <a class="next" href="{s.list_path(slug, k + 1)}">下一页</a>\n'
                             f'      <a class="last" href="{s.list_path(slug, n_pages)}">尾页</a>\n')
        pages.append('    </div>\n')
        main = (f'<div class="main w1200 clearfix">\n  <div class="main-left">\n'
                f'    <div class="list-hd"><h1>{cat_name}健康资讯</h1><p class="list-intro">{cat_name}频道为您提供常见疾病的科普文章，由三甲医院专家审核。</p></div>\n'
                f'    <ul class="news-list">\n')
        side = ('  </div>\n  <div class="main-right">\n    <div class="side-box side-cate">\n'
                f'      <div class="box-hd"><h3>{cat_name}分类</h3></div>\n      <p>'
                + "".join(f'<a href="/list/{c}.html"{ON if c == slug else ""}>{name}</a>' for c, name in CATEGORIES)
                + '</p>\n    </div>\n')
        fixed = [head, top, crumbs, main] + items + ['    </ul>\n'] + pages + [side]
        # Hot questions in the sidebar until the page reaches 40-50 KB.
        target = r.randint(41_000, 50_000)
        size = sized(fixed + [bottom], encoding) + 200
        hot = []
        while size < target:
            x = r.randrange(s.n_questions)
            li = f'        <li><a href="{s.question_path(x)}" target="_blank">{e(s.question_meta(x)["title"])}</a></li>\n'
            hot.append(li)
            size += len(li.encode(encoding, "xmlcharrefreplace"))
        hot_box = (f'    <div class="side-box side-q">\n      <div class="box-hd"><h3>{cat_name}热门问答</h3></div>\n      <ul>\n'
                   + "".join(hot) + '      </ul>\n    </div>\n  </div>\n</div>\n')
        self.write(path, kind, fixed + [hot_box, bottom], encoding, header)

    def generate(self, progress=True):
        s = self.site
        newest = sorted(range(s.n_articles), reverse=True)[:LIST_PAGE_SIZE]
        self.listing("zixun", "健康资讯", 1, newest, 1)
        for c, (slug, name) in enumerate(CATEGORIES):
            arts = s.by_cat[c]
            for k in range(1, s.list_pages[c] + 1):
                self.listing(slug, name, k, arts[(k - 1) * LIST_PAGE_SIZE:k * LIST_PAGE_SIZE], s.list_pages[c])
        for i in range(s.n_articles):
            self.article(i)
            if progress and i % 5000 == 4999:
                print(f"gen_site: {i + 1} articles", file=sys.stderr)
        for q in range(s.n_questions):
            self.question(q)
            if progress and q % 5000 == 4999:
                print(f"gen_site: {q + 1} questions", file=sys.stderr)


def write_extras(site, writer, out, total):
    www = out / "www"
    urls = [site.base + p for p in site.all_paths()]
    assert len(urls) == total == len(set(urls)), (len(urls), total)
    (out / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    (www / "robots.txt").write_text(f"User-agent: *\nDisallow:\n\nSitemap: {site.base}/sitemap.xml\n", encoding="ascii")
    # One sitemap file holds at most 50,000 URLs (sitemaps.org); beyond that, an index of files.
    chunks = [urls[k:k + 50_000] for k in range(0, len(urls), 50_000)]

    def urlset(chunk):
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                + "".join(f"  <url><loc>{u}</loc></url>\n" for u in chunk) + "</urlset>\n")
    if len(chunks) == 1:
        (www / "sitemap.xml").write_text(urlset(chunks[0]), encoding="utf-8")
    else:
        for n, chunk in enumerate(chunks, 1):
            (www / f"sitemap-{n}.xml").write_text(urlset(chunk), encoding="utf-8")
        (www / "sitemap.xml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(f"  <sitemap><loc>{site.base}/sitemap-{n}.xml</loc></sitemap>\n" for n in range(1, len(chunks) + 1))
            + "</sitemapindex>\n", encoding="utf-8")
    (out / "charset.map").write_text("\n".join(writer.charset_map) + "\n", encoding="ascii")
    manifest = {"pages": total, "base": site.base, "start_url": site.base + "/list/zixun.html",
                "articles": site.n_articles, "questions": site.n_questions,
                "listings": 1 + sum(site.list_pages), "seed": site.seed, "by_kind": writer.stats,
                "generator": GENERATOR}
    if site.profile != "default":
        manifest["profile"] = site.profile  # absent for the default profile, whose manifest stays as it was
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def write_config(site, path):
    """bench/mfk-bench.yaml: selectors/mfk.yaml with the bench's start URL, politeness off, private
    addresses allowed (the site is on 127.0.0.1) and no sitemap seeding (both crawlers discover the
    pages by links from the start URL). Text edits, so the selectors stay byte-identical."""
    src = (REPO / "selectors" / "mfk.yaml").read_text(encoding="utf-8")
    host_re = re.escape(site.host).replace(r"\.", r"\.")
    header = ("# GENERATED by bench/gen_site.py from selectors/mfk.yaml: do not edit, regenerate.\n"
              "# The crawl benchmark's config (bench/crawl_bench.sh): the same selectors and follow rules, served by\n"
              f"# nginx on 127.0.0.1 behind the host mapping {site.host}:80 -> 127.0.0.1:PORT.\n")
    out = re.sub(r"^site: mfk$", "site: mfk-bench", src, flags=re.M)
    out = re.sub(r"^start_urls: .*$", f"start_urls: ['{site.base}/list/zixun.html']", out, flags=re.M)
    out = re.sub(r"^sitemaps: .*$", "sitemaps: []\nallow_private_addresses: true\nuser_agent: 'healthcrawl-bench/0.1'", out, flags=re.M)
    out = re.sub(r"^politeness: .*$", "politeness: {delay: 0, concurrency: 32}", out, flags=re.M)
    if site.host != "www.mfk.com":
        out = out.replace(r"www\.mfk\.com", host_re)
    for needle in ("site: mfk-bench", "start_urls: ['", "allow_private_addresses: true", "politeness: {delay: 0"):
        assert needle in out, needle
    Path(path).write_text(header + out, encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, help="number of crawlable pages (>= 60)")
    ap.add_argument("--out", help="output folder (its www/ is the web root); without it, only --write-config")
    ap.add_argument("--base", default="http://www.mfk.com", help="scheme://host of absolute links")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", choices=("default", "heavy"), default="default",
                    help="default: the crawl benchmark's pages; heavy: pages as heavy as real portals' (see above)")
    ap.add_argument("--write-config", metavar="PATH", help="also write the bench selector config here")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    base = args.base.rstrip("/")
    if not args.out:
        if not args.write_config:
            ap.error("--out (with --pages) or --write-config is required")
        write_config(Site(60, args.seed, base), args.write_config)
        return
    if not args.pages:
        ap.error("--pages is required with --out")
    out = Path(args.out)
    if (out / "www").exists() and any((out / "www").iterdir()):
        raise SystemExit(f"gen_site: {out}/www is not empty")
    site = Site(args.pages, args.seed, base, args.profile)
    writer = PageWriter(site, Fixtures(base), out)
    (out / "www").mkdir(parents=True, exist_ok=True)
    writer.generate(progress=not args.quiet)
    manifest = write_extras(site, writer, out, args.pages)
    if args.write_config:
        write_config(site, args.write_config)
    if not args.quiet:
        print(json.dumps({k: manifest[k] for k in ("pages", "articles", "questions", "listings", "start_url")}))


if __name__ == "__main__":
    main()
