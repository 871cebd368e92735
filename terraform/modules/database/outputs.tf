output "instance_arn" {
  description = "ARN of the DB instance."
  value       = aws_db_instance.this.arn
}

output "instance_identifier" {
  description = "Identifier of the DB instance."
  value       = aws_db_instance.this.identifier
}

output "address" {
  description = "Host name of the DB instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the DB instance."
  value       = aws_db_instance.this.port
}

output "master_secret_arn" {
  description = "Secret holding the master credentials (rotated by secret-rotator)."
  value       = aws_secretsmanager_secret.master.arn
}

output "kms_key_arn" {
  description = "Key of the storage and the secret: secret-rotator needs kms:Decrypt and kms:GenerateDataKey on it."
  value       = module.key.arn
}

output "security_group_id" {
  description = "Security group of the DB instance."
  value       = aws_security_group.db.id
}

output "subnet_group_name" {
  description = "DB subnet group (restore tests restore into it)."
  value       = aws_db_subnet_group.this.name
}
