variable "name" {
  description = "Prefix of every name in this module."
  type        = string
}

variable "selection_tag_key" {
  description = "Resources carrying this tag (any value) are backed up; the value is their RPO in hours for backup-verifier."
  type        = string
  default     = "backup-rpo-hours"
}

variable "schedule" {
  description = "When the daily backup starts (AWS Backup cron with six fields, in schedule_timezone; validated)."
  nullable    = false
  type        = string
  default     = "cron(0 3 * * ? *)"

  validation {
    # AWS Backup takes six-field cron expressions: minutes hours
    # day-of-month month day-of-week year.
    condition     = can(regex("^cron\\(\\S+( \\S+){5}\\)$", var.schedule))
    error_message = "schedule must be an AWS cron expression with six fields, like cron(0 3 * * ? *)."
  }
}

variable "schedule_timezone" {
  description = "IANA time zone of the backup and restore-test schedules."
  type        = string
  default     = "UTC"
}

variable "retention_days" {
  description = "Days a recovery point is kept (a whole number, at least 1)."
  nullable    = false
  type        = number
  default     = 35

  validation {
    condition     = var.retention_days >= 1 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number of days, at least 1."
  }
}

variable "extra_rules" {
  description = "Rules beside the daily one, by rule name, e.g. `{ weekly = { schedule = \"cron(0 4 ? * SUN *)\", retention_days = 90 } }`: each backs up on its schedule (AWS Backup cron with six fields, in schedule_timezone) and keeps its recovery points `retention_days` (whole days, at least 1); validated."
  type = map(object({
    schedule       = string
    retention_days = number
  }))
  default = {}

  validation {
    condition = alltrue([
      for name, r in var.extra_rules :
      can(regex("^[a-zA-Z0-9_.-]{1,50}$", name)) && name != "daily"
    ])
    error_message = "extra_rules names must be 1 to 50 letters, digits, '-', '_' or '.', and not daily (the daily rule is schedule and retention_days)."
  }

  validation {
    condition     = alltrue([for r in values(var.extra_rules) : can(regex("^cron\\(\\S+( \\S+){5}\\)$", r.schedule))])
    error_message = "Each extra_rules schedule must be an AWS cron expression with six fields, like cron(0 4 ? * SUN *)."
  }

  validation {
    condition     = alltrue([for r in values(var.extra_rules) : r.retention_days >= 1 && floor(r.retention_days) == r.retention_days])
    error_message = "Each extra_rules retention_days must be a whole number of days, at least 1."
  }
}

variable "restore_test_schedule" {
  description = "When restore tests run (AWS Backup cron with six fields, in schedule_timezone; validated)."
  type        = string
  default     = "cron(0 6 ? * SUN *)"

  validation {
    condition     = can(regex("^cron\\(\\S+( \\S+){5}\\)$", var.restore_test_schedule))
    error_message = "restore_test_schedule must be an AWS cron expression with six fields, like cron(0 6 ? * SUN *)."
  }
}

variable "restore_test_subnet_group" {
  description = "DB subnet group restored RDS instances are placed in."
  type        = string
}

variable "restore_test_security_group_ids" {
  description = "Security groups of restored RDS instances (backup-verifier must reach them)."
  type        = list(string)
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the vault with its recovery points (staging); false keeps a vault that holds any."
  type        = bool
  default     = false
}

variable "vault_lock_min_retention_days" {
  description = "Vault Lock (governance mode) minimum retention; null for no lock."
  type        = number
  default     = null
}

variable "copy_vault_arn" {
  description = "Vault every rule also copies its recovery points to (in another region, say), kept as long as the rule keeps them; null for no copy."
  type        = string
  default     = null

  validation {
    condition     = var.copy_vault_arn == null || can(regex("^arn:[a-z-]+:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:", var.copy_vault_arn))
    error_message = "copy_vault_arn must be null (no copy) or a backup vault ARN, like arn:aws:backup:eu-west-1:123456789012:backup-vault:name."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "create_selection" {
  description = "Create the selection by tag. False only for the local emulator, which has no backup selections (the provider waits until it gives up)."
  type        = bool
  default     = true
}

variable "create_restore_testing" {
  description = "Create the restore testing plan and its RDS selection. False only for the local emulator, which has no restore testing."
  type        = bool
  default     = true
}
