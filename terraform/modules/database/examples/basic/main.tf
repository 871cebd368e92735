# A small single-AZ PostgreSQL instance stopped off-hours, its master
# credentials rotated weekly by secret-rotator inside office hours.

# The module declares the provider versions it takes.
provider "aws" {
  region = "eu-central-1"
}

module "database" {
  source = "../.."

  name                  = "example-db"
  vpc_id                = "vpc-0123456789abcdef0"
  subnet_ids            = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  instance_class        = "db.t4g.micro"
  multi_az              = false
  deletion_protection   = false
  backup_retention_days = 1
  backup_window         = "15:00-15:30"
  maintenance_window    = "tue:14:00-tue:14:30"
  schedule_tag          = "office-hours"
  rotation_lambda_arn   = "arn:aws:lambda:eu-central-1:123456789012:function:example-secret-rotator"
  rotation_schedule     = "cron(0 10 ? * TUE *)"
  rotation_window       = "2h"
  backup_tag            = { key = "backup-rpo-hours", value = "72" }
}

output "master_secret_arn" {
  value = module.database.master_secret_arn
}
