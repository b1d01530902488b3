#!/usr/bin/env python3
"""Checks the include graph between the stages of src/ against the graph CMakeLists.txt declares.

The stage libraries all put src/ on the include path, so the compiler and the linker accept any
`#include "stage/..."`; this check is what keeps the stages layered. CMakeLists.txt declares, once, for
each stage the stages it may use (hc_stage's DEPS) and its public headers (hc_stage's HEADERS); CTest
runs this script with that graph (tests/CMakeLists.txt, test `arch.include_graph`). It fails, naming
file:line, when a file in src/<a>/ includes
  * a header of a stage <b> that <a> does not declare (a wrong-way or undeclared dependency), or
  * a header of another stage that is not one of that stage's public headers (for example *_internal.h);
and when a public header names sqlite3 outside a comment (store's SQLite is an implementation detail:
docs/ARCHITECTURE.md), or when the stage table of docs/ARCHITECTURE.md names other public headers or
other upstream stages than the declared graph.

Usage:
  include_graph.py --root DIR --stage NAME:DEP,DEP:HEADER,HEADER ... [--docs FILE]
  include_graph.py --self-test
HEADER is a path relative to src/ (core/status.h). A stage with no public headers (cli) leaves the
third field empty.
"""

import argparse
import os
import re
import sys
import tempfile

# `#include "x/y.h"` with any spacing; angle-bracket includes are system or third-party headers.
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SOURCE_SUFFIXES = (".h", ".cc")


class Stage:
    def __init__(self, name, deps, headers):
        self.name = name
        self.deps = set(deps)
        self.headers = set(headers)


def parse_stage(text):
    parts = text.split(":")
    if len(parts) != 3 or not parts[0]:
        raise ValueError(f"--stage {text!r}: expected NAME:DEP,DEP:HEADER,HEADER")
    split = lambda s: [x for x in s.split(",") if x]
    return Stage(parts[0], split(parts[1]), split(parts[2]))


def strip_comment(line):
    # Enough for the public headers: a // comment to the end of the line, and /* */ on one line.
    line = re.sub(r"/\*.*?\*/", "", line)
    return line.split("//", 1)[0]


def check_sources(root, stages):
    """Returns the violations in root/src, each "src/<stage>/<file>:<line>: <why>"."""
    problems = []
    src = os.path.join(root, "src")
    for folder in sorted(os.listdir(src)):
        path = os.path.join(src, folder)
        if not os.path.isdir(path):
            continue
        if folder not in stages:
            problems.append(f"src/{folder}: a folder of src/ that is not a declared stage")
            continue
        stage = stages[folder]
        for dirpath, _, files in os.walk(path):
            for name in sorted(files):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root)
                with open(full, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m or "/" not in m.group(1):
                            continue
                        header = m.group(1)
                        target = header.split("/", 1)[0]
                        if target == stage.name:
                            continue
                        if target not in stages:
                            problems.append(f"{rel}:{number}: includes {header}, not a header of a stage")
                        elif target not in stage.deps:
                            allowed = ", ".join(sorted(stage.deps)) or "no other stage"
                            problems.append(f"{rel}:{number}: {stage.name} includes {header}, but "
                                            f"{stage.name} may use only {allowed}")
                        elif header not in stages[target].headers:
                            public = ", ".join(sorted(stages[target].headers)) or "none"
                            problems.append(f"{rel}:{number}: {stage.name} includes {header}, which is "
                                            f"internal to {target} (its public headers: {public})")
    for stage in stages.values():
        for header in sorted(stage.headers):
            full = os.path.join(src, header)
            if not os.path.isfile(full):
                problems.append(f"src/{header}: declared a public header of {stage.name}, but missing")
                continue
            with open(full, encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    if re.search(r"\bsqlite3", strip_comment(line)):
                        problems.append(f"src/{header}:{number}: a public header names sqlite3")
    return problems


def check_docs(path, stages):
    """The stage table of docs/ARCHITECTURE.md: | stage | public headers | owns | depends on |."""
    problems = []
    rows = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("|") and len(cells) == 4 and cells[0] in stages:
                rows[cells[0]] = (number, cells)
    rel = os.path.basename(os.path.dirname(path)) + "/" + os.path.basename(path)
    for name, stage in sorted(stages.items()):
        if name not in rows:
            problems.append(f"{rel}: the stage table has no row for {name}")
            continue
        number, cells = rows[name]
        headers = set(re.findall(r"`([a-z_]+/[a-z_]+\.h)`", cells[1]))
        if headers != stage.headers:
            problems.append(f"{rel}:{number}: {name}'s public headers are {sorted(stage.headers)}, "
                            f"the table says {sorted(headers)}")
        deps = {w for w in re.findall(r"[a-z_]+", cells[3]) if w in stages and w != name}
        if deps != stage.deps:
            problems.append(f"{rel}:{number}: {name} may use {sorted(stage.deps)}, "
                            f"the table says {sorted(deps)}")
    return problems


def run(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--root", help="the source tree (the folder holding src/)")
    parser.add_argument("--stage", action="append", default=[], type=parse_stage)
    parser.add_argument("--docs", help="docs/ARCHITECTURE.md, whose stage table must match")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.root or not args.stage:
        parser.error("--root and at least one --stage are required")
    stages = {s.name: s for s in args.stage}
    for stage in stages.values():
        for dep in stage.deps:
            if dep not in stages:
                parser.error(f"stage {stage.name} depends on {dep}, which is not a declared stage")
    problems = check_sources(args.root, stages)
    if args.docs:
        problems += check_docs(args.docs, stages)
    for p in problems:
        print(p)
    if problems:
        print(f"include graph: {len(problems)} problem(s); the allowed graph is hc_stage's DEPS and "
              "HEADERS in CMakeLists.txt")
        return 1
    print(f"include graph: {len(stages)} stages, every include between them declared")
    return 0


def self_test():
    """The checker on a small tree with one violation of each kind, and on a clean one."""
    stages = {s.name: s for s in map(parse_stage, [
        "core::core/status.h",
        "html:core:html/html.h",
        "store:core:store/store.h",
        "crawl:core,html,store:crawl/crawl.h",
        "cli:core,crawl,store:",
    ])}
    files = {
        "src/core/status.h": "#pragma once\n",
        "src/html/html.h": '#pragma once\n#include "core/status.h"\n',
        # sqlite3 in a comment is fine; as a type it is not.
        "src/store/store.h": "// sqlite3 lives in store/*.cc\nstruct sqlite3;\n",
        "src/store/store_internal.h": "#pragma once\n",
        "src/store/a.cc": '#include "store/store_internal.h"\n#  include "html/html.h"\n',
        "src/crawl/crawl.h": '#include <sqlite3.h>\n#include "store/store.h"\n',
        "src/crawl/b.cc": '#include "crawl/crawl.h"\n\n#include "store/store_internal.h"\n',
        "src/cli/main.cc": '#include "crawl/crawl.h"\n#include "html/html.h"\n#include "json.hpp"\n',
    }
    expected = [
        "src/cli/main.cc:2: cli includes html/html.h, but cli may use only core, crawl, store",
        "src/crawl/b.cc:3: crawl includes store/store_internal.h, which is internal to store "
        "(its public headers: store/store.h)",
        "src/store/a.cc:2: store includes html/html.h, but store may use only core",
        "src/store/store.h:2: a public header names sqlite3",
        "src/crawl/crawl.h:1: a public header names sqlite3",
    ]
    failures = []
    with tempfile.TemporaryDirectory() as root:
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
                f.write(text)
        got = check_sources(root, stages)
        if got != expected:
            failures.append("violations:\n  got      %s\n  expected %s" % ("\n           ".join(got),
                                                                          "\n           ".join(expected)))
        # The same tree with the violations removed is clean.
        for rel, text in [("src/cli/main.cc", '#include "crawl/crawl.h"\n'),
                          ("src/crawl/b.cc", '#include "store/store.h"\n'),
                          ("src/store/a.cc", '#include "store/store_internal.h"\n'),
                          ("src/store/store.h", "// sqlite3 lives in store/*.cc\n"),
                          ("src/crawl/crawl.h", '#include "store/store.h"\n')]:
            with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
                f.write(text)
        got = check_sources(root, stages)
        if got:
            failures.append("clean tree reported: %s" % got)
        # A folder that is not a stage is reported rather than skipped.
        os.makedirs(os.path.join(root, "src", "extra"))
        got = check_sources(root, stages)
        if got != ["src/extra: a folder of src/ that is not a declared stage"]:
            failures.append("undeclared folder: %s" % got)

        docs = os.path.join(root, "docs", "ARCHITECTURE.md")
        os.makedirs(os.path.dirname(docs))
        with open(docs, "w", encoding="utf-8") as f:
            f.write("| stage | public header | what it owns | depends on |\n| --- | --- | --- | --- |\n"
                    "| core | `core/status.h` | Status | date/tz, ICU |\n"
                    "| html | `html/html.h` | the parsed page | core, Gumbo |\n"
                    "| store | `store/store.h`, `store/store_internal.h` | rows | core, SQLite |\n"
                    "| crawl | `crawl/crawl.h` | the loop | core, html |\n")
        got = check_docs(docs, {k: v for k, v in stages.items() if k != "extra"})
        expected_docs = [
            "docs/ARCHITECTURE.md: the stage table has no row for cli",
            "docs/ARCHITECTURE.md:6: crawl may use ['core', 'html', 'store'], the table says ['core', 'html']",
            "docs/ARCHITECTURE.md:5: store's public headers are ['store/store.h'], the table says "
            "['store/store.h', 'store/store_internal.h']",
        ]
        if got != expected_docs:
            failures.append("docs:\n  got      %s\n  expected %s" % (got, expected_docs))
    for f in failures:
        print("self-test failed: " + f)
    if not failures:
        print("self-test: every kind of violation reported with file:line; a clean tree passes")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
