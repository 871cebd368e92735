# Production: resilience first. A NAT gateway per AZ, every interface
# endpoint, a Multi-AZ deletion-protected database with a locked backup vault,
# and nothing stopped off-hours (the scheduler runs, for resources you tag).

locals {
  name = "ops-production"
  tags = {
    Project     = "ops-automation"
    Environment = "production"
  }

  schedules = {
    tag_key = "Schedule"
    schedules = {
      "office-hours" = {
        timezone = var.timezone
        periods  = [{ days = "mon-fri", start = "06:00", stop = "22:00" }]
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
  cidr_block         = "10.50.0.0/16"
  azs                = var.azs
  single_nat_gateway = false
}

module "ecs" {
  source = "../../modules/ecs"

  name                = local.name
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  private_subnet_ids  = module.network.private_subnet_ids
  vpc_cidr_block      = module.network.vpc_cidr_block
  certificate_arn     = var.certificate_arn
  min_capacity        = 2
  max_capacity        = 10
  deletion_protection = true
  log_retention_days  = 90
}

# A web tier on EC2: Graviton instances (Session Manager, no SSH) across
# the AZs, held at 50 % CPU, never stopped.
module "web" {
  source = "../../modules/instance-group"

  name                = "${local.name}-web"
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.private_subnet_ids
  instance_type       = "m7g.large"
  min_size            = 2
  max_size            = 8
  cpu_target          = 50
  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]
  tags                = local.tags
}

module "database" {
  source = "../../modules/database"

  name                  = "${local.name}-db"
  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.database_subnet_ids
  instance_class        = "db.m7g.large"
  multi_az              = true
  deletion_protection   = true
  backup_retention_days = 14
  rotation_lambda_arn   = module.automation.secret_rotator_arn
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

# A vault of its own in the copy region, locked like the source one.
module "backup_copy_vault" {
  source = "../../modules/backup-vault"
  providers = {
    aws = aws.copy
  }

  name                          = "${local.name}-copy"
  vault_lock_min_retention_days = 7
}

module "backup" {
  source = "../../modules/backup"

  name                            = local.name
  schedule_timezone               = var.timezone
  retention_days                  = 35
  vault_lock_min_retention_days   = 7
  copy_vault_arn                  = module.backup_copy_vault.arn
  restore_test_subnet_group       = module.database.subnet_group_name
  restore_test_security_group_ids = [module.database.security_group_id]

  extra_rules = {
    weekly  = { schedule = "cron(0 4 ? * SUN *)", retention_days = 90 }
    monthly = { schedule = "cron(0 5 1 * ? *)", retention_days = 365 }
  }
}

module "automation" {
  source = "../../modules/automation"

  name                = local.name
  environment         = "production"
  artifacts_dir       = abspath("${path.module}/${var.artifacts_dir}")
  architecture        = var.architecture
  dry_run             = var.dry_run
  reserve_concurrency = var.reserve_concurrency
  log_retention_days  = 90
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

  # Only what needs a human; steady states are noise.
  notifier_settings = {
    MIN_SEVERITY = "WARNING"
    MUTED_EVENTS = "ECS Service Action/SERVICE_STEADY_STATE"
  }
}
