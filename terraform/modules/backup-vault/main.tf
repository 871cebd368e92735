# A backup vault encrypted with its own customer managed key, optionally
# locked. The backup module keeps its recovery points in one; a vault in
# another region (this module under an aliased provider) receives copies.

module "key" {
  source = "../kms-key"

  description = "${var.name}: AWS Backup vault"
  tags        = var.tags
}

resource "aws_backup_vault" "this" {
  name          = var.name
  kms_key_arn   = module.key.arn
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_backup_vault_lock_configuration" "this" {
  count = var.vault_lock_min_retention_days == null ? 0 : 1

  backup_vault_name  = aws_backup_vault.this.name
  min_retention_days = var.vault_lock_min_retention_days
}
