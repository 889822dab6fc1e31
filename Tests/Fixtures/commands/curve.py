"""A training loop with a known learning curve, standard library only (docs/pipelines.md, "Sweeps").

    python3 curve.py QUALITY STEPS PAUSE_SECONDS

reports `score = QUALITY · (1 − 1/(step+1))` at steps 1…STEPS through $DROVER_METRICS, pausing
between steps like a training epoch, then writes model.json to $DROVER_OUTPUT_DIR.
"""

import json
import os
import sys
import time

quality, steps, pause = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
with open(os.environ["DROVER_METRICS"], "a") as metrics:
    for step in range(1, steps + 1):
        metrics.write(json.dumps({"metric": "score", "value": quality * (1 - 1 / (step + 1)), "step": step}) + "\n")
        metrics.flush()
        print(f"step {step}", flush=True)
        time.sleep(pause)
with open(os.path.join(os.environ["DROVER_OUTPUT_DIR"], "model.json"), "w") as out:
    json.dump({"quality": quality}, out)
