output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "service_arn" {
  description = "ARN of the sample service."
  value       = aws_ecs_service.web.id
}

output "service_security_group_id" {
  description = "Security group of the service's tasks (allow it into the database)."
  value       = aws_security_group.service.id
}

output "load_balancer_dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "load_balancer_arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "container_instances_asg_name" {
  description = "With capacity ec2: the capacity provider's Auto Scaling group (ECS sizes it; scaling-scheduler leaves it alone). Null otherwise."
  value       = try(module.container_instances[0].asg_name, null)
}
