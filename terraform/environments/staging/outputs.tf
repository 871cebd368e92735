output "function_arns" {
  description = "The five functions."
  value       = module.stack.function_arns
}

output "notifications_topic_arn" {
  description = "Subscribe more endpoints here."
  value       = module.stack.notifications_topic_arn
}

output "load_balancer_dns_name" {
  description = "The sample service."
  value       = module.stack.load_balancer_dns_name
}

output "database_secret_arn" {
  description = "Master credentials of the database (rotated)."
  value       = module.stack.database_secret_arn
}

output "orders_dlq_url" {
  description = "The sample queue's DLQ, watched by dlq-processor."
  value       = module.stack.orders_dlq_url
}
