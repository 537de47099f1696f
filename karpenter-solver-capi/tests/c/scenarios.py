"""Turns scenario files into inputs for the CLI and the C test.

    python3 scenarios.py OUTDIR FILE...

A FILE is either a snapshot, or a scenario of testdata/ (top-level keys `snapshot`, and
optionally `catalog` and `now`, beside `description`, `expect`, ...). For each FILE this writes
OUTDIR/N.snapshot (and OUTDIR/N.catalog when the scenario has one) and prints one line:
FILE <tab> SNAPSHOT <tab> CATALOG-or-"-" <tab> NOW-or-"-" (the scenario's RFC 3339 `now`).

The standard library has no YAML parser, so a key's value is cut from the text: the lines after
`key:` up to the next top-level key, de-indented (a block mapping, a block sequence, or a `|`
literal). A value cut wrongly only makes an input the CLI rejects, and ci.sh skips those; the
CLI and the C API always read the same bytes.
"""

import os
import re
import sys


def extract(text, key):
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        m = re.match(re.escape(key) + r":(.*)$", line.rstrip("\r\n"))
        if m:
            break
    else:
        return None
    rest = m.group(1).split(" #")[0].strip()
    if rest and not rest.startswith(("|", "#")):
        return rest + "\n"  # a flow value on the key's line: `catalog: []`
    body = []
    for line in lines[i + 1 :]:
        if re.match(r"[A-Za-z_\"']", line):
            break
        body.append(line)
    indents = [len(l) - len(l.lstrip(" ")) for l in body if l.strip()]
    cut = min(indents, default=0)
    return "".join(l[cut:] if l.strip() else "\n" for l in body)


def main():
    outdir, files = sys.argv[1], sys.argv[2:]
    for n, path in enumerate(files):
        text = open(path, encoding="utf-8", errors="surrogateescape").read()
        snapshot = extract(text, "snapshot")
        if snapshot is None:
            print(f"{path}\t{path}\t-\t-")
            continue
        snapshot_path = os.path.join(outdir, f"{n}.snapshot")
        with open(snapshot_path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(snapshot)
        catalog = extract(text, "catalog")
        catalog_path = "-"
        if catalog is not None:
            catalog_path = os.path.join(outdir, f"{n}.catalog")
            with open(catalog_path, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(catalog)
        now = (extract(text, "now") or "").strip().strip("'\"") or "-"
        print(f"{path}\t{snapshot_path}\t{catalog_path}\t{now}")


if __name__ == "__main__":
    main()
