# A VPC over two AZs with one NAT gateway and only the interface endpoints
# the in-VPC functions call most.

# The module declares the provider versions it takes.
provider "aws" {
  region = "eu-central-1"
}

module "network" {
  source = "../.."

  name                    = "example"
  cidr_block              = "10.70.0.0/16"
  azs                     = ["eu-central-1a", "eu-central-1b"]
  single_nat_gateway      = true
  interface_endpoints     = ["secretsmanager", "sns", "kms"]
  flow_log_retention_days = 30
}

output "private_subnet_ids" {
  value = module.network.private_subnet_ids
}
