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
  description = "DB instance class."
  type        = string
  default     = "db.t4g.micro"
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
  type        = bool
  default     = true
}

variable "multi_az" {
  description = "Standby in a second AZ (production)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse deletion of the instance (production)."
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "RDS automated backup retention."
  type        = number
  default     = 7
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
  type        = string
  default     = "rate(30 days)"
}

variable "backup_tag" {
  description = "Tag selecting the instance for AWS Backup and backup-verifier: key and value (the RPO in hours)."
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
