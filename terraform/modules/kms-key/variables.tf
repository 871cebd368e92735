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
  description = "AWS services that must use the key themselves (e.g. `cloudwatch.amazonaws.com` publishing to an encrypted topic)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
