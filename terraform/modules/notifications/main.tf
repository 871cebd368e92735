# Two topics: `notifications` carries what the functions publish (the
# `Notification` type, with `severity`, `source`, `environment` and `resource`
# message attributes for filter policies); `alarms` is the action of the
# CloudWatch alarms (DLQ depth, function errors), which dlq-processor hears.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  severities = {
    WARNING  = ["WARNING", "ERROR", "CRITICAL"]
    ERROR    = ["ERROR", "CRITICAL"]
    CRITICAL = ["CRITICAL"]
  }
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
}

# CloudWatch alarms publish to the encrypted alarm topic; nothing publishes
# to either topic through EventBridge, so events.amazonaws.com gets no use.
module "key" {
  source = "../kms-key"

  description        = "${var.name}: SNS notification and alarm topics"
  alias              = "${var.name}-topics"
  service_principals = ["cloudwatch.amazonaws.com"]
  tags               = var.tags
}

resource "aws_sns_topic" "notifications" {
  name              = "${var.name}-notifications"
  kms_master_key_id = module.key.arn
  tags              = var.tags
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = module.key.arn
  tags              = var.tags
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "AccountManages"
    actions   = ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }
  }

  statement {
    sid       = "AlarmsOfThisAccountPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.email_addresses)

  topic_arn = aws_sns_topic.notifications.arn
  protocol  = "email"
  endpoint  = each.value
  filter_policy = jsonencode({
    severity = local.severities[var.email_min_severity]
  })
}

resource "aws_sns_topic_subscription" "chat" {
  count = var.chat_sink == null ? 0 : 1

  topic_arn            = aws_sns_topic.notifications.arn
  protocol             = var.chat_sink.protocol
  endpoint             = var.chat_sink.endpoint
  raw_message_delivery = var.chat_sink.protocol == "sqs"
}
