variable "name" {
  description = "Name of the cluster and prefix of the other names."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the service and load balancer."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR of the VPC: the tasks may reach database_ports inside it."
  type        = string
}

variable "database_ports" {
  description = "Ports the tasks may open inside the VPC besides HTTPS out (the database the service uses)."
  type        = list(number)
  default     = [5432]
}

variable "container_insights" {
  description = "Container Insights on the cluster: enabled, enhanced or disabled (it bills per metric)."
  nullable    = false
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced", "disabled"], var.container_insights)
    error_message = "container_insights must be enabled, enhanced or disabled."
  }
}

variable "public_subnet_ids" {
  description = "Subnets of the load balancer."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Subnets of the tasks."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener."
  type        = string
}

variable "allowed_cidrs" {
  description = "Who may reach the load balancer on 443."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "container_image" {
  description = "Image of the sample service: it must listen on container_port as a non-root user and write only to /tmp (the root file system is read-only)."
  type        = string
  default     = "docker.io/nginxinc/nginx-unprivileged:stable-alpine"
}

variable "container_port" {
  description = "Port the container listens on."
  type        = number
  default     = 8080
}

variable "cpu" {
  description = "Task CPU units."
  type        = number
  default     = 256
}

variable "memory" {
  description = "Task memory (MiB)."
  type        = number
  default     = 512
}

variable "min_capacity" {
  description = "Fewest tasks Application Auto Scaling keeps (in hours)."
  nullable    = false
  type        = number
  default     = 1
}

variable "max_capacity" {
  description = "Most tasks Application Auto Scaling runs."
  nullable    = false
  type        = number
  default     = 4
}

variable "cpu_target" {
  description = "Average CPU % the target-tracking policy holds."
  type        = number
  default     = 60
}

variable "schedule_tag" {
  description = "`Schedule` tag value for scaling-scheduler (off-hours to zero); null for always on."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Deletion protection of the load balancer."
  nullable    = false
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the service's log group. One of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30 ... 3653 days)."
  type        = number
  default     = 30

  validation {
    # PutRetentionPolicy takes only these; anything else fails at apply.
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (days CloudWatch Logs accepts)."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "create_https_listener" {
  description = "Create the HTTPS listener. False only where certificate_arn names no real certificate (the local emulator): the service then has no way in."
  type        = bool
  default     = true
}

variable "create_autoscaling" {
  description = "Create the Application Auto Scaling target and CPU policy. False only for the local emulator, which cannot list a scalable target's tags (the provider retries until it gives up)."
  type        = bool
  default     = true
}

variable "capacity" {
  description = "Where the service's tasks run: fargate (on-demand Fargate); fargate-spot (fargate_base tasks on Fargate, the rest on Fargate Spot, which AWS may reclaim with two minutes' notice); ec2 (Graviton instances of the cluster's own Auto Scaling group, a capacity provider ECS scales with the tasks, down to zero instances when the service is at zero)."
  nullable    = false
  type        = string
  default     = "fargate"

  validation {
    condition     = contains(["fargate", "fargate-spot", "ec2"], var.capacity)
    error_message = "capacity must be fargate, fargate-spot or ec2."
  }
}

variable "fargate_base" {
  description = "With capacity fargate-spot: tasks always on on-demand Fargate, so a Spot reclaim never takes the whole service."
  nullable    = false
  type        = number
  default     = 1

  validation {
    condition     = var.fargate_base >= 0 && floor(var.fargate_base) == var.fargate_base
    error_message = "fargate_base must be a whole number, 0 or more."
  }
}

variable "instance_type" {
  description = "With capacity ec2: the Graviton (arm64) instance type of the container instances; the task definition runs ARM64."
  type        = string
  default     = "t4g.small"

  validation {
    condition     = can(regex("^[a-z]+[0-9]+[a-z]*g[a-z]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be a Graviton (arm64) type such as t4g.small or m7g.large: the tasks are built for ARM64."
  }
}

variable "max_instances" {
  description = "With capacity ec2: most container instances the capacity provider may run."
  type        = number
  default     = 4

  validation {
    condition     = var.max_instances >= 1 && floor(var.max_instances) == var.max_instances
    error_message = "max_instances must be a whole number, 1 or more."
  }
}

variable "container_instance_ami_id" {
  description = "With capacity ec2: AMI of the container instances; null reads the ECS-optimized Amazon Linux 2023 arm64 AMI from Parameter Store."
  type        = string
  default     = null
}
