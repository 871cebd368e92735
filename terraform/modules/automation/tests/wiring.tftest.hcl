# The wiring that only shows in the planned values, checked with a mock
# provider (no AWS account, no credentials). Run from this module:
#   make package && terraform init -backend=false && terraform test
# (make test runs it on a copy with stand-in zips).

mock_provider "aws" {
  source = "../../tests/mocks"
}

# One ARN per function, so a rule or schedule pointing at the wrong one shows.
override_resource {
  target = aws_lambda_function.this["scaling-scheduler"]
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:ops-test-scaling-scheduler" }
}
override_resource {
  target = aws_lambda_function.this["dlq-processor"]
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:ops-test-dlq-processor" }
}
override_resource {
  target = aws_lambda_function.this["secret-rotator"]
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:ops-test-secret-rotator" }
}
override_resource {
  target = aws_lambda_function.this["backup-verifier"]
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:ops-test-backup-verifier" }
}
override_resource {
  target = aws_lambda_function.this["scaling-notifier"]
  values = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:ops-test-scaling-notifier" }
}

variables {
  name              = "ops-test"
  environment       = "test"
  artifacts_dir     = "../../../target/lambda"
  notify_topic_arn  = "arn:aws:sns:eu-central-1:123456789012:ops-test-notifications"
  alarm_topic_arn   = "arn:aws:sns:eu-central-1:123456789012:ops-test-alarms"
  topic_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/topics"
  schedules = {
    tag_key   = "Schedule"
    schedules = {}
    targets   = []
  }
  dlq_arns            = ["arn:aws:sqs:eu-central-1:123456789012:orders-dlq"]
  redrive_target_arns = ["arn:aws:sqs:eu-central-1:123456789012:orders"]
  rotated_secret_arns = ["arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-AbCdEf"]
  vpc_id              = "vpc-0123456789abcdef0"
  subnet_ids          = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  vpc_cidr_block      = "10.40.0.0/16"
  auto_redrive_rate   = "rate(1 hour)"
}

run "scheduler_inputs_carry_the_placeholder_scheduler_substitutes" {
  command = apply

  assert {
    condition = alltrue([
      for k in ["scaling-scheduler", "backup-verifier"] :
      strcontains(aws_scheduler_schedule.this[k].target[0].input, "\"<aws.scheduler.scheduled-time>\"")
    ])
    error_message = "The scaling-scheduler and backup-verifier schedules must pass the literal <aws.scheduler.scheduled-time>: ${jsonencode({ for k, s in aws_scheduler_schedule.this : k => s.target[0].input })}"
  }

  assert {
    condition     = alltrue([for s in aws_scheduler_schedule.this : !strcontains(s.target[0].input, "\\u00")])
    error_message = "A schedule input holds an escaped character, which Scheduler passes on as it is."
  }

  assert {
    condition     = jsondecode(aws_scheduler_schedule.this["scaling-scheduler"].target[0].input).action == "reconcile"
    error_message = "scaling-scheduler's schedule must ask for a reconcile."
  }
}

run "every_rule_and_schedule_reaches_its_function_and_dead_letters_to_the_failures_queue" {
  command = apply

  assert {
    condition = alltrue([
      for k, t in aws_cloudwatch_event_target.this :
      t.arn == aws_lambda_function.this[local.event_rules[k].function].arn
    ])
    error_message = "A rule targets another function than the one local.event_rules names."
  }

  assert {
    condition = alltrue([
      for t in aws_cloudwatch_event_target.this :
      length(t.dead_letter_config) == 1 && t.dead_letter_config[0].arn == aws_sqs_queue.failures.arn
    ])
    error_message = "Every rule target must dead-letter to the failures queue."
  }

  assert {
    condition = alltrue([
      for k, s in aws_scheduler_schedule.this :
      s.target[0].arn == aws_lambda_function.this[local.schedules[k].function].arn
      && s.target[0].dead_letter_config[0].arn == aws_sqs_queue.failures.arn
    ])
    error_message = "Every schedule must invoke its function and dead-letter to the failures queue."
  }

  assert {
    condition     = length(aws_lambda_permission.events) == length(aws_cloudwatch_event_rule.this)
    error_message = "Every rule needs a permission to invoke its function."
  }

  assert {
    condition = alltrue([
      for c in aws_lambda_function_event_invoke_config.this :
      c.destination_config[0].on_failure[0].destination == aws_sqs_queue.failures.arn
    ])
    error_message = "Every function's failed asynchronous invocations must land in the failures queue."
  }
}

run "dlq_processor_hears_only_sqs_alarms_from_the_alarm_topic" {
  command = apply

  assert {
    condition     = aws_sns_topic_subscription.dlq_alarms.topic_arn == var.alarm_topic_arn && aws_sns_topic_subscription.dlq_alarms.endpoint == aws_lambda_function.this["dlq-processor"].arn
    error_message = "dlq-processor must subscribe to the alarm topic."
  }

  assert {
    condition     = jsondecode(aws_sns_topic_subscription.dlq_alarms.filter_policy) == { Trigger = { Namespace = ["AWS/SQS"] } } && aws_sns_topic_subscription.dlq_alarms.filter_policy_scope == "MessageBody"
    error_message = "dlq-processor's subscription must filter the message body on Trigger.Namespace AWS/SQS."
  }
}
