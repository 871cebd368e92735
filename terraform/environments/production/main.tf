# Production: resilience first. A NAT gateway per AZ, every interface
# endpoint, a Multi-AZ deletion-protected database, a locked backup vault
# with weekly and monthly backups copied to a second region, and nothing
# stopped off-hours (the scheduler runs, for resources you tag).

locals {
  name = "ops-production"
  tags = {
    Project     = "ops-automation"
    Environment = "production"
  }
}

module "stack" {
  source = "../../modules/stack"
  providers = {
    aws      = aws
    aws.copy = aws.copy
  }

  name               = local.name
  environment        = "production"
  tags               = local.tags
  timezone           = var.timezone
  office_hours       = { start = "06:00", stop = "22:00" }
  alert_emails       = var.alert_emails
  chat_sink          = var.chat_sink
  certificate_arn    = var.certificate_arn
  log_retention_days = 90

  network = {
    cidr_block         = "10.50.0.0/16"
    azs                = var.azs
    single_nat_gateway = false
  }

  service = {
    min_capacity        = 2
    max_capacity        = 10
    deletion_protection = true
  }

  # Across the AZs, held at 50 % CPU, never stopped.
  web = {
    instance_type = "m7g.large"
    min_size      = 2
    max_size      = 8
    cpu_target    = 50
  }

  database = {
    instance_class        = "db.m7g.large"
    multi_az              = true
    deletion_protection   = true
    backup_retention_days = 14
  }

  backup = {
    retention_days                = 35
    vault_lock_min_retention_days = 7
    copy                          = true
    extra_rules = {
      weekly  = { schedule = "cron(0 4 ? * SUN *)", retention_days = 90 }
      monthly = { schedule = "cron(0 5 1 * ? *)", retention_days = 365 }
    }
  }

  functions = {
    artifacts_dir       = abspath("${path.module}/${var.artifacts_dir}")
    architecture        = var.architecture
    dry_run             = var.dry_run
    reserve_concurrency = var.reserve_concurrency
    # Only what needs a human; steady states are noise.
    notifier_settings = {
      MIN_SEVERITY = "WARNING"
      MUTED_EVENTS = "ECS Service Action/SERVICE_STEADY_STATE"
    }
  }
}
