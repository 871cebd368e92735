output "asg_name" {
  description = "Name of the Auto Scaling group."
  value       = aws_autoscaling_group.this.name
}

output "asg_arn" {
  description = "ARN of the Auto Scaling group."
  value       = aws_autoscaling_group.this.arn
}

output "security_group_id" {
  description = "Security group of the instances."
  value       = aws_security_group.instance.id
}

output "role_name" {
  description = "Role of the instances (attach more policies to it)."
  value       = aws_iam_role.instance.name
}
