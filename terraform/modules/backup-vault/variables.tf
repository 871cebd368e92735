variable "name" {
  description = "Name of the vault (letters, digits, hyphens and underscores, 2 to 50)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{2,50}$", var.name))
    error_message = "name must be 2 to 50 letters, digits, hyphens or underscores (AWS Backup's rule for vault names)."
  }
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the vault with its recovery points (staging); false keeps a vault that holds any."
  type        = bool
  default     = false
}

variable "vault_lock_min_retention_days" {
  description = "Vault Lock (governance mode) minimum retention; null for no lock. The vault fails backup and copy jobs that keep recovery points less long."
  type        = number
  default     = null

  validation {
    condition     = var.vault_lock_min_retention_days == null || try(var.vault_lock_min_retention_days >= 1 && floor(var.vault_lock_min_retention_days) == var.vault_lock_min_retention_days, false)
    error_message = "vault_lock_min_retention_days must be null (no lock) or a whole number of days, at least 1."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
