data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  instance_tags = merge(
    var.tags,
    { (var.backup_tag.key) = var.backup_tag.value, "restore-test" = "true" },
    var.schedule_tag == null ? {} : { Schedule = var.schedule_tag },
  )
}

module "key" {
  source = "../kms-key"

  description = "${var.name}: RDS storage, Performance Insights and the credentials secret"
  alias       = "${var.name}-db"
  tags        = var.tags
}

resource "aws_db_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "PostgreSQL from the application and the automation functions"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  count = length(var.client_security_group_ids)

  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from a client security group"
  referenced_security_group_id = var.client_security_group_ids[count.index]
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

# TLS only, and statement logging for audit.
resource "aws_db_parameter_group" "this" {
  name   = "${var.name}-pg${split(".", var.engine_version)[0]}"
  family = "postgres${split(".", var.engine_version)[0]}"
  tags   = var.tags

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
  parameter {
    name  = "log_statement"
    value = "ddl"
  }
  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }
}

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  name               = "${var.name}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# The first password only: secret-rotator owns it from the first rotation on,
# so Terraform ignores later changes to it (in the instance and the secret).
data "aws_secretsmanager_random_password" "initial" {
  password_length     = 32
  exclude_punctuation = true
}

resource "aws_db_instance" "this" {
  identifier             = var.name
  engine                 = "postgres"
  engine_version         = var.engine_version
  instance_class         = var.instance_class
  allocated_storage      = var.allocated_storage
  max_allocated_storage  = var.max_allocated_storage
  storage_type           = "gp3"
  storage_encrypted      = true
  kms_key_id             = module.key.arn
  db_name                = var.database_name
  username               = var.master_username
  password               = data.aws_secretsmanager_random_password.initial.random_password
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.db.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false
  multi_az               = var.multi_az
  deletion_protection    = var.deletion_protection
  skip_final_snapshot    = false
  # Unique per instance: a fixed name fails the second destroy of the stack.
  final_snapshot_identifier             = "${var.name}-final-${formatdate("YYYYMMDDhhmmss", timestamp())}"
  backup_retention_period               = var.backup_retention_days
  backup_window                         = var.backup_window
  maintenance_window                    = var.maintenance_window
  copy_tags_to_snapshot                 = true
  auto_minor_version_upgrade            = true
  iam_database_authentication_enabled   = true
  enabled_cloudwatch_logs_exports       = ["postgresql", "upgrade"]
  monitoring_interval                   = 60
  monitoring_role_arn                   = aws_iam_role.monitoring.arn
  performance_insights_enabled          = var.performance_insights
  performance_insights_kms_key_id       = var.performance_insights ? module.key.arn : null
  performance_insights_retention_period = var.performance_insights ? 7 : null
  tags                                  = local.instance_tags

  lifecycle {
    ignore_changes = [password, final_snapshot_identifier]
  }
}

resource "aws_secretsmanager_secret" "master" {
  name                    = "${var.name}/master"
  description             = "Master credentials of ${var.name}; rotated by secret-rotator"
  kms_key_id              = module.key.arn
  recovery_window_in_days = 30
  tags                    = var.tags
}

# The shape secret-rotator reads: engine, host, port, username, password,
# dbname; `tls` defaults to verify-full.
resource "aws_secretsmanager_secret_version" "master" {
  secret_id = aws_secretsmanager_secret.master.id
  secret_string = jsonencode({
    engine   = "postgres"
    host     = aws_db_instance.this.address
    port     = aws_db_instance.this.port
    username = var.master_username
    password = data.aws_secretsmanager_random_password.initial.random_password
    dbname   = var.database_name
  })

  lifecycle {
    ignore_changes = [secret_string]
  }
}

resource "aws_secretsmanager_secret_rotation" "master" {
  # checkov:skip=CKV_AWS_304: checkov reads rate() expressions only; a cron schedule (staging: weekly) rotates well within 90 days
  secret_id           = aws_secretsmanager_secret.master.id
  rotation_lambda_arn = var.rotation_lambda_arn

  rotation_rules {
    schedule_expression = var.rotation_schedule
    duration            = var.rotation_window
  }

  depends_on = [aws_secretsmanager_secret_version.master]
}
