#!/bin/sh
# Registers status-reconciler's custom search attributes (workflows/search-attributes.ts) on a Temporal
# namespace. Idempotent: attributes that already exist with the same type are left alone; one that exists
# with another type is an error. Run it once per namespace before the first worker starts (a workflow that
# sets an unregistered search attribute fails its workflow task).
#
# Needs the Temporal CLI (`temporal`, as in the temporalio/admin-tools image) and takes the connection from
# the CLI's own environment variables: TEMPORAL_ADDRESS (host:port), TEMPORAL_NAMESPACE (default "default"),
# and for TLS or Temporal Cloud TEMPORAL_TLS=true, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH,
# TEMPORAL_API_KEY.
#
#   TEMPORAL_ADDRESS=temporal.example.com:7233 TEMPORAL_NAMESPACE=prow sh register-search-attributes.sh
set -eu

namespace="${TEMPORAL_NAMESPACE:-default}"
attempts="${REGISTER_ATTEMPTS:-60}"

# A fresh server registers its default namespace a few seconds after it starts: wait for it.
i=0
until temporal operator namespace describe --namespace "$namespace" >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge "$attempts" ]; then
    echo "register-search-attributes: namespace $namespace not reachable at ${TEMPORAL_ADDRESS:-127.0.0.1:7233}" >&2
    exit 1
  fi
  sleep 2
done

temporal operator search-attribute create --namespace "$namespace" \
  --name ConfigRevision --type Keyword \
  --name BaselineRevision --type Keyword \
  --name ReconcileState --type Keyword \
  --name ReconcileRepositories --type KeywordList

temporal operator search-attribute list --namespace "$namespace"
