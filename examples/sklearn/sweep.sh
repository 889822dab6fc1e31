#!/usr/bin/env bash
# Sweeps C over a grid as command jobs and prints the best trial by AUC.
# Needs a coordinator and a worker that runs commands with this directory under its command root:
#   drover coordinator &
#   drover worker --allow-commands --command-root "$(git rev-parse --show-toplevel)" &
#   pip install ./clients/python scikit-learn
#   examples/sklearn/sweep.sh
set -euo pipefail
grid=(0.01 0.1 1.0 10.0)
ids=()
for c in "${grid[@]}"; do
    ids+=("$(drover submit --command --cwd examples/sklearn --json -- python3 train.py --C "$c" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["lastID"])')")
done
best="" best_auc=-1
for id in "${ids[@]}"; do
    drover logs "$id" --follow > /dev/null
    auc=$(drover status "$id" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["metrics"].get("auc", -1) if j["state"] == "succeeded" else -1)')
    echo "job $id: auc $auc"
    if python3 -c "import sys; sys.exit(0 if $auc > $best_auc else 1)"; then best=$id best_auc=$auc; fi
done
echo "best trial: job $best (auc $best_auc); its model: drover status $best --json → outputs[\"model.pkl\"]"
