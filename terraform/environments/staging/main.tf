# Staging: cost first. One NAT gateway, only the endpoints the in-VPC
# functions need, the service on Fargate Spot beyond one task, a single-AZ
# database without deletion protection, and everything (ECS service,
# database) stopped outside office hours by scaling-scheduler.

locals {
  name = "ops-staging"
  tags = {
    Project     = "ops-automation"
    Environment = "staging"
  }

  schedules = {
    tag_key = "Schedule"
    schedules = {
      "office-hours" = {
        timezone = var.timezone
        periods  = [{ days = "mon-fri", start = "07:00", stop = "20:00" }]
      }
    }
    targets = []
  }
}

module "notifications" {
  source = "../../modules/notifications"

  name            = local.name
  email_addresses = var.alert_emails
  chat_sink       = var.chat_sink
}

module "network" {
  source = "../../modules/network"

  name               = local.name
  cidr_block         = "10.40.0.0/16"
  azs                = var.azs
  single_nat_gateway = true
  # What secret-rotator and backup-verifier call most; the rest goes through NAT.
  interface_endpoints = ["secretsmanager", "sns", "kms", "rds", "backup"]
}

module "ecs" {
  source = "../../modules/ecs"

  name                = local.name
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  private_subnet_ids  = module.network.private_subnet_ids
  vpc_cidr_block      = module.network.vpc_cidr_block
  certificate_arn     = var.certificate_arn
  min_capacity        = 1
  max_capacity        = 2
  schedule_tag        = "office-hours"
  deletion_protection = false
  log_retention_days  = 7
  container_insights  = "disabled"
  # One task on on-demand Fargate, the rest on Fargate Spot (about 70 %
  # cheaper, reclaimable with two minutes' notice).
  capacity     = "fargate-spot"
  fargate_base = 1
}

# A web tier on EC2: Graviton instances (Session Manager, no SSH), held at
# 60 % CPU, stopped outside office hours with everything else.
module "web" {
  source = "../../modules/instance-group"

  name                = "${local.name}-web"
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.private_subnet_ids
  instance_type       = "t4g.small"
  min_size            = 1
  max_size            = 3
  cpu_target          = 60
  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]
  group_tags          = { Schedule = "office-hours" }
  tags                = local.tags
}

module "database" {
  source = "../../modules/database"

  name                  = "${local.name}-db"
  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.database_subnet_ids
  instance_class        = "db.t4g.micro"
  performance_insights  = false
  multi_az              = false
  deletion_protection   = false
  backup_retention_days = 1
  schedule_tag          = "office-hours"
  # The instance runs 07:00-20:00 local time on weekdays only (UTC+1/+2):
  # its backup and maintenance windows, the AWS Backup job and the rotation
  # all fall inside those hours, never while it is stopped.
  backup_window      = "15:00-15:30"
  maintenance_window = "tue:14:00-tue:14:30"
  rotation_schedule  = "cron(0 10 ? * TUE *)"
  rotation_window    = "2h"
  # Backups on weekdays only: Friday's is 67 hours old when Monday's check
  # runs, so 72 hours is the RPO that holds (a failed Friday backup still
  # shows on Monday).
  backup_tag          = { key = "backup-rpo-hours", value = "72" }
  rotation_lambda_arn = module.automation.secret_rotator_arn
  client_security_group_ids = [
    module.ecs.service_security_group_id,
    module.automation.functions_security_group_id,
  ]
}

module "orders_queue" {
  source = "../../modules/queue"

  name            = "${local.name}-orders"
  alarm_topic_arn = module.notifications.alarms_topic_arn
}

# Backups at noon on weekdays: the database is stopped outside office hours.
# The Friday and first-Monday backups are kept longer (one backup each: where
# rules overlap, AWS Backup keeps the one with the longer retention).
module "backup" {
  source = "../../modules/backup"

  name                            = local.name
  schedule_timezone               = var.timezone
  schedule                        = "cron(0 12 ? * MON-FRI *)"
  retention_days                  = 7
  force_destroy                   = true
  restore_test_subnet_group       = module.database.subnet_group_name
  restore_test_security_group_ids = [module.database.security_group_id]

  extra_rules = {
    weekly  = { schedule = "cron(0 12 ? * FRI *)", retention_days = 28 }
    monthly = { schedule = "cron(0 12 ? * MON#1 *)", retention_days = 90 }
  }
}

module "automation" {
  source = "../../modules/automation"

  name                = local.name
  environment         = "staging"
  artifacts_dir       = abspath("${path.module}/${var.artifacts_dir}")
  architecture        = var.architecture
  dry_run             = var.dry_run
  reserve_concurrency = var.reserve_concurrency
  log_retention_days  = 7
  notify_topic_arn    = module.notifications.notifications_topic_arn
  alarm_topic_arn     = module.notifications.alarms_topic_arn
  topic_kms_key_arn   = module.notifications.kms_key_arn
  schedules           = local.schedules

  dlq_arns            = [module.orders_queue.dlq_arn]
  redrive_target_arns = [module.orders_queue.queue_arn]
  queue_kms_key_arns  = [module.orders_queue.kms_key_arn]

  rotated_secret_arns = [module.database.master_secret_arn]
  secret_kms_key_arns = [module.database.kms_key_arn]
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.private_subnet_ids
  vpc_cidr_block      = module.network.vpc_cidr_block

  # The database is what AWS Backup protects here, and RDS snapshots keep
  # the instance's key (the vault's key applies to fully managed types only).
  backup_kms_key_arn     = module.database.kms_key_arn
  validation_secret_arns = [module.database.master_secret_arn]
  schedule_timezone      = var.timezone
  backup_settings = {
    RESTORE_VALIDATIONS = jsonencode({
      (module.database.instance_identifier) = {
        secret_arn = module.database.master_secret_arn
        dbname     = "app"
        checks     = [{ name = "restored database answers", sql = "SELECT 1", equals = "1" }]
      }
    })
  }

  # Staging hears warnings too; production only what needs a human.
  notifier_settings = { MIN_SEVERITY = "INFO" }
}
