# The whole stack of one environment: the modules and their wiring. Each
# environment (staging, production, local) calls it with its own choices;
# what differs between them is in the inputs, never in a copy of this file.

data "aws_partition" "current" {}

locals {
  schedules = {
    tag_key = "Schedule"
    schedules = {
      "office-hours" = {
        timezone = var.timezone
        periods  = [var.office_hours]
      }
    }
    targets = []
  }
  # What a resource stopped off-hours is tagged with (null: never stopped).
  service_schedule  = var.service.scheduled ? "office-hours" : null
  database_schedule = var.database.scheduled ? "office-hours" : null
}

module "notifications" {
  source = "../notifications"

  name            = var.name
  email_addresses = var.alert_emails
  chat_sink       = var.chat_sink
}

module "network" {
  source = "../network"

  name                = var.name
  cidr_block          = var.network.cidr_block
  azs                 = var.network.azs
  single_nat_gateway  = var.network.single_nat_gateway
  interface_endpoints = var.network.interface_endpoints
}

module "ecs" {
  source = "../ecs"

  name                      = var.name
  vpc_id                    = module.network.vpc_id
  public_subnet_ids         = module.network.public_subnet_ids
  private_subnet_ids        = module.network.private_subnet_ids
  vpc_cidr_block            = module.network.vpc_cidr_block
  certificate_arn           = var.certificate_arn
  create_https_listener     = !var.emulator
  create_autoscaling        = !var.emulator
  min_capacity              = var.service.min_capacity
  max_capacity              = var.service.max_capacity
  schedule_tag              = local.service_schedule
  deletion_protection       = var.service.deletion_protection
  log_retention_days        = var.log_retention_days
  container_insights        = var.service.container_insights
  capacity                  = var.service.capacity
  fargate_base              = var.service.fargate_base
  container_instance_ami_id = var.service.container_instance_ami_id
}

# A web tier on EC2: Graviton instances (Session Manager, no SSH) held at a
# CPU target, stopped off-hours where the environment says so.
module "web" {
  source = "../instance-group"

  name                = "${var.name}-web"
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.private_subnet_ids
  instance_type       = var.web.instance_type
  ami_id              = var.web.ami_id
  min_size            = var.web.min_size
  max_size            = var.web.max_size
  cpu_target          = var.web.cpu_target
  managed_policy_arns = ["arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"]
  group_tags          = var.web.scheduled ? { Schedule = "office-hours" } : {}
  tags                = var.tags
}

module "database" {
  source = "../database"

  name                  = "${var.name}-db"
  vpc_id                = module.network.vpc_id
  subnet_ids            = module.network.database_subnet_ids
  instance_class        = var.database.instance_class
  performance_insights  = var.database.performance_insights
  multi_az              = var.database.multi_az
  deletion_protection   = var.database.deletion_protection
  backup_retention_days = var.database.backup_retention_days
  schedule_tag          = local.database_schedule
  backup_window         = var.database.backup_window
  maintenance_window    = var.database.maintenance_window
  rotation_schedule     = var.database.rotation_schedule
  rotation_window       = var.database.rotation_window
  backup_tag = var.database.rpo_hours == null ? null : {
    key   = "backup-rpo-hours"
    value = tostring(var.database.rpo_hours)
  }
  rotation_lambda_arn = module.automation.secret_rotator_arn
  client_security_group_ids = [
    module.ecs.service_security_group_id,
    module.automation.functions_security_group_id,
  ]
}

module "orders_queue" {
  source = "../queue"

  name                        = "${var.name}-orders"
  alarm_topic_arn             = module.notifications.alarms_topic_arn
  create_redrive_allow_policy = !var.emulator
}

# A vault of its own in the copy region, locked like the source one.
module "backup_copy_vault" {
  source = "../backup-vault"
  count  = var.backup.copy ? 1 : 0
  providers = {
    aws = aws.copy
  }

  name                          = "${var.name}-copy"
  force_destroy                 = var.backup.force_destroy
  vault_lock_min_retention_days = var.backup.vault_lock_min_retention_days
}

module "backup" {
  source = "../backup"

  name                            = var.name
  schedule_timezone               = var.timezone
  schedule                        = var.backup.schedule
  retention_days                  = var.backup.retention_days
  extra_rules                     = var.backup.extra_rules
  force_destroy                   = var.backup.force_destroy
  vault_lock_min_retention_days   = var.backup.vault_lock_min_retention_days
  copy_vault_arn                  = one(module.backup_copy_vault[*].arn)
  create_selection                = !var.emulator
  create_restore_testing          = !var.emulator
  restore_test_subnet_group       = module.database.subnet_group_name
  restore_test_security_group_ids = [module.database.security_group_id]
}

module "automation" {
  source = "../automation"

  name                = var.name
  environment         = var.environment
  artifacts_dir       = var.functions.artifacts_dir
  placeholder_zip     = var.functions.placeholder_zip
  architecture        = var.functions.architecture
  dry_run             = var.functions.dry_run
  reserve_concurrency = var.functions.reserve_concurrency
  tracing_mode        = var.functions.tracing_mode
  log_retention_days  = var.log_retention_days
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

  notifier_settings = var.functions.notifier_settings
}
