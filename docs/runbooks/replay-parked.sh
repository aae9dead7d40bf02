#!/usr/bin/env bash
# Replays one parked notification without the CLI: sends its stored envelope back to the
# processing queue, then deletes the parked item. It stops at the first failure, so the item is
# deleted only after SQS accepted the copy, and it passes the envelope as a file, so envelopes of
# up to 200 KiB work. Needs the AWS CLI and jq. Run it after the cause is fixed (docs/operations.md).
#
#   docs/runbooks/replay-parked.sh "<TableName>" "<QueueUrl>" "<sk from the parked list>"
#
# test/e2e/runbooks.test.ts runs this file against the local pipeline.
set -euo pipefail
if [ "$#" -ne 3 ]; then
  echo "usage: $0 <TableName> <QueueUrl> <sk from the parked list>" >&2
  exit 2
fi
table="$1" queue="$2" sk="$3"
key="$(jq -cn --arg sk "$sk" '{pk:{S:"PARKED"},sk:{S:$sk}}')"
body="$(mktemp)"
trap 'rm -f "$body"' EXIT
aws dynamodb get-item --consistent-read --table-name "$table" --key "$key" --output json \
  | jq -ej '.Item.envelope.S' > "$body"
aws sqs send-message --queue-url "$queue" --message-body "file://$body" > /dev/null
aws dynamodb delete-item --table-name "$table" --key "$key"
echo "replayed $sk"
