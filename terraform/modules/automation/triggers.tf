# What invokes each function:
#  - EventBridge Scheduler: scaling-scheduler (reconcile every few minutes),
#    backup-verifier (daily verification, in a time zone), dlq-processor
#    (optional automatic redrive);
#  - EventBridge rules (local.event_rules): Auto Scaling, ECS, Application
#    Auto Scaling and alarm events, and scaling-scheduler's failed actions,
#    to scaling-notifier;
#    failed backup and copy jobs, completed restore tests and the instances it adds
#    to restored clusters to backup-verifier;
#  - SNS: the alarm topic to dlq-processor (SQS alarms only);
#  - Secrets Manager: rotation of the secrets, by secret-rotator.
# Every rule and schedule retries, then dead-letters to the failures queue.

locals {
  # Literal patterns (no references), so tests/tests/terraform.rs can match
  # them against the sample events in events/.
  event_rules = {
    "autoscaling" = {
      function    = "scaling-notifier"
      description = "EC2 Auto Scaling launches, terminations, lifecycle hooks and instance refreshes"
      pattern = {
        source = ["aws.autoscaling"]
        "detail-type" = [
          "EC2 Instance Launch Successful",
          "EC2 Instance Launch Unsuccessful",
          "EC2 Instance Terminate Successful",
          "EC2 Instance Terminate Unsuccessful",
          "EC2 Instance-launch Lifecycle Action",
          "EC2 Instance-terminate Lifecycle Action",
          "EC2 Auto Scaling Instance Refresh Started",
          "EC2 Auto Scaling Instance Refresh Succeeded",
          "EC2 Auto Scaling Instance Refresh Failed",
          "EC2 Auto Scaling Instance Refresh Cancelled",
          "EC2 Auto Scaling Instance Refresh Checkpoint Reached",
          "EC2 Auto Scaling Instance Refresh Started Baking",
          "EC2 Auto Scaling Instance Refresh Rollback Started",
          "EC2 Auto Scaling Instance Refresh Rollback Succeeded",
          "EC2 Auto Scaling Instance Refresh Rollback Failed",
        ]
      }
    }
    "ecs" = {
      function    = "scaling-notifier"
      description = "ECS service actions, deployments, and tasks that stopped"
      pattern = {
        source = ["aws.ecs"]
        "$or" = [
          { "detail-type" = ["ECS Service Action", "ECS Deployment State Change"] },
          { "detail-type" = ["ECS Task State Change"], detail = { lastStatus = ["STOPPED"] } },
        ]
      }
    }
    "application-autoscaling" = {
      function    = "scaling-notifier"
      description = "Application Auto Scaling activities"
      pattern = {
        source        = ["aws.application-autoscaling"]
        "detail-type" = ["Application Auto Scaling Scaling Activity State Change"]
      }
    }
    "scheduler-actions" = {
      function    = "scaling-notifier"
      description = "scaling-scheduler actions that failed, one alert each (the run's summary covers the rest)"
      pattern = {
        source        = ["ops-automation.scaling-scheduler"]
        "detail-type" = ["Scheduled Scaling Action"]
        detail        = { outcome = ["failed"] }
      }
    }
    "alarm-state-change" = {
      function    = "scaling-notifier"
      description = "Every CloudWatch alarm state change"
      pattern = {
        source        = ["aws.cloudwatch"]
        "detail-type" = ["CloudWatch Alarm State Change"]
      }
    }
    "backup-job-failed" = {
      function    = "backup-verifier"
      description = "Backup jobs that failed, were aborted or expired: alert at once"
      pattern = {
        source        = ["aws.backup"]
        "detail-type" = ["Backup Job State Change"]
        detail        = { state = ["FAILED", "ABORTED", "EXPIRED"] }
      }
    }
    "copy-job-failed" = {
      function    = "backup-verifier"
      description = "Copy jobs (cross-region, cross-account) that failed or copied only part: alert at once"
      pattern = {
        source        = ["aws.backup"]
        "detail-type" = ["Copy Job State Change"]
        detail        = { state = ["FAILED", "PARTIAL"] }
      }
    }
    "restore-job-completed" = {
      function    = "backup-verifier"
      description = "Restores of a restore testing plan that completed: validate them"
      pattern = {
        source        = ["aws.backup"]
        "detail-type" = ["Restore Job State Change"]
        detail = {
          status                = ["COMPLETED"]
          restoreTestingPlanArn = [{ exists = true }]
        }
      }
    }
    "restore-instance-created" = {
      function    = "backup-verifier"
      description = "An instance backup-verifier added to a restored cluster is created: validate the restore"
      pattern = {
        source        = ["aws.rds"]
        "detail-type" = ["RDS DB Instance Event"]
        detail = {
          EventID = ["RDS-EVENT-0005"]
          Tags    = { "backup-verifier:restore-job" = [{ exists = true }] }
        }
      }
    }
  }

  schedules = merge(
    {
      "scaling-scheduler" = {
        function   = "scaling-scheduler"
        expression = var.scheduler_rate
        timezone   = "UTC"
        # The run's scheduled time: the function still decides for now, and
        # reports how late a delayed or retried delivery came.
        input = { action = "reconcile", time = "<aws.scheduler.scheduled-time>" }
      }
      "backup-verifier" = {
        function   = "backup-verifier"
        expression = var.verify_schedule
        timezone   = var.schedule_timezone
        input      = { action = "verify", time = "<aws.scheduler.scheduled-time>" }
      }
    },
    var.auto_redrive_rate == null ? {} : {
      "dlq-auto-redrive" = {
        function   = "dlq-processor"
        expression = var.auto_redrive_rate
        timezone   = "UTC"
        # dlq-processor redrives AUTO_REDRIVE_QUEUES on a scheduled event.
        input = { source = "aws.scheduler", "detail-type" = "Scheduled Event", detail = {} }
      }
    },
  )
}

# --- EventBridge rules ---------------------------------------------------------

resource "aws_cloudwatch_event_rule" "this" {
  for_each = local.event_rules

  name          = "${var.name}-${each.key}"
  description   = each.value.description
  event_pattern = jsonencode(each.value.pattern)
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = local.event_rules

  rule = aws_cloudwatch_event_rule.this[each.key].name
  arn  = aws_lambda_function.this[each.value.function].arn

  retry_policy {
    maximum_retry_attempts       = 8
    maximum_event_age_in_seconds = 3600
  }

  dead_letter_config {
    arn = aws_sqs_queue.failures.arn
  }
}

resource "aws_lambda_permission" "events" {
  for_each = local.event_rules

  statement_id  = "events-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[each.value.function].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this[each.key].arn
}

# --- EventBridge Scheduler -----------------------------------------------------

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = distinct([for s in local.schedules : aws_lambda_function.this[s.function].arn])
  }

  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.failures.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "invoke"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

resource "aws_scheduler_schedule_group" "this" {
  name = var.name
  tags = var.tags
}

resource "aws_scheduler_schedule" "this" {
  # checkov:skip=CKV_AWS_297: the schedules carry fixed commands, no data worth a customer managed key
  for_each = local.schedules

  name                         = each.key
  group_name                   = aws_scheduler_schedule_group.this.name
  schedule_expression          = each.value.expression
  schedule_expression_timezone = each.value.timezone

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.this[each.value.function].arn
    role_arn = aws_iam_role.scheduler.arn
    # jsonencode writes < and > as \u003c and \u003e; Scheduler substitutes
    # only the literal <aws.scheduler.scheduled-time>.
    input = replace(replace(jsonencode(each.value.input), "\\u003c", "<"), "\\u003e", ">")

    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }

    dead_letter_config {
      arn = aws_sqs_queue.failures.arn
    }
  }
}

# --- SNS: DLQ alarms to dlq-processor ----------------------------------------

resource "aws_sns_topic_subscription" "dlq_alarms" {
  topic_arn           = var.alarm_topic_arn
  protocol            = "lambda"
  endpoint            = aws_lambda_function.this["dlq-processor"].arn
  filter_policy_scope = "MessageBody"
  filter_policy = jsonencode({
    Trigger = { Namespace = ["AWS/SQS"] }
  })
}

resource "aws_lambda_permission" "dlq_alarms" {
  statement_id  = "sns-alarm-topic"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this["dlq-processor"].function_name
  principal     = "sns.amazonaws.com"
  source_arn    = var.alarm_topic_arn
}

# --- Secrets Manager rotation ---------------------------------------------------

resource "aws_lambda_permission" "rotation" {
  statement_id   = "secretsmanager-rotation"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this["secret-rotator"].function_name
  principal      = "secretsmanager.amazonaws.com"
  source_account = local.account
}
