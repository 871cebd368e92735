variable "name" {
  description = "Name of the group and prefix of the other names."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the instances."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets the group launches into (private ones; two or more AZs)."
  type        = list(string)
}

variable "instance_type" {
  description = "Instance type; the AMI must be built for its architecture (a Graviton type such as t4g.small needs an arm64 AMI)."
  nullable    = false
  type        = string
  default     = "t4g.small"

  validation {
    condition     = can(regex("^[a-z]+[0-9]+[a-z-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be an EC2 instance type such as t4g.small or m7g.large."
  }
}

variable "ami_id" {
  description = "AMI of the instances; null reads the one ami_parameter names from Parameter Store."
  type        = string
  default     = null
}

variable "ami_parameter" {
  description = "Parameter Store name of the AMI, used when ami_id is null (the latest Amazon Linux 2023 for arm64 by default)."
  type        = string
  default     = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
}

variable "min_size" {
  description = "Fewest instances."
  nullable    = false
  type        = number
  default     = 0

  validation {
    condition     = var.min_size >= 0 && floor(var.min_size) == var.min_size
    error_message = "min_size must be a whole number, 0 or more."
  }
}

variable "max_size" {
  description = "Most instances."
  type        = number

  validation {
    condition     = var.max_size >= 1 && floor(var.max_size) == var.max_size
    error_message = "max_size must be a whole number, 1 or more."
  }
}

variable "desired_capacity" {
  description = "Instances at creation; afterwards the scaling policy, a capacity provider or scaling-scheduler own the count (Terraform ignores it). Null: min_size."
  type        = number
  default     = null
}

variable "cpu_target" {
  description = "Average CPU % a target-tracking policy holds the group at; null for no policy (a capacity provider scales the group instead)."
  type        = number
  default     = null

  validation {
    condition     = var.cpu_target == null || (coalesce(var.cpu_target, 50) > 0 && coalesce(var.cpu_target, 50) <= 100)
    error_message = "cpu_target must be a percentage between 1 and 100, or null."
  }
}

variable "volume_size" {
  description = "Size (GiB) of the encrypted gp3 root volume."
  type        = number
  default     = 30

  validation {
    condition     = var.volume_size >= 8 && var.volume_size <= 16384
    error_message = "volume_size must be between 8 and 16384 GiB."
  }
}

variable "user_data" {
  description = "Shell script the instances run at first boot."
  type        = string
  default     = ""
}

variable "managed_policy_arns" {
  description = "Managed policies for the instances' role (AmazonSSMManagedInstanceCore: Session Manager instead of SSH)."
  type        = list(string)
  default     = []
}

variable "protect_from_scale_in" {
  description = "Launch instances protected from scale-in (an ECS capacity provider's managed termination protection needs it)."
  type        = bool
  default     = false
}

variable "ingress" {
  description = "Who may open which port on the instances: a security group id (the load balancer's) and a port. Nothing else comes in."
  type = list(object({
    security_group_id = string
    port              = number
  }))
  default = []
}

variable "target_group_arns" {
  description = "Load balancer target groups the instances register with."
  type        = list(string)
  default     = []
}

variable "group_tags" {
  description = "Tags of the group, put on its instances too (a Schedule tag makes scaling-scheduler scale the group)."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
