variable "description" {
  description = "What the key encrypts."
  type        = string
}

variable "alias" {
  description = "Alias name without `alias/`; null for none."
  type        = string
  default     = null
}

variable "service_principals" {
  description = "AWS services that must use the key themselves on behalf of this account's resources (e.g. `cloudwatch.amazonaws.com` publishing alarms to an encrypted topic); their use is conditioned on aws:SourceAccount. Not for EventBridge targets: EventBridge's KMS requests carry no aws:SourceAccount."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
