variable "name" {
  description = "Queue name (`.fifo` is added for FIFO queues); the DLQ is `<name>-dlq`."
  type        = string
}

variable "fifo" {
  description = "FIFO queue and DLQ (dlq-processor redrives them group by group, in order)."
  type        = bool
  default     = false
}

variable "max_receive_count" {
  description = "Receives before a message moves to the DLQ."
  type        = number
  default     = 5
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the main queue (at least 6x the consumer's timeout for Lambda consumers)."
  type        = number
  default     = 60
}

variable "message_retention_seconds" {
  description = "Retention of the main queue."
  type        = number
  default     = 345600
}

variable "dlq_retention_seconds" {
  description = "Retention of the DLQ: the longest allowed (14 days), so there is time to redrive."
  type        = number
  default     = 1209600
}

variable "alarm_topic_arn" {
  description = "SNS topic the DLQ depth alarm notifies (dlq-processor subscribes to it)."
  type        = string
}

variable "alarm_threshold" {
  description = "Visible messages in the DLQ at or above which the alarm fires."
  type        = number
  default     = 1
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "create_redrive_allow_policy" {
  description = "Let only the main queue dead-letter into the DLQ. False only for the local emulator, which never reports the policy back (the provider waits for it until it gives up)."
  type        = bool
  default     = true
}
