# Daily backups kept 35 days, weekly ones kept 90 and monthly ones a
# year, in a locked vault, every one also copied to a vault in another
# region; weekly restore tests of RDS instances tagged restore-test = true.

# The module declares the provider versions it takes.
provider "aws" {
  region = "eu-central-1"
}

module "backup" {
  source = "../.."

  name                            = "example"
  schedule_timezone               = "Europe/Berlin"
  retention_days                  = 35
  vault_lock_min_retention_days   = 7
  copy_vault_arn                  = "arn:aws:backup:eu-west-1:123456789012:backup-vault:example-copy"
  restore_test_subnet_group       = "example-db"
  restore_test_security_group_ids = ["sg-0123456789abcdef0"]

  extra_rules = {
    weekly  = { schedule = "cron(0 4 ? * SUN *)", retention_days = 90 }
    monthly = { schedule = "cron(0 5 1 * ? *)", retention_days = 365 }
  }
}

output "rules" {
  value = module.backup.rules
}
