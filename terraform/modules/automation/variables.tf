variable "name" {
  description = "Prefix of every name in this module, e.g. `ops-staging`."
  type        = string
}

variable "environment" {
  description = "Deployment name, sent with every notification (ENVIRONMENT)."
  type        = string
}

variable "artifacts_dir" {
  description = "Directory holding `<function>/bootstrap.zip` from `make package` (cargo lambda build --release --output-format zip)."
  type        = string
}

variable "placeholder_zip" {
  description = "Zip deployed for a function whose `make package` zip is missing; null (the default) to require every zip. For the local emulator only, which never runs the code."
  type        = string
  default     = null
}

variable "architecture" {
  description = "Lambda architecture the artifacts were built for: arm64 (`make package`) or x86_64 (`make package ARCH=x86_64`)."
  nullable    = false
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "dry_run" {
  description = "DRY_RUN for every function: report the plan, change nothing."
  nullable    = false
  type        = bool
  default     = false
}

variable "log_level" {
  description = "Log level of the functions: TRACE, DEBUG, INFO, WARN or ERROR (set as the log group's application log level)."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups. One of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30 ... 3653 days)."
  type        = number
  default     = 30

  validation {
    # PutRetentionPolicy takes only these; anything else fails at apply.
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (days CloudWatch Logs accepts)."
  }
}

variable "reserve_concurrency" {
  description = "Reserve each function's concurrency (scaling-scheduler: one, so runs never overlap). Set false on accounts whose concurrency quota is 10 (new accounts), where nothing can be reserved."
  nullable    = false
  type        = bool
  default     = true
}

variable "tracing_mode" {
  description = "X-Ray tracing of the functions: Active or PassThrough."
  nullable    = false
  type        = string
  default     = "Active"
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the functions' EMF metrics."
  type        = string
  default     = "OpsAutomation"
}

variable "notify_topic_arn" {
  description = "Topic every function publishes notifications to."
  type        = string
}

variable "alarm_topic_arn" {
  description = "Topic of the alarms: dlq-processor subscribes to it for SQS alarms, and the function error alarms notify it."
  type        = string
}

variable "topic_kms_key_arn" {
  description = "Key of the two topics."
  type        = string
}

# --- scaling-scheduler ---------------------------------------------------------

variable "schedules" {
  description = "The scaling-scheduler document (see functions/scaling-scheduler/schedules.example.json), as an object."
  type        = any
}

variable "scheduler_rate" {
  description = "How often scaling-scheduler reconciles (EventBridge Scheduler expression)."
  type        = string
  default     = "rate(5 minutes)"
}

# --- dlq-processor -------------------------------------------------------------

variable "dlq_arns" {
  description = "Dead-letter queues dlq-processor may read, redrive from and delete from."
  type        = list(string)

  validation {
    condition     = length(var.dlq_arns) > 0
    error_message = "Give at least one DLQ."
  }
}

variable "redrive_target_arns" {
  description = "Queues dlq-processor may send redriven messages to (the DLQs' sources, and the parking queue)."
  type        = list(string)

  validation {
    condition     = length(var.redrive_target_arns) > 0
    error_message = "Give at least one redrive target."
  }
}

variable "queue_kms_key_arns" {
  description = "KMS keys of those queues."
  type        = list(string)
  default     = []
}

variable "dlq_settings" {
  description = "Optional dlq-processor settings: GROUP_BY_FIELD, GROUP_BY_ATTRIBUTE, INSPECT_SAMPLE, MAX_REDRIVES, PARKING_QUEUE, REDRIVE_RATE, MAX_PER_INVOCATION, AUTO_REDRIVE_QUEUES, REDACT_FIELDS."
  type        = map(string)
  default     = {}
}

variable "auto_redrive_rate" {
  description = "When set (e.g. `rate(1 hour)`), a schedule redrives the queues in AUTO_REDRIVE_QUEUES."
  type        = string
  default     = null
}

# --- secret-rotator --------------------------------------------------------------

variable "rotated_secret_arns" {
  description = "Secrets secret-rotator rotates."
  type        = list(string)
}

variable "master_secret_arns" {
  description = "Master secrets the alternating-users strategy reads (may be among the rotated ones)."
  type        = list(string)
  default     = []
}

variable "secret_kms_key_arns" {
  description = "KMS keys of the rotated and master secrets."
  type        = list(string)
  default     = []
}

variable "vpc_id" {
  description = "VPC of the databases (secret-rotator and backup-verifier connect to them)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the in-VPC functions."
  type        = list(string)
}

variable "vpc_cidr_block" {
  description = "CIDR the in-VPC functions may reach databases in."
  type        = string
}

# --- backup-verifier -------------------------------------------------------------

variable "backup_tag_key" {
  description = "Tag marking protected resources; its value is the RPO in hours (BACKUP_TAG_KEY)."
  type        = string
  default     = "backup-rpo-hours"
}

variable "backup_kms_key_arn" {
  description = "The vault key: what recovery points of the types AWS Backup fully manages (EFS, S3, DynamoDB with advanced backup) must be encrypted with (EXPECTED_KMS_KEY_ARN); null to accept any. RDS and EBS backups keep their source's key and are held to it; name other keys per resource with EXPECTED_KMS_KEYS in backup_settings."
  type        = string
  default     = null
}

variable "backup_settings" {
  description = "Optional backup-verifier settings: DEFAULT_RPO_HOURS, MIN_RETENTION_DAYS, RESOURCE_ARNS, BACKUP_SOURCES, RESTORE_VALIDATIONS, VALIDATION_TIMEOUT_SECONDS, VALIDATION_INSTANCE_CLASS, EXPECTED_KMS_KEYS, COPY_GRACE_HOURS."
  type        = map(string)
  default     = {}
}

variable "validation_secret_arns" {
  description = "Secrets backup-verifier reads to log in to restored databases."
  type        = list(string)
  default     = []
}

variable "verify_schedule" {
  description = "When backup-verifier checks every protected resource (EventBridge Scheduler cron, in schedule_timezone)."
  type        = string
  default     = "cron(0 7 * * ? *)"
}

variable "schedule_timezone" {
  description = "IANA time zone of the daily verification."
  type        = string
  default     = "UTC"
}

# --- scaling-notifier -------------------------------------------------------------

variable "notifier_settings" {
  description = "Optional scaling-notifier settings: MIN_SEVERITY, MUTED_EVENTS, REDACT_FIELDS."
  type        = map(string)
  default     = {}
}

variable "slack_webhook_secret_arn" {
  description = "Secret holding a Slack incoming-webhook URL; null for SNS only."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
