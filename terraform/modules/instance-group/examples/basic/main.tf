# A Graviton web tier behind a load balancer: two to six instances held at
# 50 % CPU, reachable only from the load balancer, Session Manager only.

# The module declares the provider versions it takes.
provider "aws" {
  region = "eu-central-1"
}

module "web" {
  source = "../.."

  name                = "example-web"
  vpc_id              = "vpc-0123456789abcdef0"
  subnet_ids          = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  instance_type       = "t4g.medium"
  min_size            = 2
  max_size            = 6
  cpu_target          = 50
  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]
  ingress             = [{ security_group_id = "sg-0123456789abcdef0", port = 8080 }]
  target_group_arns   = ["arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/example-web/0123456789abcdef"]
  group_tags          = { Schedule = "office-hours" }
}

output "asg_name" {
  value = module.web.asg_name
}
