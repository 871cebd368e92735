output "arn" {
  description = "ARN of the vault."
  value       = aws_backup_vault.this.arn
}

output "name" {
  description = "Name of the vault."
  value       = aws_backup_vault.this.name
}

output "kms_key_arn" {
  description = "Key of the vault: what recovery points of fully managed resource types, and copies of every type into it, are encrypted with."
  value       = module.key.arn
}
