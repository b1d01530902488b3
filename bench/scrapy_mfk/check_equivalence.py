"""Checks that the Scrapy peer extracts what healthcrawl extracts: runs `healthcrawl extract` with the
bench config on every page the spider wrote an item for (with the Content-Type nginx serves it with)
and compares the records field by field.

    /usr/bin/python3 bench/scrapy_mfk/check_equivalence.py SITE_DIR ITEMS.jsonl [--hc PATH] [--limit N]

SITE_DIR is gen_site's --out folder, ITEMS.jsonl the spider's feed. Exit status 0 when every record is
identical, 1 otherwise (the differing fields are listed).
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def diff(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            diff(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and a and isinstance(a[0], dict):
        for x, y in zip(a, b):
            diff(x, y, path + "[]", out)
    elif a != b:
        out.append((path, a, b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("items")
    ap.add_argument("--hc", default=str(REPO / "build" / "healthcrawl"))
    ap.add_argument("--limit", type=int, default=0, help="check the first N items only")
    args = ap.parse_args()
    site = Path(args.site)
    base = json.loads((site / "manifest.json").read_text(encoding="utf-8"))["base"]
    charsets = {}
    for line in (site / "charset.map").read_text(encoding="ascii").splitlines():
        if line.strip():
            path, cs = line.split()
            charsets[path] = cs.rstrip(";")
    items = [json.loads(line) for line in open(args.items, encoding="utf-8") if line.strip()]
    if args.limit:
        items = items[:args.limit]
    differing, by_field = 0, {}
    for item in items:
        url = item["url"]
        path = url[len(base):]
        cs = charsets.get(path, "utf-8")
        content_type = "text/html" if cs == "off" else f"text/html; charset={cs}"
        run = subprocess.run([args.hc, "--selectors", str(REPO / "bench"), "--log-level", "error", "extract",
                              "--site", "mfk-bench", "--url", url, "--content-type", content_type,
                              str(site / "www" / path.lstrip("/"))], capture_output=True, text=True)
        if not run.stdout:
            sys.exit(f"check_equivalence: healthcrawl extract failed on {url}: {run.stderr.strip()}")
        page = json.loads(run.stdout)
        out = []
        diff(page["records"], item["records"], "records", out)
        diff(page["failures"], item["failures"], "failures", out)
        if out:
            differing += 1
        for field, a, b in out:
            by_field.setdefault(field, []).append((url, a, b))
    print(f"{len(items)} items, {differing} differ from healthcrawl extract")
    for field, cases in by_field.items():
        url, a, b = cases[0]
        print(f"  {field}: {len(cases)} pages, e.g. {url}: healthcrawl {str(a)[:80]!r} scrapy {str(b)[:80]!r}")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
