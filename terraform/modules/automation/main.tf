# The five functions, each with its own role, log group, on-failure
# destination and errors alarm. Triggers are in triggers.tf, permissions in
# iam.tf.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.id

  # A function whose zip `make package` has not written gets the placeholder
  # when one is given (the emulator never runs the code); otherwise the
  # missing zip fails the plan, as it should before a real deployment.
  zips = {
    for k in keys(local.functions) : k => (
      var.placeholder_zip == null || fileexists("${var.artifacts_dir}/${k}/bootstrap.zip")
      ? "${var.artifacts_dir}/${k}/bootstrap.zip"
      : var.placeholder_zip
    )
  }

  common_env = {
    NOTIFY_TOPIC_ARN  = var.notify_topic_arn
    ENVIRONMENT       = var.environment
    DRY_RUN           = tostring(var.dry_run)
    METRICS_NAMESPACE = var.metrics_namespace
  }

  # memory (MB), timeout (s), reserved concurrency, in the VPC or not, and
  # the function's own environment.
  functions = {
    "scaling-scheduler" = {
      description = "Scales ECS services, Auto Scaling groups and RDS to zero off-hours and back"
      memory      = 128
      timeout     = 300
      # One run at a time: two overlapping reconciles would race on the same resources.
      concurrency = 1
      vpc         = false
      env = {
        SCHEDULES       = jsonencode(var.schedules)
        STATE_PARAMETER = aws_ssm_parameter.scheduler_told.name
      }
    }
    "dlq-processor" = {
      description = "Inspects and redrives dead-letter queues, rate-limited and FIFO-safe"
      memory      = 128
      timeout     = 300
      concurrency = 2
      vpc         = false
      env         = var.dlq_settings
    }
    "secret-rotator" = {
      description = "Secrets Manager rotation for PostgreSQL, MySQL/MariaDB and application tokens"
      memory      = 128
      timeout     = 60
      concurrency = 5
      vpc         = true
      env         = {}
    }
    "backup-verifier" = {
      description = "Proves backups exist, are fresh, encrypted and restorable"
      memory      = 128
      timeout     = 300
      concurrency = 2
      vpc         = true
      env = merge(
        { BACKUP_TAG_KEY = var.backup_tag_key },
        var.backup_kms_key_arn == null ? {} : { EXPECTED_KMS_KEY_ARN = var.backup_kms_key_arn },
        var.backup_settings,
      )
    }
    "scaling-notifier" = {
      description = "Turns Auto Scaling, ECS and alarm events into notifications"
      memory      = 128
      timeout     = 30
      concurrency = 10
      vpc         = false
      env = merge(
        var.notifier_settings,
        var.slack_webhook_secret_arn == null ? {} : { SLACK_WEBHOOK_SECRET_ARN = var.slack_webhook_secret_arn },
      )
    }
  }
}

# Which standing problems (a listed target that does not exist, a kind the
# role cannot read) scaling-scheduler has already told, so each alerts once
# rather than every run. The function rewrites the value.
resource "aws_ssm_parameter" "scheduler_told" {
  # checkov:skip=CKV2_AWS_34: holds only digests of problem names, nothing secret
  name        = "/${var.name}/scaling-scheduler/told"
  description = "Digests of the standing problems scaling-scheduler has told"
  type        = "String"
  value       = "[]"
  tags        = var.tags

  lifecycle {
    ignore_changes = [value]
  }
}

resource "aws_cloudwatch_log_group" "function" {
  # checkov:skip=CKV_AWS_158: the functions never log secrets (tested); CloudWatch Logs encrypts at rest, a CMK adds cost, not control
  for_each = local.functions

  name              = "/aws/lambda/${var.name}-${each.key}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# Asynchronous invocations (EventBridge, Scheduler, SNS) that fail after
# their retries land here, with the request and the error.
resource "aws_sqs_queue" "failures" {
  name                      = "${var.name}-function-failures"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

data "aws_iam_policy_document" "failures_queue" {
  statement {
    sid       = "RuleAndScheduleDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.failures.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_sqs_queue_policy" "failures" {
  queue_url = aws_sqs_queue.failures.id
  policy    = data.aws_iam_policy_document.failures_queue.json
}

resource "aws_security_group" "functions" {
  name        = "${var.name}-functions"
  description = "secret-rotator and backup-verifier: HTTPS to AWS APIs, database ports inside the VPC"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_egress_rule" "functions_https" {
  security_group_id = aws_security_group.functions.id
  description       = "HTTPS to AWS APIs (interface endpoints or NAT)"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "functions_databases" {
  for_each = toset(["5432", "3306"])

  security_group_id = aws_security_group.functions.id
  description       = "Databases inside the VPC"
  cidr_ipv4         = var.vpc_cidr_block
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_116: failures go to an on-failure destination (aws_lambda_function_event_invoke_config), which keeps the request and the error; a DLQ too would deliver each twice
  # checkov:skip=CKV_AWS_173: the environment holds settings and ARNs, never a secret (secrets are read from Secrets Manager)
  # checkov:skip=CKV_AWS_272: the zips are built from source by `make package`; code signing needs a Signer profile of the user's
  for_each = local.functions

  function_name                  = "${var.name}-${each.key}"
  description                    = each.value.description
  role                           = aws_iam_role.function[each.key].arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  filename                       = local.zips[each.key]
  source_code_hash               = filebase64sha256(local.zips[each.key])
  memory_size                    = each.value.memory
  timeout                        = each.value.timeout
  reserved_concurrent_executions = var.reserve_concurrency ? each.value.concurrency : -1
  tags                           = var.tags

  environment {
    variables = merge(local.common_env, each.value.env)
  }

  # Lambda passes the level to the function as AWS_LAMBDA_LOG_LEVEL, which
  # the functions' logging honours.
  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.function[each.key].name
    application_log_level = var.log_level
    system_log_level      = "WARN"
  }

  tracing_config {
    mode = var.tracing_mode
  }

  dynamic "vpc_config" {
    for_each = each.value.vpc ? [1] : []
    content {
      subnet_ids         = var.subnet_ids
      security_group_ids = [aws_security_group.functions.id]
    }
  }

  depends_on = [aws_iam_role_policy.runtime]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  for_each = local.functions

  function_name                = aws_lambda_function.this[each.key].function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.failures.arn
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  for_each = local.functions

  alarm_name          = "${var.name}-${each.key}-errors"
  alarm_description   = "${each.key} failed at least once in 5 minutes: see its log group."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this[each.key].function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "failures_queue" {
  alarm_name          = "${var.name}-function-failures-not-empty"
  alarm_description   = "An asynchronous invocation failed after its retries: the event is in ${aws_sqs_queue.failures.name}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.failures.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  tags                = var.tags
}
