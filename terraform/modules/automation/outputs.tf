output "function_arns" {
  description = "ARN of each function, by name (scaling-scheduler, dlq-processor, ...)."
  value       = { for k, f in aws_lambda_function.this : k => f.arn }
}

output "secret_rotator_arn" {
  description = "ARN of secret-rotator, for aws_secretsmanager_secret_rotation: known only once Secrets Manager may invoke it and its policies are in place, so a rotation set up with it never starts before."
  value       = aws_lambda_function.this["secret-rotator"].arn

  # RotateSecret starts the first rotation at once: without the permission
  # it fails, without the policies the function does.
  depends_on = [
    aws_lambda_permission.rotation,
    aws_iam_role_policy.code,
    aws_iam_role_policy.runtime,
  ]
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

output "function_environments" {
  description = "Environment variables of each function, by name: settings and ARNs only (no secret is ever in them)."
  value       = { for k, f in aws_lambda_function.this : k => f.environment[0].variables }
}
