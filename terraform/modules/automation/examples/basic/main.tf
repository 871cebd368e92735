# The five functions for one queue and one database, stopping resources
# tagged Schedule = office-hours outside 07:00-20:00 on weekdays. Run
# `make package` first: the zips are read from target/lambda.

# The module declares the provider versions it takes.
provider "aws" {
  region = "eu-central-1"
}

module "automation" {
  source = "../.."

  name              = "example"
  environment       = "example"
  artifacts_dir     = abspath("${path.module}/../../../../../target/lambda")
  dry_run           = true
  notify_topic_arn  = "arn:aws:sns:eu-central-1:123456789012:example-notifications"
  alarm_topic_arn   = "arn:aws:sns:eu-central-1:123456789012:example-alarms"
  topic_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000000"

  schedules = {
    tag_key = "Schedule"
    schedules = {
      "office-hours" = {
        timezone = "Europe/Berlin"
        periods  = [{ days = "mon-fri", start = "07:00", stop = "20:00" }]
      }
    }
    targets = []
  }

  dlq_arns            = ["arn:aws:sqs:eu-central-1:123456789012:example-orders-dlq"]
  redrive_target_arns = ["arn:aws:sqs:eu-central-1:123456789012:example-orders"]

  rotated_secret_arns = ["arn:aws:secretsmanager:eu-central-1:123456789012:secret:example-db-master-AbCdEf"]
  vpc_id              = "vpc-0123456789abcdef0"
  subnet_ids          = ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"]
  vpc_cidr_block      = "10.70.0.0/16"
}

output "function_arns" {
  value = module.automation.function_arns
}
