# A whole environment in one call: the staging shape, with backups copied
# to a second region. Run `make package` first: the zips are read from
# target/lambda.

# The module declares the provider versions it takes.
provider "aws" {
  region = "eu-central-1"
}

provider "aws" {
  alias  = "copy"
  region = "eu-west-1"
}

module "stack" {
  source = "../.."
  providers = {
    aws      = aws
    aws.copy = aws.copy
  }

  name            = "example"
  environment     = "example"
  timezone        = "Europe/Berlin"
  office_hours    = { start = "07:00", stop = "20:00" }
  alert_emails    = ["oncall@example.com"]
  certificate_arn = "arn:aws:acm:eu-central-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"

  network = {
    cidr_block         = "10.70.0.0/16"
    azs                = ["eu-central-1a", "eu-central-1b"]
    single_nat_gateway = true
  }

  service  = { capacity = "fargate-spot", scheduled = true }
  web      = { max_size = 3, cpu_target = 60, scheduled = true }
  database = { multi_az = false, deletion_protection = false, scheduled = true }

  backup = {
    retention_days = 14
    copy           = true
    extra_rules    = { weekly = { schedule = "cron(0 12 ? * FRI *)", retention_days = 60 } }
  }

  functions = {
    artifacts_dir = abspath("${path.module}/../../../../../target/lambda")
    dry_run       = true
  }
}

output "notifications_topic_arn" {
  value = module.stack.notifications_topic_arn
}
