output "queue_arn" {
  description = "ARN of the main queue."
  value       = aws_sqs_queue.main.arn
}

output "queue_url" {
  description = "URL of the main queue."
  value       = aws_sqs_queue.main.id
}

output "queue_name" {
  description = "Name of the main queue."
  value       = aws_sqs_queue.main.name
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.dlq.id
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}

output "kms_key_arn" {
  description = "Key of both queues: dlq-processor needs kms:Decrypt and kms:GenerateDataKey on it."
  value       = module.key.arn
}

output "alarm_arn" {
  description = "ARN of the DLQ depth alarm."
  value       = aws_cloudwatch_metric_alarm.dlq_not_empty.arn
}
