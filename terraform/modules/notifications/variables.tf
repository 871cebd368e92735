variable "name" {
  description = "Prefix of every name in this module, e.g. `ops-staging`."
  type        = string
}

variable "email_addresses" {
  description = "Addresses that receive ERROR and CRITICAL notifications (each must confirm the subscription)."
  type        = list(string)
  default     = []
}

variable "chat_sink" {
  description = "Optional endpoint that receives every notification: `{ protocol = \"https\" | \"lambda\" | \"sqs\", endpoint = \"...\" }` (an AWS Chatbot or webhook relay, say)."
  type = object({
    protocol = string
    endpoint = string
  })
  default = null

  validation {
    condition     = var.chat_sink == null || contains(["https", "lambda", "sqs"], try(var.chat_sink.protocol, ""))
    error_message = "chat_sink.protocol must be https, lambda or sqs."
  }
}

variable "email_min_severity" {
  description = "Lowest severity e-mailed: ERROR (ERROR and CRITICAL) or CRITICAL."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["WARNING", "ERROR", "CRITICAL"], var.email_min_severity)
    error_message = "email_min_severity must be WARNING, ERROR or CRITICAL."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
