#!/usr/bin/env python3
"""Makes the example spans from the diamonds fixture (ggplot2's `diamonds`, MIT licence;
see Tests/Fixtures/README.md). Deterministic: the same fixture gives the same bytes.

  span-1.csv, span-2.csv  10,000 rows each, a seeded shuffle of the fixture
  span-drifted.csv        5,000 further rows where the stones are ~1.6x larger (carat, x, y, z
                          scaled) and prices follow: a real shift in the data's distribution
  span-broken.csv         5,000 further rows without the `clarity` column: a schema break

Usage: python3 examples/diamonds/make_spans.py [path/to/diamonds.csv]
"""
import csv, os, random, sys

here = os.path.dirname(os.path.abspath(__file__))
source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "Tests", "Fixtures", "diamonds.csv")
with open(source, newline="") as f:
    reader = csv.reader(f)
    header = next(reader)
    rows = list(reader)
random.Random(20261130).shuffle(rows)

def write(name, head, body):
    with open(os.path.join(here, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(head)
        w.writerows(body)

write("span-1.csv", header, rows[0:10000])
write("span-2.csv", header, rows[10000:20000])
scaled = {"carat": 1.6, "x": 1.17, "y": 1.17, "z": 1.17, "price": 2.2}
drifted = []
for r in rows[20000:25000]:
    out = list(r)
    for name, factor in scaled.items():
        i = header.index(name)
        v = float(r[i]) * factor
        out[i] = str(round(v)) if name == "price" else f"{v:.2f}"
    drifted.append(out)
write("span-drifted.csv", header, drifted)
drop = header.index("clarity")
write("span-broken.csv", [h for i, h in enumerate(header) if i != drop],
      [[v for i, v in enumerate(r) if i != drop] for r in rows[25000:30000]])
