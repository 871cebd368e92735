# The sample service on ECS on EC2: a Graviton Auto Scaling group as the
# capacity provider, scaling to zero when the service does off-hours.

# The module declares the provider versions it takes.
provider "aws" {
  region = "eu-central-1"
}

module "ecs" {
  source = "../.."

  name               = "example"
  vpc_id             = "vpc-0123456789abcdef0"
  vpc_cidr_block     = "10.70.0.0/16"
  public_subnet_ids  = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  private_subnet_ids = ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"]
  certificate_arn    = "arn:aws:acm:eu-central-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  capacity           = "ec2"
  instance_type      = "t4g.small"
  max_instances      = 4
  schedule_tag       = "office-hours"
  log_retention_days = 14
}

output "load_balancer_dns_name" {
  value = module.ecs.load_balancer_dns_name
}
