"""The Scrapy peer of the crawl benchmark (issue 4): a single-file spider equivalent to healthcrawl's
crawl of the bench site with bench/mfk-bench.yaml (selectors/mfk.yaml with politeness off).

    /usr/bin/python3 -m scrapy runspider bench/scrapy_mfk/mfk_spider.py \
        -a port=PORT [-a base=http://www.mfk.com] [-a stats_out=stats.json] -o items.jsonl

Run it with Debian's python3-scrapy 2.8 (/usr/bin/python3), not another Python on PATH.

Equivalence with healthcrawl, rule by rule:
- the same start URL (BASE/list/zixun.html), robots.txt obeyed, no delay, 32 requests in flight (all to
  the one host), no AutoThrottle, no cookies;
- the same links: <a href> and <area href> (never links in scripts or comments), resolved against the
  page, scheme and host lower-cased, the fragment dropped, the config's strip_params (utm_*, from, spm)
  removed, then the config's follow allow/deny regexes searched in the absolute URL; the request priority
  of the target's page type (article 10, question 5, listing 1);
- the same records with the same CSS selectors, regexes and types as the article, question and listing
  page types of selectors/mfk.yaml (text is block-aware like healthcrawl's html::Text: "\\n\\n" between
  block elements, whitespace collapsed); one item per article or question page, written to the feed;
- the same charset rule: the Content-Type charset, unless the page does not decode with it and its
  meta tag declares another (a GBK page behind a lying `charset=utf-8` header).

Traffic: every request goes to the bench's nginx at 127.0.0.1:PORT as an HTTP proxy request (nginx serves
absolute-URI requests by their host), a request for any host but the site's is dropped, and the DNS
resolver answers 127.0.0.1 for every name, so nothing can leave the loopback interface.
"""

import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from twisted.internet import defer
from twisted.internet.interfaces import IResolverSimple
from w3lib.encoding import html_body_declared_encoding
from zope.interface import implementer

# --- the site config (bench/mfk-bench.yaml, itself selectors/mfk.yaml) ---------------------------------
STRIP_PARAMS = [re.compile(r"^utm_.*$"), re.compile(r"^from$"), re.compile(r"^spm$")]
FOLLOW_ALLOW = [re.compile(r"^https?://www\.mfk\.com/article/\d+\.html"),
                re.compile(r"^https?://www\.mfk\.com/question/\d+\.html"),
                re.compile(r"^https?://www\.mfk\.com/list/[a-z]+(_\d+)?\.html")]
FOLLOW_DENY = [re.compile(r"[?&]print=1")]
PAGE_TYPES = [("article", re.compile(r"^https?://www\.mfk\.com/article/\d+\.html"), 10),
              ("question", re.compile(r"^https?://www\.mfk\.com/question/\d+\.html"), 5),
              ("listing", re.compile(r"^https?://www\.mfk\.com/list/[a-z]+(_\d+)?\.html"), 1)]
SITE_HOST = "www.mfk.com"


# Field rules: (name, css, options). Options: all, join, regex, type, required, default, attr.
def F(name, css, **opts):
    return (name, css, opts)


ARTICLE_FIELDS = [
    F("title", ".article h1.article-title", required=True),
    F("body", ".article-body > p:not(.disclaimer)", all=True, join="\n\n", required=True),
    F("published_at", ".article-meta .time", type="date", required=True),
    F("views", ".article-meta .views", type="count"),
    F("author", ".article-author .author", regex=r"撰稿(?:：|:)\s*(\S+)"),
    F("tags", ".article-tags a", all=True),
    F("source", ".article-meta .source", regex=r"来源(?:：|:)\s*(\S+)", default="民福康"),
]
ARTICLE_EXTRA = [
    F("reviewer", ".article-author .reviewer", regex=r"审核专家(?:：|:)\s*(\S+)"),
    F("category", ".crumbs", regex=r"([^ >]+) > 正文"),
]
DISEASE_FIELDS = [
    F("name", ".disease-name", required=True),
    F("summary", ".disease-summary"),
    F("url", "a.more", attr="href", type="url"),
]
ANSWER_CARD_FIELDS = [
    F("question_title", "a.q-title", required=True),
    F("question_url", "a.q-title", attr="href", type="url", required=True),
    F("doctor_name", ".doc-name", required=True),
    F("doctor_title", ".doc-title"),
    F("department", ".doc-dept"),
    F("hospital", ".doc-hosp"),
    F("hospital_grade", ".doc-grade"),
    F("answer_text", ".answer-text", required=True),
    F("answered_at", ".answer-time", type="date"),
]
ANSWER_CARD_EXTRA = [F("doctor_url", "a.doc-name", attr="href", type="url")]
QUESTION_FIELDS = [
    F("title", ".ask-box h1.ask-title", required=True),
    F("description", ".ask-box .ask-desc"),
    F("asked_at", ".ask-meta .ask-time", type="datetime"),
]
QUESTION_EXTRA = [
    F("patient", ".ask-meta .ask-patient", regex=r"患者(?:：|:)\s*(.+)"),
    F("views", ".ask-meta .ask-views", type="count"),
]
ANSWER_FIELDS = [
    F("doctor_name", ".doc-name", required=True),
    F("doctor_title", ".doc-title"),
    F("department", ".doc-dept"),
    F("hospital", ".doc-hosp"),
    F("hospital_grade", ".doc-grade"),
    F("answer_text", ".answer-content", required=True),
    F("answered_at", ".answer-time", type="datetime"),
]
RECORDS = {
    "article": (ARTICLE_FIELDS, ARTICLE_EXTRA, [
        ("diseases", ".article .disease-card", "disease", DISEASE_FIELDS, []),
        ("answers", ".answer-list > .answer-card", "answer_card", ANSWER_CARD_FIELDS, ANSWER_CARD_EXTRA)]),
    "question": (QUESTION_FIELDS, QUESTION_EXTRA, [
        ("answers", ".answer-list > .answer-item", "answer", ANSWER_FIELDS, [])]),
}

# --- text, as healthcrawl's html::Text ----------------------------------------------------------------
BLOCK_TAGS = frozenset("""address article aside blockquote center details dialog dd dir div dl dt fieldset
figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main menu nav ol p pre section summary
table tbody thead tfoot tr td th ul""".split())
SKIP_TAGS = frozenset(["script", "style", "noscript", "template"])
WS = re.compile(r"[\s\u00a0\u3000\u2000-\u200a\u202f\u205f]+")


def _walk(el, out):
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in SKIP_TAGS:
        return
    block = tag in BLOCK_TAGS
    if block:
        out.append("\x00")
    if tag == "br":
        out.append("\x01")
    if el.text and tag:
        out.append(el.text)
    for child in el:
        _walk(child, out)
        if child.tail:
            out.append(child.tail)
    if block:
        out.append("\x00")


def element_text(sel):
    """Block-aware text: whitespace runs collapsed, "\\n\\n" between blocks, "\\n" for <br>, trimmed."""
    out = []
    _walk(sel.root, out)
    pieces = []
    for s in "".join(out).split("\x00"):
        lines = [WS.sub(" ", line).strip() for line in s.split("\x01")]
        text = "\n".join(line for line in lines if line)
        if text:
            pieces.append(text)
    return "\n\n".join(pieces)


# --- values -----------------------------------------------------------------------------------------
DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
COUNT_RE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(万|w|W|k|K|千)?")


def parse_count(s):
    m = COUNT_RE.search(s)
    if not m:
        return None
    n = float(m.group(1).replace(",", ""))
    mult = {"万": 10_000, "w": 10_000, "W": 10_000, "k": 1_000, "K": 1_000, "千": 1_000}.get(m.group(2), 1)
    return int(round(n * mult))


def parse_date(s):
    m = DATE_RE.search(s)
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def parse_datetime(s):
    d = parse_date(s)
    if d is None:
        return None
    t = TIME_RE.search(s[DATE_RE.search(s).end():])
    hh, mm, ss = (int(t.group(1)), int(t.group(2)), int(t.group(3) or 0)) if t else (0, 0, 0)
    return f"{d}T{hh:02d}:{mm:02d}:{ss:02d}+08:00"  # the site's time zone, Asia/Shanghai


def apply_rule(scope, response, css, opts):
    """The value of one field rule in `scope`, or None when missing."""
    matches = scope.css(css)
    if opts.get("attr"):
        strings = [v.strip() for v in matches.xpath("@" + opts["attr"]).getall()]
    else:
        strings = [element_text(m) for m in matches]
    if not opts.get("all"):
        strings = strings[:1]
    if "regex" in opts:
        rx = re.compile(opts["regex"])
        kept = []
        for s in strings:
            m = rx.search(s)
            if m:
                kept.append(m.group(1) if rx.groups else m.group(0))
        strings = kept
    t = opts.get("type", "text")
    values = []
    for s in strings:
        if t == "count":
            v = parse_count(s)
        elif t == "date":
            v = parse_date(s)
        elif t == "datetime":
            v = parse_datetime(s)
        elif t == "url":
            v = response.urljoin(s) if s else None
        else:
            v = s
        if v is not None and v != "":
            values.append(v)
    if opts.get("all"):
        if "join" in opts:
            return opts["join"].join(values) if values else None
        return values
    return values[0] if values else opts.get("default")


def extract_record(scope, response, kind, fields, extra, lists, path, failures):
    record = {"type": kind}
    for name, css, opts in fields:
        value = apply_rule(scope, response, css, opts)
        if value is None and opts.get("required"):
            failures.append({"path": path + name, "reason": "required field is missing"})
        record[name] = value
    record["extra"] = {name: apply_rule(scope, response, css, opts) for name, css, opts in extra}
    for list_name, list_css, item_kind, item_fields, item_extra in lists:
        items = []
        for n, item in enumerate(scope.css(list_css)):
            items.append(extract_record(item, response, item_kind, item_fields, item_extra, [],
                                        f"{path}{list_name}[{n}].", failures))
        record[list_name] = items
    return record


# --- links ------------------------------------------------------------------------------------------
def normalize_url(url):
    """Scheme and host lower-cased, default port and fragment dropped, strip_params removed."""
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    if netloc.endswith(":80") and parts.scheme.lower() == "http":
        netloc = netloc[:-3]
    query = parts.query
    if query:
        pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                 if not any(p.match(k) for p in STRIP_PARAMS)]
        query = urlencode(pairs)
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))


def page_type_of(url):
    for name, rx, priority in PAGE_TYPES:
        if rx.search(url):
            return name, priority
    return "", 0


# --- plumbing: loopback only ---------------------------------------------------------------------------
@implementer(IResolverSimple)
class LoopbackResolver:
    """Answers 127.0.0.1 for every name: even a request that escaped the proxy stays on this machine."""

    def __init__(self, reactor):
        self.reactor = reactor

    @classmethod
    def from_crawler(cls, crawler, reactor):
        return cls(reactor)

    def install_on_reactor(self):
        self.reactor.installResolver(self)

    def getHostByName(self, name, timeout=None):
        return defer.succeed("127.0.0.1")


class LoopbackProxyMiddleware:
    """Sends every request (robots.txt too) to the bench nginx (the spider's `port` argument) as an
    HTTP proxy request; drops any request for another scheme or host."""

    def process_request(self, request, spider):
        parts = urlsplit(request.url)
        if parts.scheme != "http" or parts.hostname != SITE_HOST:
            raise IgnoreRequest(f"not the bench site: {request.url}")
        request.meta["proxy"] = spider.bench_proxy


class MfkBenchSpider(scrapy.Spider):
    name = "mfk_bench"
    allowed_domains = ["mfk.com"]
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
        "DOWNLOAD_DELAY": 0,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "USER_AGENT": "scrapy-bench/2.8 (healthcrawl crawl benchmark)",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "FEED_EXPORT_ENCODING": "utf-8",
        "DNS_RESOLVER": "mfk_spider.LoopbackResolver",
        "DOWNLOADER_MIDDLEWARES": {"mfk_spider.LoopbackProxyMiddleware": 100},
    }

    def __init__(self, port="8089", base="http://www.mfk.com", stats_out=None, **kwargs):
        super().__init__(**kwargs)
        self.base = base.rstrip("/")
        self.start_urls = [self.base + "/list/zixun.html"]
        self.stats_out = stats_out
        self.bench_proxy = f"http://127.0.0.1:{int(port)}"

    def start_requests(self):
        # Through the duplicate filter like every other request (Scrapy's default start requests skip
        # it), so the start page is not fetched a second time when a page links back to it.
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse_page, priority=page_type_of(url)[1])

    def parse(self, response):
        return self.parse_page(response)

    def parse_page(self, response):
        stats = self.crawler.stats
        if not isinstance(response, scrapy.http.HtmlResponse):
            return
        response = self._with_page_charset(response)
        url = normalize_url(response.url)
        page_type, _ = page_type_of(url)
        stats.inc_value(f"bench/pages/{page_type or 'other'}")
        stats.inc_value("bench/pages")
        if page_type in RECORDS:
            fields, extra, lists = RECORDS[page_type]
            failures = []
            record = extract_record(response, response, page_type, fields, extra, lists, "", failures)
            if failures:
                stats.inc_value("bench/failed_pages")
            yield {"url": response.url, "site": "mfk-bench", "page_type": page_type,
                   "records": [record], "failures": failures}
        seen = set()
        for href in response.css("a::attr(href), area::attr(href)").getall():
            href = href.strip()
            if not href or href.lower().startswith(("javascript:", "mailto:", "tel:", "data:")):
                continue
            link = normalize_url(response.urljoin(href))
            if link in seen or not any(r.search(link) for r in FOLLOW_ALLOW) \
                    or any(r.search(link) for r in FOLLOW_DENY):
                continue
            seen.add(link)
            yield response.follow(link, callback=self.parse_page, priority=page_type_of(link)[1])

    @staticmethod
    def _with_page_charset(response):
        # A header charset the body does not decode with loses to the page's own declaration.
        declared = html_body_declared_encoding(response.body)
        if declared and declared.replace("-", "") != response.encoding.replace("-", ""):
            try:
                response.body.decode(response.encoding)
            except (UnicodeDecodeError, LookupError):
                return response.replace(encoding=declared)
        return response

    def closed(self, reason):
        if self.stats_out:
            stats = {k: (v if isinstance(v, (int, float, str)) else str(v))
                     for k, v in self.crawler.stats.get_stats().items()}
            stats["finish_reason"] = reason
            with open(self.stats_out, "w", encoding="utf-8") as f:
                json.dump(stats, f, indent=1, sort_keys=True)
