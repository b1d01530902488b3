#!/usr/bin/python3
"""How much of Gumbo's parse goes to the contents of <script> and <style> (issue 12, Speed).

    /usr/bin/python3 bench/raw_text_share.py SITE_DIR OUT_DIR
    build-release/bench/gumbo_ceiling SITE_DIR/www; build-release/bench/gumbo_ceiling OUT_DIR/www

Copies a generated site's pages (SITE_DIR/www, as bench/gen_site.py writes it) to OUT_DIR/www with the
text inside every <script> and <style> element removed (the tags and their attributes stay) and prints
the bytes before and after. gumbo_ceiling over both copies then says what share of Gumbo's parse time
those contents take. This is a measurement, not a parser: the regex is right for the generator's pages
(no "</script" inside a script, no <svg>), not for every page.
"""
import os
import re
import sys

RAW_TEXT = re.compile(rb"(<(script|style)\b[^>]*>).*?(</\2\s*>)", re.S | re.I)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src = os.path.join(sys.argv[1], "www")
    dst = os.path.join(sys.argv[2], "www")
    before = after = pages = 0
    for root, _, files in os.walk(src):
        for name in files:
            if not name.endswith(".html"):
                continue  # gumbo_ceiling reads the .html files only
            path = os.path.join(root, name)
            body = open(path, "rb").read()
            stripped = RAW_TEXT.sub(lambda m: m.group(1) + m.group(3), body)
            out = os.path.join(dst, os.path.relpath(path, src))
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "wb") as f:
                f.write(stripped)
            pages += 1
            before += len(body)
            after += len(stripped)
    print(f"{pages} pages: {before} bytes, {after} without script and style contents ({100 * after / before:.1f}%)")


if __name__ == "__main__":
    main()
