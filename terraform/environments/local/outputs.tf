output "function_arns" {
  description = "The five functions."
  value       = module.stack.function_arns
}

output "notifications_topic_arn" {
  description = "Where the functions publish."
  value       = module.stack.notifications_topic_arn
}

output "alarms_topic_arn" {
  description = "The alarm topic dlq-processor subscribes to."
  value       = module.stack.alarms_topic_arn
}

output "database_secret_arn" {
  description = "Master credentials of the database (rotated by secret-rotator)."
  value       = module.stack.database_secret_arn
}

output "orders_dlq_url" {
  description = "The sample queue's DLQ, watched by dlq-processor."
  value       = module.stack.orders_dlq_url
}

output "orders_dlq_alarm_name" {
  description = "The DLQ depth alarm, whose action is the alarm topic."
  value       = module.stack.orders_dlq_alarm_name
}

output "container_instances_asg_name" {
  description = "The ECS capacity provider's Auto Scaling group (ECS on EC2), which scaling-scheduler leaves to ECS."
  value       = module.stack.container_instances_asg_name
}

output "ecs_cluster_name" {
  description = "The ECS cluster of the sample service."
  value       = module.stack.ecs_cluster_name
}

output "web_asg_name" {
  description = "The web tier's Auto Scaling group (EC2), scaled off-hours by scaling-scheduler."
  value       = module.stack.web_asg_name
}
