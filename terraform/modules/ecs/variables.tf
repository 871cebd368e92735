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
  type        = number
  default     = 1
}

variable "max_capacity" {
  description = "Most tasks Application Auto Scaling runs."
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
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the service's log group."
  type        = number
  default     = 30
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
