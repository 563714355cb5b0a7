#!/usr/bin/env bash
# Create earlywarn's topics on a Kafka cluster, idempotently, with their configs.
# Runs where Kafka's CLI is (the apache/kafka image: /opt/kafka/bin). Environment:
#   BOOTSTRAP    host:port[,host:port]        (required)
#   PARTITIONS   partitions of every co-partitioned topic   (default 12)
#   REPLICATION  replication factor                          (default 3)
#   COUNTRIES    jurisdictions with a regulator topic        (default "TH MY ID PH VN SG")
#   APP_ID       the workers' app id (changelog topics)      (default earlywarn)
# Partition counts of existing topics are never changed (that would move keys between
# partitions and split entity state); see deploy/README.md "Topics".
set -euo pipefail
: "${BOOTSTRAP:?set BOOTSTRAP=host:port}"
PARTITIONS="${PARTITIONS:-12}"
REPLICATION="${REPLICATION:-3}"
COUNTRIES="${COUNTRIES:-TH MY ID PH VN SG}"
KAFKA_BIN="${KAFKA_BIN:-/opt/kafka/bin}"
MIN_ISR=$(( REPLICATION >= 3 ? 2 : 1 ))
DAY=86400000

create() {  # name partitions config...
  local name="$1" parts="$2"; shift 2
  local args=()
  for c in "min.insync.replicas=${MIN_ISR}" "$@"; do args+=(--config "$c"); done
  "${KAFKA_BIN}/kafka-topics.sh" --bootstrap-server "${BOOTSTRAP}" --create --if-not-exists \
    --topic "${name}" --partitions "${parts}" --replication-factor "${REPLICATION}" "${args[@]}"
}

# Inputs: keyed by caller / sender / payer_account; co-partitioned with each other.
for t in telco.cdr telco.sms payments.events; do
  create "$t" "${PARTITIONS}" "cleanup.policy=delete" "retention.ms=$((7 * DAY))"
done
# Labels and shared intel: the latest value per key is what counts -> compacted.
create earlywarn.labels "${PARTITIONS}" "cleanup.policy=compact" "min.compaction.lag.ms=$((1 * DAY))"
create earlywarn.intel "${PARTITIONS}" "cleanup.policy=compact" "min.compaction.lag.ms=$((1 * DAY))"
# Internal re-keyed payee side of each payment: only needs to outlive a worker outage.
create earlywarn.payments.by-payee "${PARTITIONS}" "cleanup.policy=delete" "retention.ms=$((3 * DAY))"
# Outputs.
create earlywarn.alerts.operators "${PARTITIONS}" "cleanup.policy=delete" "retention.ms=$((30 * DAY))"
for cc in ${COUNTRIES}; do
  create "earlywarn.alerts.regulators.${cc}" "${PARTITIONS}" "cleanup.policy=delete" "retention.ms=$((30 * DAY))"
done
create earlywarn.deadletter "${PARTITIONS}" "cleanup.policy=delete" "retention.ms=$((14 * DAY))"

"${KAFKA_BIN}/kafka-topics.sh" --bootstrap-server "${BOOTSTRAP}" --list | grep -E '^(telco|payments|earlywarn)' || true
