variable "name" {
  description = "Prefix of every name in the stack, e.g. `ops-staging`."
  type        = string
}

variable "environment" {
  description = "Name of the environment the functions report in their notifications."
  type        = string
}

variable "tags" {
  description = "Tags of the web tier's instances and volumes (the provider's default_tags cover the rest)."
  type        = map(string)
  default     = {}
}

variable "timezone" {
  description = "IANA time zone of the office hours, the backup schedules and the daily checks."
  type        = string
  default     = "UTC"
}

variable "office_hours" {
  description = "The `office-hours` schedule resources tagged `Schedule = office-hours` run in (scaling-scheduler stops them outside): `days` (default mon-fri), `start` and `stop` (HH:MM, in timezone)."
  type = object({
    days  = optional(string, "mon-fri")
    start = string
    stop  = string
  })
}

variable "alert_emails" {
  description = "Addresses e-mailed ERROR and CRITICAL notifications."
  type        = list(string)
  default     = []
}

variable "chat_sink" {
  description = "Optional endpoint receiving every notification (see modules/notifications)."
  type = object({
    protocol = string
    endpoint = string
  })
  default = null
}

variable "certificate_arn" {
  description = "ACM certificate for the load balancer's HTTPS listener."
  type        = string
}

variable "log_retention_days" {
  description = "Days the service's and the functions' logs are kept (a value CloudWatch Logs accepts; validated by the ecs and automation modules)."
  type        = number
  default     = 30
}

variable "network" {
  description = "The VPC: `cidr_block`, `azs` (two or more), `single_nat_gateway` (one NAT for all AZs: cheaper, one AZ's outage away from no egress) and `interface_endpoints` (null: the network module's full list)."
  type = object({
    cidr_block          = string
    azs                 = list(string)
    single_nat_gateway  = optional(bool, false)
    interface_endpoints = optional(list(string))
  })
}

variable "service" {
  description = "The sample ECS service; unset attributes take the ecs module's defaults. `scheduled`: stopped outside office hours. `capacity`: fargate, fargate-spot (beyond `fargate_base` tasks) or ec2 (a Graviton capacity provider group; `container_instance_ami_id` only where the ECS-optimized AMI parameter is missing, as in the emulator)."
  type = object({
    min_capacity              = optional(number)
    max_capacity              = optional(number)
    capacity                  = optional(string)
    fargate_base              = optional(number)
    container_insights        = optional(string)
    deletion_protection       = optional(bool)
    scheduled                 = optional(bool, false)
    container_instance_ami_id = optional(string)
  })
  default = {}
}

variable "web" {
  description = "The web tier's Auto Scaling group; unset attributes take the instance-group module's defaults. `scheduled`: tagged `Schedule = office-hours`, so scaled to zero outside office hours. `ami_id` only where the AMI parameter is missing (the emulator)."
  type = object({
    instance_type = optional(string)
    ami_id        = optional(string)
    min_size      = optional(number)
    max_size      = number
    cpu_target    = optional(number)
    scheduled     = optional(bool, false)
  })
}

variable "database" {
  description = "The RDS PostgreSQL instance; unset attributes take the database module's defaults. `scheduled`: stopped outside office hours (then its windows, backups and rotation must fall inside them). `rpo_hours`: the RPO backup-verifier holds its backups to (null: the module's)."
  type = object({
    instance_class        = optional(string)
    performance_insights  = optional(bool)
    multi_az              = optional(bool)
    deletion_protection   = optional(bool)
    backup_retention_days = optional(number)
    backup_window         = optional(string)
    maintenance_window    = optional(string)
    rotation_schedule     = optional(string)
    rotation_window       = optional(string)
    rpo_hours             = optional(number)
    scheduled             = optional(bool, false)
  })
  default = {}
}

variable "backup" {
  description = "AWS Backup: `schedule` and `retention_days` of the daily rule, `extra_rules` (weekly, monthly...), `vault_lock_min_retention_days`, `force_destroy`, and `copy` (every recovery point also copied to a vault in the aws.copy provider's region); unset attributes take the backup module's defaults."
  type = object({
    schedule       = optional(string)
    retention_days = optional(number)
    extra_rules = optional(map(object({
      schedule       = string
      retention_days = number
    })), {})
    vault_lock_min_retention_days = optional(number)
    force_destroy                 = optional(bool, false)
    copy                          = optional(bool, false)
  })
  default = {}
}

variable "functions" {
  description = "The five functions: `artifacts_dir` (absolute: where `make package` put the zips), `placeholder_zip` (stands in for a missing zip; emulator only), `architecture`, `dry_run`, `reserve_concurrency`, `tracing_mode` and `notifier_settings` (scaling-notifier's environment, e.g. MIN_SEVERITY); unset attributes take the automation module's defaults."
  type = object({
    artifacts_dir       = string
    placeholder_zip     = optional(string)
    architecture        = optional(string)
    dry_run             = optional(bool)
    reserve_concurrency = optional(bool)
    tracing_mode        = optional(string)
    notifier_settings   = optional(map(string), {})
  })
}

variable "emulator" {
  description = "The local emulator (moto) only: leave out what it cannot take (the HTTPS listener, the service's scaling target, the DLQ's redrive-allow policy, the backup selection and restore testing)."
  type        = bool
  default     = false
}
