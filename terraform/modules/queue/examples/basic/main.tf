# A queue with its dead-letter queue and a depth alarm to an alarm topic.

# The module declares the provider versions it takes.
provider "aws" {
  region = "eu-central-1"
}

module "queue" {
  source = "../.."

  name              = "example-orders"
  max_receive_count = 5
  alarm_topic_arn   = "arn:aws:sns:eu-central-1:123456789012:example-alarms"
}

output "dlq_url" {
  value = module.queue.dlq_url
}
