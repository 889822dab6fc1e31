#!/usr/bin/env python3
"""Makes the churn example spans: generated customers, so they ship under the project's licence.
Deterministic (a seeded generator): running it again gives the same bytes.

Each customer has a tenure, a monthly spend, support tickets, a plan and a region; whether they
churned is drawn from a known logistic model (long tenure and the pro plan keep customers, support
tickets and high spend lose them), so a classifier has something real to learn.

  span-1.csv, span-2.csv  5,000 customers each, the same population
  span-3.csv              5,000 customers after a 15 % price rise (spend x1.15): drift of about
                          0.4 standard deviations, enough for a retraining trigger
                          (pipeline-retrain.yaml, drift_above 0.2), not for validation (0.5)
  span-drifted.csv        5,000 customers of a new, costlier offer: monthly spend ~2.5x, tenure
                          a third, more tickets: a real shift in the data's distribution (blocked
                          at validation as drift against the champion's training span)
  span-broken.csv         span 2 without the `support_tickets` column: a schema break

Usage: python3 examples/churn/make_spans.py
"""
import math, os, random

here = os.path.dirname(os.path.abspath(__file__))
HEADER = ["tenure_months", "monthly_spend", "support_tickets", "plan", "region", "churned"]


def customers(seed, n, spend_scale=1.0, tenure_scale=1.0, extra_tickets=0):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        tenure = rng.uniform(0, 60) * tenure_scale
        spend = (20 + rng.uniform(0, 80)) * spend_scale
        tickets = int(rng.random() * rng.random() * 8) + extra_tickets
        plan = rng.choice(["basic", "plus", "pro"])
        region = rng.choice(["north", "south", "east", "west"])
        z = 1.5 - 0.12 * tenure + 0.03 * spend + 0.9 * tickets - (1.5 if plan == "pro" else 0) + rng.gauss(0, 0.3)
        churned = "yes" if rng.random() < 1 / (1 + math.exp(-z)) else "no"
        rows.append([f"{tenure:.1f}", f"{spend:.2f}", str(tickets), plan, region, churned])
    return rows


def write(name, header, rows):
    with open(os.path.join(here, name), "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")


span2 = customers(2, 5000)
write("span-1.csv", HEADER, customers(1, 5000))
write("span-2.csv", HEADER, span2)
write("span-3.csv", HEADER, customers(4, 5000, spend_scale=1.15))
write("span-drifted.csv", HEADER, customers(3, 5000, spend_scale=2.5, tenure_scale=1 / 3, extra_tickets=2))
write("span-broken.csv", [h for h in HEADER if h != "support_tickets"], [r[:2] + r[3:] for r in span2])
