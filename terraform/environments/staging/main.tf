# Staging: cost first. One NAT gateway, only the endpoints the in-VPC
# functions need, the service on Fargate Spot beyond one task, a single-AZ
# database without deletion protection, logs kept a week, and everything
# (ECS service, web tier, database) stopped outside office hours by
# scaling-scheduler.

locals {
  name = "ops-staging"
  tags = {
    Project     = "ops-automation"
    Environment = "staging"
  }
}

module "stack" {
  source = "../../modules/stack"
  # No copy region in staging: the copy provider is the default one, unused.
  providers = {
    aws      = aws
    aws.copy = aws
  }

  name               = local.name
  environment        = "staging"
  tags               = local.tags
  timezone           = var.timezone
  office_hours       = { start = "07:00", stop = "20:00" }
  alert_emails       = var.alert_emails
  chat_sink          = var.chat_sink
  certificate_arn    = var.certificate_arn
  log_retention_days = 7

  network = {
    cidr_block         = "10.40.0.0/16"
    azs                = var.azs
    single_nat_gateway = true
    # What secret-rotator and backup-verifier call most; the rest goes through NAT.
    interface_endpoints = ["secretsmanager", "sns", "kms", "rds", "backup"]
  }

  # One task on on-demand Fargate, the rest on Fargate Spot (about 70 %
  # cheaper, reclaimable with two minutes' notice).
  service = {
    min_capacity        = 1
    max_capacity        = 2
    capacity            = "fargate-spot"
    fargate_base        = 1
    container_insights  = "disabled"
    deletion_protection = false
    scheduled           = true
  }

  web = {
    instance_type = "t4g.small"
    min_size      = 1
    max_size      = 3
    cpu_target    = 60
    scheduled     = true
  }

  # The instance runs 07:00-20:00 local time on weekdays only (UTC+1/+2):
  # its backup and maintenance windows, the AWS Backup job and the rotation
  # all fall inside those hours, never while it is stopped. Backups on
  # weekdays only: Friday's is 67 hours old when Monday's check runs, so 72
  # hours is the RPO that holds (a failed Friday backup still shows on
  # Monday).
  database = {
    instance_class        = "db.t4g.micro"
    performance_insights  = false
    multi_az              = false
    deletion_protection   = false
    backup_retention_days = 1
    backup_window         = "15:00-15:30"
    maintenance_window    = "tue:14:00-tue:14:30"
    rotation_schedule     = "cron(0 10 ? * TUE *)"
    rotation_window       = "2h"
    rpo_hours             = 72
    scheduled             = true
  }

  # Backups at noon on weekdays, while the database runs. The Friday and
  # first-Monday backups are kept longer (one backup each: where rules
  # overlap, AWS Backup keeps the one with the longer retention).
  backup = {
    schedule       = "cron(0 12 ? * MON-FRI *)"
    retention_days = 7
    force_destroy  = true
    extra_rules = {
      weekly  = { schedule = "cron(0 12 ? * FRI *)", retention_days = 28 }
      monthly = { schedule = "cron(0 12 ? * MON#1 *)", retention_days = 90 }
    }
  }

  functions = {
    artifacts_dir       = abspath("${path.module}/${var.artifacts_dir}")
    architecture        = var.architecture
    dry_run             = var.dry_run
    reserve_concurrency = var.reserve_concurrency
    # Staging hears warnings too; production only what needs a human.
    notifier_settings = { MIN_SEVERITY = "INFO" }
  }
}
