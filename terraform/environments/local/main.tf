# The stack composed for the local AWS emulator (moto), to prove it applies
# and is wired as meant (make test applies it into a fresh emulator). The same
# modules as staging; the parts the emulator cannot take are switched off
# with their create_* toggles, never copied:
#  - the HTTPS listener (no real ACM certificate here) and the Application
#    Auto Scaling target (the emulator cannot list its tags);
#  - the DLQ's redrive-allow policy and the backup selection (the emulator
#    never reports them back, so the provider waits until it gives up);
#  - the restore testing plan (no restore testing in the emulator).
# The emulator must load AWS managed policies (MOTO_IAM_LOAD_MANAGED_POLICIES=true):
# the modules attach some. It applies on a clean checkout: a function whose
# zip is missing gets placeholder.zip, since the emulator never runs the code.

locals {
  name = "ops-local"
  tags = {
    Project     = "ops-automation"
    Environment = "local"
  }

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
}

module "notifications" {
  source = "../../modules/notifications"

  name = local.name
}

module "network" {
  source = "../../modules/network"

  name                = local.name
  cidr_block          = "10.60.0.0/16"
  azs                 = ["${var.region}a", "${var.region}b"]
  single_nat_gateway  = true
  interface_endpoints = ["secretsmanager", "sns"]
}

module "ecs" {
  source = "../../modules/ecs"

  name                  = local.name
  vpc_id                = module.network.vpc_id
  vpc_cidr_block        = module.network.vpc_cidr_block
  public_subnet_ids     = module.network.public_subnet_ids
  private_subnet_ids    = module.network.private_subnet_ids
  certificate_arn       = "arn:aws:acm:${var.region}:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  create_https_listener = false
  create_autoscaling    = false
  schedule_tag          = "office-hours"
  deletion_protection   = false
  container_insights    = "disabled"
  log_retention_days    = 1
  # ECS on EC2: the capacity provider's Auto Scaling group of Graviton
  # instances, which the scheduler must leave to ECS. The emulator has no
  # ECS-optimized AMI parameter, so any image id stands in.
  capacity                  = "ec2"
  container_instance_ami_id = "ami-12c6146b"
}

# A web tier on EC2, stopped off-hours by scaling-scheduler; the emulator
# has no AMI parameters, so any image id stands in.
module "web" {
  source = "../../modules/instance-group"

  name                = "${local.name}-web"
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.private_subnet_ids
  ami_id              = "ami-12c6146b"
  min_size            = 1
  max_size            = 2
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
  performance_insights  = false
  multi_az              = false
  deletion_protection   = false
  backup_retention_days = 1
  schedule_tag          = "office-hours"
  rotation_lambda_arn   = module.automation.secret_rotator_arn
  client_security_group_ids = [
    module.ecs.service_security_group_id,
    module.automation.functions_security_group_id,
  ]
}

module "orders_queue" {
  source = "../../modules/queue"

  name                        = "${local.name}-orders"
  alarm_topic_arn             = module.notifications.alarms_topic_arn
  create_redrive_allow_policy = false
}

module "backup" {
  source = "../../modules/backup"

  name                            = local.name
  retention_days                  = 1
  extra_rules                     = { weekly = { schedule = "cron(0 4 ? * SUN *)", retention_days = 7 } }
  force_destroy                   = true
  create_selection                = false
  create_restore_testing          = false
  restore_test_subnet_group       = module.database.subnet_group_name
  restore_test_security_group_ids = [module.database.security_group_id]
}

module "automation" {
  source = "../../modules/automation"

  name                = local.name
  environment         = "local"
  artifacts_dir       = abspath("${path.module}/${var.artifacts_dir}")
  placeholder_zip     = abspath("${path.module}/placeholder.zip")
  architecture        = "x86_64"
  reserve_concurrency = false
  tracing_mode        = "PassThrough"
  log_retention_days  = 1
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

  backup_kms_key_arn     = module.database.kms_key_arn
  validation_secret_arns = [module.database.master_secret_arn]
}
