# A key for an encrypted SNS topic that CloudWatch alarms publish to.

# The module declares the provider versions it takes.
provider "aws" {
  region = "eu-central-1"
}

module "key" {
  source = "../.."

  description        = "alarms topic"
  alias              = "example-alarms"
  service_principals = ["cloudwatch.amazonaws.com"]
  tags               = { Project = "example" }
}

output "key_arn" {
  value = module.key.arn
}
