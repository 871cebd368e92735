output "notifications_topic_arn" {
  description = "Topic the functions publish notifications to (NOTIFY_TOPIC_ARN)."
  value       = aws_sns_topic.notifications.arn
}

output "alarms_topic_arn" {
  description = "Topic CloudWatch alarms publish to; dlq-processor subscribes to it."
  value       = aws_sns_topic.alarms.arn
}

output "kms_key_arn" {
  description = "Key encrypting both topics: publishers need kms:GenerateDataKey and kms:Decrypt on it."
  value       = module.key.arn
}
