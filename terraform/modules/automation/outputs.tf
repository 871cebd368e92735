output "function_arns" {
  description = "ARN of each function, by name (scaling-scheduler, dlq-processor, ...)."
  value       = { for k, f in aws_lambda_function.this : k => f.arn }
}

output "secret_rotator_arn" {
  description = "ARN of secret-rotator, for aws_secretsmanager_secret_rotation."
  value       = aws_lambda_function.this["secret-rotator"].arn
}

output "functions_security_group_id" {
  description = "Security group of the in-VPC functions: allow it into the databases."
  value       = aws_security_group.functions.id
}

output "role_arns" {
  description = "Execution role of each function."
  value       = { for k, r in aws_iam_role.function : k => r.arn }
}

output "failures_queue_arn" {
  description = "Where failed asynchronous invocations, rule and schedule deliveries land."
  value       = aws_sqs_queue.failures.arn
}
