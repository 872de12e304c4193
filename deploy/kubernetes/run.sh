#!/usr/bin/env bash
# Runs an exploration on the cluster kubectl points at: the results volume, the scenario as a
# ConfigMap, the Indexed Job, then the merge once the Job is complete; prints the merged report.
#   run.sh SCENARIO.json
set -euo pipefail
here=$(dirname "$(realpath "$0")")
kubectl apply -f "$here/results-pvc.yaml"
kubectl create configmap pipesim-scenarios --from-file=scenario.json="$1" --dry-run=client -o yaml |
  kubectl apply -f -
kubectl delete job pipesim-explore pipesim-merge --ignore-not-found
kubectl apply -f "$here/explore-job.yaml"
kubectl wait --for=condition=complete --timeout=24h job/pipesim-explore
kubectl apply -f "$here/merge-job.yaml"
kubectl wait --for=condition=complete --timeout=1h job/pipesim-merge ||
  kubectl wait --for=condition=failed --timeout=1m job/pipesim-merge || true
kubectl logs job/pipesim-merge
