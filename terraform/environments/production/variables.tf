variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-central-1"
}

variable "backup_copy_region" {
  description = "Region every backup is also copied to (not var.region: a copy there would not outlive the region)."
  type        = string
  default     = "eu-west-1"
}

variable "azs" {
  description = "Availability zones (two or more)."
  type        = list(string)
  default     = ["eu-central-1a", "eu-central-1b"]
}

variable "certificate_arn" {
  description = "ACM certificate for the load balancer's HTTPS listener."
  type        = string
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

variable "artifacts_dir" {
  description = "Where `make package` put the function zips, relative to this directory."
  type        = string
  default     = "../../../target/lambda"
}

variable "architecture" {
  description = "Architecture of the zips: arm64 (default) or x86_64."
  type        = string
  default     = "arm64"
}

variable "timezone" {
  description = "IANA time zone of the office-hours schedule and the daily checks."
  type        = string
  default     = "Europe/Berlin"
}

variable "dry_run" {
  description = "Functions report what they would do and change nothing."
  type        = bool
  default     = false
}

variable "reserve_concurrency" {
  description = "Reserve each function's concurrency (scaling-scheduler one, so runs never overlap). Set false on an account whose concurrency quota is 10 (new accounts), where nothing can be reserved and apply fails."
  type        = bool
  default     = true
}
