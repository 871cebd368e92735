output "function_arns" {
  description = "The five functions."
  value       = module.automation.function_arns
}

output "function_environments" {
  description = "Each function's environment variables, by function."
  value       = module.automation.function_environments
}

output "notifications_topic_arn" {
  description = "Where the functions publish; subscribe more endpoints here."
  value       = module.notifications.notifications_topic_arn
}

output "alarms_topic_arn" {
  description = "The alarm topic dlq-processor subscribes to."
  value       = module.notifications.alarms_topic_arn
}

output "load_balancer_dns_name" {
  description = "The sample service."
  value       = module.ecs.load_balancer_dns_name
}

output "ecs_cluster_name" {
  description = "The ECS cluster of the sample service."
  value       = module.ecs.cluster_name
}

output "container_instances_asg_name" {
  description = "The ECS capacity provider's Auto Scaling group (service.capacity = ec2), which scaling-scheduler leaves to ECS; null on Fargate."
  value       = module.ecs.container_instances_asg_name
}

output "web_asg_name" {
  description = "The web tier's Auto Scaling group."
  value       = module.web.asg_name
}

output "database_secret_arn" {
  description = "Master credentials of the database (rotated by secret-rotator)."
  value       = module.database.master_secret_arn
}

output "database_identifier" {
  description = "Identifier of the RDS instance."
  value       = module.database.instance_identifier
}

output "database_kms_key_arn" {
  description = "Key the database, and so its snapshots and AWS Backup recovery points, is encrypted with."
  value       = module.database.kms_key_arn
}

output "orders_dlq_url" {
  description = "The sample queue's DLQ, watched by dlq-processor."
  value       = module.orders_queue.dlq_url
}

output "orders_dlq_alarm_name" {
  description = "The DLQ depth alarm, whose action is the alarm topic."
  value       = "${var.name}-orders-dlq-not-empty"
}

output "backup_rules" {
  description = "The backup plan's rules by name: schedule, retention_days and copies_to (copy vault ARN to the days copies are kept)."
  value       = module.backup.rules
}

output "backup_copy_vault_arn" {
  description = "The vault in the copy region (null without backup.copy)."
  value       = one(module.backup_copy_vault[*].arn)
}
