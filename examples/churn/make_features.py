"""Writes customer_activity.csv: monthly snapshots of 200 customers (deterministic), the source
of the churn_features view in features.yaml. Some customers stop having snapshots early, so
their online value goes stale after the view's TTL."""
import csv
import random
from datetime import datetime, timedelta, timezone

rng = random.Random(12)
start = datetime(2026, 1, 1, tzinfo=timezone.utc)
with open("customer_activity.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["customer_id", "event_time", "monthly_spend", "support_tickets", "plan"])
    for customer in range(1, 201):
        months = rng.randint(2, 10)
        plan = rng.choice(["basic", "plus", "pro"])
        for m in range(months):
            t = start + timedelta(days=30 * m, hours=rng.randint(0, 48))
            w.writerow([customer, t.strftime("%Y-%m-%dT%H:%M:%SZ"), round(rng.uniform(10, 120), 2), rng.randint(0, 5), plan])
