variable "name" {
  description = "Identifier of the DB instance and prefix of the other names."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "subnet_ids" {
  description = "Database subnets (two or more AZs)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on the PostgreSQL port (the application, secret-rotator, backup-verifier)."
  type        = list(string)
  default     = []
}

variable "engine_version" {
  description = "PostgreSQL major or major.minor version."
  type        = string
  default     = "16"
}

variable "instance_class" {
  description = "DB instance class, like db.t4g.micro or db.m7g.large (validated: a class without `db.` fails here, not at apply)."
  nullable    = false
  type        = string
  default     = "db.t4g.micro"

  validation {
    condition     = can(regex("^db\\.[a-z0-9-]+(\\.[a-z0-9]+)+$", var.instance_class))
    error_message = "instance_class must be an RDS instance class such as db.t4g.micro or db.m7g.large (an EC2 type like t4g.micro needs the db. prefix)."
  }
}

variable "allocated_storage" {
  description = "Storage in GiB (gp3)."
  type        = number
  default     = 20
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB."
  type        = number
  default     = 100
}

variable "performance_insights" {
  description = "Performance Insights (7 days, KMS-encrypted). The smallest burstable classes (db.t*.micro) may not support it."
  nullable    = false
  type        = bool
  default     = true
}

variable "multi_az" {
  description = "Standby in a second AZ (production)."
  nullable    = false
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse deletion of the instance (production)."
  nullable    = false
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "RDS automated backup retention."
  nullable    = false
  type        = number
  default     = 7
}

variable "backup_window" {
  description = "Daily RDS automated backup window, UTC (hh24:mi-hh24:mi). Keep it an hour or more away from the AWS Backup schedule (backups near it fail or wait) and inside hours the instance runs."
  nullable    = false
  type        = string
  default     = "21:00-21:30"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.backup_window))
    error_message = "backup_window is hh24:mi-hh24:mi in UTC, e.g. 21:00-21:30."
  }
}

variable "maintenance_window" {
  description = "Weekly maintenance window, UTC (ddd:hh24:mi-ddd:hh24:mi); must not overlap backup_window and, like it, should stay clear of the AWS Backup schedule."
  nullable    = false
  type        = string
  default     = "sun:22:00-sun:22:30"

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", lower(var.maintenance_window)))
    error_message = "maintenance_window is ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. sun:22:00-sun:22:30."
  }
}

variable "database_name" {
  description = "Initial database."
  type        = string
  default     = "app"
}

variable "master_username" {
  description = "Master user name."
  type        = string
  default     = "app_admin"
}

variable "rotation_lambda_arn" {
  description = "ARN of secret-rotator; the master secret is rotated by it."
  type        = string
}

variable "rotation_schedule" {
  description = "When the master secret rotates (Secrets Manager schedule expression)."
  nullable    = false
  type        = string
  default     = "rate(30 days)"
}

variable "rotation_window" {
  description = "How long after each scheduled start Secrets Manager may rotate (e.g. `2h`), so a cron schedule lands in hours the instance runs; null for Secrets Manager's default."
  type        = string
  default     = null
}

variable "backup_tag" {
  description = "Tag selecting the instance for AWS Backup and backup-verifier: key and value (the RPO in hours)."
  nullable    = false
  type = object({
    key   = string
    value = string
  })
  default = {
    key   = "backup-rpo-hours"
    value = "24"
  }
}

variable "schedule_tag" {
  description = "Optional `Schedule` tag value for scaling-scheduler (stops the instance off-hours); null for always on."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
