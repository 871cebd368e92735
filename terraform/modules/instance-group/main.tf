# An EC2 Auto Scaling group of one launch template: IMDSv2 only (hop limit
# 1, so containers and proxies on the instance cannot reach its
# credentials), an encrypted gp3 root volume, detailed monitoring, nothing
# in but what `ingress` names, HTTPS out. The instance count belongs to the
# target-tracking policy, a capacity provider or scaling-scheduler, never
# to Terraform after creation.

data "aws_ssm_parameter" "ami" {
  count = var.ami_id == null ? 1 : 0
  name  = var.ami_parameter
}

locals {
  ami_id = coalesce(var.ami_id, try(data.aws_ssm_parameter.ami[0].insecure_value, null))
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "instance" {
  name               = "${var.name}-instance"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "instance" {
  for_each = toset(var.managed_policy_arns)

  role       = aws_iam_role.instance.name
  policy_arn = each.value
}

resource "aws_iam_instance_profile" "instance" {
  name = "${var.name}-instance"
  role = aws_iam_role.instance.name
  tags = var.tags
}

resource "aws_security_group" "instance" {
  name        = "${var.name}-instance"
  description = "Instances of ${var.name}: in from what is named only; HTTPS out"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "instance" {
  count = length(var.ingress)

  security_group_id            = aws_security_group.instance.id
  description                  = "From a named security group"
  referenced_security_group_id = var.ingress[count.index].security_group_id
  ip_protocol                  = "tcp"
  from_port                    = var.ingress[count.index].port
  to_port                      = var.ingress[count.index].port
}

resource "aws_vpc_security_group_egress_rule" "instance_https" {
  security_group_id = aws_security_group.instance.id
  description       = "HTTPS out: package mirrors, agents and AWS APIs"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_launch_template" "this" {
  name_prefix            = "${var.name}-"
  image_id               = local.ami_id
  instance_type          = var.instance_type
  vpc_security_group_ids = [aws_security_group.instance.id]
  user_data              = var.user_data == "" ? null : base64encode(var.user_data)
  tags                   = var.tags

  iam_instance_profile {
    arn = aws_iam_instance_profile.instance.arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  monitoring {
    enabled = true
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_type           = "gp3"
      volume_size           = var.volume_size
      encrypted             = true
      delete_on_termination = true
    }
  }

  # Volumes are not tagged by the group; a specification without tags is
  # refused, so there is none when there are no tags.
  dynamic "tag_specifications" {
    for_each = length(var.tags) > 0 ? [var.tags] : []
    content {
      resource_type = "volume"
      tags          = tag_specifications.value
    }
  }
}

resource "aws_autoscaling_group" "this" {
  name_prefix           = "${var.name}-"
  min_size              = var.min_size
  max_size              = var.max_size
  desired_capacity      = coalesce(var.desired_capacity, var.min_size)
  vpc_zone_identifier   = var.subnet_ids
  target_group_arns     = var.target_group_arns
  health_check_type     = length(var.target_group_arns) > 0 ? "ELB" : "EC2"
  protect_from_scale_in = var.protect_from_scale_in

  launch_template {
    id      = aws_launch_template.this.id
    version = "$Latest"
  }

  tag {
    key                 = "Name"
    value               = var.name
    propagate_at_launch = true
  }

  dynamic "tag" {
    for_each = merge(var.tags, var.group_tags)
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

resource "aws_autoscaling_policy" "cpu" {
  count = var.cpu_target == null ? 0 : 1

  name                   = "${var.name}-cpu"
  autoscaling_group_name = aws_autoscaling_group.this.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    target_value = var.cpu_target

    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
  }
}
