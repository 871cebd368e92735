variable "name" {
  description = "Prefix of every name in this module."
  type        = string
}

variable "cidr_block" {
  description = "VPC CIDR; split into /20 subnets: public, private (apps, functions) and database per AZ."
  type        = string
  default     = "10.40.0.0/16"
}

variable "azs" {
  description = "Availability zones to span (two to four)."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2 && length(var.azs) <= 4
    error_message = "Give two to four availability zones (RDS subnet groups need two; each tier has room for four /20 subnets)."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper; staging) instead of one per AZ (production)."
  nullable    = false
  type        = bool
  default     = false
}

variable "interface_endpoints" {
  description = "AWS services reached through interface endpoints from the private subnets, so in-VPC functions never leave AWS's network. Each costs per AZ per hour."
  nullable    = false
  type        = list(string)
  default = [
    "secretsmanager",
    "sns",
    "sqs",
    "kms",
    "rds",
    "backup",
    "ec2",
    "ecs",
    "autoscaling",
    "application-autoscaling",
    "logs",
    "sts",
  ]
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log group. One of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30 ... 3653 days)."
  type        = number
  default     = 90

  validation {
    # PutRetentionPolicy takes only these; anything else fails at apply.
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (days CloudWatch Logs accepts)."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
