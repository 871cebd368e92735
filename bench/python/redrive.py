"""What the emulator sustains for a redrive's calls made back to back by the
Python client: receive 10, send them as one batch, delete them as one batch,
until the DLQ is empty. Prints messages moved and seconds taken."""

import sys
import time

import boto3

dlq_url, target_url = sys.argv[1], sys.argv[2]
sqs = boto3.client("sqs")
moved = 0
start = time.perf_counter()
while True:
    got = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    messages = got.get("Messages", [])
    if not messages:
        break
    sqs.send_message_batch(
        QueueUrl=target_url,
        Entries=[{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(messages)],
    )
    sqs.delete_message_batch(
        QueueUrl=dlq_url,
        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
    )
    moved += len(messages)
print(moved, time.perf_counter() - start)
