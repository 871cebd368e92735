"""The Python way, for `make bench`: minimal handlers on awslambdaric and
boto3 that create the same SDK clients as each Rust function and make the
same first call, so the cold start and memory of the two are compared on the
same machine, against the same emulator, in the same run."""

import json
import os

import boto3

_TOPIC = os.environ["NOTIFY_TOPIC_ARN"]


def _clients(*names):
    return {name: boto3.client(name) for name in names}


# Created at import time, as a Python Lambda does to reuse them when warm.
if os.environ["BENCH_FUNCTION"] == "scaling-notifier":
    C = _clients("sns")
elif os.environ["BENCH_FUNCTION"] == "scaling-scheduler":
    C = _clients("ecs", "autoscaling", "application-autoscaling", "rds", "sns")
elif os.environ["BENCH_FUNCTION"] == "dlq-processor":
    C = _clients("sqs", "sns")
elif os.environ["BENCH_FUNCTION"] == "secret-rotator":
    C = _clients("secretsmanager", "sns")
else:
    C = _clients("backup", "rds", "ec2", "secretsmanager", "sns")


def scaling_notifier(event, context):
    C["sns"].publish(TopicArn=_TOPIC, Subject="bench", Message=json.dumps(event))
    return {"sent": 1}


def scaling_scheduler(event, context):
    return {"clusters": C["ecs"].list_clusters()["clusterArns"]}


def dlq_processor(event, context):
    url = C["sqs"].get_queue_url(QueueName=event["queue"])["QueueUrl"]
    attrs = C["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    return {"queue": url, "visible": attrs["Attributes"]["ApproximateNumberOfMessages"]}


def secret_rotator(event, context):
    d = C["secretsmanager"].describe_secret(SecretId=event["SecretId"])
    return {"rotation": d.get("RotationEnabled", False)}


def backup_verifier(event, context):
    return {"instances": len(C["rds"].describe_db_instances()["DBInstances"])}
