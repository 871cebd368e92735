# The notifications and alarms topics, ERROR and above e-mailed to the
# on-call list, everything also sent to a chat relay.

# The module declares the provider versions it takes.
provider "aws" {
  region = "eu-central-1"
}

module "notifications" {
  source = "../.."

  name            = "example"
  email_addresses = ["oncall@example.com"]
  chat_sink = {
    protocol = "https"
    endpoint = "https://chat-relay.example.com/aws"
  }
}

output "notifications_topic_arn" {
  value = module.notifications.notifications_topic_arn
}
